"""Who may do what in a school: one table, read by `can(user, school, action)`.

Trust admins may do everything in the schools of their trust. Every school-scoped view names
its action through `bastion.core.tenancy.school_view`.
"""

from __future__ import annotations

ALL_ROLES = frozenset({"siro", "dpo", "it_lead", "office", "staff", "governor"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "school.view": ALL_ROLES,
    "school.settings": frozenset({"siro"}),
    "school.roles": frozenset({"siro"}),
    "members.view": frozenset({"siro", "dpo", "it_lead", "office"}),
    "members.invite": frozenset({"siro", "office"}),
    "members.deactivate": frozenset({"siro", "office"}),
    "audit.view": frozenset({"siro", "dpo"}),
    # The people directory and the Single Central Record (bastion/people).
    "people.view": frozenset({"siro", "dpo", "it_lead", "office"}),
    "people.edit": frozenset({"siro", "office"}),
    "people.import": frozenset({"siro", "office"}),
    "scr.view": frozenset({"siro", "dpo", "office"}),
    "scr.edit": frozenset({"siro", "office"}),
    # Equipment, loans, backups and disposal (bastion/equipment).
    "equipment.view": frozenset({"siro", "dpo", "it_lead", "office"}),
    "equipment.edit": frozenset({"siro", "it_lead"}),
    "equipment.report_missing": frozenset({"siro", "dpo", "it_lead", "office", "staff"}),
    # Incidents (bastion/incidents): every member of staff reports; the DPO and SIRO handle.
    "incidents.report": frozenset({"siro", "dpo", "it_lead", "office", "staff", "governor"}),
    "incidents.handle": frozenset({"siro", "dpo"}),
    # --- agreements (bastion/agreements): actions below ---
    # Coverage lists name every unsigned parent and pupil: the office, SIRO and DPO see them;
    # governors see the counts on the dashboard. Everyone signs their own under school.view.
    "agreements.view": frozenset({"siro", "dpo", "office"}),
    "agreements.manage": frozenset({"siro", "office"}),
    # Teachers record that their class discussed and signed the class agreement.
    "agreements.record_class": frozenset({"siro", "office", "staff"}),
    # --- systems, accounts, password changes, data transfers (bastion/systems): actions below ---
    "systems.view": frozenset({"siro", "dpo", "it_lead", "office"}),
    "systems.edit": frozenset({"siro", "it_lead"}),
    "systems.attest": frozenset({"siro", "dpo", "it_lead", "office", "staff", "governor"}),
    "transfers.record": frozenset({"siro", "dpo", "it_lead", "office", "staff"}),
    "transfers.view_all": frozenset({"siro", "dpo", "office"}),
    # --- information asset register (bastion/assets): actions below ---
    # Owners (IAOs) see and maintain their own assets through "assets.own", whatever their role.
    "assets.own": frozenset({"siro", "dpo", "it_lead", "office", "staff"}),
    "assets.view": frozenset({"siro", "dpo", "it_lead", "office"}),
    "assets.edit": frozenset({"siro", "dpo", "office"}),
    "assets.import": frozenset({"siro", "dpo"}),
    # --- off-site removals (bastion/offsite): actions below ---
    # Every member of staff asks to take data off site; the SIRO and DPO see all and decide.
    "offsite.request": frozenset({"siro", "dpo", "it_lead", "office", "staff"}),
    "offsite.approve": frozenset({"siro", "dpo"}),
    # --- housekeeping (bastion/housekeeping): actions below ---
    "housekeeping.attest": frozenset({"siro", "dpo", "it_lead", "office", "staff"}),
    "housekeeping.manage": frozenset({"siro", "dpo"}),
    # --- filtering and monitoring (bastion/filtering): actions below ---
    "filtering.view": frozenset({"siro", "dpo", "it_lead", "governor"}),
    "filtering.edit": frozenset({"siro", "dpo", "it_lead"}),
    # --- controls and the dashboard (bastion/controls): actions below ---
    "controls.view": frozenset({"siro", "dpo", "it_lead", "office", "governor"}),
    "controls.attest": frozenset({"siro", "dpo", "it_lead", "office"}),
    "controls.manage": frozenset({"siro"}),
    "controls.report": frozenset({"siro", "dpo", "governor"}),
    # --- the policy document and its review (bastion/policy): actions below ---
    "policy.view": ALL_ROLES,
    "policy.edit": frozenset({"siro", "dpo"}),
    "policy.sign_off": frozenset({"siro"}),
}


def allowed(roles: set[str] | frozenset[str], action: str, *, trust_admin: bool = False) -> bool:
    if action not in PERMISSIONS:
        raise KeyError(f"unknown action {action!r}")
    return trust_admin or bool(PERMISSIONS[action] & set(roles))


def can(user, school, action: str) -> bool:
    """May `user` do `action` in `school`? False for anyone outside the school."""
    from bastion.core.tenancy import access_for

    access = access_for(user, school)
    return access is not None and access.can(action)
