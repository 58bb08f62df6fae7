"""Sign-ins, failures and MFA changes come from allauth and Django as signals: audit them."""

from __future__ import annotations

from allauth.account.signals import password_changed, password_reset, password_set
from allauth.mfa.signals import (
    authentication_failed as mfa_failed,
)
from allauth.mfa.signals import (
    authenticator_added,
    authenticator_removed,
    authenticator_reset,
)
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from bastion.core import audit


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record("auth.login", actor=user, request=request, obj=user)
    if request is not None and hasattr(request, "session"):
        from bastion.accounts.idle import mark_active

        mark_active(request, force=True)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record("auth.logout", actor=user, request=request, obj=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    attempted = str(credentials.get("email") or credentials.get("username") or "")[:254]
    audit.record(
        "auth.login_failed",
        actor_label=attempted,
        request=request,
        changes={"email": attempted},
    )


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def _password(sender, request, user, **kwargs):
    audit.record("auth.password_changed", actor=user, request=request, obj=user)


@receiver(authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    audit.record(
        "mfa.added", actor=user, request=request, obj=user, changes={"type": authenticator.type}
    )


@receiver(authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    audit.record(
        "mfa.removed", actor=user, request=request, obj=user, changes={"type": authenticator.type}
    )


@receiver(authenticator_reset)
def _mfa_reset(sender, request, user, authenticator, **kwargs):
    audit.record(
        "mfa.reset", actor=user, request=request, obj=user, changes={"type": authenticator.type}
    )


@receiver(mfa_failed)
def _mfa_failed(sender, request, user, authenticator, **kwargs):
    audit.record(
        "mfa.failed", actor=user, request=request, obj=user, changes={"type": authenticator.type}
    )
