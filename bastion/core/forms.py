from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from bastion.core.models import DPO_NOT_SIRO_MESSAGE, ROLES, School
from bastion.core.services import SETTINGS_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class SchoolSettingsForm(forms.ModelForm):
    class Meta:
        model = School
        fields = SETTINGS_FIELDS
        widgets = {"policy_review_date": DateInput(), "next_review_date": DateInput()}
        labels = {
            "idle_lock_minutes": "Idle lock (minutes)",
            "password_max_age_days": "Password age (days)",
        }
        error_messages = {
            "name": {"required": "Enter the school's name."},
            "urn": {"max_length": "A URN is 6 or 7 digits."},
            "idle_lock_minutes": {
                "required": "Enter the idle lock in minutes, from 1 to 120.",
                "invalid": "Enter the idle lock as a whole number of minutes, like 10.",
                "min_value": "The idle lock must be between 1 and 120 minutes.",
                "max_value": "The idle lock must be between 1 and 120 minutes.",
            },
            "password_max_age_days": {
                "invalid": "Enter the password age as a whole number of days, or leave it empty.",
                "min_value": "The password age must be between 30 and 730 days, or empty.",
                "max_value": "The password age must be between 30 and 730 days, or empty.",
            },
            "policy_review_date": {"invalid": "Enter a real date, like 1 September 2025."},
            "next_review_date": {"invalid": "Enter a real date, like 1 September 2026."},
        }

    def clean_urn(self) -> str:
        # Checked here so the message sits on the field, not at the top of the form.
        urn = self.cleaned_data["urn"]
        if urn and School.objects.filter(urn=urn).exclude(pk=self.instance.pk).exists():
            raise ValidationError("Another school already has this URN.")
        return urn


def role_choices():
    return [(value, label) for value, label in ROLES]


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=role_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The DPO must be a different person from the SIRO.",
    )
    job_title = forms.CharField(max_length=120, required=False)

    def clean_roles(self):
        roles = set(self.cleaned_data["roles"])
        if {"siro", "dpo"} <= roles:
            raise ValidationError(DPO_NOT_SIRO_MESSAGE)
        return roles


class InviteForm(RolesForm):
    email = forms.EmailField(max_length=254)
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    field_order = ["first_name", "last_name", "email", "job_title", "roles"]

    def clean_roles(self):
        roles = super().clean_roles()
        return roles or {"staff"}
