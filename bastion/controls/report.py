"""The termly governors' report as PDF: every control's status and evidence, the most urgent
actions, the checks made this term, and the incidents of the term."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from bastion.controls import status as control_status
from bastion.controls.models import Attestation
from bastion.controls.registry import ATTENTION, MET, NOT_APPLICABLE, OVERDUE
from bastion.incidents.log import Term
from bastion.incidents.models import ICO_HOURS, Incident, clock_running_q
from bastion.lib.dates import long_date
from bastion.lib.exports import latin1, lock_pdf


def term_figures(school, term: Term, now: dt.datetime) -> dict:
    """Incidents of the term, and those open or past the 72 hours now; one query."""
    start, end = term.bounds()
    late = clock_running_q() & Q(aware_at__lt=now - dt.timedelta(hours=ICO_HOURS))
    return Incident.objects.filter(school=school).aggregate(
        term=Count("pk", filter=Q(aware_at__gte=start, aware_at__lt=end)),
        open=Count("pk", filter=~Q(status=Incident.Status.CLOSED)),
        late=Count("pk", filter=late & ~Q(status=Incident.Status.CLOSED)),
    )


def governors_report(
    school, controls, today: dt.date, now: dt.datetime, password: str | None = None
) -> bytes:
    """The report's PDF bytes for `controls` (from status.statuses) of `school`."""
    from fpdf import FPDF

    term = Term.of(today)
    attestations = (
        Attestation.objects.filter(
            school=school, attested_on__gte=term.start, attested_on__lt=term.next().start
        )
        .select_related("attested_by")
        .order_by("attested_on", "id")
    )
    incidents = term_figures(school, term, now)
    counts = control_status.counts(controls)

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.set_title(latin1(f"Governors' report: {school.name}, {term.label}"))
    pdf.set_creator("Bastion")
    lock_pdf(pdf, password)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(text: str, size: float = 12) -> None:
        pdf.set_font("helvetica", "B", size)
        pdf.multi_cell(width, 7, latin1(text), new_x="LMARGIN", new_y="NEXT")

    def para(text: str) -> None:
        pdf.set_font("helvetica", "", 10)
        pdf.multi_cell(width, 5, latin1(text), new_x="LMARGIN", new_y="NEXT")

    heading(f"E-Security Policy controls: governors' report, {term.label}", 15)
    para(f"{school.name}. Prepared on {long_date(today)} ({term.months}).")
    pdf.ln(2)
    heading("Summary")
    para(
        f"{counts[MET]} controls met, {counts[ATTENTION]} needing attention, "
        f"{counts[OVERDUE]} overdue, {counts[NOT_APPLICABLE]} not applicable."
    )
    para(
        f"Incidents this term: {incidents['term']}. Open now: {incidents['open']}, of which "
        f"{incidents['late']} past the 72 hours without an ICO decision."
    )
    pdf.ln(2)
    heading("Most urgent actions")
    urgent = control_status.urgent_actions(controls, limit=10)
    for control, _, action in urgent:
        para(f"- {control.code}: {action.text}")
    if not urgent:
        para("None: every control is met or not applicable.")
    pdf.ln(2)
    heading("Every control")
    pdf.set_font("helvetica", "", 8)
    with pdf.table(
        col_widths=(10, 62, 22, 96), text_align="LEFT", line_height=4, repeat_headings=1
    ) as grid:
        row = grid.row()
        for title in ("Row", "The policy says", "Status", "Evidence"):
            row.cell(title)
        for control in controls:
            row = grid.row()
            row.cell(control.code)
            row.cell(latin1(control.title))
            row.cell(control.label)
            row.cell(latin1(_evidence(control)))
    pdf.ln(3)
    heading("Checks recorded this term")
    pdf.set_font("helvetica", "", 8)
    if attestations:
        with pdf.table(col_widths=(10, 22, 40, 118), text_align="LEFT", line_height=4) as grid:
            row = grid.row()
            for title in ("Row", "Checked on", "By", "Note"):
                row.cell(title)
            for item in attestations:
                row = grid.row()
                row.cell(item.code)
                row.cell(long_date(item.attested_on))
                row.cell(latin1(str(item.attested_by)))
                row.cell(latin1(item.note))
    else:
        para("No checks were recorded this term.")
    return bytes(pdf.output())


def _evidence(control) -> str:
    if control.status == NOT_APPLICABLE:
        return control.reason
    lines = [f"{part.name}: {evidence.summary}" for part, evidence in control.parts]
    if control.attestation.summary:
        lines.append(control.attestation.summary)
    return "\n".join(lines) or "-"
