"""Each school's change generation: a number that every audited change at the school moves on.

What is computed from a school's registers (bastion.controls.kept) is kept with the number it
was computed at and reused only while it is the same: any change there (a new laptop, a
signature, a setting) makes the school's next page evaluate afresh. Why is T3 stale? Because
the school's number moved since it was kept, and the audit trail says which event moved it.

Events that record a look or a refusal (a view, a download, an export, a failed sign-in) move
nothing. A member's own account event (enrolling two-factor authentication, a new password),
which has no school, moves every school the member belongs to: their controls read it. What is
changed behind the services' back, unaudited, moves nothing: kept answers also expire
(bastion.controls.kept.REUSE_SECONDS).
"""

from __future__ import annotations

from django.db.models import F

from bastion.core.models import ChangeGeneration, Membership

READS = frozenset(
    {
        "agreement.exported",
        "agreement.link_throttled",
        "agreement.sheet_printed",
        "assets.exported",
        "auth.login",
        "auth.login_failed",
        "auth.login_throttled",
        "auth.logout",
        "auth.unlock_failed",
        "auth.unlocked",
        "control.report_exported",
        "disposal.exported",
        "file.downloaded",
        "file.unreadable",
        "incident.log_exported",
        "incident.log_viewed",
        "incident.viewed",
        "mfa.failed",
        "person.viewed",
        "policy.downloaded",
        "school.exported",
        "scr.exported",
        "scr.report_viewed",
        "scr.viewed",
    }
)


def bump(action: str, school, actor) -> None:
    """Move on the generation of the schools an event changed. Called by `audit.record`, inside
    its transaction and under the audit head's lock: two bumps never race."""
    if action in READS:
        return
    if school is not None:
        ids = [school.pk]
    elif actor is not None:
        ids = list(
            Membership.objects.filter(user=actor, active=True).values_list("school_id", flat=True)
        )
    else:
        return
    if not ids:
        return
    moved = ChangeGeneration.objects.filter(school_id__in=ids).update(number=F("number") + 1)
    if moved < len(ids):  # a school's first change
        have = set(
            ChangeGeneration.objects.filter(school_id__in=ids).values_list("school_id", flat=True)
        )
        ChangeGeneration.objects.bulk_create(
            [ChangeGeneration(school_id=pk, number=1) for pk in ids if pk not in have]
        )


def generations(schools) -> dict[int, int]:
    """{school id: its generation} (0 before its first change); one query."""
    ids = [s.pk for s in schools]
    found = dict(
        ChangeGeneration.objects.filter(school_id__in=ids).values_list("school_id", "number")
    )
    return {pk: found.get(pk, 0) for pk in ids}
