"""The systems register: list, add, edit, archive, with clear validation, audit and roles."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import AuditEvent
from bastion.systems.models import System, Transfer
from tests.systems.conftest import person, system

pytestmark = pytest.mark.django_db

VALID = {
    "name": "RAv3 VPN",
    "kind": "remote_access",
    "description": "Remote access",
    "owner": "",
    "holds_personal_data": "on",
    "personal_accounts": "on",
    "mfa_enforced": "on",
    "password_rules": "USO rules",
    "provisioning": "AutoUpdate",
    "password_change_months": "6",
    "approved_for": [],
}


def url(school, name="", pk=None):
    base = f"/s/{school.slug}/systems/"
    return base + (f"{pk}/" if pk else "") + name


def test_the_it_lead_adds_a_system_with_an_owner_and_approvals(client_for, it_lead, school):
    owner = person(school, "Olu", "Owner")
    data = VALID | {"owner": owner.pk, "approved_for": ["dfe", "school"], "name": " DfE S2S "}
    response = client_for(it_lead).post(url(school, "add/"), data)
    created = System.objects.get(school=school)
    assert response.status_code == 302
    assert response["Location"] == url(school, pk=created.pk)
    assert created.name == "DfE S2S"
    assert created.owner == owner
    assert created.approved_for == ["school", "dfe"]
    event = AuditEvent.objects.get(action="system.created")
    assert event.changes["owner_id"] == [None, owner.pk]


def test_the_change_period_defaults_to_six_months_and_may_be_left_empty(
    client_for, it_lead, school
):
    page = client_for(it_lead).get(url(school, "add/")).content.decode()
    assert 'name="password_change_months" type="number" value="6"' in page
    client_for(it_lead).post(url(school, "add/"), VALID | {"password_change_months": ""})
    assert System.objects.get().password_change_months is None


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"name": ""}, "name", "Enter the system&#x27;s name."),
        ({"password_change_months": "0"}, "password_change_months", "between 1 and 24"),
        ({"password_change_months": "six"}, "password_change_months", "whole number"),
        ({"approved_for": ["martians"]}, "approved_for", "Select a valid choice"),
        ({"kind": "toaster"}, "kind", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_with_the_form_kept(
    client_for, it_lead, school, change, field, message
):
    response = client_for(it_lead).post(url(school, "add/"), VALID | change)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert f'href="#id_{field}' in page
    assert "USO rules" in page  # what was typed is still there
    assert not System.objects.exists()


def test_a_second_system_with_the_same_name_is_refused(client_for, it_lead, school):
    system(school, "RAv3 VPN")
    response = client_for(it_lead).post(url(school, "add/"), VALID | {"name": "rav3 vpn"})
    assert "There is already a system called" in response.content.decode()
    assert System.objects.count() == 1


def test_an_owner_from_another_school_cannot_be_chosen(client_for, it_lead, school, other_school):
    stranger = person(other_school, "Sly", "Stranger")
    response = client_for(it_lead).post(url(school, "add/"), VALID | {"owner": stranger.pk})
    assert "Select a valid choice" in response.content.decode()
    assert not System.objects.exists()


def test_editing_audits_only_what_changed(client_for, it_lead, school):
    sys = system(school, "RAv3 VPN", kind="remote_access")
    data = VALID | {"mfa_enforced": ""}
    client_for(it_lead).post(url(school, "edit/", sys.pk), data)
    sys.refresh_from_db()
    assert sys.mfa_enforced is False
    event = AuditEvent.objects.get(action="system.updated")
    assert event.changes["description"] == ["", "Remote access"]
    client_for(it_lead).post(url(school, "edit/", sys.pk), data)
    assert AuditEvent.objects.filter(action="system.updated").count() == 1


def test_archiving_hides_a_system_from_the_list_and_it_can_come_back(client_for, it_lead, school):
    sys = system(school, "Old VLE", kind="other")
    client = client_for(it_lead)
    assert client.get(url(school, "archive/", sys.pk)).status_code == 405
    client.post(url(school, "archive/", sys.pk), {"archived": "1"})
    sys.refresh_from_db()
    assert sys.archived
    assert ">Old VLE</a>" not in client.get(url(school)).content.decode()
    assert ">Old VLE</a>" in client.get(url(school) + "?status=archived").content.decode()
    client.post(url(school, "archive/", sys.pk), {"archived": "0"})
    sys.refresh_from_db()
    assert not sys.archived
    actions = list(
        AuditEvent.objects.filter(object_id=str(sys.pk)).values_list("action", flat=True)
    )
    assert {"system.archived", "system.restored"} <= set(actions)


def test_the_list_filters_the_systems_that_break_a_rule(client_for, dpo, school):
    system(school, "Shared wifi admin", personal_accounts=False)
    system(school, "No rules", password_rules="")
    system(school, "Fine")
    page = client_for(dpo).get(url(school) + "?problem=shared").content.decode()
    assert "Shared wifi admin" in page and "No rules" not in page and ">Fine<" not in page
    page = client_for(dpo).get(url(school) + "?problem=rules").content.decode()
    assert "No rules" in page and "Shared wifi admin" not in page


def test_the_detail_page_shows_what_a_system_lacks(client_for, dpo, school):
    sys = system(school, "RAv3", kind="remote_access", provisioning="", password_change_months=None)
    page = client_for(dpo).get(url(school, pk=sys.pk)).content.decode()
    assert "needs an owner and an approved provisioning process (P13)" in page
    assert "Remote access must enforce two-factor authentication (T4)" in page


@pytest.mark.parametrize(
    "persona, view, add",
    [
        ("siro", 200, 200),
        ("it_lead", 200, 200),
        ("dpo", 200, 403),
        ("office", 200, 403),
        ("staff", 403, 403),
        ("governor", 403, 403),
        ("trust_admin", 200, 200),
    ],
)
def test_who_sees_and_edits_the_register(request, client_for, school, persona, view, add):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(url(school)).status_code == view
    assert client.get(url(school, "add/")).status_code == add


def test_staff_cannot_add_a_system_by_posting(client_for, staff, school):
    assert client_for(staff).post(url(school, "add/"), VALID).status_code == 403
    assert not System.objects.exists()


def _fill(school, n, offset=0):
    for i in range(n):
        owner = person(school, f"Owner{offset + i}", "Person")
        sys = system(school, f"System {offset + i}", owner=owner)
        Transfer.objects.create(
            school=school,
            sent_on="2026-01-05",
            what="CTF",
            recipient="Brookfield",
            recipient_kind="school",
            channel=sys,
            lawful_basis="public_task",
            sent_by=owner.user or _sender(school),
            flagged=True,
        )


def _sender(school):
    from bastion.core.models import Membership

    return Membership.objects.filter(school=school).first().user


def test_the_list_takes_the_same_queries_for_3_or_9_systems(
    client_for, dpo, school, django_assert_num_queries
):
    client = client_for(dpo)
    _fill(school, 3)
    client.get(url(school))
    with CaptureQueriesContext(connection) as first:
        assert client.get(url(school)).status_code == 200
    _fill(school, 6, offset=3)
    with django_assert_num_queries(len(first.captured_queries)):
        page = client.get(url(school)).content.decode()
    assert "9 systems" in page
    assert "1 unapproved transfer" in page
