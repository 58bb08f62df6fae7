"""Inviting people and marking leavers from People and roles: who may, and bad input."""

from __future__ import annotations

import pytest

from bastion.accounts.models import Invitation
from bastion.core.models import AuditEvent, Membership

INVITE = {"first_name": "Nia", "last_name": "New", "email": "nia.new@ashmole.example.org"}


def _invite_url(school) -> str:
    return f"/s/{school.slug}/members/invite/"


def _leave_url(school, user) -> str:
    pk = Membership.objects.get(user=user, school=school).pk
    return f"/s/{school.slug}/members/{pk}/deactivate/"


@pytest.mark.parametrize("who", ["siro", "office", "trust_admin"])
def test_the_siro_the_office_and_a_trust_admin_invite_someone(who, request, client_for, school):
    response = client_for(request.getfixturevalue(who)).post(
        _invite_url(school), {**INVITE, "roles": ["staff"]}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(school=school)
    assert (invitation.email, invitation.roles) == ("nia.new@ashmole.example.org", ["staff"])
    assert AuditEvent.objects.filter(action="member.invited", school=school).count() == 1


@pytest.mark.parametrize("who", ["dpo", "it_lead", "staff", "governor"])
def test_other_roles_may_not_invite(who, request, client_for, school):
    client = client_for(request.getfixturevalue(who))
    assert client.get(_invite_url(school)).status_code == 403
    assert client.post(_invite_url(school), INVITE).status_code == 403
    assert not Invitation.objects.exists()


def test_the_office_cannot_hand_out_senior_roles(client_for, office, school):
    response = client_for(office).post(_invite_url(school), {**INVITE, "roles": ["siro"]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        ({**INVITE, "email": "not-an-address"}, "Enter a valid email address."),
        ({**INVITE, "email": ""}, "This field is required."),
        ({**INVITE, "first_name": "N" * 10_000}, "at most 150 characters"),
        ({**INVITE, "roles": ["siro", "dpo"]}, "The DPO must not be the same person as the SIRO"),
        ({**INVITE, "roles": ["superuser"]}, "Select a valid choice."),
        ({}, "This field is required."),
    ],
    ids=["bad e-mail", "no e-mail", "10k name", "siro and dpo", "unknown role", "empty"],
)
def test_a_bad_invitation_gets_a_message_and_sends_nothing(data, message, client_for, siro, school):
    response = client_for(siro).post(_invite_url(school), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.filter(action="member.invited").exists()


def test_the_office_marks_a_leaver_and_it_is_audited(client_for, office, staff, school):
    response = client_for(office).post(_leave_url(school, staff))
    assert response.status_code == 302
    assert not Membership.objects.get(user=staff).active
    event = AuditEvent.objects.get(action="member.deactivated")
    assert (event.actor, event.school, event.object_repr) == (office, school, str(staff))


@pytest.mark.parametrize("who", ["dpo", "it_lead", "staff", "governor"])
def test_other_roles_may_not_mark_a_leaver(who, request, client_for, office, school):
    client = client_for(request.getfixturevalue(who))
    assert client.post(_leave_url(school, office)).status_code == 403
    assert Membership.objects.get(user=office).active


def test_marking_a_leaver_needs_a_post(client_for, siro, staff, school):
    assert client_for(siro).get(_leave_url(school, staff)).status_code == 405
    assert Membership.objects.get(user=staff).active


def test_nobody_marks_themselves_as_having_left(client_for, office, school):
    response = client_for(office).post(_leave_url(school, office), follow=True)
    assert "You cannot mark yourself as having left." in response.content.decode()
    assert Membership.objects.get(user=office).active
