"""My tasks: a control check due for its owner, with a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from bastion.controls import services
from bastion.controls.jobs import control_checks
from bastion.controls.models import ControlSetting
from bastion.core.models import Membership
from bastion.notify.mytasks import tasks_for
from tests.controls.conftest import mark_not_applicable


def titles(user, code="T16"):
    """The user's control-check tasks of one policy row (whatever the others' state)."""
    return [t.title for t in tasks_for(user) if t.title.startswith(f"Check control {code} ")]


def test_the_owner_sees_a_check_never_made_and_others_do_not(school, office, it_lead):
    assert titles(office) == [
        "Check control T16 at Ashmole Primary: paper is shredded with a cross-cut shredder"
    ]
    assert titles(it_lead) == []


def test_a_check_shows_when_due_soon_and_is_urgent_when_overdue(school, office):
    with time_machine.travel("2026-09-07 09:00Z", tick=False):
        services.attestation_record(
            actor=office, school=school, code="T16", attested_on=timezone.localdate(), note="Ok."
        )
        assert titles(office) == []
    with time_machine.travel("2026-12-28 09:00Z", tick=False):  # due 7 January
        task = next(t for t in tasks_for(office) if "T16" in t.title)
        assert task.due == dt.date(2027, 1, 7) and not task.urgent
        assert task.url == f"/s/{school.slug}/controls/T16/attest/"
    with time_machine.travel("2027-01-10 09:00Z", tick=False):
        task = next(t for t in tasks_for(office) if "T16" in t.title)
        assert task.urgent and task.title.endswith("(overdue)")


def test_a_named_owner_gets_the_task_instead_of_the_role(school, office, it_lead):
    ControlSetting.objects.create(
        school=school, code="T16", owner_role="office", owner=it_lead, frequency="termly"
    )
    assert titles(office) == []
    assert len(titles(it_lead)) == 1


def test_a_not_applicable_row_asks_for_nothing(school, office):
    mark_not_applicable(school, "T16", "All paper goes to the trust's secure bins.")
    assert titles(office) == []


def test_the_provider_uses_three_queries(school, office, other_school, django_assert_num_queries):
    from tests.conftest import add_member

    add_member(office, other_school, "office")
    memberships = list(Membership.objects.filter(user=office).select_related("school"))
    with django_assert_num_queries(3):
        tasks = control_checks(office, memberships)
    assert len([t for t in tasks if "T16" in t.title]) == 2
