"""Printed routes: a batch of letters with a signing link and QR code each, and a signing
sheet for a class or group to tick off later."""

from __future__ import annotations

import io

import qrcode
from fpdf import FPDF

from bastion.lib.dates import long_date
from bastion.lib.exports import latin1
from bastion.lib.markdown import render


def _pdf(title: str) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(latin1(title))
    pdf.set_creator("Bastion")
    return pdf


def _qr_png(url: str) -> io.BytesIO:
    image = qrcode.make(url, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def _text(pdf: FPDF, text: str, size: float = 11, style: str = "") -> None:
    pdf.set_font("helvetica", style, size)
    pdf.multi_cell(0, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def letters_pdf(school, letters: list[dict]) -> bytes:
    """One page per letter: {"to": "To the parent or carer of ...", "first_name", "title",
    "url", "expires"}."""
    pdf = _pdf(f"Acceptable Use Agreement letters, {school.name}")
    for letter in letters:
        pdf.add_page()
        _text(pdf, school.name, 16, "B")
        if letter.get("to"):
            _text(pdf, letter["to"], 10)
        _text(pdf, f"Dear {letter['first_name']},")
        _text(
            pdf,
            f"Please read and sign the {letter['title']}. It sets out how we keep children, "
            "families and the school safe online and how personal information is protected.",
        )
        _text(pdf, "Scan the QR code with your phone's camera, or type the address below.")
        pdf.image(_qr_png(letter["url"]), w=50)
        pdf.ln(2)
        _text(pdf, letter["url"], 9)
        _text(
            pdf,
            f"This link is for you only. It works once and expires on "
            f"{long_date(letter['expires'])}. If you would rather sign on paper, or need a new "
            "link, please ask the school office.",
            10,
        )
    return bytes(pdf.output())


def sheet_pdf(school, agreement, group: str, rows: list[tuple[str, str]]) -> bytes:
    """The agreement's current text, then a table to sign: (name, detail) per person."""
    version = agreement.current
    pdf = _pdf(f"{agreement.title}, signing sheet")
    pdf.add_page()
    _text(pdf, f"{school.name}: {agreement.title}", 15, "B")
    _text(
        pdf,
        f"Version {version.number}, effective {long_date(version.effective_on)}. {group}",
        9,
    )
    pdf.set_font("helvetica", "", 10)
    pdf.write_html(latin1(str(render(version.text))))
    pdf.add_page()
    _text(pdf, f"Signing sheet: {group}", 13, "B")
    _text(
        pdf,
        f"By signing I confirm that I have read the {agreement.title} (version "
        f"{version.number}) and agree to keep to it.",
        9,
    )
    pdf.set_font("helvetica", "", 9)
    with pdf.table(col_widths=(60, 50, 50, 30), line_height=8, repeat_headings=1) as grid:
        header = grid.row()
        for title in ("Name", "", "Signature", "Date"):
            header.cell(title)
        for name, detail in rows:
            row = grid.row()
            row.cell(latin1(name))
            row.cell(latin1(detail))
            row.cell("")
            row.cell("")
    return bytes(pdf.output())
