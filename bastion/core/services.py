"""Writes about schools and roles. Each is atomic and leaves an audit event."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bastion.core import audit
from bastion.core.models import DPO_NOT_SIRO_MESSAGE, Membership, School
from bastion.lib.db import retry_conflicts

SETTINGS_FIELDS = (
    "name",
    "urn",
    "policy_review_date",
    "next_review_date",
    "reviewed_by",
    "idle_lock_minutes",
    "password_max_age_days",
)


def school_update(*, actor, school: School, data: dict, request=None) -> School:
    """Save the school's settings from cleaned form data."""
    before = audit.snapshot(school, SETTINGS_FIELDS)
    for name in SETTINGS_FIELDS:
        if name in data:
            setattr(school, name, data[name])
    school.full_clean()
    with transaction.atomic():
        school.save(update_fields=[f for f in SETTINGS_FIELDS if f in data])
        changes = audit.diff(before, audit.snapshot(school, SETTINGS_FIELDS))
        if changes:
            audit.record(
                "school.settings_changed",
                actor=actor,
                school=school,
                obj=school,
                changes=changes,
                request=request,
            )
    return school


@retry_conflicts
def membership_set_roles(
    *, actor, school: School, membership: Membership, roles: set[str], job_title=None, request=None
) -> Membership:
    """Give a member exactly `roles`. The school keeps one SIRO and one DPO, never the same person.

    Naming a new SIRO or DPO takes the role from whoever held it. Raises ValidationError with a
    message for the form when the roles cannot be given.
    """
    fields = Membership.ROLE_FIELDS
    roles = set(roles)
    if unknown := roles - fields.keys():
        raise ValidationError(f"Unknown role: {', '.join(sorted(unknown))}.")
    if {"siro", "dpo"} <= roles:
        raise ValidationError(DPO_NOT_SIRO_MESSAGE)
    with transaction.atomic():
        membership = Membership.objects.select_for_update(no_key=True).get(
            pk=membership.pk, school=school
        )
        if not membership.active:
            raise ValidationError("This person has left the school; invite them again first.")
        if membership.is_siro and "siro" not in roles:
            # Unticking the only SIRO would leave the school without one (and its SIRO
            # without the page to undo it): the role moves by naming the successor.
            raise ValidationError(
                "The school must always have a SIRO. To hand the role over, give it to the new "
                "SIRO: it passes from this person to them."
            )
        before = {"roles": sorted(membership.roles), "job_title": membership.job_title}
        for role in ("siro", "dpo"):
            if role in roles and role not in membership.roles:
                previous = Membership.objects.filter(school=school, **{fields[role]: True})
                for holder in previous.exclude(pk=membership.pk):
                    setattr(holder, fields[role], False)
                    holder.save(update_fields=[fields[role]])
                    audit.record(
                        "member.roles_changed",
                        actor=actor,
                        school=school,
                        obj=holder,
                        request=request,
                        object_repr=str(holder.user),
                        changes={"roles": [sorted(holder.roles | {role}), sorted(holder.roles)]},
                    )
        for role, field in fields.items():
            setattr(membership, field, role in roles)
        if job_title is not None:
            membership.job_title = job_title
        try:
            membership.save()
        except IntegrityError as exc:
            raise ValidationError("These roles cannot be given together.") from exc
        after = {"roles": sorted(membership.roles), "job_title": membership.job_title}
        changes = audit.diff(before, after)
        if changes:
            audit.record(
                "member.roles_changed",
                actor=actor,
                school=school,
                obj=membership,
                request=request,
                object_repr=str(membership.user),
                changes=changes,
            )
    return membership
