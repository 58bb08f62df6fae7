"""Inviting staff (policy P9): a single-use, expiring link by e-mail to set their own password."""

from __future__ import annotations

import datetime as dt
import email
import html
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from bastion.accounts.models import Invitation, User
from bastion.accounts.services import InvitationUnusable, invitation_accept, invitation_create
from bastion.core.models import AuditEvent, Membership
from tests.accounts.conftest import sign_in
from tests.conftest import PASSWORD

STRONG = "lantern-quarry-velvet-0482"
NEWCOMER = {
    "first_name": "Nia",
    "last_name": "Okafor",
    "email": "nia.okafor@ashmole.example.org",
    "job_title": "Network manager",
}


def _invite(client, school, **data):
    return client.post(f"/s/{school.slug}/members/invite/", {**NEWCOMER, **data})


def _link(message) -> str:
    body = email.message_from_string(message.data).get_payload(decode=True).decode()
    return re.search(r"http://\S+/accounts/invitation/\S+/", body).group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def _page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def invitation(siro, school):
    """An open invitation for Nia to join as staff: (invitation, its link's path)."""
    invite, token = invitation_create(
        actor=siro,
        school=school,
        email=NEWCOMER["email"],
        first_name="Nia",
        last_name="Okafor",
        roles=["staff"],
    )
    return invite, f"/accounts/invitation/{token}/"


def test_the_siro_invites_with_roles_and_the_email_goes_out_over_smtp(
    client_for, siro, school, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client_for(siro), school, roles=["it_lead", "staff"])
    assert response.status_code == 302
    invite = Invitation.objects.get(email=NEWCOMER["email"])
    assert invite.roles == ["it_lead", "staff"]
    assert invite.invited_by == siro
    assert AuditEvent.objects.filter(action="member.invited", actor=siro, school=school).exists()
    [message] = smtp.messages
    assert message.rcpt_tos == [NEWCOMER["email"]]
    assert "You are invited to Ashmole Primary" in message.data
    assert (
        "Choose your password here"
        in email.message_from_string(message.data).get_payload(decode=True).decode()
    )
    assert invite.token_hash not in message.data  # only the token travels, never its hash


def test_the_invitee_sets_a_strong_password_and_joins_with_the_invited_roles(
    client_for, siro, school, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client_for(siro), school, roles=["governor"])
    link = _path(_link(smtp.messages[0]))
    newcomer = Client()
    page = newcomer.get(link)
    assert page.status_code == 200
    assert NEWCOMER["email"] in _page(page)

    response = newcomer.post(link, {"password1": STRONG, "password2": STRONG})
    assert response.status_code == 302
    assert response.url == f"/s/{school.slug}/"
    user = User.objects.get(email=NEWCOMER["email"])
    assert (user.first_name, user.last_name) == ("Nia", "Okafor")
    assert user.check_password(STRONG)
    membership = Membership.objects.get(user=user, school=school)
    assert membership.roles == {"governor"}
    assert membership.job_title == "Network manager"
    assert newcomer.session["_auth_user_id"] == str(user.pk)
    assert newcomer.get(response.url).status_code == 200
    assert AuditEvent.objects.filter(action="member.joined", actor=user).exists()


def test_the_link_works_only_once(client, invitation):
    _, link = invitation
    assert client.post(link, {"password1": STRONG, "password2": STRONG}).status_code == 302
    again = Client().get(link)
    assert again.status_code == 410
    assert "already been used" in _page(again)
    second = Client().post(link, {"password1": STRONG + "x", "password2": STRONG + "x"})
    assert second.status_code == 410
    assert User.objects.get(email=NEWCOMER["email"]).check_password(STRONG)


def test_the_same_invitation_cannot_be_accepted_twice_even_in_a_race(invitation):
    invite, _ = invitation
    invitation_accept(invitation=invite, password=STRONG)
    with pytest.raises(InvitationUnusable):
        invitation_accept(invitation=invite, password=STRONG)
    assert Membership.objects.filter(user__email=NEWCOMER["email"]).count() == 1


def test_an_expired_link_gets_the_kind_410_page(client, invitation):
    _, link = invitation
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        response = client.get(link)
        assert response.status_code == 410
        assert "It has expired" in _page(response)
        posted = client.post(link, {"password1": STRONG, "password2": STRONG})
        assert posted.status_code == 410
    assert not User.objects.filter(email=NEWCOMER["email"]).exists()


def test_a_link_replaced_by_a_newer_invitation_gets_the_kind_410_page(
    client, invitation, siro, school
):
    _, old_link = invitation
    _, token = invitation_create(
        actor=siro,
        school=school,
        email=NEWCOMER["email"],
        first_name="Nia",
        last_name="Okafor",
        roles=["office"],
    )
    response = client.get(old_link)
    assert response.status_code == 410
    assert "A newer invitation replaced it" in _page(response)
    assert client.get(f"/accounts/invitation/{token}/").status_code == 200


@pytest.mark.parametrize(
    "token", ["garbage", "a" * 5000, "%00", "%C3%BC", "'--", "%3Cscript%3E", ".."]
)
def test_a_garbage_link_gets_the_kind_410_page_never_a_500(client, db, token):
    response = client.get(f"/accounts/invitation/{token}/")
    assert response.status_code == 410
    assert "The link is not valid" in _page(response)
    assert client.post(f"/accounts/invitation/{token}/", {"password1": STRONG}).status_code == 410


def test_bad_input_on_the_acceptance_form_gets_messages_and_creates_nothing(client, invitation):
    _, link = invitation
    for data in (
        {},
        {"password1": "", "password2": ""},
        {"password1": "p" * 10_000, "password2": "p" * 10_000},
        {"password1": "\x00" * 20, "password2": "\x00" * 20},
    ):
        response = client.post(link, data)
        assert response.status_code == 200, data
        assert "There is a problem" in _page(response)
    assert not User.objects.filter(email=NEWCOMER["email"]).exists()


def test_someone_who_already_has_an_account_signs_in_and_joins_without_a_new_password(
    siro, outsider, school, other_school
):
    _, token = invitation_create(
        actor=siro,
        school=school,
        email=outsider.email,
        first_name="Otto",
        last_name="Outsider",
        roles=["staff"],
    )
    link = f"/accounts/invitation/{token}/"
    client = Client()
    response = client.get(link)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    # A password on the way in is ignored: the account's own sign-in is the only way.
    client.post(link, {"password1": STRONG, "password2": STRONG})
    outsider.refresh_from_db()
    assert outsider.check_password(PASSWORD)
    assert not Membership.objects.filter(user=outsider, school=school).exists()

    sign_in(outsider, client=client)
    page = client.get(link)
    assert "You already have a Bastion account" in _page(page)
    joined = client.post(link)
    assert joined.url == f"/s/{school.slug}/"
    assert Membership.objects.get(user=outsider, school=school).roles == {"staff"}
    assert Membership.objects.get(user=outsider, school=other_school).active
    outsider.refresh_from_db()
    assert outsider.check_password(PASSWORD)


def test_someone_signed_in_as_another_account_is_told_and_nothing_changes(
    client_for, staff, invitation
):
    _, link = invitation
    client = client_for(staff)
    response = client.get(link)
    assert response.status_code == 200
    assert "This invitation is for someone else" in _page(response)
    client.post(link, {"password1": STRONG, "password2": STRONG})
    assert not User.objects.filter(email=NEWCOMER["email"]).exists()
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_a_leaver_who_comes_back_sets_a_new_password_and_gets_only_the_new_roles(
    siro, it_lead, school
):
    membership = Membership.objects.get(user=it_lead, school=school)
    membership.active = False
    membership.save()
    it_lead.is_active = False
    it_lead.save()
    _, token = invitation_create(
        actor=siro,
        school=school,
        email=it_lead.email,
        first_name="Ira",
        last_name="Itlead",
        roles=["governor"],
    )
    client = Client()
    response = client.post(
        f"/accounts/invitation/{token}/", {"password1": STRONG, "password2": STRONG}
    )
    assert response.status_code == 302
    it_lead.refresh_from_db()
    assert it_lead.is_active and it_lead.check_password(STRONG)
    membership.refresh_from_db()
    assert membership.active and membership.roles == {"governor"}


def test_inviting_a_new_siro_hands_the_role_over_when_they_join(client, siro, school):
    _, token = invitation_create(
        actor=siro,
        school=school,
        email=NEWCOMER["email"],
        first_name="Nia",
        last_name="Okafor",
        roles=["siro", "staff"],
    )
    client.post(f"/accounts/invitation/{token}/", {"password1": STRONG, "password2": STRONG})
    new = Membership.objects.get(user__email=NEWCOMER["email"], school=school)
    assert new.is_siro
    assert not Membership.objects.get(user=siro, school=school).is_siro


def test_the_office_can_invite_staff_governors_and_office_but_not_senior_roles(
    client_for, office, school
):
    client = client_for(office)
    for role in ("siro", "dpo", "it_lead"):
        response = _invite(client, school, roles=[role])
        assert response.status_code == 200, role
        assert "Select a valid choice" in _page(response)
    assert not Invitation.objects.exists()
    assert _invite(client, school, roles=["governor", "office"]).status_code == 302
    assert Invitation.objects.get().roles == ["governor", "office"]


def test_staff_cannot_invite(client_for, staff, school):
    assert _invite(client_for(staff), school, roles=["staff"]).status_code == 403
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"email": ""}, "This field is required."),
        ({"first_name": "N" * 10_000}, "Ensure this value has at most 150 characters"),
        ({"last_name": "O" * 10_000}, "Ensure this value has at most 150 characters"),
        ({"roles": ["siro", "dpo"]}, "The DPO must not be the same person as the SIRO"),
        ({"roles": ["headteacher"]}, "Select a valid choice"),
        ({"email": "<script>alert(1)</script>@example.org"}, "Enter a valid email address."),
    ],
)
def test_bad_input_on_the_invite_form_gets_a_message_and_creates_nothing(
    client_for, siro, school, smtp, data, message
):
    response = _invite(client_for(siro), school, **data)
    assert response.status_code == 200
    assert message in _page(response)
    assert "<script>alert" not in response.content.decode()
    assert not Invitation.objects.exists()
    assert not smtp.messages
