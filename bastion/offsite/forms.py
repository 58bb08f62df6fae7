"""Forms to ask to take data off site, to decide on a request, and to record its return."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from bastion.core.forms import DateInput
from bastion.equipment.models import Device
from bastion.offsite.models import Removal
from bastion.offsite.removals import UNUSABLE
from bastion.people.models import Kind, Person

EARLIEST = dt.date(2000, 1, 1)
AHEAD = 90  # a request may be made up to this many days before the data leaves


def _date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DateInput(),
        error_messages={
            "required": f"Enter the date: {label.lower()}.",
            "invalid": "Enter a real date, like 2 March 2026.",
        },
        **kwargs,
    )


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, person: Person) -> str:
        job = f" ({person.job_title})" if person.job_title else ""
        return f"{person.last_name}, {person.first_name}{job}"


class DeviceChoice(forms.ModelChoiceField):
    def label_from_instance(self, device: Device) -> str:
        label = f"{device.get_kind_display()}: {device}"
        return label if device.encrypted else f"{label} (not encrypted)"


class RemovalForm(forms.Form):
    person = StaffChoice(
        queryset=Person.objects.none(),
        label="Who takes the data",
        empty_label="Choose a member of staff",
        error_messages={
            "required": "Choose the member of staff who takes the data.",
            "invalid_choice": "Choose a current member of staff from the list.",
        },
    )
    what = forms.CharField(
        label="What data",
        max_length=300,
        help_text="For example: Year 6 assessment spreadsheet, with pupils' names and results.",
        error_messages={"required": "Say what data leaves school."},
    )
    why = forms.CharField(
        label="Why it must leave school",
        max_length=500,
        widget=forms.Textarea,
        help_text="Why remote access will not do.",
        error_messages={"required": "Say why the data must leave school."},
    )
    device = DeviceChoice(
        queryset=Device.objects.none(),
        required=False,
        label="Encrypted device from the equipment register",
        empty_label="None: I describe the medium below",
        help_text="An encrypted laptop, tablet or flash drive of the school.",
        error_messages={"invalid_choice": "Choose a device from the list."},
    )
    medium = forms.CharField(
        label="Or another medium",
        max_length=200,
        required=False,
        help_text="Only when it is not in the register, e.g. an encrypted hard disk (make, model).",
    )
    medium_encrypted = forms.BooleanField(
        label="This medium is encrypted",
        required=False,
        help_text="Password or hardware encryption.",
    )
    taken_on = _date_field("Leaves school on")
    due_on = _date_field("Due back", help_text="At most 30 days later.")

    def __init__(self, *args, school, person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if person is not None:
            # Staff ask for themselves: the person is fixed, not chosen.
            del self.fields["person"]
            self.person = person
        else:
            self.fields["person"].queryset = (
                Person.objects.for_school(school)
                .current()
                .filter(kind=Kind.STAFF)
                .only("first_name", "last_name", "job_title", "school_id", "left_on", "kind")
            )
        # Every portable device that is still usable: the rules say why an unencrypted one
        # cannot carry data, rather than hiding it.
        devices = (
            Device.objects.filter(school=school, kind__in=Device.PORTABLE - Device.BACKUP_MEDIA)
            .exclude(status__in=list(UNUSABLE))
            .exclude(kind=Device.Kind.OTP_TOKEN)
        )
        field = self.fields["device"]
        field.queryset = Device.objects.filter(school=school)
        shown = sorted(devices, key=lambda d: (not d.encrypted, d.kind, d.asset_tag, d.pk))
        field.widget.choices = [("", field.empty_label)] + [
            (d.pk, field.label_from_instance(d)) for d in shown
        ]

    def clean_taken_on(self):
        day = self.cleaned_data["taken_on"]
        if day < EARLIEST:
            raise forms.ValidationError("Enter a date after 1 January 2000.")
        if day > timezone.localdate() + dt.timedelta(days=AHEAD):
            raise forms.ValidationError(f"Ask at most {AHEAD} days ahead.")
        return day

    def clean_medium(self):
        return " ".join(self.cleaned_data["medium"].split())

    def clean(self):
        data = super().clean()
        if "person" not in self.fields:
            data["person"] = self.person
        return data


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve"), ("decline", "Decline")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve or decline."},
    )
    note = forms.CharField(
        label="Note (optional)",
        max_length=500,
        required=False,
        help_text="For a decline, say why (the remote-access alternative, a shorter list...).",
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What happened to the data",
        choices=[
            (Removal.Status.RETURNED, "It came back to school (and was deleted from the medium)"),
            (Removal.Status.DESTROYED, "The copy taken away was destroyed"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether the data came back or was destroyed.",
            "invalid_choice": "Choose whether the data came back or was destroyed.",
        },
    )
    closed_on = _date_field("On")
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)
