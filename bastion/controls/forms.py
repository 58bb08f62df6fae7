"""Forms: an attestation (a dated check with a note and an optional evidence file), and a
control's owner and frequency."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from bastion.controls.models import Frequency
from bastion.core.forms import DateInput
from bastion.core.models import ROLES, Membership
from bastion.lib.forms import file_password_field


class AttestationForm(forms.Form):
    attested_on = forms.DateField(
        label="Date of the check",
        widget=DateInput(),
        error_messages={
            "required": "Enter the date of the check.",
            "invalid": "Enter a real date, for example 27/11/2026.",
        },
    )
    note = forms.CharField(
        label="What was checked, and what you found",
        max_length=2000,
        widget=forms.Textarea,
        error_messages={
            "required": "Say what was checked and what you found.",
            "max_length": "Keep the note to 2,000 characters.",
        },
    )
    evidence = forms.FileField(
        label="Evidence (optional)",
        required=False,
        help_text="A PDF, or a photo or scan as PNG or JPEG, up to 10 MB. It is kept encrypted.",
    )


class OwnerChoice(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return f"{user} ({user.email})"


class ControlSettingForm(forms.Form):
    owner_role = forms.ChoiceField(
        label="Owner role",
        choices=[r for r in ROLES if r[0] not in ("staff", "governor")],
        help_text="Whoever holds this role owns the control, unless a person is named below.",
        error_messages={"required": "Choose the role that owns this control."},
    )
    owner = OwnerChoice(
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Nobody named: the role owns it",
        label="Named owner (optional)",
        error_messages={"invalid_choice": "Choose a member of this school from the list."},
    )
    frequency = forms.ChoiceField(
        label="How often it is checked",
        choices=Frequency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how often the control is checked."},
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        # Only those who may record a check can own one.
        owners = Q(is_siro=True) | Q(is_dpo=True) | Q(is_it_lead=True) | Q(is_office=True)
        members = Membership.objects.active().filter(owners, school=school).values("user_id")
        self.fields["owner"].queryset = get_user_model().objects.filter(pk__in=members)


class ReportForm(forms.Form):
    password = file_password_field("It names the staff who made each check.")
