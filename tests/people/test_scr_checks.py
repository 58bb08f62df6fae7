"""Recording checks, the Update Service and risk assessment, and the re-check period: the facts
only, never a copy of a certificate, and bad input changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.test import RequestFactory

from bastion.core.models import AuditEvent
from bastion.people.models import PeopleSettings, SCRCheck, SCREntry
from tests.people.test_scr_rules import NOON, TODAY, add_person, complete, record

pytestmark = pytest.mark.django_db

# Digits that str.isdigit() accepts but no DBS certificate carries.
FULLWIDTH_NUMBER = "".join(chr(0xFF10 + int(d)) for d in "001234567890")

GOOD = {
    "state": "done",
    "done_on": "2026-02-20",
    "checked_by": "Olu Office",
    "reference": "0012 3456 7890",
    "note": "Seen the original certificate.",
}


@pytest.fixture
def today(time_machine):
    time_machine.move_to(NOON, tick=False)
    return TODAY


@pytest.fixture
def newcomer(school, office, today):
    return add_person(office, school, first_name="Nia", last_name="Novak")


def check_url(person, check="dbs") -> str:
    return f"/s/{person.school.slug}/scr/{person.pk}/check/{check}/"


def entry_url(person) -> str:
    return f"/s/{person.school.slug}/scr/{person.pk}/entry/"


def nothing_changed(before_events: int) -> bool:
    return not SCRCheck.objects.exists() and AuditEvent.objects.count() == before_events


# Recording a check ------------------------------------------------------------------------------


def test_the_office_records_a_dbs_check_and_it_is_audited(newcomer, office, client_for):
    response = client_for(office).post(check_url(newcomer), GOOD)

    assert response.status_code == 302
    assert response["Location"] == f"/s/{newcomer.school.slug}/scr/{newcomer.pk}/"
    item = SCRCheck.objects.get(person=newcomer, check_type="dbs")
    assert (item.state, item.done_on, item.checked_by, item.reference, item.recorded_by) == (
        "done",
        dt.date(2026, 2, 20),
        "Olu Office",
        "001234567890",
        office,
    )
    assert SCREntry.objects.get(person=newcomer).missing == "identity,barred_list,right_to_work"
    event = AuditEvent.objects.get(action="scr.check_recorded")
    assert (event.actor, event.object_id) == (office, str(newcomer.pk))
    assert event.changes["check"] == "dbs"
    assert event.changes["done_on"] == [None, "2026-02-20"]


def test_a_new_check_form_offers_today_and_the_users_name(newcomer, office, client_for):
    page = client_for(office).get(check_url(newcomer, "identity")).content.decode()
    assert 'value="2026-03-02"' in page
    assert 'value="Olu Office"' in page
    assert "This person's role needs this check." in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"done_on": ""}, "done_on", "Give the date the check was made."),
        ({"checked_by": "   "}, "checked_by", "Say who made the check."),
        ({"reference": ""}, "reference", "Enter the 12-digit DBS certificate number."),
        ({"reference": "12345"}, "reference", "Enter the 12-digit DBS certificate number."),
        ({"reference": FULLWIDTH_NUMBER}, "reference", "12-digit"),
        ({"state": ""}, "state", "Choose the state of the check."),
        ({"state": "burnt"}, "state", "Select a valid choice."),
        ({"done_on": "2025-02-30"}, "done_on", "Enter a real date"),
        ({"done_on": "0000-01-01"}, "done_on", "Enter a real date"),
        ({"done_on": "99999-01-01"}, "done_on", "Enter a real date"),
        ({"done_on": "1066-10-14"}, "done_on", "Enter the real date of the check"),
        ({"done_on": "2026-03-03"}, "done_on", "cannot be in the future"),
        ({"checked_by": "x" * 10_000}, "checked_by", "at most 150 characters"),
        ({"reference": "9" * 10_000}, "reference", "at most 60 characters"),
        ({"note": "n" * 10_000}, "note", "at most 500 characters"),
        ({"state": "not_required"}, "state", "This person&#x27;s role needs this check."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(
    newcomer, office, client_for, change, field, message
):
    client = client_for(office)
    before = AuditEvent.objects.count()

    response = client.post(check_url(newcomer), {**GOOD, **change})

    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    page = response.content.decode()
    assert "There is a problem" in page
    assert nothing_changed(before)


def test_an_empty_form_is_refused_not_silently_shown_again(newcomer, office, client_for):
    response = client_for(office).post(check_url(newcomer), {})
    assert response.status_code == 200
    assert "Choose the state of the check." in response.content.decode()


def test_what_was_typed_is_kept_after_a_refusal(newcomer, office, client_for):
    response = client_for(office).post(check_url(newcomer), {**GOOD, "done_on": "2025-02-30"})
    page = response.content.decode()
    assert 'value="0012 3456 7890"' in page
    assert "Seen the original certificate." in page


def test_not_required_is_accepted_for_a_check_the_role_does_not_need(newcomer, office, client_for):
    response = client_for(office).post(
        check_url(newcomer, "overseas"), {"state": "not_required", "note": "Always lived in UK"}
    )
    assert response.status_code == 302
    assert SCRCheck.objects.get(person=newcomer, check_type="overseas").state == "not_required"


def test_action_needed_keeps_no_date_and_reopens_the_check(newcomer, office, client_for):
    complete(newcomer, office)
    response = client_for(office).post(
        check_url(newcomer, "identity"), {**GOOD, "state": "action_needed", "reference": ""}
    )
    assert response.status_code == 302
    assert SCRCheck.objects.get(person=newcomer, check_type="identity").done_on is None
    assert SCREntry.objects.get(person=newcomer).missing == "identity"


def test_a_check_only_the_dbs_needs_a_certificate_number_for(newcomer, office, client_for):
    response = client_for(office).post(check_url(newcomer, "identity"), {**GOOD, "reference": ""})
    assert response.status_code == 302


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_schools_person_is_not_found(
    method, school, other_school, office, outsider, client_for
):
    theirs = add_person(outsider, other_school)
    url = f"/s/{school.slug}/scr/{theirs.pk}/check/dbs/"
    client = client_for(office)
    response = client.get(url) if method == "GET" else client.post(url, GOOD)
    assert response.status_code == 404
    assert not SCRCheck.objects.exists()


@pytest.mark.parametrize("slug", ["dna", "DBS", "scrcheck", "identity-"])
def test_an_unknown_check_is_not_found(newcomer, office, client_for, slug):
    client = client_for(office)
    assert client.get(check_url(newcomer, slug)).status_code == 404
    assert client.post(check_url(newcomer, slug), GOOD).status_code == 404
    assert not SCRCheck.objects.exists()


def test_a_pupil_has_no_checks_to_record(school, office, client_for, today):
    pupil = add_person(
        office, school, kind="pupil", date_of_birth=dt.date(2018, 1, 1), year_group="2"
    )
    assert client_for(office).post(check_url(pupil), GOOD).status_code == 404
    assert not SCRCheck.objects.exists()


# Certificates are never kept ---------------------------------------------------------------------


@pytest.fixture
def upload_spy(monkeypatch, settings, tmp_path):
    """Records every file Django's own upload handlers start to keep, in memory or on disk."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # without our handler, a file would go to disk
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    kept = []
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler.new_file

        def spy(self, *args, _original=original, **kwargs):
            kept.append(type(self).__name__)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(handler, "new_file", spy)
    return kept


def _certificate() -> SimpleUploadedFile:
    return SimpleUploadedFile("dbs-certificate.jpg", b"\xff\xd8\xff" + b"0" * 300_000, "image/jpeg")


@pytest.mark.parametrize("page", ["check", "entry"])
def test_an_attached_certificate_is_refused_with_a_warning_and_nothing_is_kept(
    page, newcomer, office, client_for, upload_spy, tmp_path
):
    client = client_for(office)
    before = AuditEvent.objects.count()
    url = check_url(newcomer) if page == "check" else entry_url(newcomer)
    data = GOOD if page == "check" else {"update_service": "on"}

    response = client.post(url, {**data, "certificate": _certificate()})

    assert response.status_code == 200
    assert "Bastion does not keep copies of DBS certificates" in response.content.decode()
    assert upload_spy == []
    assert list(Path(tmp_path).rglob("*")) == []
    assert nothing_changed(before)
    assert SCREntry.objects.get(person=newcomer).update_service is False


def test_the_upload_spy_does_see_a_file_parsed_the_ordinary_way(upload_spy):
    request = RequestFactory().post("/anywhere/", {"certificate": _certificate()})
    assert list(request.FILES) == ["certificate"]
    assert "TemporaryFileUploadHandler" in upload_spy


# The Update Service and the risk assessment ------------------------------------------------------


def test_a_risk_assessment_clears_starting_before_the_dbs(school, office, client_for, today):
    person = complete(add_person(office, school, started_on=dt.date(2026, 1, 5)), office)
    record(person, "dbs", office, on=dt.date(2026, 2, 1))
    assert SCREntry.objects.get(person=person).complete is False

    response = client_for(office).post(
        entry_url(person),
        {"risk_assessment_on": "2026-01-02", "risk_assessment_note": "Supervised until DBS"},
    )

    assert response.status_code == 302
    assert SCREntry.objects.get(person=person).complete is True
    event = AuditEvent.objects.get(action="scr.entry_updated")
    assert event.changes["risk_assessment_on"] == [None, "2026-01-02"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"update_service_checked_on": "2026-01-10"}, "update_service", "Tick this"),
        (
            {"update_service": "on", "update_service_checked_on": "2026-03-09"},
            "update_service_checked_on",
            "cannot be in the future",
        ),
        ({"risk_assessment_on": "2026-02-31"}, "risk_assessment_on", "Enter a real date"),
        ({"risk_assessment_on": "2027-01-01"}, "risk_assessment_on", "cannot be in the future"),
        ({"risk_assessment_note": "r" * 10_000}, "risk_assessment_note", "at most 500"),
    ],
)
def test_bad_update_service_or_risk_assessment_input_changes_nothing(
    newcomer, office, client_for, data, field, message
):
    client = client_for(office)
    before = AuditEvent.objects.count()
    response = client.post(entry_url(newcomer), data)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert AuditEvent.objects.count() == before
    stored = SCREntry.objects.get(person=newcomer)
    assert (stored.update_service, stored.risk_assessment_on, stored.risk_assessment_note) == (
        False,
        None,
        "",
    )


# The school's re-check period -------------------------------------------------------------------


def settings_url(school) -> str:
    return f"/s/{school.slug}/scr/settings/"


def test_the_office_sets_the_re_check_period_from_the_report(school, office, client_for):
    client = client_for(office)
    report = client.get(f"/s/{school.slug}/scr/").content.decode()
    assert "The school has set no DBS re-check period." in report
    assert f'href="{settings_url(school)}"' in report

    response = client.post(settings_url(school), {"dbs_recheck_years": "3"})

    assert response.status_code == 302
    assert PeopleSettings.objects.get(school=school).dbs_recheck_years == 3
    event = AuditEvent.objects.get(action="scr.settings_changed")
    assert (event.actor, event.school, event.changes) == (
        office,
        school,
        {"dbs_recheck_years": [None, 3]},
    )
    assert "re-checked every 3 years" in client.get(f"/s/{school.slug}/scr/").content.decode()


def test_emptying_the_period_turns_re_checks_off_and_keeps_the_import_mappings(
    school, siro, client_for
):
    PeopleSettings.objects.create(
        school=school, dbs_recheck_years=5, import_mappings={"staff": {"Surname": "last_name"}}
    )
    response = client_for(siro).post(settings_url(school), {"dbs_recheck_years": ""})
    assert response.status_code == 302
    row = PeopleSettings.objects.get(school=school)
    assert (row.dbs_recheck_years, row.import_mappings) == (
        None,
        {"staff": {"Surname": "last_name"}},
    )


@pytest.mark.parametrize("value", ["0", "11", "-3", "3.5", "three", "9" * 10_000])
def test_a_period_outside_one_to_ten_years_is_refused(school, office, client_for, value):
    PeopleSettings.objects.create(school=school, dbs_recheck_years=3)
    response = client_for(office).post(settings_url(school), {"dbs_recheck_years": value})
    assert response.status_code == 200
    assert response.context["form"].errors["dbs_recheck_years"]
    assert PeopleSettings.objects.get(school=school).dbs_recheck_years == 3
    assert not AuditEvent.objects.filter(action="scr.settings_changed").exists()


def test_the_dpo_sees_the_period_but_has_no_link_to_change_it(school, dpo, client_for):
    report = client_for(dpo).get(f"/s/{school.slug}/scr/").content.decode()
    assert "The school has set no DBS re-check period." in report
    assert settings_url(school) not in report
