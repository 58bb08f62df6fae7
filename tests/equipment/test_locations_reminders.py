"""Location checks due are chased: `run_schedule` e-mails the IT lead and the SIRO once a week
(over real SMTP), and My tasks shows them, with the devices that break a rule."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import Membership
from bastion.equipment.devices import equipment_tasks
from bastion.equipment.models import EquipmentSettings, LocationCheck
from bastion.notify.mytasks import tasks_for
from tests.conftest import add_member
from tests.equipment.test_devices import device, place
from tests.notify.conftest import received

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
SUBJECT = "[Bastion] Location checks due at Ashmole Primary"


@pytest.fixture
def monday(time_machine):
    time_machine.move_to(MONDAY, tick=False)
    return time_machine


@pytest.fixture
def everyone(siro, dpo, it_lead, office, staff, governor):
    return {"siro": siro, "it_lead": it_lead, "office": office, "staff": staff}


@pytest.fixture
def run_checks(django_capture_on_commit_callbacks):
    """Run the job as `run_schedule --job location-checks`; mail goes out after commit."""

    def run() -> str:
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_schedule", "--job", "location-checks", stdout=out)
        return out.getvalue()

    return run


def check(location, user, on):
    LocationCheck.objects.create(
        school=location.school, location=location, checked_on=on, as_expected=True, checked_by=user
    )


def test_checks_due_send_one_email_to_the_it_lead_and_the_siro(
    school, everyone, smtp, monday, run_checks
):
    place(school, "Server cupboard", lockable=True)
    place(school, "Office safe", kind="safe", lockable=True)
    place(school, "Hall")  # not lockable: never checked
    assert "location-checks: queued 2" in run_checks()
    mails = [m for m in received(smtp) if m["Subject"] == SUBJECT]
    assert sorted(m["To"] for m in mails) == sorted(
        [everyone["siro"].email, everyone["it_lead"].email]
    )
    body = mails[0].get_content()
    assert "2 lockable locations are due a check at Ashmole Primary" in body
    assert "http://127.0.0.1:8000/s/ashmole/equipment/locations/?status=due" in body
    assert "Server cupboard" not in body  # counts only


def test_the_reminder_goes_once_a_week(school, everyone, smtp, monday, run_checks):
    place(school, "Server cupboard", lockable=True)
    assert "queued 2" in run_checks()
    assert "queued 0" in run_checks()
    monday.shift(dt.timedelta(days=3))
    assert "queued 0" in run_checks()
    monday.shift(dt.timedelta(days=4))
    assert "queued 2" in run_checks()
    assert len(received(smtp)) == 4


def test_nothing_due_sends_nothing(school, everyone, smtp, monday, run_checks):
    cupboard = place(school, "Server cupboard", lockable=True)
    check(cupboard, everyone["it_lead"], dt.date(2026, 2, 1))
    place(school, "Bank vault", kind="off_site", lockable=True)
    place(school, "Old cabinet", lockable=True, archived=True)
    assert "queued 0" in run_checks()
    assert received(smtp) == []


def test_the_schools_own_period_decides_what_is_due(school, everyone, smtp, monday, run_checks):
    cupboard = place(school, "Server cupboard", lockable=True)
    check(cupboard, everyone["it_lead"], dt.date(2026, 2, 1))
    EquipmentSettings.objects.create(school=school, location_check_days=14)
    assert "queued 2" in run_checks()


def test_my_tasks_chases_the_it_lead_and_the_siro_only(school, everyone, monday, client_for):
    place(school, "Server cupboard", lockable=True)
    device(school, "server", "SRV-1")  # unlocked and no DBS-checked manager
    device(school, "laptop", "LAP-1", holds_personal_data=True)
    for who in ("it_lead", "siro"):
        titles = [t.title for t in tasks_for(everyone[who])]
        assert "Check the locks at Ashmole Primary: 1 location is due a check" in titles
        assert (
            "Put right 3 equipment problems at Ashmole Primary (encryption, locked server "
            "rooms, DBS-checked server managers)"
        ) in titles
    for who in ("office", "staff"):  # (other registers give them tasks of their own)
        assert not [t for t in tasks_for(everyone[who]) if "/equipment/" in t.url]
    page = client_for(everyone["it_lead"]).get("/tasks/").content.decode()
    assert "/s/ashmole/equipment/locations/?status=due" in page
    assert "/s/ashmole/equipment/devices/?problem=any" in page


def test_my_tasks_is_quiet_when_all_is_well(school, everyone, monday):
    cupboard = place(school, "Server cupboard", lockable=True)
    check(cupboard, everyone["it_lead"], dt.date(2026, 3, 1))
    device(school, "laptop", "LAP-1", holds_personal_data=True, encrypted=True)
    assert not [t for t in tasks_for(everyone["it_lead"]) if "/equipment/" in t.url]


def test_my_tasks_uses_the_same_queries_for_few_or_many_devices(school, everyone, monday):
    place(school, "Server cupboard", lockable=True)
    device(school, "server", "SRV-0")
    with CaptureQueriesContext(connection) as few:
        tasks_for(everyone["it_lead"])
    for n in range(1, 60):
        device(school, "laptop", f"LAP-{n}", holds_personal_data=True)
        place(school, f"Cabinet {n}", lockable=True)
    with CaptureQueriesContext(connection) as many:
        tasks_for(everyone["it_lead"])
    assert len(few) == len(many)


def test_my_tasks_asks_three_queries_for_equipment_whatever_the_number_of_schools(
    school, other_school, everyone, monday
):
    place(school, "Server cupboard", lockable=True)
    place(other_school, "Their cupboard", lockable=True)
    device(other_school, "server", "SRV-9")
    EquipmentSettings.objects.create(school=other_school, location_check_days=30)
    user = everyone["it_lead"]
    for joins in (None, other_school):
        if joins:
            add_member(user, joins, "it_lead")
        memberships = list(Membership.objects.filter(user=user).select_related("school"))
        with CaptureQueriesContext(connection) as queries:
            tasks = equipment_tasks(user, memberships)
        assert len(queries) == 3
    assert [t.school for t in tasks] == [school, other_school, other_school]
