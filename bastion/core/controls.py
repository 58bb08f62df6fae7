"""Computed evidence from the school's own settings and roles: P1, P2, T2 and Bastion's MFA (T4).

Each evaluator takes many schools and answers for every one in a fixed number of queries.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from bastion.controls.registry import ATTENTION, MET, Action, Evidence, computed, shared
from bastion.core.models import PRIVILEGED_ROLES, Membership

# Job titles that name the head of the school (the policy: the head teacher is the SIRO).
HEAD_WORDS = ("head", "principal")
POLICY_IDLE_MINUTES = 10


@shared
def _officers(schools) -> dict[str, dict[int, Membership]]:
    """The active members holding the SIRO and DPO roles, by school; one query (P1, P2)."""
    officers = (
        Membership.objects.active()
        .filter(Q(is_dpo=True) | Q(is_siro=True), school__in=schools)
        .select_related("user")
        .order_by()
    )
    return {
        "dpo": {m.school_id: m for m in officers if m.is_dpo},
        "siro": {m.school_id: m for m in officers if m.is_siro},
    }


def _members_url(school) -> str:
    return reverse("member-list", kwargs={"school": school.slug})


@computed("P1", "The SIRO")
def siro_named(schools, today):
    siros = _officers(schools)["siro"]
    result = {}
    for school in schools:
        siro = siros.get(school.pk)
        if siro is None:
            action = Action("Name the school's SIRO (the head teacher)", _members_url(school))
            result[school.pk] = Evidence(ATTENTION, "No SIRO is named.", (action,), value=0.0)
            continue
        name = str(siro.user)
        title = siro.job_title.strip()
        if not title:
            summary = f"{name} is the SIRO (job title not recorded: the policy names the head)."
            result[school.pk] = Evidence(MET, summary, value=1.0, facts={"siro": name})
        elif any(word in title.lower() for word in HEAD_WORDS):
            summary = f"{name}, {title}, is the SIRO."
            result[school.pk] = Evidence(MET, summary, value=1.0, facts={"siro": name})
        else:
            summary = f"{name}, {title}, is the SIRO: the policy names the head teacher."
            action = Action(
                "Make the head teacher the SIRO, or record why not", _members_url(school)
            )
            result[school.pk] = Evidence(ATTENTION, summary, (action,), 0.5, {"siro": name})
    return result


@computed("P2", "The DPO, not the SIRO")
def dpo_named(schools, today):
    # The rule keeps the two roles on different people (a database constraint refuses one
    # membership holding both), and the page says so.
    officers = _officers(schools)
    dpos, siros = officers["dpo"], officers["siro"]
    result = {}
    for school in schools:
        dpo, siro = dpos.get(school.pk), siros.get(school.pk)
        if dpo is None:
            action = Action("Name a Data Protection Officer (not the SIRO)", _members_url(school))
            result[school.pk] = Evidence(ATTENTION, "No DPO is named.", (action,), value=0.0)
            continue
        apart = (
            f"; the SIRO is {siro.user}, a different person, as the policy requires"
            if siro
            else "; Bastion keeps the DPO and the SIRO apart"
        )
        result[school.pk] = Evidence(
            MET, f"{dpo.user} is the DPO{apart}.", value=1.0, facts={"dpo": str(dpo.user)}
        )
    return result


@computed("T2", "Idle lock")
def idle_lock(schools, today):
    """Bastion locks an idle session after the school's setting; no query (the schools carry it).

    The equipment register records no lock-out setting for devices, so this is Bastion's own.
    """
    result = {}
    for school in schools:
        minutes = school.idle_lock_minutes
        facts = {"idle_lock_minutes": minutes}
        if minutes <= POLICY_IDLE_MINUTES:
            summary = f"Bastion locks an idle session after {minutes} minutes."
            result[school.pk] = Evidence(MET, summary, value=1.0, facts=facts)
        else:
            url = reverse("school-settings", kwargs={"school": school.slug})
            summary = (
                f"Bastion's idle lock is {minutes} minutes: the policy says "
                f"{POLICY_IDLE_MINUTES} at most."
            )
            action = Action(f"Set the idle lock to {POLICY_IDLE_MINUTES} minutes or less", url)
            result[school.pk] = Evidence(ATTENTION, summary, (action,), 0.0, facts)
    return result


@computed("T4", "Two-factor authentication in Bastion")
def bastion_mfa(schools, today):
    """Privileged members (SIRO, DPO, IT lead) with no authenticator app or passkey; one query.
    They cannot open the school's pages until they enrol, but they hold the role meanwhile."""
    from allauth.mfa.models import Authenticator

    enrolled = Authenticator.objects.filter(
        user=OuterRef("user"), type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    )
    privileged = Q(pk__in=[])
    for role in sorted(PRIVILEGED_ROLES):
        privileged |= Q(**{Membership.ROLE_FIELDS[role]: True})
    rows = (
        Membership.objects.active()
        .filter(privileged, school__in=schools)
        .values("school")
        .annotate(total=Count("pk"), without=Count("pk", filter=~Q(Exists(enrolled))))
        .order_by()
    )
    counts = {row["school"]: (row["total"], row["without"]) for row in rows}
    result = {}
    for school in schools:
        total, without = counts.get(school.pk, (0, 0))
        if not without:
            summary = (
                f"All {total} members with the SIRO, DPO or IT lead role use two-factor "
                "authentication."
                if total
                else "No member holds the SIRO, DPO or IT lead role yet."
            )
            result[school.pk] = Evidence(MET, summary, value=1.0 if total else None)
            continue
        summary = (
            f"{without} of {total} members with the SIRO, DPO or IT lead role have not set up "
            "two-factor authentication."
        )
        text = (
            f"{without} privileged member{'s' if without != 1 else ''} without two-factor "
            "authentication"
        )
        action = Action(text, _members_url(school), without)
        result[school.pk] = Evidence(ATTENTION, summary, (action,), (total - without) / total)
    return result
