"""Recording a check (an attestation): dated, by whom, a note, an optional encrypted evidence
file; bad input changes nothing; the day's status is recorded; the owner and frequency."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bastion.controls.models import Attestation, ControlSetting, StatusSnapshot
from bastion.core.files import read
from bastion.core.models import AuditEvent, StoredFile

PDF = b"%PDF-1.4\n% a made-up certificate\n"


def attest_url(school, code="T16") -> str:
    return f"/s/{school.slug}/controls/{code}/attest/"


def test_office_records_a_check_with_evidence_kept_encrypted(school, office, client_for):
    client = client_for(office)
    assert client.get(attest_url(school)).status_code == 200
    upload = SimpleUploadedFile("shredder.pdf", PDF, content_type="application/pdf")
    response = client.post(
        attest_url(school),
        {
            "attested_on": timezone.localdate().isoformat(),
            "note": "Both shredders cross-cut.",
            "evidence": upload,
        },
    )
    assert response.status_code == 302
    assert response.url == f"/s/{school.slug}/controls/T16/"
    attestation = Attestation.objects.get()
    assert (attestation.code, attestation.attested_by, attestation.note) == (
        "T16",
        office,
        "Both shredders cross-cut.",
    )
    stored = StoredFile.objects.get()
    assert PDF not in bytes(stored.ciphertext) and read(stored) == PDF
    assert AuditEvent.objects.filter(action="control.attested", school=school).exists()
    # The day's status is recorded at once, for every control of the school.
    snapshot = StatusSnapshot.objects.get(school=school, code="T16", day=timezone.localdate())
    assert snapshot.status == "met"
    assert StatusSnapshot.objects.filter(school=school).count() == 31
    page = client.get(response.url).content.decode()
    assert "Both shredders cross-cut." in page and "shredder.pdf" in page
    download = client.get(f"/s/{school.slug}/controls/attestations/{attestation.pk}/evidence/")
    assert download.status_code == 200 and download.content == PDF


def test_bad_input_is_refused_with_messages_and_keeps_what_was_typed(school, office, client_for):
    client = client_for(office)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(
        attest_url(school), {"attested_on": future, "note": "Checked the shredder."}
    )
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert "Checked the shredder." in response.content.decode()
    response = client.post(attest_url(school), {"attested_on": "not a date", "note": ""})
    page = response.content.decode()
    assert "Enter a real date" in page and "Say what was checked" in page
    upload = SimpleUploadedFile("notes.txt", b"plain text", content_type="text/plain")
    response = client.post(
        attest_url(school),
        {"attested_on": timezone.localdate().isoformat(), "note": "Kept.", "evidence": upload},
    )
    assert "not a PDF, PNG or JPEG" in response.content.decode()
    assert "Kept." in response.content.decode()
    assert not Attestation.objects.exists() and not StoredFile.objects.exists()


def test_another_schools_evidence_is_404(school, other_school, outsider, office, client_for):
    attestation = Attestation.objects.create(
        school=other_school,
        code="T16",
        attested_on=timezone.localdate(),
        attested_by=outsider,
        note="B",
    )
    url = f"/s/{school.slug}/controls/attestations/{attestation.pk}/evidence/"
    assert client_for(office).get(url).status_code == 404


def test_the_siro_names_an_owner_and_a_frequency(school, siro, office, it_lead, client_for):
    client = client_for(siro)
    url = f"/s/{school.slug}/controls/T16/settings/"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"owner_role": "it_lead", "owner": office.pk, "frequency": "monthly"}
    )
    assert response.status_code == 302
    setting = ControlSetting.objects.get(school=school, code="T16")
    assert (setting.owner_role, setting.owner, setting.frequency) == ("it_lead", office, "monthly")
    assert AuditEvent.objects.filter(action="control.settings_changed").exists()
    # A member of another school, or a made-up choice, is refused.
    response = client.post(url, {"owner_role": "pilot", "owner": "999999", "frequency": "hourly"})
    assert response.status_code == 200
    assert "Choose a member of this school from the list." in response.content.decode()
    assert client_for(it_lead).get(url).status_code == 403
