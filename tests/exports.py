"""Reading exports back in tests: XLSX sheets, password-protected XLSX, PDF text."""

from __future__ import annotations

import io

import msoffcrypto
import openpyxl
import pytest
from pypdf import PdfReader


def first_sheet(data: bytes):
    """The first worksheet of an XLSX file."""
    return openpyxl.load_workbook(io.BytesIO(data)).active


def unlock_xlsx(data: bytes, password: str) -> bytes:
    """Check that a protected XLSX opens with `password` only, and return the plain file."""
    with pytest.raises(Exception):  # noqa: B017  an encrypted OLE file, not a zip
        openpyxl.load_workbook(io.BytesIO(data))
    office_file = msoffcrypto.OfficeFile(io.BytesIO(data))
    assert office_file.is_encrypted()
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        office_file.load_key(password="not-the-password")
        office_file.decrypt(io.BytesIO())
    office_file = msoffcrypto.OfficeFile(io.BytesIO(data))
    office_file.load_key(password=password)
    plain = io.BytesIO()
    office_file.decrypt(plain)
    return plain.getvalue()


def pdf_text(data: bytes, password: str | None = None) -> str:
    reader = PdfReader(io.BytesIO(data))
    if password:
        reader.decrypt(password)
    return "\n".join(page.extract_text() for page in reader.pages)


def unlock_pdf(data: bytes, password: str) -> str:
    """Check that a protected PDF opens with `password` only, and return its text."""
    reader = PdfReader(io.BytesIO(data))
    assert reader.is_encrypted
    assert reader.decrypt("not-the-password") == 0
    return pdf_text(data, password)
