"""Exports: XLSX and PDF tables, optionally password-protected (they may hold personal data).

Text never becomes a formula: every string is written to the spreadsheet as a string cell, and
one a spreadsheet would run as a formula (=, +, -, @ first) also carries Excel's "quote prefix"
so it stays text when someone edits the cell. The value itself is kept as typed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse

from bastion.lib.dates import long_date, long_datetime

if TYPE_CHECKING:
    from fpdf import FPDF

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot hold (openpyxl refuses them): dropped rather than failing the export.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
DATE_FORMAT = "DD/MM/YYYY"


def safe_cell(value: object) -> object:
    """A value for a CSV cell: text a spreadsheet would run as a formula gets an apostrophe."""
    if isinstance(value, str) and value.startswith(DANGEROUS_FIRST):
        return "'" + value
    return value


@dataclass
class Table:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    subtitle: str = ""
    widths: Sequence[int] = ()
    sheet: str = ""  # the worksheet's name; the title when empty


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: no []:*?/\\, at most 31 characters."""
    return _SHEET_TITLE_BAD.sub(" ", title).strip("' ")[:31] or "Sheet"


def _text(cell: Any, value: str) -> None:
    cell.value = _ILLEGAL.sub("", value)
    cell.data_type = "s"  # never "f": openpyxl would otherwise store =... as a formula
    if cell.value.startswith(DANGEROUS_FIRST):
        cell.quotePrefix = True


def _put(sheet: Any, row: int, column: int, value: object) -> None:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        _text(cell, value)
    elif isinstance(value, (dt.date, dt.datetime)):
        cell.value = value
        cell.number_format = (
            DATE_FORMAT if not isinstance(value, dt.datetime) else "DD/MM/YYYY HH:MM"
        )
    elif value is None or isinstance(value, (bool, int, float)):
        cell.value = value
    else:
        _text(cell, str(value))


def xlsx_bytes(table: Table, password: str | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(table.sheet or table.title)
    _put(sheet, 1, 1, table.title)
    sheet["A1"].font = Font(bold=True, size=14)
    _put(sheet, 2, 1, table.subtitle)
    for column, title in enumerate(table.headers, start=1):
        _put(sheet, 3, column, title)
        cell = sheet.cell(row=3, column=column)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0B0C0C")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row, values in enumerate(table.rows, start=4):
        for column, value in enumerate(values, start=1):
            _put(sheet, row, column, value)
    for index, width in enumerate(table.widths or [18] * len(table.headers), start=1):
        sheet.column_dimensions[sheet.cell(row=3, column=index).column_letter].width = width
    sheet.freeze_panes = "B4"
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    return _protect_office(data, password) if password else data


def _protect_office(data: bytes, password: str) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(file_password(password), out)
    return out.getvalue()


def _pdf_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return long_datetime(value)
    if isinstance(value, dt.date):
        return long_date(value)
    return str(value)


PASSWORD_REFUSED = (
    "The password cannot contain a tab, a line break, an invisible or direction mark, a "
    "special space or a character some programs read differently. Use letters, numbers, "
    "ordinary spaces and punctuation."
)


class FilePasswordRefused(ValueError):
    """A password no export can be locked with. Its message never holds the password."""

    def __init__(self) -> None:
        super().__init__(PASSWORD_REFUSED)


def file_password(password: str) -> str:
    """The password as both kinds of file will be locked with it, or FilePasswordRefused.

    One rule for PDF and XLSX. A PDF reader prepares a password with SASLprep (RFC 4013) before
    using it, Excel uses it as typed; so a password is accepted only when SASLprep leaves it as
    it is (after composing accents, as browsers send them), and both files then open with what
    was typed. fpdf2 itself refuses what SASLprep forbids (tabs, control characters, bidi
    marks); that refusal names the password, so it never reaches a message or a log.
    """
    from fpdf.encryption import StandardSecurityHandler

    composed = unicodedata.normalize("NFC", password)
    try:
        prepared = StandardSecurityHandler.prepare_string(composed)
    except Exception:
        raise FilePasswordRefused() from None
    if prepared != composed.encode("utf-8"):
        raise FilePasswordRefused()
    return composed


def lock_pdf(pdf: FPDF, password: str | None) -> None:
    """Encrypt an FPDF document (AES-256) with `password`, if there is one."""
    if not password:
        return
    from fpdf.enums import EncryptionMethod

    password = file_password(password)
    pdf.set_encryption(
        owner_password=password,
        user_password=password,
        encryption_method=EncryptionMethod.AES_256,
    )


def pdf_bytes(table: Table, password: str | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_title(latin1(table.title))
    pdf.set_creator("Bastion")
    lock_pdf(pdf, password)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 14)
    pdf.cell(0, 8, latin1(table.title), new_x="LMARGIN", new_y="NEXT")
    if table.subtitle:
        pdf.set_font("helvetica", "", 9)
        pdf.multi_cell(0, 5, latin1(table.subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 6.5)
    widths = table.widths or [1] * len(table.headers)
    total = sum(widths)
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    col_widths = tuple(usable * w / total for w in widths)
    with pdf.table(
        col_widths=col_widths, text_align="LEFT", line_height=3.2, repeat_headings=1
    ) as grid:
        header = grid.row()
        for title in table.headers:
            header.cell(latin1(title))
        for values in table.rows:
            row = grid.row()
            for value in values:
                row.cell(latin1(_pdf_value(value)))
    return bytes(pdf.output())


def latin1(text: str) -> str:
    """The core PDF fonts are Latin-1: keep what fits, strip accents from what does not
    (Ș becomes S), and replace the rest."""
    text = _ILLEGAL.sub("", text)
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
        out.append(base or "?")
    return "".join(out)


def download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def table_response(
    table: Table, fmt: str, filename: str, password: str | None = None
) -> HttpResponse:
    if fmt == "pdf":
        return download(pdf_bytes(table, password), f"{filename}.pdf", "application/pdf")
    return download(xlsx_bytes(table, password), f"{filename}.xlsx", XLSX_TYPE)
