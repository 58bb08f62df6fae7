"""Who may do what: every action of bastion/core/permissions.py for every kind of person.

The expected table is written out here on purpose, not read from PERMISSIONS: a change to who
may do what must change this file too.
"""

from __future__ import annotations

import pytest

from bastion.core.models import Trust, TrustAdmin
from bastion.core.permissions import PERMISSIONS, allowed, can
from tests.conftest import add_member, make_user

PEOPLE = [
    "siro",
    "dpo",
    "it_lead",
    "office",
    "staff",
    "governor",
    "trust_admin",
    "other_trust_admin",
    "outsider",
    "former_member",
]

# action: the people of school A who may do it (everyone else may not).
EXPECTED = {
    "school.view": {"siro", "dpo", "it_lead", "office", "staff", "governor", "trust_admin"},
    "school.settings": {"siro", "trust_admin"},
    "school.roles": {"siro", "trust_admin"},
    "members.view": {"siro", "dpo", "it_lead", "office", "trust_admin"},
    "members.invite": {"siro", "office", "trust_admin"},
    "members.deactivate": {"siro", "office", "trust_admin"},
    "audit.view": {"siro", "dpo", "trust_admin"},
    # The people directory and the Single Central Record (bastion/people).
    "people.view": {"siro", "dpo", "it_lead", "office", "trust_admin"},
    "people.edit": {"siro", "office", "trust_admin"},
    "people.import": {"siro", "office", "trust_admin"},
    "scr.view": {"siro", "dpo", "office", "trust_admin"},
    "scr.edit": {"siro", "office", "trust_admin"},
    "equipment.view": {"siro", "dpo", "it_lead", "office", "trust_admin"},
    "equipment.edit": {"siro", "it_lead", "trust_admin"},
    "equipment.report_missing": {"siro", "dpo", "it_lead", "office", "staff", "trust_admin"},
    "incidents.report": {"siro", "dpo", "it_lead", "office", "staff", "governor", "trust_admin"},
    "incidents.handle": {"siro", "dpo", "trust_admin"},
    # --- agreements (bastion/agreements): actions below ---
    "agreements.view": {"siro", "dpo", "office", "trust_admin"},
    "agreements.manage": {"siro", "office", "trust_admin"},
    "agreements.record_class": {"siro", "dpo", "it_lead", "office", "staff", "trust_admin"},
    # --- systems, accounts, password changes, data transfers (bastion/systems): actions below ---
    "systems.view": {"siro", "dpo", "it_lead", "office", "trust_admin"},
    "systems.edit": {"siro", "it_lead", "trust_admin"},
    "systems.attest": {"siro", "dpo", "it_lead", "office", "staff", "governor", "trust_admin"},
    "transfers.record": {"siro", "dpo", "it_lead", "office", "staff", "trust_admin"},
    "transfers.view_all": {"siro", "dpo", "office", "trust_admin"},
    # --- information asset register (bastion/assets): actions below ---
    "assets.own": {"siro", "dpo", "it_lead", "office", "staff", "trust_admin"},
    "assets.view": {"siro", "dpo", "it_lead", "office", "trust_admin"},
    "assets.edit": {"siro", "dpo", "office", "trust_admin"},
    "assets.import": {"siro", "dpo", "trust_admin"},
    # --- off-site removals (bastion/offsite): actions below ---
    "offsite.request": {"siro", "dpo", "it_lead", "office", "staff", "trust_admin"},
    "offsite.approve": {"siro", "dpo", "trust_admin"},
    # --- housekeeping (bastion/housekeeping): actions below ---
    "housekeeping.attest": {"siro", "dpo", "it_lead", "office", "staff", "trust_admin"},
    "housekeeping.manage": {"siro", "dpo", "trust_admin"},
    # --- filtering and monitoring (bastion/filtering): actions below ---
    "filtering.view": {"siro", "dpo", "it_lead", "governor", "trust_admin"},
    "filtering.edit": {"siro", "dpo", "it_lead", "trust_admin"},
    # --- controls and the dashboard (bastion/controls): actions below ---
    "controls.view": {"siro", "dpo", "it_lead", "office", "governor", "trust_admin"},
    "controls.attest": {"siro", "dpo", "it_lead", "office", "trust_admin"},
    "controls.manage": {"siro", "trust_admin"},
    "controls.report": {"siro", "dpo", "governor", "trust_admin"},
    # --- the policy document and its review (bastion/policy): actions below ---
    "policy.view": {"siro", "dpo", "it_lead", "office", "staff", "governor", "trust_admin"},
    "policy.edit": {"siro", "dpo", "trust_admin"},
    "policy.sign_off": {"siro", "trust_admin"},
}


@pytest.fixture
def person(request, school, other_school):
    name = request.param
    if name == "other_trust_admin":
        user = make_user("tom.trust@elsewhere.example.org")
        TrustAdmin.objects.create(user=user, trust=other_school.trust)
        return user
    if name == "former_member":
        user = make_user("lee.left@ashmole.example.org")
        membership = add_member(user, school, "siro")
        membership.active = False
        membership.save()
        return user
    return request.getfixturevalue(name)


def test_the_table_covers_every_action():
    assert set(EXPECTED) == set(PERMISSIONS)


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_who_may_do_what_in_a_school(person, action, school, request):
    name = request.node.callspec.params["person"]
    assert can(person, school, action) is (name in EXPECTED[action])


def test_a_deactivated_account_may_do_nothing_even_with_its_roles(siro, school):
    siro.is_active = False
    siro.save()
    assert not any(can(siro, school, action) for action in PERMISSIONS)


def test_a_school_outside_any_trust_gives_no_trust_admin_rights(school, trust_admin):
    lone = school.__class__.objects.create(name="Lone Primary", slug="lone", urn="100009")
    assert not can(trust_admin, lone, "school.view")


def test_a_trust_admin_of_a_school_moved_to_another_trust_loses_it(school, trust_admin):
    school.trust = Trust.objects.create(name="New Trust", slug="new")
    school.save()
    assert not can(trust_admin, school, "school.view")


def test_an_unknown_action_is_a_programming_error_not_a_silent_no():
    with pytest.raises(KeyError):
        allowed({"siro"}, "school.delete")
