from __future__ import annotations

from allauth.mfa.webauthn import forms as allauth_webauthn_forms
from django import forms
from django.contrib.auth import password_validation

from bastion.accounts.models import User

PASSWORD_MAX_LENGTH = 256


class AcceptInvitationForm(forms.Form):
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters and hard to guess: a few unrelated words work well.",
        error_messages={
            "required": "Choose a password.",
            "max_length": f"A password can be at most {PASSWORD_MAX_LENGTH} characters long.",
        },
    )
    password2 = forms.CharField(
        label="Type it again",
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={
            "required": "Type the password again.",
            "max_length": f"A password can be at most {PASSWORD_MAX_LENGTH} characters long.",
        },
    )

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords are not the same.")
        elif p1:
            probe = User(
                email=self.invitation.email,
                first_name=self.invitation.first_name,
                last_name=self.invitation.last_name,
            )
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class UnlockForm(forms.Form):
    password = forms.CharField(
        strip=False,
        max_length=512,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={
            "required": "Enter your password.",
            "max_length": "That password is not right. Please try again.",
        },
    )
    code = forms.CharField(
        label="Authentication code",
        required=False,
        max_length=64,
        error_messages={"max_length": "An authentication code is at most 64 characters."},
        help_text="From your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class AddWebAuthnForm(allauth_webauthn_forms.AddWebAuthnForm):
    """allauth's form, with a bounded name, and a garbled browser answer refused, not a 500.

    (allauth lets some malformed credentials, such as bad base64, raise past its own checks.)
    """

    name = forms.CharField(
        required=False,
        max_length=100,
        error_messages={"max_length": "A name can be at most 100 characters long."},
    )

    def clean(self):
        try:
            return super().clean()
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise forms.ValidationError(
                "Your browser's answer could not be read. Please try adding the key again."
            ) from exc


class EditWebAuthnForm(allauth_webauthn_forms.EditWebAuthnForm):
    name = forms.CharField(
        max_length=100,
        error_messages={
            "required": "Enter a name for the key.",
            "max_length": "A name can be at most 100 characters long.",
        },
    )
