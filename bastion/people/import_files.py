"""Reading roster files (CSV and XLSX) safely: size, type, encoding and shape are checked before
any row is looked at, and every refusal says why in words an office manager can act on."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 200
# A workbook is a zip: refuse one that unpacks to far more than any roster needs (a zip bomb).
MAX_UNPACKED_BYTES = 20 * MAX_BYTES
DELIMITERS = ",;\t"
# The encodings a CSV is read in, tried in order, with the words the preview uses for each.
# Excel's plain "CSV (comma delimited)" is Windows-1252 on UK machines; every newer export
# (and "CSV UTF-8") is UTF-8. UTF-8 comes first: Windows-1252 decodes almost any bytes, so it
# can only be the fallback.
ENCODINGS = {
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252 (Excel's older CSV format)",
}


class ImportRefused(Exception):
    """The file cannot be imported; `errors` says why, by row and column where it can."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors[:3]))
        self.errors = errors


@dataclass
class Table:
    """A sheet's column names and its non-blank rows, each with its row number in the file (the
    number Excel shows), so messages point at the right row even after blank rows."""

    headers: list[str]
    rows: list[list[str]]
    numbers: list[int] = field(default_factory=list)
    labels: list[str] | None = None  # names rows otherwise, e.g. "Pupil 3" in a CTF
    encoding: str = ""  # how a CSV's bytes were read (ENCODINGS); empty for a workbook

    def where(self, i: int) -> str:
        if self.labels is not None:
            return self.labels[i]
        return f"Row {self.numbers[i]}"


def too_large(size: int) -> str:
    return (
        f"The file is {size / 1048576:.0f} MB; the largest file Bastion imports is "
        f"{MAX_BYTES // 1048576} MB. Export only the columns needed, or split it."
    )


def read_table(data: bytes, filename: str) -> Table:
    """The table in a CSV or XLSX file, checking that it is what its name says."""
    name = filename.lower()
    if len(data) > MAX_BYTES:
        raise ImportRefused([too_large(len(data))])
    if not data.strip():
        raise ImportRefused(["The file is empty."])
    if name.endswith(".xlsx"):
        _check_workbook(data)
        table = _read_xlsx(data)
    elif name.endswith((".csv", ".txt")):
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ImportRefused(
                ["The file is UTF-16 text. In Excel, save it as “CSV UTF-8 (comma delimited)”."]
            )
        if data.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")) or b"\x00" in data[:4096]:
            raise ImportRefused(
                [
                    "The file is named .csv but is not a CSV text file (it looks like a document, "
                    "an archive or an Excel workbook). Export the roster as CSV and try again."
                ]
            )
        table = _read_csv(data)
    else:
        raise ImportRefused(["Choose a .csv or .xlsx file (for a Common Transfer File, .xml)."])
    if not table.rows:
        raise ImportRefused(["The file has column names but no rows of people."])
    return table


def _check_workbook(data: bytes) -> None:
    refusal = ImportRefused(["The file is named .xlsx but is not an Excel workbook."])
    if not data.startswith(b"PK\x03\x04"):
        raise refusal
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise refusal from None
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise refusal
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportRefused(
            ["The workbook is too large once unpacked. Export only the columns needed."]
        )


def _headers(raw: list[str]) -> list[str]:
    """Column names, trimmed; an unnamed column is called by its position, and a name used
    twice gets a number, so every column can be chosen in the mapping."""
    raw = list(raw)
    while raw and not raw[-1].strip():
        raw.pop()
    headers = [h.strip() or f"Column {i + 1}" for i, h in enumerate(raw)]
    counts = Counter(headers)
    seen: Counter = Counter()
    unique = []
    for h in headers:
        seen[h] += 1
        unique.append(f"{h} ({seen[h]})" if counts[h] > 1 and seen[h] > 1 else h)
    return unique


def _table(records, first_number: int = 1) -> Table:
    """Build a Table from (row number, cells) pairs: the first non-blank row holds the names."""
    headers = None
    rows, numbers = [], []
    for number, cells in records:
        if not any(c.strip() for c in cells):
            continue
        if headers is None:
            headers = _headers(cells[:MAX_COLUMNS])
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportRefused([f"The file has more than {MAX_ROWS:,} rows. Split it."])
        rows.append(cells[:MAX_COLUMNS])
        numbers.append(number)
    if headers is None:
        raise ImportRefused(["The file has no rows."])
    return Table(headers, rows, numbers)


def _delimiter(text: str) -> str:
    """The delimiter of the header line: Excel writes ; where the decimal mark is a comma."""
    first = next((line for line in text[:65536].splitlines() if line.strip()), "")
    return max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","


def _decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV and the encoding it was read in: UTF-8 (with or without a byte order
    mark), else Windows-1252; refuses bytes that are neither."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused(
            [
                f"Row {line}: the file is neither UTF-8 nor Windows-1252 text (it has a character "
                "Bastion cannot read there). In Excel, save it as “CSV UTF-8 (comma delimited)” "
                "and try again."
            ]
        ) from None


def _read_csv(data: bytes) -> Table:
    text, encoding = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        # Row numbers as Excel shows them: one per record, even if a cell spans lines.
        table = _table(enumerate(reader, start=1))
    except csv.Error as exc:
        raise ImportRefused(
            [f"Row {reader.line_num}: the file is not valid CSV ({exc})."]
        ) from None
    table.encoding = encoding
    return table


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "text"):  # an array formula: keep its text, so it is refused as one
        return str(value.text)
    return str(value)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        # Formulas are read as written (not their cached values), so a formula cell is refused
        # by the same check as "=cmd|..." typed in a CSV, rather than silently becoming empty.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            sheet = workbook.worksheets[0]
            records = (
                (number, [_cell(v) for v in raw])
                for number, raw in enumerate(
                    sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1
                )
            )
            return _table(records)
        finally:
            workbook.close()
    except ImportRefused:
        raise
    except Exception:
        raise ImportRefused(["The Excel file could not be read: it may be damaged."]) from None
