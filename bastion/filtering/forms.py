"""Forms of the filtering and monitoring register."""

from __future__ import annotations

import datetime as dt

from django import forms

from bastion.core import files
from bastion.core.forms import DateInput
from bastion.filtering.models import Check, Decision, FilteringSetup, Provider
from bastion.filtering.register import people_choices
from bastion.people.models import Kind

EARLIEST = dt.date(2000, 1, 1)
DATE_ERRORS = {"required": "Enter the date.", "invalid": "Enter a real date, like 2 March 2026."}


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, person) -> str:
        job = f" ({person.job_title})" if person.job_title else ""
        return f"{person.last_name}, {person.first_name}{job}"


def _not_too_old(day):
    if day is not None and day < EARLIEST:
        raise forms.ValidationError("Enter a date after 1 January 2000.")
    return day


class SetupForm(forms.ModelForm):
    senior_leader = PersonChoice(
        queryset=None,
        required=False,
        label="Senior leader responsible",
        empty_label="Not named yet",
        error_messages={"invalid_choice": "Choose a current member of staff from the list."},
    )
    governor = PersonChoice(
        queryset=None,
        required=False,
        label="Governor responsible",
        empty_label="Not named yet",
        error_messages={"invalid_choice": "Choose a current governor from the list."},
    )

    class Meta:
        model = FilteringSetup
        fields = [
            "senior_leader",
            "governor",
            "monitoring",
            "monitors_email",
            "monitors_platforms",
            "check_every_days",
        ]
        widgets = {"check_every_days": forms.RadioSelect}
        error_messages = {
            "check_every_days": {
                "required": "Choose how often filtering and monitoring are checked.",
                "invalid_choice": "Choose how often filtering and monitoring are checked.",
            }
        }

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["senior_leader"].queryset = people_choices(school, Kind.STAFF)
        self.fields["governor"].queryset = people_choices(school, Kind.GOVERNOR)
        self.fields["senior_leader"].help_text = FilteringSetup._meta.get_field(
            "senior_leader"
        ).help_text
        self.fields["governor"].help_text = FilteringSetup._meta.get_field("governor").help_text


class ProviderForm(forms.ModelForm):
    class Meta:
        model = Provider
        fields = ["name", "product", "filters", "monitors", *Provider.COVERAGE, "notes", "active"]
        labels = {
            "name": "Provider",
            "covers_wired": "Covers the wired network",
            "covers_wireless": "Covers the wireless network",
            "covers_guest": "Covers guest wireless",
            "covers_off_site": "Covers school devices used off site",
            "active": "In use",
        }
        help_texts = {"product": "The service or product, e.g. the broadband filtering service."}
        error_messages = {"name": {"required": "Enter the provider's name."}}


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["decided_on", "action", "what", "reason", "requested_by"]
        labels = {"decided_on": "Date", "action": "Decision"}
        widgets = {"decided_on": DateInput(), "action": forms.RadioSelect}
        help_texts = {
            "what": "A web address or a category, e.g. youtube.com or 'social networking'.",
            "reason": "Why: the risk it poses, or what teaching needs it.",
        }
        error_messages = {
            "decided_on": DATE_ERRORS,
            "action": {"required": "Choose blocked or allowed."},
            "what": {"required": "Enter the site or category."},
            "reason": {"required": "Say why."},
        }

    def clean_decided_on(self):
        return _not_too_old(self.cleaned_data["decided_on"])


class CheckForm(forms.ModelForm):
    evidence = forms.FileField(
        required=False,
        label="Evidence (optional)",
        help_text=f"A report or screenshot: a PDF, PNG or JPEG, up to {files.MAX_MB} MB. Kept "
        "encrypted.",
        error_messages={"empty": files.EMPTY, "invalid": "Choose the file again."},
    )

    class Meta:
        model = Check
        fields = ["kind", "checked_on", "results", "problems_found", "actions"]
        labels = {
            "kind": "What was done",
            "checked_on": "Date",
            "problems_found": "Problems were found",
        }
        widgets = {"checked_on": DateInput(), "kind": forms.RadioSelect}
        help_texts = {
            "results": "What was tested (e.g. test sites on each network, alerts reaching the "
            "safeguarding lead) and what was found.",
            "actions": "What will be done about any problem, and by whom.",
        }
        error_messages = {
            "kind": {"required": "Choose a check or the yearly review."},
            "checked_on": DATE_ERRORS,
            "results": {"required": "Record the results."},
        }

    def clean_checked_on(self):
        return _not_too_old(self.cleaned_data["checked_on"])

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload and upload.size > files.MAX_BYTES:  # refused before it is read into memory
            raise forms.ValidationError(files.TOO_LARGE)
        return upload
