"""Writes about accounts: invitations, joining, unlocking an idle session, deactivating."""

from __future__ import annotations

import datetime as dt
import secrets

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from bastion.accounts import idle
from bastion.accounts.models import Invitation, token_digest
from bastion.core import audit
from bastion.core.models import Membership, School
from bastion.notify.services import mail_queue

User = get_user_model()
UNLOCK_ATTEMPTS = 5


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
    """Invite someone to the school; e-mails them a single-use link. Returns (invitation, token)."""
    token = secrets.token_urlsafe(32)
    email = email.strip().lower()
    with transaction.atomic():
        Invitation.objects.filter(school=school, email=email, accepted_at=None).update(
            revoked_at=timezone.now()
        )
        invitation = Invitation.objects.create(
            school=school,
            email=email,
            first_name=first_name,
            last_name=last_name,
            job_title=job_title,
            roles=sorted(roles),
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
            changes={"email": email, "roles": sorted(roles)},
        )
        link = f"{settings.SITE_URL}{reverse('account_invitation', args=[token])}"
        body = render_to_string(
            "accounts/email/invitation.txt",
            {"invitation": invitation, "link": link, "actor": actor, "school": school},
        )
        mail_queue(
            to=email,
            subject=f"You are invited to {school.name} on Bastion",
            body=body,
            dedupe_key=f"invitation:{invitation.pk}",
            school=school,
        )
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("school").filter(token_hash=token_digest(token)).first()
    )


def invitation_accept(*, invitation: Invitation, password: str | None, request=None):
    """Create (or reuse) the invitee's account, add the membership, spend the invitation."""
    with transaction.atomic():
        # Re-read under lock: a double submit must not join twice.
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_usable:
            raise ValueError("This invitation can no longer be used.")
        user = User.objects.filter(email__iexact=invitation.email).first()
        if user is None:
            user = User(
                email=invitation.email,
                first_name=invitation.first_name,
                last_name=invitation.last_name,
            )
            user.set_password(password)
            user.save()
        elif not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        fields = {Membership.ROLE_FIELDS[r]: True for r in invitation.roles}
        membership, _ = Membership.objects.update_or_create(
            user=user,
            school=invitation.school,
            defaults={"active": True, "left_at": None, "job_title": invitation.job_title, **fields},
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit.record(
            "member.joined",
            actor=user,
            school=invitation.school,
            obj=membership,
            request=request,
            changes={"roles": invitation.roles},
        )
    return user


def member_deactivate(*, actor, school: School, membership: Membership, request=None) -> None:
    """A leaver: their membership ends (their account too, if this was their last school).

    Nothing is deleted: their signatures, reports and audit history stay.
    """
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk, school=school)
        if not membership.active:
            return
        membership.active = False
        membership.left_at = timezone.now()
        membership.is_siro = membership.is_dpo = False
        membership.save(update_fields=["active", "left_at", "is_siro", "is_dpo"])
        user = membership.user
        if not user.memberships.filter(active=True).exists() and not user.trust_roles.exists():
            user.is_active = False
            user.save(update_fields=["is_active"])
        audit.record(
            "member.deactivated",
            actor=actor,
            school=school,
            obj=membership,
            request=request,
            object_repr=str(user),
        )


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def _second_factor_ok(user, code: str) -> bool:
    code = code.replace(" ", "").strip()
    if not code:
        return False
    for authenticator in Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    ):
        wrapped = authenticator.wrap()
        if isinstance(wrapped, (TOTP, RecoveryCodes)) and wrapped.validate_code(code):
            return True
    return False


def session_unlock(request, *, password: str, code: str = "") -> str | None:
    """Unlock an idle-locked session. Returns None on success or a message saying what failed.

    After five wrong tries the session is ended and the user must sign in again.
    """
    from django.contrib.auth import logout

    user = request.user
    ok = user.check_password(password or "")
    if ok and has_second_factor(user):
        ok = _second_factor_ok(user, code or "")
    if ok:
        request.session.pop("idle_unlock_failures", None)
        idle.mark_active(request, force=True)
        audit.record("auth.unlocked", actor=user, request=request, obj=user)
        return None
    failures = request.session.get("idle_unlock_failures", 0) + 1
    request.session["idle_unlock_failures"] = failures
    audit.record(
        "auth.unlock_failed", actor=user, request=request, obj=user, changes={"try": failures}
    )
    if failures >= UNLOCK_ATTEMPTS:
        logout(request)
        return "Too many wrong tries: you have been signed out. Please sign in again."
    if has_second_factor(user):
        return "The password or the authentication code is not right. Please try again."
    return "That password is not right. Please try again."
