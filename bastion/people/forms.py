from __future__ import annotations

import datetime as dt

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from bastion.core.forms import DateInput
from bastion.lib.forms import file_password_field
from bastion.people.import_fields import SPECS, UPN
from bastion.people.import_files import MAX_BYTES
from bastion.people.import_jobs import KINDS
from bastion.people.models import (
    YEAR_GROUPS,
    Check,
    Kind,
    PeopleSettings,
    Person,
    SCRCheck,
    SCREntry,
)

COMMON = ["first_name", "last_name", "email", "phone", "mis_id"]
BY_KIND = {
    Kind.STAFF: [
        *COMMON,
        "job_title",
        "contract",
        "agency_name",
        "started_on",
        "teaching_role",
        "management_role",
        "lived_overseas",
        "qualifications_required",
    ],
    Kind.GOVERNOR: [*COMMON, "job_title", "started_on", "regulated_activity", "lived_overseas"],
    Kind.VOLUNTEER: [*COMMON, "job_title", "started_on", "regulated_activity", "lived_overseas"],
    Kind.CONTRACTOR: [
        *COMMON,
        "job_title",
        "agency_name",
        "started_on",
        "regulated_activity",
        "lived_overseas",
    ],
    Kind.PUPIL: [*COMMON[:2], "mis_id", "date_of_birth", "year_group", "class_name"],
    Kind.PARENT: COMMON,
}


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = sorted({f for fields in BY_KIND.values() for f in fields})
        widgets = {"started_on": DateInput(), "date_of_birth": DateInput()}
        labels = {
            "mis_id": "MIS id (UPN for pupils, staff code for staff)",
            "agency_name": "Agency or company",
        }

    def __init__(self, *args, kind: str, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.school = school
        for name in list(self.fields):
            if name not in BY_KIND[kind]:
                del self.fields[name]
        order = BY_KIND[kind]
        self.order_fields(order)
        if "year_group" in self.fields:
            self.fields["year_group"].required = True
            self.fields["date_of_birth"].required = True

    def clean_mis_id(self):
        mis_id = self.cleaned_data["mis_id"].strip()
        if self.kind == Kind.PUPIL:
            mis_id = mis_id.upper()
            if mis_id and not UPN.match(mis_id):
                raise forms.ValidationError(
                    "Enter the UPN as a letter, 11 digits, then a digit or letter."
                )
        if mis_id:
            clash = Person.objects.filter(school=self.school, kind=self.kind, mis_id=mis_id)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise forms.ValidationError("Someone in the directory already has this MIS id.")
        return mis_id

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born and born > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if born and born.year < 1900:
            raise forms.ValidationError("Enter a date of birth after 1900.")
        return born

    def _post_clean(self):
        self.instance.school = self.school
        self.instance.kind = self.kind
        super()._post_clean()


class LeaveForm(forms.Form):
    left_on = forms.DateField(
        label="Date they left",
        widget=DateInput(),
        error_messages={"invalid": "Enter a real date, like 31 August 2025."},
    )

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_left_on(self):
        left_on = self.cleaned_data["left_on"]
        if self.person.started_on and left_on < self.person.started_on:
            raise forms.ValidationError("They cannot leave before the date they started.")
        if left_on > timezone.localdate() + dt.timedelta(days=366):
            raise forms.ValidationError("Enter a date within the next year.")
        if left_on.year < 1900:
            raise forms.ValidationError("Enter a date after 1900.")
        return left_on


class FilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Name, e-mail or MIS id")
    kind = forms.ChoiceField(required=False, choices=[("", "Everyone"), *Kind.choices])
    year = forms.ChoiceField(
        required=False, choices=[("", "Any year"), *YEAR_GROUPS], label="Year group"
    )
    class_name = forms.CharField(required=False, max_length=40, label="Class")
    status = forms.ChoiceField(
        required=False, choices=[("current", "Current"), ("left", "Left"), ("all", "Everyone")]
    )


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        choices=list(KINDS.items()), widget=forms.RadioSelect, label="The file holds"
    )
    file = forms.FileField(
        label="File",
        help_text=f"CSV (UTF-8) or Excel .xlsx; a CTF is .xml. Up to {MAX_BYTES // 1048576} MB.",
    )


class MappingForm(forms.Form):
    mark_leavers = forms.BooleanField(
        required=False,
        initial=False,
        label="Mark people missing from this file as having left",
        help_text="Tick only when the file lists everyone: anyone not in it is marked as having "
        "left today.",
    )

    def __init__(self, *args, kind: str, headers: list[str], mapping: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        choices = [("", "(not in this file)")] + [(h, h) for h in headers if h]
        for f in SPECS[kind]:
            self.fields[f"col_{f.name}"] = forms.ChoiceField(
                label=f.label + ("" if f.required else " (optional)"),
                choices=choices,
                required=f.required,
                initial=mapping.get(f.name, ""),
                error_messages={
                    "required": f"Choose the column that holds {f.label}. If the file has "
                    "none, add it to the file and upload it again.",
                    "invalid_choice": "Choose one of the file's columns.",
                },
            )
        self.order_fields([*(f"col_{f.name}" for f in SPECS[kind]), "mark_leavers"])

    def clean(self):
        data = super().clean()
        used: dict[str, str] = {}
        for f in SPECS[self.kind]:
            column = data.get(f"col_{f.name}")
            if not column:
                continue
            if column in used:
                self.add_error(
                    f"col_{f.name}",
                    f"“{column}” is already chosen for {used[column]}: choose one column for each.",
                )
            else:
                used[column] = f.label
        return data

    def mapping(self) -> dict:
        return {k[4:]: v for k, v in self.cleaned_data.items() if k.startswith("col_") and v}


class ConfirmImportForm(forms.Form):
    """The tick an import needs when it marks many people, or a privileged role, as left."""

    understood = forms.BooleanField(required=True)

    def __init__(self, *args, sentence: str, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["understood"]
        field.label = sentence
        field.error_messages["required"] = (
            f"Tick “{sentence}” to import. If they have not left, choose other columns and "
            "untick “Mark people missing from this file as having left”."
        )


# The earliest date a check can plausibly carry; anything before is a typing slip.
EARLIEST = dt.date(1950, 1, 1)


def _plausible(form: forms.Form, name: str, what: str) -> None:
    day = form.cleaned_data.get(name)
    if day and day > timezone.localdate():
        form.add_error(name, f"The {what} cannot be in the future.")
    elif day and day < EARLIEST:
        form.add_error(name, f"Enter the real date of the {what}, like 3 March 2025.")


class CheckForm(forms.ModelForm):
    """One check on an SCR entry: what was seen, when, and by whom; never a copy of it."""

    class Meta:
        model = SCRCheck
        fields = ["state", "done_on", "checked_by", "reference", "note"]
        widgets = {
            "done_on": DateInput(),
            "state": forms.RadioSelect,
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "state": "State of the check",
            "done_on": "Date of the check",
            "checked_by": "Checked by",
            "reference": "Reference (DBS certificate number, document seen, letter)",
            "note": "Notes (optional)",
        }
        error_messages = {
            "done_on": {"invalid": "Enter a real date, like 3 March 2025."},
            "state": {"required": "Choose the state of the check."},
        }

    def __init__(self, *args, check: str, required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.check = check
        self.required = required
        self.fields["state"].choices = SCRCheck.State.choices
        if check == Check.DBS:
            self.fields["done_on"].label = "Date the certificate was issued"
            self.fields["reference"].label = "DBS certificate number"
            self.fields["reference"].help_text = "12 digits, as printed on the certificate."

    def clean(self):
        data = super().clean()
        if data.get("state") != SCRCheck.State.DONE:
            return data
        if not data.get("done_on") and "done_on" not in self.errors:
            self.add_error("done_on", "Give the date the check was made.")
        _plausible(self, "done_on", "check")
        data["checked_by"] = (data.get("checked_by") or "").strip()
        if not data["checked_by"] and "checked_by" not in self.errors:
            self.add_error("checked_by", "Say who made the check.")
        if self.check == Check.DBS and "reference" not in self.errors:
            number = "".join((data.get("reference") or "").split())
            if not (number.isascii() and number.isdigit() and len(number) == 12):
                self.add_error("reference", "Enter the 12-digit DBS certificate number.")
            data["reference"] = number
        return data

    def clean_state(self):
        state = self.cleaned_data["state"]
        if state == SCRCheck.State.NOT_REQUIRED and self.required:
            raise forms.ValidationError(
                "This person's role needs this check. If the role has changed, edit their "
                "details in the directory first."
            )
        return state


class EntryForm(forms.ModelForm):
    class Meta:
        model = SCREntry
        fields = [
            "update_service",
            "update_service_checked_on",
            "risk_assessment_on",
            "risk_assessment_note",
        ]
        widgets = {
            "update_service_checked_on": DateInput(),
            "risk_assessment_on": DateInput(),
            "risk_assessment_note": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "update_service": "Subscribed to the DBS Update Service",
            "update_service_checked_on": "Last Update Service status check",
            "risk_assessment_on": "Risk assessment date (started before the DBS certificate)",
            "risk_assessment_note": "Risk assessment notes",
        }
        error_messages = {
            "update_service_checked_on": {"invalid": "Enter a real date, like 3 March 2025."},
            "risk_assessment_on": {"invalid": "Enter a real date, like 3 March 2025."},
        }

    def clean(self):
        data = super().clean()
        _plausible(self, "update_service_checked_on", "status check")
        _plausible(self, "risk_assessment_on", "risk assessment")
        if data.get("update_service_checked_on") and not data.get("update_service"):
            self.add_error(
                "update_service", "Tick this to record a status check on the Update Service."
            )
        return data


class SCRSettingsForm(forms.ModelForm):
    class Meta:
        model = PeopleSettings
        fields = ["dbs_recheck_years"]
        labels = {"dbs_recheck_years": "Re-check DBS certificates every (years)"}
        help_texts = {
            "dbs_recheck_years": (
                "Leave empty if the school does not re-check. An Update Service status check "
                "made since counts as a re-check."
            )
        }
        error_messages = {
            "dbs_recheck_years": {
                "invalid": "Enter a whole number of years, like 3, or leave it empty.",
                "min_value": "Enter a number of years from 1 to 10, or leave it empty.",
                "max_value": "Enter a number of years from 1 to 10, or leave it empty.",
            }
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["dbs_recheck_years"]
        field.min_value, field.max_value = 1, 10
        field.widget.attrs.update({"min": 1, "max": 10})
        field.validators += [MinValueValidator(1), MaxValueValidator(10)]


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        choices=[("xlsx", "Excel (.xlsx)"), ("pdf", "PDF")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose Excel or PDF."},
    )
    password = file_password_field("Recommended: the file holds personal data.")
