"""The form that exports one school's data: which school, and the passphrase to encrypt it."""

from __future__ import annotations

import unicodedata

from django import forms
from django.conf import settings

from bastion.backups import archive

PASSPHRASE_HELP = (
    f"At least {archive.MIN_PASSPHRASE} characters. Whoever restores the file needs it: send it "
    "separately from the file. Without it the file cannot be opened by anyone, Bastion included."
)


class SchoolExportForm(forms.Form):
    school = forms.ModelChoiceField(
        queryset=None,
        label="School",
        empty_label="Choose a school",
        error_messages={"required": "Choose the school to export."},
    )
    passphrase = forms.CharField(
        label="Passphrase to encrypt the file",
        help_text=PASSPHRASE_HELP,
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter a passphrase to encrypt the file."},
    )
    passphrase_again = forms.CharField(
        label="The passphrase again",
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter the passphrase again."},
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools

    def clean_passphrase(self) -> str:
        value = self.cleaned_data["passphrase"]
        if any(unicodedata.category(c).startswith("C") for c in value):
            raise forms.ValidationError(
                "The passphrase has a tab, a line break or an invisible character: use letters, "
                "digits, spaces and punctuation only."
            )
        try:
            archive.check_passphrase(value, settings.SECRET_KEY)
        except archive.ArchiveError:
            raise forms.ValidationError(
                f"Use at least {archive.MIN_PASSPHRASE} characters, and not the server's key."
            ) from None
        return value

    def clean(self):
        data = super().clean()
        first, again = data.get("passphrase"), data.get("passphrase_again")
        if first and again is not None and first != again:
            self.add_error("passphrase_again", "The two passphrases are not the same.")
        return data
