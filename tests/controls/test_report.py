"""The governors' termly report as PDF, read back."""

from __future__ import annotations

import time_machine
from django.utils import timezone

from bastion.controls import services
from bastion.core.models import AuditEvent
from bastion.equipment.models import Device
from tests.exports import pdf_text, unlock_pdf


def test_the_governors_report_reads_back_with_every_control_and_the_terms_checks(
    school, office, governor, client_for
):
    with time_machine.travel("2026-10-12 09:00Z", tick=False):
        services.attestation_record(
            actor=office,
            school=school,
            code="T16",
            attested_on=timezone.localdate(),
            note="Both shredders are cross-cut; bins emptied weekly.",
        )
        Device.objects.create(school=school, kind="flash_drive", holds_personal_data=True)
        client = client_for(governor)
        assert client.get(f"/s/{school.slug}/controls/report/").status_code == 200
        response = client.post(f"/s/{school.slug}/controls/report/", {"password": ""})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "governors-report-ashmole-2026-10-12.pdf" in response["Content-Disposition"]
    text = " ".join(pdf_text(response.content).split())
    assert "governors' report, Autumn term 2026" in text
    assert "Ashmole Primary" in text
    assert "Paper is shredded with a cross-cut shredder" in text
    assert "Both shredders are cross-cut; bins emptied weekly." in text
    assert "1 portable device holding personal data not encrypted" in text
    assert AuditEvent.objects.filter(action="control.report_exported", actor=governor).exists()


def test_the_report_can_be_password_protected(school, siro, client_for):
    url = f"/s/{school.slug}/controls/report/"
    short = client_for(siro).post(url, {"password": "short"})
    assert short.status_code == 200
    assert "at least 8 characters" in short.content.decode()
    response = client_for(siro).post(url, {"password": "gravel-orchid-92"})
    assert "Every control" in unlock_pdf(response.content, "gravel-orchid-92")


def test_only_those_who_report_to_governors_download_it(school, it_lead, office, client_for):
    for user in (it_lead, office):
        assert client_for(user).get(f"/s/{school.slug}/controls/report/").status_code == 403
