"""Actions on an incident: an owner with an account, a due date, done; overdue ones on the
owner's My tasks, where the owner (who may not see the incident) marks them done."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.core.models import AuditEvent
from bastion.incidents.models import Action
from tests.conftest import add_member, make_user
from tests.incidents.conftest import NOW, make_incident

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def incident(school, staff):
    return make_incident(school, staff)


def add_url(school, incident) -> str:
    return f"/s/{school.slug}/incidents/{incident.pk}/actions/add/"


def done_url(school, action) -> str:
    return f"/s/{school.slug}/incidents/actions/{action.pk}/done/"


def add(client, school, incident, who, **extra):
    data = {
        "kind": "containment",
        "description": "Reset the MIS password",
        "owner": str(who.pk),
        "due_on": "2026-03-03",
    } | extra
    return client.post(add_url(school, incident), data)


@pytest.fixture
def action(school, incident, it_lead):
    return Action.objects.create(
        school=school,
        incident=incident,
        kind="containment",
        description="Reset the MIS password",
        owner=it_lead,
        due_on=dt.date(2026, 3, 3),
    )


def test_the_dpo_adds_an_action_for_a_member_of_the_school(
    client_for, school, incident, dpo, it_lead
):
    response = add(client_for(dpo), school, incident, it_lead)

    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.owner, action.due_on, action.kind) == (
        it_lead,
        dt.date(2026, 3, 3),
        "containment",
    )
    assert action.school == school and action.done_at is None
    event = AuditEvent.objects.get(action="incident.action_added")
    assert event.changes["description"] == [None, "Reset the MIS password"]


def test_the_owner_list_holds_only_active_members_with_an_account(
    client_for, school, incident, dpo, it_lead, outsider
):
    leaver = make_user("lee.left@ashmole.example.org", "Lee", "Left")
    add_member(leaver, school, "staff").__class__.objects.filter(user=leaver).update(active=False)
    owners = client_for(dpo).get(add_url(school, incident)).context["form"].fields["owner"]

    emails = {u.email for u in owners.queryset}
    assert it_lead.email in emails and dpo.email in emails
    assert leaver.email not in emails and outsider.email not in emails


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"description": ""}, "description", "Say what needs doing."),
        ({"description": "x" * 10_000}, "description", "300 characters or fewer"),
        ({"due_on": "2026-03-01"}, "due_on", "cannot be in the past"),
        ({"due_on": "2036-03-01"}, "due_on", "within the next three years"),
        ({"due_on": "x" * 10_000}, "due_on", "Enter a real date"),
        ({"kind": "x" * 10_000}, "kind", "Select a valid choice"),
        ({"owner": "x" * 10_000}, "owner", "Choose a member of the school."),
    ],
)
def test_a_bad_action_is_refused(
    client_for, school, incident, dpo, it_lead, changes, field, message
):
    response = add(client_for(dpo), school, incident, it_lead, **changes)

    assert message in " ".join(response.context["form"].errors[field])
    assert not Action.objects.exists()


def test_an_owner_from_another_school_is_refused(client_for, school, incident, dpo, outsider):
    response = add(client_for(dpo), school, incident, outsider)

    assert "Choose a member of the school." in " ".join(response.context["form"].errors["owner"])
    assert not Action.objects.exists()


def test_an_overdue_action_is_on_the_owners_my_tasks(client_for, school, action, it_lead, clock):
    client = client_for(it_lead)
    page = client.get("/tasks/").content.decode()
    assert "INC-2026-0001: Reset the MIS password</a>" in page
    assert "(overdue)" not in page

    clock.move_to(NOW + dt.timedelta(days=2))

    page = client_for(it_lead).get("/tasks/").content.decode()
    assert "INC-2026-0001: Reset the MIS password (overdue)" in page
    assert f'href="/s/{school.slug}/incidents/actions/{action.pk}/done/"' in page
    assert "Urgent" in page


def test_the_owner_marks_it_done_without_seeing_the_incident(
    client_for, school, incident, action, it_lead
):
    client = client_for(it_lead)
    assert client.get(f"/s/{school.slug}/incidents/{incident.pk}/").status_code == 404
    html = client.get(done_url(school, action)).content.decode()
    assert "Reset the MIS password" in html and "sticky note" not in html

    response = client.post(done_url(school, action))

    assert response["Location"] == "/tasks/"
    action.refresh_from_db()
    assert action.done_at == NOW
    assert "Reset the MIS password</a>" not in client.get("/tasks/").content.decode()
    assert AuditEvent.objects.get(action="incident.action_done").actor == it_lead


def test_marking_done_twice_changes_nothing(client_for, school, action, it_lead, clock):
    client = client_for(it_lead)
    client.post(done_url(school, action))
    clock.move_to(NOW + dt.timedelta(hours=1))
    client.post(done_url(school, action))

    action.refresh_from_db()
    assert action.done_at == NOW
    assert AuditEvent.objects.filter(action="incident.action_done").count() == 1


def test_the_dpo_marks_an_action_done_from_the_incident(client_for, school, incident, action, dpo):
    response = client_for(dpo).post(done_url(school, action))

    assert response["Location"] == f"/s/{school.slug}/incidents/{incident.pk}/"
    action.refresh_from_db()
    assert action.done_at is not None


def test_someone_elses_action_is_404(client_for, school, action, office, staff):
    for user in (office, staff):
        client = client_for(user)
        assert client.get(done_url(school, action)).status_code == 404
        assert client.post(done_url(school, action)).status_code == 404
    action.refresh_from_db()
    assert action.done_at is None
