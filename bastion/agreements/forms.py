"""Forms of the agreements pages."""

from __future__ import annotations

import datetime as dt

from django import forms

from bastion.agreements.models import AgreementSettings, Audience
from bastion.core import files
from bastion.core.forms import DateInput
from bastion.people.models import YEAR_GROUPS

EARLIEST = dt.date(2000, 1, 1)
NAME_HELP = "Typing your name here is your signature."


def date_field(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        widget=DateInput(),
        error_messages={
            "required": f"Enter the date: {label.lower()}.",
            "invalid": "Enter a real date, like 2 March 2026.",
        },
    )


def _after_2000(day: dt.date) -> dt.date:
    if day < EARLIEST:
        raise forms.ValidationError("Enter a date after 1 January 2000.")
    return day


class PublishForm(forms.Form):
    text = forms.CharField(
        label="Text of the agreement",
        help_text="Markdown: ## for a heading, - for a list item, **bold**.",
        widget=forms.Textarea,
        max_length=50_000,
        error_messages={"required": "Write the agreement's text."},
    )
    effective_on = date_field("Takes effect on")
    everyone_signs_again = forms.ChoiceField(
        label="Must everyone sign again?",
        choices=[
            ("yes", "Yes: signatures of earlier versions no longer count"),
            ("no", "No: a small change; earlier signatures still count"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether everyone must sign again."},
    )
    note = forms.CharField(label="What changed (optional)", max_length=300, required=False)

    def clean_effective_on(self):
        return _after_2000(self.cleaned_data["effective_on"])


class SettingsForm(forms.ModelForm):
    class Meta:
        model = AgreementSettings
        fields = (
            "younger_up_to",
            "parents_sign_for_children",
            "link_days",
            "chase_interval_days",
            "chase_automatically",
        )
        error_messages = {
            "link_days": {
                "required": "Enter how many days a link lasts, from 1 to 90.",
                "invalid": "Enter a whole number of days, from 1 to 90.",
            },
            "chase_interval_days": {
                "required": "Enter the days between two reminders, from 1 to 90.",
                "invalid": "Enter a whole number of days, from 1 to 90.",
            },
        }

    def clean_link_days(self):
        return _range(self.cleaned_data["link_days"], "A link must last between 1 and 90 days.")

    def clean_chase_interval_days(self):
        return _range(
            self.cleaned_data["chase_interval_days"],
            "Reminders must be between 1 and 90 days apart.",
        )


def _range(value: int, message: str) -> int:
    if not 1 <= value <= 90:
        raise forms.ValidationError(message)
    return value


class SignForm(forms.Form):
    typed_name = forms.CharField(
        label="Your full name",
        max_length=200,
        help_text=NAME_HELP,
        error_messages={"required": "Type your full name to sign."},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    agree = forms.BooleanField(
        label="I have read this agreement and I agree to keep to it",
        error_messages={
            "required": "Tick the box to say you have read the agreement and agree to it."
        },
    )


class PublicSignForm(SignForm):
    """The link page: the person's own agreement and, for a parent, their children's."""

    children = forms.MultipleChoiceField(
        label="Sign for your child too",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Read the pupils' agreement with your child first.",
    )

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        if groups:
            self.fields["children"].choices = [
                (
                    g.year_group,
                    f"I sign the {g.agreement.title} for "
                    + (
                        f"my child in {g.label}"
                        if len(g.children) == 1
                        else f"my {len(g.children)} children in {g.label}"
                    ),
                )
                for g in groups
            ]
        else:
            del self.fields["children"]


class GroupForm(forms.Form):
    """Filters of the coverage page and of letters and sheets (read from the query string)."""

    audience = forms.ChoiceField(
        label="Who", choices=[("", "Everyone"), *list(Audience.choices)], required=False
    )
    year_group = forms.ChoiceField(
        label="Year group", choices=[("", "All year groups"), *YEAR_GROUPS], required=False
    )
    class_name = forms.ChoiceField(label="Class", required=False)

    def __init__(self, *args, classes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_name"].choices = [("", "All classes")] + [(c, c) for c in classes]


class PaperForm(forms.Form):
    people = forms.MultipleChoiceField(
        label="Who signed the sheet",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Tick at least one person who signed the sheet.",
            "invalid_choice": "Some of the people ticked are not in this group any more: "
            "check the list again.",
        },
    )
    signed_on = date_field("Date signed")
    scan = forms.FileField(
        required=False,
        label="Scanned sheet (optional)",
        help_text=f"A PDF, or a scan or photo as PNG or JPEG; up to {files.MAX_MB} MB. "
        "Kept encrypted.",
        error_messages={"empty": files.EMPTY, "invalid": "Choose the scanned sheet again."},
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = choices

    def clean_signed_on(self):
        return _after_2000(self.cleaned_data["signed_on"])


class ClassForm(forms.Form):
    class_name = forms.ChoiceField(
        label="Class",
        error_messages={
            "required": "Choose the class.",
            "invalid_choice": "Choose one of the classes listed.",
        },
    )
    signed_on = date_field("Date the class signed")
    note = forms.CharField(
        label="Note (optional)",
        max_length=300,
        required=False,
        help_text="For example: discussed in the computing lesson, poster signed by everyone.",
    )

    def __init__(self, *args, classes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_name"].choices = [("", "Choose a class")] + [(c, c) for c in classes]

    def clean_signed_on(self):
        return _after_2000(self.cleaned_data["signed_on"])


class SendForm(forms.Form):
    """Links for a group: e-mailed, or printed as letters."""

    how = forms.ChoiceField(
        label="How",
        choices=[
            ("email", "E-mail a link to each person with an address"),
            ("letter", "Print letters with a QR code (PDF)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose e-mail or letters."},
    )
