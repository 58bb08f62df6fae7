"""Assigning roles: one SIRO and one DPO per school, never the same person; every change audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bastion.core.models import AuditEvent, Membership
from bastion.core.services import membership_set_roles

DPO_MESSAGE = "The DPO must not be the same person as the SIRO"


def _membership(user, school) -> Membership:
    return Membership.objects.get(user=user, school=school)


def _edit_url(school, user) -> str:
    return f"/s/{school.slug}/members/{_membership(user, school).pk}/"


def test_the_siro_gives_a_member_of_staff_the_dpo_role_and_the_old_dpo_loses_it(
    client_for, siro, dpo, staff, school
):
    response = client_for(siro).post(
        _edit_url(school, staff), {"roles": ["dpo", "staff"], "job_title": "Business manager"}
    )
    assert response.status_code == 302
    assert _membership(staff, school).roles == {"dpo", "staff"}
    assert _membership(staff, school).job_title == "Business manager"
    assert _membership(dpo, school).roles == {"staff"}
    events = AuditEvent.objects.filter(action="member.roles_changed").order_by("id")
    assert [(e.object_id, e.changes["roles"]) for e in events] == [
        (str(_membership(dpo, school).pk), [["dpo", "staff"], ["staff"]]),
        (str(_membership(staff, school).pk), [["staff"], ["dpo", "staff"]]),
    ]
    assert all(e.actor == siro and e.school == school for e in events)


def test_naming_a_new_siro_takes_the_role_from_the_old_one_and_audits_both(
    client_for, siro, staff, school
):
    response = client_for(siro).post(_edit_url(school, staff), {"roles": ["siro", "staff"]})
    assert response.status_code == 302
    assert _membership(staff, school).is_siro
    assert not _membership(siro, school).is_siro
    changed = {
        e.object_id: e.changes["roles"]
        for e in AuditEvent.objects.filter(action="member.roles_changed", school=school)
    }
    assert changed == {
        str(_membership(siro, school).pk): [["siro", "staff"], ["staff"]],
        str(_membership(staff, school).pk): [["staff"], ["siro", "staff"]],
    }


def test_a_trust_admin_assigns_roles(client_for, trust_admin, staff, school):
    client_for(trust_admin).post(_edit_url(school, staff), {"roles": ["it_lead", "staff"]})
    assert _membership(staff, school).roles == {"it_lead", "staff"}


@pytest.mark.parametrize("who", ["dpo", "it_lead", "office", "staff", "governor"])
def test_only_the_siro_or_a_trust_admin_may_assign_roles(who, request, client_for, staff, school):
    user = request.getfixturevalue(who)
    client = client_for(user)
    url = _edit_url(school, staff)
    assert client.get(url).status_code == 403
    assert client.post(url, {"roles": ["siro"]}).status_code == 403
    assert _membership(staff, school).roles == {"staff"}
    assert not AuditEvent.objects.filter(action="member.roles_changed").exists()


def test_making_someone_both_siro_and_dpo_is_refused_in_the_form(client_for, siro, staff, school):
    response = client_for(siro).post(_edit_url(school, staff), {"roles": ["siro", "dpo"]})
    assert response.status_code == 200
    page = response.content.decode()
    assert DPO_MESSAGE in page
    assert "There is a problem" in page
    # The ticked boxes are kept for the user to correct.
    assert 'value="siro" checked' in page and 'value="dpo" checked' in page
    assert _membership(staff, school).roles == {"staff"}
    assert _membership(siro, school).is_siro
    assert not AuditEvent.objects.filter(action="member.roles_changed").exists()


def test_making_the_siro_also_the_dpo_is_refused_in_the_form(client_for, siro, dpo, school):
    response = client_for(siro).post(_edit_url(school, siro), {"roles": ["siro", "dpo", "staff"]})
    assert DPO_MESSAGE in response.content.decode()
    assert _membership(siro, school).roles == {"siro", "staff"}
    assert _membership(dpo, school).is_dpo


def test_the_service_refuses_siro_and_dpo_together(siro, staff, school):
    with pytest.raises(ValidationError, match=DPO_MESSAGE):
        membership_set_roles(
            actor=siro, school=school, membership=_membership(staff, school), roles={"siro", "dpo"}
        )


def test_the_model_validation_refuses_siro_and_dpo_together(staff, school):
    membership = _membership(staff, school)
    membership.is_siro = membership.is_dpo = True
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert error.value.messages == [
        "The DPO must not be the same person as the SIRO: the policy keeps the roles apart."
    ]


def test_the_model_validation_refuses_a_second_siro(siro, staff, school):
    membership = _membership(staff, school)
    membership.is_siro = True
    with pytest.raises(ValidationError, match="already has a SIRO"):
        membership.full_clean()


def test_the_database_refuses_siro_and_dpo_on_one_membership(staff, school):
    membership = _membership(staff, school)
    membership.is_siro = membership.is_dpo = True
    with pytest.raises(IntegrityError), transaction.atomic():
        membership.save()


def test_the_database_refuses_two_siros_in_one_school(siro, staff, school):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=_membership(staff, school).pk).update(is_siro=True)


def test_the_database_refuses_two_dpos_in_one_school(dpo, staff, school):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=_membership(staff, school).pk).update(is_dpo=True)


def test_each_school_has_its_own_siro(siro, outsider, school, other_school):
    assert _membership(siro, school).is_siro and _membership(outsider, other_school).is_siro


def test_the_siro_cannot_untick_their_own_role_and_leave_the_school_without_one(
    client_for, siro, school
):
    response = client_for(siro).post(_edit_url(school, siro), {"roles": ["staff"]})
    assert "The school must always have a SIRO" in response.content.decode()
    assert _membership(siro, school).is_siro


@pytest.mark.parametrize(
    "data, message",
    [
        ({"roles": ["junk"]}, "Select a valid choice. junk is not one of the available choices."),
        ({"roles": ["staff"], "job_title": "x" * 10_000}, "at most 120 characters"),
    ],
    ids=["unknown role", "10k-char job title"],
)
def test_bad_role_input_gets_a_message_and_changes_nothing(
    data, message, client_for, siro, staff, school
):
    response = client_for(siro).post(_edit_url(school, staff), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _membership(staff, school).roles == {"staff"}
    assert _membership(staff, school).job_title == ""


def test_roles_of_someone_who_left_cannot_be_changed(client_for, siro, staff, school):
    Membership.objects.filter(user=staff).update(active=False)
    response = client_for(siro).post(_edit_url(school, staff), {"roles": ["office"]})
    assert "has left the school" in response.content.decode()
    assert _membership(staff, school).roles == {"staff"}


def test_an_id_that_is_no_member_of_this_school_is_404(client_for, siro, school, outsider):
    client = client_for(siro)
    for pk in ("99999999999999999999999", "0", str(2**63)):
        assert client.get(f"/s/{school.slug}/members/{pk}/").status_code == 404
    other = outsider.memberships.get().pk
    assert (
        client.post(f"/s/{school.slug}/members/{other}/", {"roles": ["staff"]}).status_code == 404
    )
    assert outsider.memberships.get().roles == {"siro", "staff"}
