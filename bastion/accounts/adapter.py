"""How allauth fits Bastion: no self sign-up (accounts come by invitation), mail via the outbox."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.template.loader import render_to_string


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        from bastion.notify.services import mail_queue

        context = {**context, "email": email}
        subject = render_to_string(f"{template_prefix}_subject.txt", context).strip()
        body = render_to_string(f"{template_prefix}_message.txt", context)
        mail_queue(to=email, subject=" ".join(subject.splitlines()), body=body)


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_label(self, user) -> str:
        return user.email
