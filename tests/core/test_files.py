"""Uploaded evidence and certificates: checked by their bytes, kept encrypted, given back whole."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from bastion.core import files
from bastion.core.models import AuditEvent, StoredFile

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x02" * 64


def upload(data: bytes, name: str = "certificate.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def keep(school, user, data: bytes, name: str = "certificate.pdf") -> StoredFile:
    return files.store(school=school, actor=user, upload=upload(data, name))


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")],
)
def test_a_file_is_stored_encrypted_and_read_back_byte_for_byte(
    school, it_lead, data, content_type
):
    stored = keep(school, it_lead, data)

    row = StoredFile.objects.get(pk=stored.pk)
    ciphertext = bytes(row.ciphertext)
    assert ciphertext != data
    assert data[:16] not in ciphertext
    assert (row.content_type, row.size) == (content_type, len(data))
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    assert files.read(row) == data


def test_the_kind_comes_from_the_bytes_not_the_name(school, it_lead):
    assert keep(school, it_lead, PNG, name="scan.pdf").content_type == "image/png"
    with pytest.raises(ValidationError, match="not a PDF, PNG or JPEG"):
        keep(school, it_lead, b"MZ\x90\x00 a program", name="certificate.pdf")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"<html><script>alert(1)</script></html>", "not a PDF, PNG or JPEG"),
        (b"PK\x03\x04 a zip or an xlsx", "not a PDF, PNG or JPEG"),
        (b"%PDF-" + b"0" * (11 * 1024 * 1024), "larger than 10 MB"),
    ],
    ids=["empty", "html", "zip", "11 MB"],
)
def test_a_file_that_cannot_be_kept_is_refused_with_a_message(school, it_lead, data, message):
    with pytest.raises(ValidationError, match=message):
        keep(school, it_lead, data)
    assert not StoredFile.objects.exists()
    assert not AuditEvent.objects.filter(action="file.uploaded").exists()


def test_a_file_of_exactly_10_mb_is_kept(school, it_lead):
    data = b"%PDF-" + b"1" * (files.MAX_BYTES - 5)
    assert files.read(keep(school, it_lead, data)) == data


def test_a_path_in_the_uploaded_name_is_dropped(school, it_lead):
    stored = keep(school, it_lead, PDF, name="C:\\Users\\ira\\..\\cert 7.pdf")
    assert stored.name == "cert 7.pdf"


def test_an_upload_is_audited_with_its_checksum(school, it_lead):
    stored = keep(school, it_lead, PDF)
    event = AuditEvent.objects.get(action="file.uploaded")
    assert (event.actor, event.school, event.object_id) == (it_lead, school, str(stored.pk))
    assert event.changes["sha256"] == hashlib.sha256(PDF).hexdigest()


def test_altered_ciphertext_is_detected(school, it_lead):
    stored = keep(school, it_lead, PDF)
    token = bytearray(bytes(stored.ciphertext))
    token[40] ^= 1
    stored.ciphertext = bytes(token)
    with pytest.raises(ValueError, match="cannot be decrypted"):
        files.read(stored)


def test_a_file_that_no_longer_matches_its_checksum_is_detected(school, it_lead):
    stored = keep(school, it_lead, PDF)
    stored.sha256 = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(ValueError, match="checksum"):
        files.read(stored)


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        ("certificate.pdf", 'attachment; filename="certificate.pdf"'),
        ('a "quoted" name.pdf', 'attachment; filename="a \\"quoted\\" name.pdf"'),
        (
            "Zoë\u2019s certificate.pdf",
            "attachment; filename*=utf-8''Zo%C3%AB%E2%80%99s%20certificate.pdf",
        ),
    ],
)
def test_a_download_gives_the_file_back_as_an_audited_attachment(
    school, it_lead, name, disposition
):
    stored = keep(school, it_lead, PDF, name=name)
    request = RequestFactory().get("/")
    request.user = it_lead

    response = files.download(request, stored)

    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == disposition
    assert response["Content-Length"] == str(len(PDF))
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(action="file.downloaded")
    assert (event.actor, event.school, event.object_id) == (it_lead, school, str(stored.pk))


@pytest.fixture
def file_key(settings):
    """Set BASTION_FILE_KEY for a test (the cipher is cached: cleared before and after)."""
    from bastion.lib import crypto

    def use(key: str) -> None:
        settings.BASTION_FILE_KEY = key
        crypto._fernet.cache_clear()

    yield use
    crypto._fernet.cache_clear()


def test_a_file_encrypted_with_a_lost_key_gets_a_page_that_says_so_not_an_error(
    school, it_lead, file_key
):
    from cryptography.fernet import Fernet

    file_key(Fernet.generate_key().decode())
    stored = keep(school, it_lead, PDF, name="certificate.pdf")
    file_key(Fernet.generate_key().decode())  # the old key was dropped
    request = RequestFactory().get("/")
    request.user = it_lead

    response = files.download(request, stored)

    assert response.status_code == files.UNREADABLE_STATUS
    page = response.content.decode()
    assert "cannot be opened" in page and "BASTION_FILE_KEY" in page
    assert PDF not in response.content
    assert AuditEvent.objects.filter(action="file.unreadable", object_id=str(stored.pk)).exists()
    assert not AuditEvent.objects.filter(action="file.downloaded").exists()


def test_a_rotated_key_keeps_old_files_readable(school, it_lead, file_key):
    from cryptography.fernet import Fernet

    old = Fernet.generate_key().decode()
    file_key(old)
    stored = keep(school, it_lead, PDF)
    file_key(f"{Fernet.generate_key().decode()},{old}")

    assert files.read(stored) == PDF
