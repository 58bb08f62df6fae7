"""Writes about accounts: invitations, joining, unlocking an idle session, deactivating."""

from __future__ import annotations

import datetime as dt
import secrets

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from bastion.accounts import idle
from bastion.accounts.models import Invitation, token_digest
from bastion.core import audit
from bastion.core.models import (
    DPO_NOT_SIRO_MESSAGE,
    PRIVILEGED_ROLES,
    AuditEvent,
    Membership,
    School,
)
from bastion.lib.db import retry_conflicts
from bastion.notify.services import mail_queue

User = get_user_model()
UNLOCK_ATTEMPTS = 5


def _check_roles(roles) -> set[str]:
    roles = set(roles)
    if unknown := roles - Membership.ROLE_FIELDS.keys():
        raise ValidationError(f"Unknown role: {', '.join(sorted(unknown))}.")
    if {"siro", "dpo"} <= roles:
        raise ValidationError(DPO_NOT_SIRO_MESSAGE)
    return roles or {"staff"}


def invitation_create(
    *,
    actor,
    school: School,
    email: str,
    first_name: str,
    last_name: str,
    roles: list[str],
    job_title: str = "",
    request=None,
) -> tuple[Invitation, str]:
    """Invite someone to the school; e-mails them a single-use link. Returns (invitation, token).

    A newer invitation to the same address replaces any earlier one that is still open.
    """
    roles = sorted(_check_roles(roles))
    token = secrets.token_urlsafe(32)
    email = email.strip().lower()
    with transaction.atomic():
        Invitation.objects.filter(
            school=school, email=email, accepted_at=None, revoked_at=None
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            school=school,
            email=email,
            first_name=first_name,
            last_name=last_name,
            job_title=job_title,
            roles=roles,
            token_hash=token_digest(token),
            invited_by=actor,
            expires_at=timezone.now() + dt.timedelta(days=settings.BASTION_INVITATION_DAYS),
        )
        audit.record(
            "member.invited",
            actor=actor,
            school=school,
            obj=invitation,
            request=request,
            changes={"email": email, "roles": roles},
        )
        link = f"{settings.SITE_URL}{reverse('account_invitation', args=[token])}"
        body = render_to_string(
            "accounts/email/invitation.txt",
            {
                "invitation": invitation,
                "link": link,
                "actor": actor,
                "school": school,
                "has_account": User.objects.filter(email__iexact=email, is_active=True).exists(),
            },
        )
        mail_queue(
            to=email,
            subject=f"You are invited to {school.name} on Bastion",
            body=body,
            dedupe_key=f"invitation:{invitation.pk}",
            school=school,
            secret=True,
        )
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("school").filter(token_hash=token_digest(token)).first()
    )


class InvitationUnusable(Exception):
    """The invitation was used, replaced or expired while the invitee was on the page."""


@retry_conflicts
def invitation_accept(*, invitation: Invitation, password: str | None, request=None):
    """Create the invitee's account (or use the one they are signed in to), add the membership
    with the invited roles, and spend the invitation.

    `password` is for a new account only: an existing account joins without changing it. A SIRO
    or DPO role passes from its current holder, as when the SIRO names a successor.
    """
    from bastion.core.services import membership_set_roles

    with transaction.atomic():
        # Re-read under lock: a double submit must not join twice.
        invitation = Invitation.objects.select_for_update(no_key=True).get(pk=invitation.pk)
        if not invitation.is_usable:
            raise InvitationUnusable(invitation.status)
        user = User.objects.filter(email__iexact=invitation.email).first()
        if user is None:
            if not password:
                raise ValueError("A new account needs a password.")
            user = User(
                email=invitation.email,
                first_name=invitation.first_name,
                last_name=invitation.last_name,
            )
            user.set_password(password)
            user.save()
        elif not user.is_active:
            # A leaver coming back. The link went to their address, as a reset link would.
            user.is_active = True
            if password:
                user.set_password(password)
            user.save()
        elif password is not None:
            # The account was made since the page was shown: never overwrite its password.
            raise InvitationUnusable("account_exists")
        membership = Membership.objects.filter(user=user, school=invitation.school).first()
        roles = set(invitation.roles)
        if membership is None:
            membership = Membership.objects.create(
                user=user,
                school=invitation.school,
                job_title=invitation.job_title,
                **dict.fromkeys(Membership.ROLE_FIELDS.values(), False),
            )
        elif membership.active:
            # Already a member: the invitation adds roles, it does not take any away.
            roles |= membership.roles
            if {"siro", "dpo"} <= roles:
                roles -= {"siro", "dpo"} - membership.roles
        else:
            # A leaver coming back starts again with only the roles they are invited with.
            membership.active = True
            membership.left_at = None
            membership.job_title = invitation.job_title or membership.job_title
            for field in Membership.ROLE_FIELDS.values():
                setattr(membership, field, False)
            membership.save()
        membership_set_roles(
            actor=invitation.invited_by,
            school=invitation.school,
            membership=membership,
            roles=roles,
            request=request,
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit.record(
            "member.joined",
            actor=user,
            school=invitation.school,
            obj=membership,
            request=request,
            changes={"roles": sorted(roles)},
        )
    return user


@retry_conflicts
def member_deactivate(*, actor, school: School, membership: Membership, request=None) -> None:
    """A leaver: their membership ends (their account too, if this was their last school).

    Nothing is deleted: their signatures, reports and audit history stay. Nobody marks
    themselves as having left, and only someone who may hand out roles can remove a SIRO, DPO
    or IT lead.
    """
    from bastion.core.tenancy import access_for

    with transaction.atomic():
        membership = Membership.objects.select_for_update(no_key=True).get(
            pk=membership.pk, school=school
        )
        if membership.user_id == actor.pk:
            raise PermissionDenied("You cannot mark yourself as having left.")
        access = access_for(actor, school)
        if membership.roles & PRIVILEGED_ROLES and not (access and access.can("school.roles")):
            raise PermissionDenied("Only the SIRO can mark a SIRO, DPO or IT lead as having left.")
        if not membership.active:
            return
        before = sorted(membership.roles)
        membership.active = False
        membership.left_at = timezone.now()
        membership.is_siro = membership.is_dpo = False
        membership.save(update_fields=["active", "left_at", "is_siro", "is_dpo"])
        user = membership.user
        account_closed = False
        if not user.memberships.filter(active=True).exists() and not user.trust_roles.exists():
            user.is_active = False
            user.save(update_fields=["is_active"])
            account_closed = True
        audit.record(
            "member.deactivated",
            actor=actor,
            school=school,
            obj=membership,
            request=request,
            object_repr=str(user),
            changes={"roles": before, "account_closed": account_closed},
        )


def has_second_factor(user) -> bool:
    """Whether unlocking needs a code too (an authenticator app or a passkey is enrolled)."""
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def _second_factor_ok(user, code: str) -> bool:
    """A current TOTP code or an unused recovery code (which this spends). Call in a transaction."""
    # allauth ignores spaces and dashes in codes, and spends a TOTP code once.
    code = code.strip()
    if not code:
        return False
    for authenticator in Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    ):
        wrapped = authenticator.wrap()
        if isinstance(wrapped, (TOTP, RecoveryCodes)) and wrapped.validate_code(code):
            return True
    return False


def _unlock_failures(user) -> int:
    """Wrong unlock tries since the user last proved who they are (signed in or unlocked)."""
    events = AuditEvent.objects.filter(actor=user).order_by()
    since = (
        events.filter(action__in=("auth.login", "auth.unlocked"))
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return events.filter(action="auth.unlock_failed", id__gt=since or 0).count()


@retry_conflicts
def session_unlock(request, *, password: str, code: str = "") -> str | None:
    """Unlock an idle-locked session. Returns None on success or a message saying what failed.

    After five wrong tries the session is ended and the user must sign in again. The tries are
    counted from the audit log under a lock on the user's row, so parallel guesses cannot
    slip past the limit.
    """
    user = request.user
    needs_code = has_second_factor(user)
    password_ok = user.check_password(password or "")  # slow on purpose: outside the lock
    with transaction.atomic():
        User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list(
            "pk", flat=True
        ).first()
        failures = _unlock_failures(user)
        ok = failures < UNLOCK_ATTEMPTS and password_ok
        if ok and needs_code:
            ok = _second_factor_ok(user, code or "")
        if ok:
            idle.mark_active(request, force=True)
            audit.record("auth.unlocked", actor=user, request=request, obj=user)
            return None
        failures += 1
        audit.record(
            "auth.unlock_failed", actor=user, request=request, obj=user, changes={"try": failures}
        )
    if failures >= UNLOCK_ATTEMPTS:
        logout(request)
        return "Too many wrong tries: you have been signed out. Please sign in again."
    if needs_code:
        return "The password or the authentication code is not right. Please try again."
    return "That password is not right. Please try again."
