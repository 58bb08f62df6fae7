"""The filtering and monitoring register's writes: named people, providers, decisions, checks
with encrypted evidence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from bastion.core import files
from bastion.core.models import AuditEvent, StoredFile
from bastion.filtering import register
from bastion.filtering.models import Check, Decision, FilteringSetup, Provider
from tests.filtering.conftest import PNG, TODAY, add_person, check

pytestmark = pytest.mark.django_db


def test_the_senior_leader_is_staff_and_the_governor_a_governor(
    school, other_school, siro, hana, gina
):
    for data, field in (
        ({"senior_leader": gina}, "senior_leader"),
        ({"governor": hana}, "governor"),
        ({"senior_leader": add_person(other_school)}, "senior_leader"),
        ({"governor": add_person(school, kind="governor", left_on=TODAY)}, "governor"),
    ):
        with pytest.raises(ValidationError) as caught:
            register.setup_save(actor=siro, school=school, data=data)
        assert field in caught.value.message_dict
    assert not FilteringSetup.objects.exists()
    setup = register.setup_save(
        actor=siro, school=school, data={"senior_leader": hana, "governor": gina, "monitoring": "X"}
    )
    assert (setup.senior_leader, setup.governor) == (hana, gina)
    event = AuditEvent.objects.get(action="filtering.setup_changed")
    assert event.changes["senior_leader"] == [None, str(hana.pk)]
    register.setup_save(actor=siro, school=school, data={"monitoring": "X"})  # no change
    assert AuditEvent.objects.filter(action="filtering.setup_changed").count() == 1


def test_providers_record_what_they_cover(school, it_lead):
    provider = register.provider_save(
        actor=it_lead,
        school=school,
        data={"name": "LGfL WebScreen", "covers_wired": True, "covers_guest": True},
    )
    assert provider.coverage == ["wired network", "guest wireless"]
    with pytest.raises(ValidationError) as caught:
        register.provider_save(actor=it_lead, school=school, data={"name": "LGfL WebScreen"})
    assert caught.value.message_dict["name"] == ["This school already has a provider by that name."]
    register.provider_save(
        actor=it_lead, school=school, provider=provider, data={"covers_wireless": True}
    )
    assert Provider.objects.get().covers_wireless
    assert AuditEvent.objects.filter(action__startswith="filtering.provider").count() == 2


def test_a_decision_says_what_when_and_why(school, it_lead):
    decision = register.decision_record(
        actor=it_lead,
        school=school,
        data={
            "decided_on": TODAY,
            "action": "allow",
            "what": "youtube.com",
            "reason": "Science videos",
            "requested_by": "Year 5",
        },
    )
    assert str(decision) == "Allowed: youtube.com" and decision.recorded_by == it_lead
    with pytest.raises(ValidationError) as caught:
        register.decision_record(
            actor=it_lead,
            school=school,
            data={"decided_on": TODAY + dt.timedelta(days=1), "action": "block", "what": "x"},
        )
    assert "future" in str(caught.value)
    assert Decision.objects.count() == 1


def test_a_check_keeps_its_evidence_encrypted(school, it_lead):
    upload = SimpleUploadedFile("report.png", PNG, content_type="image/png")
    recorded = check(it_lead, school, kind="review", upload=None)
    assert recorded.evidence is None
    recorded = register.check_record(
        actor=it_lead,
        school=school,
        data={"kind": "review", "checked_on": TODAY, "results": "All good"},
        upload=upload,
    )
    stored = StoredFile.objects.get()
    assert recorded.evidence == stored and PNG not in bytes(stored.ciphertext)
    assert files.read(stored) == PNG
    event = AuditEvent.objects.get(action="filtering.review_recorded", object_id=str(recorded.pk))
    assert event.changes["evidence"] == [None, "report.png"]


def test_a_bad_evidence_file_records_nothing(school, it_lead):
    upload = SimpleUploadedFile("report.txt", b"hello", content_type="text/plain")
    with pytest.raises(ValidationError) as caught:
        register.check_record(
            actor=it_lead,
            school=school,
            data={"kind": "check", "checked_on": TODAY, "results": "ok"},
            upload=upload,
        )
    assert caught.value.message_dict["evidence"] == [files.WRONG_KIND]
    assert not Check.objects.exists() and not StoredFile.objects.exists()


def test_due_dates_follow_the_last_review_and_check(school, it_lead):
    due = register.due(school, 120)
    assert due.review_overdue and due.check_overdue and due.review_due == TODAY
    check(it_lead, school, days_ago=200, kind="review")
    check(it_lead, school, days_ago=30)
    due = register.due(school, 120)
    assert due.review_due == TODAY + dt.timedelta(days=165) and not due.review_overdue
    assert due.check_due == TODAY + dt.timedelta(days=90) and not due.check_overdue
