"""Form helpers shared by every app's views."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, QueryDict

from bastion.lib.exports import FilePasswordRefused, file_password


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data for a bound form, or None for a GET.

    Not `request.POST or None`: an empty POST is still a submission and must show its errors.
    """
    return request.POST if request.method == "POST" else None


class FilePasswordField(forms.CharField):
    """A password a PDF and a workbook can both be locked with (see exports.file_password)."""

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if not value:
            return value
        try:
            return file_password(value)
        except FilePasswordRefused as refused:
            raise forms.ValidationError(str(refused), code="refused") from None


def file_password_field(help_text: str = "") -> forms.CharField:
    """The optional password that encrypts an export (its files may hold personal data)."""
    return FilePasswordField(
        required=False,
        strip=False,
        max_length=128,
        min_length=8,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        label="Password to open the file (optional)",
        help_text=" ".join(
            p for p in (help_text, "At least 8 characters; send it separately.") if p
        ),
        error_messages={"min_length": "Use at least 8 characters for the password."},
    )
