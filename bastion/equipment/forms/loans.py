"""Forms to lend a device and to record its return."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from bastion.core.forms import DateInput
from bastion.equipment.loans import BACK_TO, BORROWER_KINDS, may_be_lent
from bastion.equipment.models import Device, Loan
from bastion.people.models import Person

EARLIEST = dt.date(2000, 1, 1)


def _date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateInput(),
        error_messages={
            "required": f"Enter the date: {label.lower()}.",
            "invalid": "Enter a real date, like 2 March 2026.",
        },
    )


def _not_too_old(day: dt.date | None) -> dt.date | None:
    if day is not None and day < EARLIEST:
        raise forms.ValidationError("Enter a date after 1 January 2000.")
    return day


class DeviceChoice(forms.ModelChoiceField):
    def label_from_instance(self, device: Device) -> str:
        label = str(device)
        if device.make or device.model:
            label = f"{device.get_kind_display()}: {label}"
        if device.status not in (Device.Status.IN_USE, Device.Status.IN_STORE):
            label += f" ({device.get_status_display().lower()})"
        return label


class BorrowerChoice(forms.ModelChoiceField):
    def label_from_instance(self, person: Person) -> str:
        detail = person.get_kind_display().lower()
        if person.year_group:
            detail += f", {person.get_year_group_display()}"
        return f"{person.last_name}, {person.first_name} ({detail})"


class LoanForm(forms.Form):
    device = DeviceChoice(
        queryset=Device.objects.none(),
        empty_label="Choose a device",
        help_text="Laptops, tablets, encrypted flash drives, one-time-password tokens.",
        error_messages={
            "required": "Choose the device to lend.",
            "invalid_choice": "Choose a device from the list.",
        },
    )
    borrower = BorrowerChoice(
        queryset=Person.objects.none(),
        label="Lent to",
        empty_label="Choose a person",
        help_text="A member of staff or a pupil.",
        error_messages={
            "required": "Choose who borrows it.",
            "invalid_choice": "Choose a current member of staff or pupil from the list.",
        },
    )
    out_on = _date_field("Lent on")
    due_on = _date_field(
        "Due back",
        required=False,
        help_text="Leave empty for a one-time-password token: it is held for good.",
    )
    condition_out = forms.CharField(
        label="Condition when lent",
        max_length=200,
        required=False,
        help_text="For example: good, small scratch on the lid.",
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        # Any device of the school is accepted, so the lending rules can say why one may not go
        # out; the list shows those that may first and leaves out the disposed.
        field = self.fields["device"]
        field.queryset = Device.objects.filter(school=school)
        shown = sorted(
            Device.objects.filter(school=school).exclude(status=Device.Status.DISPOSED),
            key=lambda d: (not may_be_lent(d), d.kind, d.asset_tag, d.pk),
        )
        field.widget.choices = [("", field.empty_label)] + [
            (d.pk, field.label_from_instance(d)) for d in shown
        ]
        self.fields["borrower"].queryset = (
            Person.objects.for_school(school)
            .current()
            .filter(kind__in=BORROWER_KINDS)
            .only("first_name", "last_name", "kind", "year_group", "school_id", "left_on")
        )

    def clean_out_on(self):
        out_on = _not_too_old(self.cleaned_data["out_on"])
        if out_on > timezone.localdate():
            raise forms.ValidationError("The loan date cannot be in the future.")
        return out_on

    def clean_due_on(self):
        return _not_too_old(self.cleaned_data.get("due_on"))

    def clean(self):
        data = super().clean()
        out_on, due_on = data.get("out_on"), data.get("due_on")
        if out_on and due_on and due_on < out_on:
            self.add_error("due_on", "The due date cannot be before the loan date.")
        return data


class ReturnForm(forms.Form):
    returned_on = _date_field("Returned on")
    condition_in = forms.CharField(
        label="Condition when returned",
        max_length=200,
        required=False,
        help_text="Note any damage, and whether it came back with its charger.",
    )
    back_to = forms.ChoiceField(
        label="Where does it go now?",
        choices=[(s.value, f"{s.label}") for s in BACK_TO],
        widget=forms.RadioSelect,
        initial=Device.Status.IN_STORE,
        error_messages={
            "required": "Choose whether it goes back in store or in use.",
            "invalid_choice": "Choose whether it goes back in store or in use.",
        },
    )

    def __init__(self, *args, loan: Loan, **kwargs):
        super().__init__(*args, **kwargs)
        self.loan = loan

    def clean_returned_on(self):
        returned_on = _not_too_old(self.cleaned_data["returned_on"])
        if returned_on > timezone.localdate():
            raise forms.ValidationError("The return date cannot be in the future.")
        if returned_on < self.loan.out_on:
            out = self.loan.out_on
            raise forms.ValidationError(
                f"It cannot come back before it went out ({out.day} {out:%B %Y})."
            )
        return returned_on
