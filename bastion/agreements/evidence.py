"""The evidence export: who signed which version of which agreement, when and how."""

from __future__ import annotations

from django.utils import timezone

from bastion.agreements.models import Signature
from bastion.lib.dates import long_datetime
from bastion.lib.exports import Table, table_response

response = table_response


def _row(s: Signature, spreadsheet: bool) -> list:
    person = s.person
    how = s.get_method_display()
    if s.signed_by_id:
        how += f" by {s.signed_by.full_name} (parent or carer)"
    elif s.recorded_by_id and s.method != "online":
        how += f", recorded by {s.recorded_by.get_full_name() or s.recorded_by.email}"
    signed_at = timezone.localtime(s.signed_at).replace(tzinfo=None)
    common = [
        person.last_name,
        person.first_name,
        person.get_kind_display(),
        person.get_year_group_display() if person.year_group else "",
        person.class_name,
        s.agreement.title,
        s.number,
        s.version.effective_on,
        signed_at.date() if s.method in ("paper", "class") else signed_at,
        how,
        s.typed_name,
    ]
    if spreadsheet:
        return [*common, s.ip or "", s.user_agent, s.text_hash]
    return [*common, s.text_hash[:16]]


def table(school, *, fmt: str) -> tuple[Table, int]:
    rows = (
        Signature.objects.filter(school=school)
        .select_related("person", "agreement", "version", "signed_by", "recorded_by")
        .order_by("agreement_id", "person__last_name", "person__first_name", "person_id", "number")
    )
    spreadsheet = fmt == "xlsx"
    headers = [
        "Surname",
        "First name",
        "Who",
        "Year group",
        "Class",
        "Agreement",
        "Version",
        "Version effective",
        "Signed",
        "How",
        "Name typed",
    ]
    headers += (
        ["IP address", "Browser", "SHA-256 of the text signed"]
        if spreadsheet
        else ["Text hash (start)"]
    )
    widths = [16, 14, 12, 10, 8, 28, 7, 11, 15, 30, 18] + ([14, 30, 66] if spreadsheet else [14])
    table_ = Table(
        title=f"Acceptable Use Agreement signatures: {school.name}",
        subtitle=f"Exported {long_datetime(timezone.now())}. Each signature names the "
        "version signed and the hash of its exact text.",
        headers=headers,
        rows=(_row(s, spreadsheet) for s in rows.iterator(chunk_size=2000)),
        widths=widths,
        sheet="Signatures",
    )
    return table_, rows.count()
