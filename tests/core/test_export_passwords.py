"""Export passwords (issue 15, fault 4): one rule for every PDF and workbook, a clear message
for a password a file cannot be locked with, never the password in a log, and an export's
audit event only once its file was made."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from bastion.core.models import AuditEvent
from bastion.lib import exports
from bastion.lib.exports import PASSWORD_REFUSED, FilePasswordRefused, Table
from tests.exports import unlock_pdf, unlock_xlsx

pytestmark = pytest.mark.django_db

# Every export a school makes: (URL after /s/<school>/, the event it writes, its formats).
EXPORTS = [
    ("scr/export/", "scr.exported", ("xlsx", "pdf")),
    ("agreements/export/", "agreement.exported", ("xlsx", "pdf")),
    ("incidents/log/export/", "incident.log_exported", ("xlsx", "pdf")),
    ("assets/export/", "assets.exported", ("xlsx",)),
    ("controls/report/", "control.report_exported", ("pdf",)),
]
# What fpdf2 once answered with a 500 (tab, right-to-left override), and what a PDF reader
# would read differently from Excel (a zero-width space, a non-breaking space, a ligature).
REFUSED = [
    "quiet\theron-4471",
    "quiet-heron-4471\u202e",
    "quiet\u200bheron-4471",
    "quiet\u00a0heron-4471",
    "\ufb01sh-and-chips-44",
    "quiet-heron-4471\n",
]


def _export(client, school, url, fmt, password):
    data = {"password": password}
    if url != "controls/report/" and url != "assets/export/":
        data["format"] = fmt
    return client.post(f"/s/{school.slug}/{url}", data)


@pytest.mark.parametrize("url,event,formats", EXPORTS, ids=[e[1] for e in EXPORTS])
def test_a_password_no_file_can_be_locked_with_gets_a_message_and_no_export(
    url, event, formats, school, siro, client_for, caplog
):
    client = client_for(siro)
    caplog.set_level(logging.DEBUG)
    for fmt in formats:
        for password in REFUSED:
            response = _export(client, school, url, fmt, password)
            assert response.status_code == 200, (fmt, repr(password))
            assert "attachment" not in response.get("Content-Disposition", "")
            page = response.content.decode()
            assert "There is a problem" in page
            assert "The password cannot contain a tab" in page
            # What was typed is not put back into a password box, nor anywhere else.
            assert password not in page
    assert not AuditEvent.objects.filter(action=event).exists()
    assert not any(p in caplog.text for p in REFUSED)


@pytest.mark.parametrize("url,event,formats", EXPORTS, ids=[e[1] for e in EXPORTS])
def test_an_export_whose_file_fails_is_not_audited(url, event, formats, school, siro, monkeypatch):
    def fails(*args, **kwargs):
        raise RuntimeError("the file could not be made")

    for name in ("pdf_bytes", "xlsx_bytes", "lock_pdf"):
        monkeypatch.setattr(exports, name, fails)
    monkeypatch.setattr("bastion.controls.report.lock_pdf", fails)
    monkeypatch.setattr("bastion.assets.export.xlsx_bytes", fails)
    client = Client(raise_request_exception=False)
    client.force_login(siro)
    for fmt in formats:
        response = _export(client, school, url, fmt, "quiet-heron-4471")
        assert response.status_code == 500
    assert not AuditEvent.objects.filter(action=event).exists()


@pytest.mark.parametrize("password", ["café-ünïcode-9", "пароль-123456", "quiet heron 4471"])
def test_a_password_the_form_accepts_opens_both_kinds_of_file_as_typed(password):
    from bastion.people.forms import ExportForm

    form = ExportForm({"format": "pdf", "password": password})
    assert form.is_valid(), form.errors
    accepted = form.cleaned_data["password"]
    assert accepted == password
    table = Table(title="Register", headers=["Name"], rows=[["Ada"]])
    assert "Ada" in unlock_pdf(exports.pdf_bytes(table, accepted), password)
    assert unlock_xlsx(exports.xlsx_bytes(table, accepted), password)


def test_a_refused_password_never_reaches_a_message_or_a_traceback():
    table = Table(title="Register", headers=["Name"], rows=[["Ada"]])
    for make in (exports.pdf_bytes, exports.xlsx_bytes):
        with pytest.raises(FilePasswordRefused) as refused:
            make(table, "quiet\theron-4471")
        assert str(refused.value) == PASSWORD_REFUSED
        # fpdf2's own refusal, which names the password, is not chained onto ours.
        assert refused.value.__cause__ is None
        assert refused.value.__suppress_context__


def test_an_error_report_hides_every_password_field(rf, settings):
    from django.views.debug import get_default_exception_reporter_filter

    settings.DEBUG = False
    request = rf.post("/s/ashmole/scr/export/", {"format": "pdf", "password": "quiet-heron-4471"})
    shown = get_default_exception_reporter_filter().get_post_parameters(request)
    assert shown["format"] == "pdf"
    assert shown["password"] != "quiet-heron-4471"
