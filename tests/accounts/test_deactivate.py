"""Leavers: their membership ends and they can no longer sign in, but their history stays."""

from __future__ import annotations

import pytest
from django.test import Client

from bastion.core import audit
from bastion.core.models import AuditEvent, Membership
from tests.accounts.conftest import sign_in
from tests.conftest import PASSWORD, add_member


def _deactivate(client, school, membership):
    return client.post(f"/s/{school.slug}/members/{membership.pk}/deactivate/")


def _membership(user, school):
    return Membership.objects.get(user=user, school=school)


def test_the_siro_marks_a_leaver_and_they_can_no_longer_sign_in(client_for, siro, staff, school):
    earlier = audit.record("auth.login", actor=staff)
    response = _deactivate(client_for(siro), school, _membership(staff, school))
    assert response.status_code == 302
    membership = _membership(staff, school)
    assert not membership.active
    assert membership.left_at is not None
    staff.refresh_from_db()
    assert not staff.is_active
    event = AuditEvent.objects.get(action="member.deactivated")
    assert (event.actor, event.school, event.object_repr) == (siro, school, str(staff))
    assert AuditEvent.objects.filter(pk=earlier.pk, actor=staff).exists()

    client = Client()
    response = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.url == "/accounts/inactive/"
    assert "This account is no longer active" in client.get(response.url).content.decode()


def test_a_leaver_who_is_signed_in_loses_access_at_once(client_for, siro, staff, school):
    their_client = client_for(staff)
    assert their_client.get(f"/s/{school.slug}/").status_code == 200
    _deactivate(client_for(siro), school, _membership(staff, school))
    response = their_client.get(f"/s/{school.slug}/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_someone_leaving_one_of_two_schools_keeps_their_account(
    client_for, siro, staff, school, other_school
):
    add_member(staff, other_school, "staff")
    _deactivate(client_for(siro), school, _membership(staff, school))
    staff.refresh_from_db()
    assert staff.is_active
    client = sign_in(staff)
    assert client.get(f"/s/{school.slug}/").status_code == 404
    assert client.get(f"/s/{other_school.slug}/").status_code == 200


def test_nobody_can_mark_themselves_as_having_left(client_for, siro, school):
    response = _deactivate(client_for(siro), school, _membership(siro, school))
    assert response.status_code == 302
    assert _membership(siro, school).active
    assert not AuditEvent.objects.filter(action="member.deactivated").exists()


def test_the_office_can_mark_staff_as_left_but_not_the_senior_roles(
    client_for, office, staff, dpo, it_lead, siro, school
):
    client = client_for(office)
    for senior in (siro, dpo, it_lead):
        assert _deactivate(client, school, _membership(senior, school)).status_code == 403
        assert _membership(senior, school).active
    assert _deactivate(client, school, _membership(staff, school)).status_code == 302
    assert not _membership(staff, school).active


@pytest.mark.parametrize("persona", ["staff", "governor", "dpo", "it_lead"])
def test_roles_without_the_permission_get_403(request, client_for, persona, office, school):
    client = client_for(request.getfixturevalue(persona))
    assert _deactivate(client, school, _membership(office, school)).status_code == 403
    assert _membership(office, school).active


def test_another_schools_membership_id_gives_404(client_for, siro, outsider, school, other_school):
    theirs = _membership(outsider, other_school)
    assert _deactivate(client_for(siro), school, theirs).status_code == 404
    assert _membership(outsider, other_school).active


def test_bad_ids_and_a_get_change_nothing_and_never_give_a_500(client_for, siro, staff, school):
    client = client_for(siro)
    for url in (
        f"/s/{school.slug}/members/abc/deactivate/",
        f"/s/{school.slug}/members/99999999999999999999/deactivate/",
        f"/s/{school.slug}/members/-1/deactivate/",
    ):
        assert client.post(url).status_code == 404, url
    assert (
        client.get(
            f"/s/{school.slug}/members/{_membership(staff, school).pk}/deactivate/"
        ).status_code
        == 405
    )
    assert _membership(staff, school).active
