"""Password changes (P11): staff attest the date of a change (never the password), each account
is due again after its system's period, My tasks asks from two weeks before it lapses, and the
school sees compliance per system and per person."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bastion.core.models import AuditEvent
from bastion.notify.mytasks import tasks_for
from bastion.systems import passwords
from bastion.systems.models import PasswordChange
from tests.conftest import add_member, make_user
from tests.systems.conftest import account, changed, person, person_for, system
from tests.threads import at_once

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def attest_url(school, held):
    return f"/s/{school.slug}/systems/mine/{held.pk}/password/"


def test_months_are_added_with_the_day_clamped_to_the_months_end():
    assert passwords.add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert passwords.add_months(dt.date(2026, 3, 10), -6) == dt.date(2025, 9, 10)
    assert passwords.add_months(dt.date(2025, 12, 15), 1) == dt.date(2026, 1, 15)


def test_a_member_of_staff_attests_a_change_and_it_is_audited(
    client_for, staff, school, staff_person, now
):
    sims = system(school)
    held = account(sims, staff_person)
    client = client_for(staff)
    page = client.get(attest_url(school, held)).content.decode()
    assert "Bastion never asks for your password" in page
    main = page.split("<main")[1].split("</main>")[0]  # (the idle lock's sign-in is outside)
    assert 'type="password"' not in main
    response = client.post(attest_url(school, held), {"changed_on": "2026-03-09", "confirm": "on"})
    assert response.status_code == 302
    assert PasswordChange.objects.get().changed_on == dt.date(2026, 3, 9)
    event = AuditEvent.objects.get(action="system.password_changed")
    assert event.changes == {"person": "Sam Staff", "changed_on": "2026-03-09"}


@pytest.mark.parametrize(
    "data, message",
    [
        ({"changed_on": "2026-03-11", "confirm": "on"}, "The date cannot be in the future."),
        ({"changed_on": "2025-08-31", "confirm": "on"}, "You have held this account since"),
        ({"changed_on": "2026-01-05", "confirm": "on"}, "You already said you changed it on"),
        ({"changed_on": "2026-03-01"}, "Confirm that you changed your password."),
        ({"changed_on": "soon", "confirm": "on"}, "Enter a real date"),
        ({"confirm": "on"}, "Enter the date you changed it."),
    ],
)
def test_a_bad_date_is_refused_and_nothing_is_recorded(
    client_for, staff, school, staff_person, now, data, message
):
    sims = system(school)
    held = account(sims, staff_person, since=dt.date(2025, 9, 1))
    changed(sims, staff_person, dt.date(2026, 1, 5))
    page = client_for(staff).post(attest_url(school, held), data).content.decode()
    assert message in page
    assert PasswordChange.objects.count() == 1


def test_nobody_attests_for_someone_elses_account(client_for, siro, staff, school, now):
    sims = system(school)
    held = account(sims, person_for(staff, school))
    response = client_for(siro).post(attest_url(school, held), {"changed_on": "2026-03-09"})
    assert response.status_code == 404
    assert not PasswordChange.objects.exists()


def test_an_account_is_due_again_after_its_systems_period(
    client_for, staff, school, staff_person, time_machine
):
    sims = system(school, password_change_months=6)
    held = account(sims, staff_person)
    time_machine.move_to(dt.datetime(2026, 1, 15, 9, tzinfo=dt.UTC), tick=False)
    client_for(staff).post(attest_url(school, held), {"changed_on": "2026-01-15", "confirm": "on"})

    def state():
        found = passwords.rotated_accounts().get()
        return found.in_date, passwords.account_state(found, dt.date.today())

    in_date, shown = state()
    assert in_date and shown["due"] == dt.date(2026, 7, 15) and not shown["soon"]
    time_machine.move_to(dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC), tick=False)
    in_date, shown = state()
    assert in_date and shown["soon"]  # within two weeks
    time_machine.move_to(dt.datetime(2026, 7, 15, 9, tzinfo=dt.UTC), tick=False)
    assert state()[0]  # still in date on the day it is due
    time_machine.move_to(dt.datetime(2026, 7, 16, 9, tzinfo=dt.UTC), tick=False)
    assert not state()[0]


def test_my_tasks_asks_from_two_weeks_before_and_is_urgent_once_lapsed(
    staff, school, staff_person, time_machine
):
    sims = system(school, "SIMS", password_change_months=6)
    account(sims, staff_person)
    changed(sims, staff_person, dt.date(2026, 1, 15))
    time_machine.move_to(dt.datetime(2026, 6, 30, 9, tzinfo=dt.UTC), tick=False)
    assert not [t for t in tasks_for(staff) if "SIMS" in t.title]
    time_machine.move_to(dt.datetime(2026, 7, 2, 9, tzinfo=dt.UTC), tick=False)
    [task] = [t for t in tasks_for(staff) if "SIMS" in t.title]
    assert task.title == "Change your password for SIMS"
    assert task.due == dt.date(2026, 7, 15) and not task.urgent
    assert task.url.startswith(f"/s/{school.slug}/systems/mine/")
    time_machine.move_to(dt.datetime(2026, 8, 1, 9, tzinfo=dt.UTC), tick=False)
    [task] = [t for t in tasks_for(staff) if "SIMS" in t.title]
    assert task.title == "Change your password for SIMS (overdue)" and task.urgent


def test_an_account_with_no_change_recorded_is_asked_at_once_and_one_without_a_period_never(
    staff, school, staff_person, now
):
    account(system(school, "SIMS"), staff_person)
    account(system(school, "myDrive", password_change_months=None), staff_person)
    titles = [t.title for t in tasks_for(staff)]
    assert "Change your password for SIMS: no change recorded yet" in titles
    assert not [t for t in titles if "myDrive" in t]


def test_my_tasks_takes_one_query_whatever_the_number_of_accounts(
    staff, school, staff_person, now, django_assert_num_queries
):
    from bastion.systems.passwords import password_tasks

    memberships = list(staff.memberships.select_related("school"))
    for i in range(5):
        account(system(school, f"System {i}"), staff_person)
    with django_assert_num_queries(1):
        assert len(password_tasks(staff, memberships)) == 5


def test_leavers_and_archived_systems_are_not_counted(school, now):
    sims, old = system(school), system(school, "Old", archived=True)
    account(sims, person(school, "Gone", "Away", left_on=dt.date(2026, 1, 1)))
    account(old, person(school))
    assert not passwords.rotated_accounts().exists()


def test_the_compliance_page_shows_each_system_and_person_and_the_lapsed(
    client_for, dpo, school, now
):
    sims, vpn = system(school, "SIMS"), system(school, "VPN", kind="remote_access")
    ada, bo = person(school, "Ada", "Lane"), person(school, "Bo", "Reed")
    for sys in (sims, vpn):
        account(sys, ada)
        account(sys, bo)
    changed(sims, ada, dt.date(2026, 2, 1))
    changed(vpn, ada, dt.date(2026, 2, 1))
    changed(sims, bo, dt.date(2025, 6, 1))  # lapsed
    client = client_for(dpo)
    page = client.get(f"/s/{school.slug}/systems/passwords/").content.decode()
    assert "2 of 4 accounts in date (50%)" in page
    assert 'Bo Reed</a> <strong class="govuk-tag govuk-tag--red">2 not in date' in page
    page = client.get(f"/s/{school.slug}/systems/passwords/?status=lapsed").content.decode()
    assert "2 accounts not in date" in page
    assert "No change recorded" in page and "Lapsed</strong> since 1 December 2025" in page


def _staff(school, n, offset, systems):
    for i in range(n):
        user = make_user(f"p{offset + i}@ashmole.example.org", f"P{offset + i}", "Person")
        add_member(user, school, "staff")
        who = person_for(user, school)
        for sys in systems:
            account(sys, who)
            changed(sys, who, dt.date(2026, 1, 1))


def test_the_compliance_page_takes_the_same_queries_for_more_staff(
    client_for, dpo, school, now, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    systems = [system(school, "SIMS"), system(school, "VPN", kind="remote_access")]
    _staff(school, 3, 0, systems)
    client = client_for(dpo)
    client.get(f"/s/{school.slug}/systems/passwords/")
    with CaptureQueriesContext(connection) as first:
        client.get(f"/s/{school.slug}/systems/passwords/?status=lapsed")
        client.get(f"/s/{school.slug}/systems/passwords/")
    _staff(school, 6, 3, systems)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(f"/s/{school.slug}/systems/passwords/?status=lapsed")
        page = client.get(f"/s/{school.slug}/systems/passwords/").content.decode()
    assert "18 of 18 accounts in date" in page


@pytest.mark.parametrize("persona, status", [("staff", 403), ("office", 200), ("governor", 403)])
def test_who_sees_the_compliance_page(request, client_for, school, persona, status):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(f"/s/{school.slug}/systems/passwords/").status_code == status


def test_duplicate_password_change_attestations_the_same_form_sent_again_is_refused(
    staff, school, staff_person, now
):
    held = account(system(school), staff_person)
    on = dt.date(2026, 3, 9)
    passwords.password_attest(actor=staff, school=school, account=held, changed_on=on)
    with pytest.raises(ValidationError, match="You already said you changed it on 9 March 2026"):
        passwords.password_attest(actor=staff, school=school, account=held, changed_on=on)
    assert PasswordChange.objects.count() == 1
    assert AuditEvent.objects.filter(action="system.password_changed").count() == 1


def test_duplicate_password_change_attestations_the_database_keeps_one_per_day(
    staff, school, staff_person
):
    sims = system(school)
    changed(sims, staff_person, dt.date(2026, 3, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        changed(sims, staff_person, dt.date(2026, 3, 9))


@pytest.mark.django_db(transaction=True)
def test_duplicate_password_change_attestations_sent_at_once_store_one(staff, school, staff_person):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's test database serialises writers: the race needs PostgreSQL")
    held = account(system(school), staff_person)
    today = timezone.localdate()
    # Eight submissions at the same moment: four of one date, four of the day before. Each date
    # is stored at most once, and the day before only if it came first; every other submission
    # is told a change on that day or later is already recorded.
    dates = [today] * 4 + [today - dt.timedelta(days=1)] * 4

    def submit(on):
        passwords.password_attest(actor=staff, school=school, account=held, changed_on=on)
        return on

    stored, errors = at_once([lambda on=on: submit(on) for on in dates])
    refused = [e for e in errors if isinstance(e, ValidationError)]
    failed = [e for e in errors if not isinstance(e, ValidationError)]

    assert failed == []
    assert stored in ([today], [today - dt.timedelta(days=1), today])
    assert len(refused) == len(dates) - len(stored)
    assert list(PasswordChange.objects.order_by("pk").values_list("changed_on", flat=True)) == (
        stored
    )
    assert AuditEvent.objects.filter(action="system.password_changed").count() == len(stored)


def test_duplicate_password_change_attestations_the_migration_keeps_the_first(staff_person):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite cannot drop a constraint inside the test's transaction")
    from importlib import import_module

    from django.apps import apps

    migration = import_module("bastion.systems.migrations.0003_passwordchange_once")
    (once,) = [c for c in PasswordChange._meta.constraints if c.name == "passwordchange_once"]
    sims = system(staff_person.school)
    with connection.schema_editor() as editor:  # the table as it was before the migration
        editor.remove_constraint(PasswordChange, once)
    first = changed(sims, staff_person, dt.date(2026, 3, 9))
    changed(sims, staff_person, dt.date(2026, 3, 9))
    other = changed(sims, staff_person, dt.date(2026, 3, 1))
    migration.forwards(apps, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:  # (the deferred foreign-key checks run now)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        editor.add_constraint(PasswordChange, once)
    assert set(PasswordChange.objects.values_list("pk", flat=True)) == {first.pk, other.pk}
