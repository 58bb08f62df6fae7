from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from bastion.core.models import ROLES, School
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
            raise ValidationError(
                "The DPO must not be the same person as the SIRO: the policy keeps the roles apart."
            )
        return roles


class InviteForm(RolesForm):
    email = forms.EmailField(max_length=254)
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    field_order = ["first_name", "last_name", "email", "job_title", "roles"]

    def clean_roles(self):
        roles = super().clean_roles()
        return roles or {"staff"}
