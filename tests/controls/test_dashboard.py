"""The school's dashboard: every control, the urgent actions first, the trend, open incidents;
governors read only; a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bastion.controls.models import KeptEvaluation, StatusSnapshot
from bastion.equipment.models import Device, Location
from bastion.incidents.models import Incident
from bastion.people.models import Person


def url(school) -> str:
    return f"/s/{school.slug}/controls/"


def test_the_dashboard_lists_every_control_with_its_status(school, siro, client_for):
    Device.objects.create(school=school, kind="flash_drive", holds_personal_data=True)
    response = client_for(siro).get(url(school))
    assert response.status_code == 200
    page = response.content.decode()
    for code in ("P0", "P5", "T3", "T16"):
        assert f'id="control-{code}"' in page
    assert "1 portable device holding personal data not encrypted" in page
    detail = client_for(siro).get(f"/s/{school.slug}/controls/T3/").content.decode()
    assert f'href="/s/{school.slug}/equipment/devices/?problem=unencrypted"' in detail
    assert f'href="/s/{school.slug}/controls/report/"' in page


def test_the_urgent_actions_come_first_overdue_before_attention(school, siro, client_for):
    aware = timezone.now() - dt.timedelta(hours=80)
    Incident.objects.create(
        school=school,
        reference="INC-2026-0001",
        submission_key=uuid.uuid4(),
        reporter=siro,
        kind="password",
        what_happened="A made-up password on a sticky note.",
        discovered_at=aware,
        aware_at=aware,
        status="triaged",
    )
    response = client_for(siro).get(url(school))
    urgent = response.context["urgent"]
    assert urgent[0][1] == "overdue"
    assert len(urgent) == 5
    page = response.content.decode()
    assert "INC-2026-0001" in page and "Past 72 hours" in page  # the open incident's clock


def test_governors_see_a_read_only_dashboard(school, governor, client_for):
    response = client_for(governor).get(url(school))
    assert response.status_code == 200
    page = response.content.decode()
    assert "the school's staff record the checks" in page
    assert f'href="/s/{school.slug}/controls/T16/attest/"' not in page
    detail = client_for(governor).get(f"/s/{school.slug}/controls/T16/").content.decode()
    assert "Record a check" not in detail
    assert client_for(governor).get(f"/s/{school.slug}/controls/T16/attest/").status_code == 403
    assert client_for(governor).post(f"/s/{school.slug}/controls/T16/attest/").status_code == 403
    assert client_for(governor).get(f"/s/{school.slug}/controls/T16/settings/").status_code == 403


def test_staff_without_a_role_cannot_open_the_dashboard(school, staff, client_for):
    assert client_for(staff).get(url(school)).status_code == 403


def test_an_unknown_control_is_404(school, siro, client_for):
    assert client_for(siro).get(f"/s/{school.slug}/controls/X99/").status_code == 404
    assert client_for(siro).post(f"/s/{school.slug}/controls/X99/attest/").status_code == 404


def test_the_trend_shows_controls_met_week_by_week_with_a_table(school, siro, client_for):
    today = timezone.localdate()
    for code, status in (("T16", "met"), ("T3", "met"), ("T6", "attention")):
        StatusSnapshot.objects.create(school=school, code=code, day=today, status=status)
    StatusSnapshot.objects.create(
        school=school, code="T16", day=today - dt.timedelta(weeks=2), status="overdue"
    )
    response = client_for(siro).get(url(school))
    weeks = response.context["chart"]["weeks"]
    assert (weeks[-3].met, weeks[-3].applicable) == (0, 1)
    page = response.content.decode()
    assert 'role="img"' in page and "0 of 1 met" in page
    assert "style=" not in page.split("<main")[1]


def test_this_week_of_the_trend_is_what_the_tiles_say(school, siro, client_for):
    # The day's snapshot was taken before something changed: the page must not say both.
    today = timezone.localdate()
    for code in ("T16", "T3", "T6", "P0", "P1"):
        StatusSnapshot.objects.create(school=school, code=code, day=today, status="met")
    response = client_for(siro).get(url(school))
    counts, week = response.context["counts"], response.context["chart"]["weeks"][-1]
    applicable = sum(counts.values()) - counts["not_applicable"]
    assert (week.met, week.applicable) == (counts["met"], applicable)
    assert counts["met"] != 5
    page = response.content.decode()
    assert f"{counts['met']} of {applicable} met" in page
    assert f'<strong class="govuk-tag govuk-tag--green">Met</strong> {counts["met"]}<' in page


def _data(school, n: int, first: int = 0):
    for i in range(first, first + n):
        person = Person.objects.create(
            school=school, kind="staff", first_name=f"P{i}", last_name="X"
        )
        Device.objects.create(
            school=school, kind="laptop", holds_personal_data=True, assigned_to=person
        )
        StatusSnapshot.objects.create(
            school=school, code="T16", day=timezone.localdate() - dt.timedelta(days=i), status="met"
        )


def test_the_dashboard_uses_a_fixed_number_of_queries(
    school, siro, client_for, django_assert_num_queries, all_evaluators
):
    client = client_for(siro)
    _data(school, 3)
    client.get(url(school))  # the session settles
    KeptEvaluation.objects.all().delete()  # measure the evaluation, not its reuse
    with CaptureQueriesContext(connection) as first:
        assert client.get(url(school)).status_code == 200
    _data(school, 9, first=3)
    KeptEvaluation.objects.all().delete()
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(url(school)).status_code == 200


def test_the_dashboard_reuses_its_evaluation_until_something_is_recorded(
    school, siro, client_for, all_evaluators
):
    from bastion.controls.services import attestation_record

    def t16(response):
        return next(c for c in response.context["controls"] if c.code == "T16")

    client = client_for(siro)
    client.get(url(school))
    with CaptureQueriesContext(connection) as reused:
        response = client.get(url(school))
    assert not [q for q in reused.captured_queries if "controls_attestation" in q["sql"]]
    assert t16(response).attestation.last is None
    attestation_record(
        actor=siro, school=school, code="T16", attested_on=timezone.localdate(), note="Checked."
    )
    # Recording the check brought what is kept up to date (its snapshot of the day reads it).
    response = client.get(url(school))
    assert t16(response).attestation.last == timezone.localdate()


def test_one_lockable_place_due_a_check_reads_singular(school, siro, client_for):
    Location.objects.create(
        school=school, name="Office cabinet", kind="cabinet", lockable=True, for_paper_records=True
    )
    page = client_for(siro).get(f"/s/{school.slug}/controls/T10/").content.decode()
    assert "1 place for sensitive paper, 0 not lockable; 1 lockable place due a check." in page
