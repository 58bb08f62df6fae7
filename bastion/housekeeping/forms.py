"""Forms to open a housekeeping campaign and to attest to one's housekeeping."""

from __future__ import annotations

from django import forms

from bastion.core.forms import DateInput


class CampaignForm(forms.Form):
    deadline = forms.DateField(
        label="Deadline",
        widget=DateInput(),
        help_text="When every member of staff should have done it by, e.g. the end of term.",
        error_messages={
            "required": "Enter the deadline.",
            "invalid": "Enter a real date, like 17 July 2026.",
        },
    )
    instructions = forms.CharField(
        label="Instructions for staff (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        help_text="What to look at: shared drives, laptops, e-mail, cloud storage, photos.",
    )


class AttestForm(forms.Form):
    confirm = forms.BooleanField(
        label="I have reviewed the digital material I keep, and removed and destroyed what is no "
        "longer needed",
        error_messages={"required": "Tick the box to confirm that you did your housekeeping."},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea,
        help_text="For example: deleted old class photos from the shared drive.",
    )
