"""How allauth fits Bastion: no self sign-up (accounts come by invitation), mail via the outbox,
plain-English messages, and throttled sign-in attempts written to the audit log."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django import forms
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string

from bastion.core import audit, clients

# Sign-in is throttled per address (settings.ACCOUNT_RATE_LIMITS["login_failed"]).
THROTTLED = (
    "Too many failed attempts to sign in to this account. "
    "Wait 15 minutes and try again, or reset your password."
)


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": "This account is no longer active.",
        "email_password_mismatch": "The e-mail address or the password is not right.",
        "enter_current_password": "That is not your current password.",
        "incorrect_password": "That is not your current password.",
        "invalid_login": "The e-mail address or the password is not right.",
        "too_many_login_attempts": THROTTLED,
        "rate_limited": "You are sending too many requests. Wait a few minutes and try again.",
    }

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_client_ip(self, request) -> str:
        # The throttle counts the address the audit trail records (read through the trusted
        # proxies); a malformed X-Forwarded-For falls back to the connection's, never a 500.
        ip = clients.client_ip(request)
        if ip is None:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def pre_authenticate(self, request, **credentials) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError:
            attempted = str(credentials.get("email") or credentials.get("username") or "")[:254]
            audit.record(
                "auth.login_throttled",
                actor_label=attempted,
                request=request,
                changes={"email": attempted},
            )
            raise

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        from bastion.notify.services import mail_queue

        context = {**context, "email": email}
        subject = render_to_string(f"{template_prefix}_subject.txt", context).strip()
        body = render_to_string(f"{template_prefix}_message.txt", context)
        mail_queue(to=email, subject=" ".join(subject.splitlines()), body=body, secret=True)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": "That code is not right. Check your app and enter the newest code.",
    }

    def get_totp_label(self, user) -> str:
        return user.email
