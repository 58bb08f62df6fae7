"""Forms of the device register and the locations: filters, add and edit, report missing,
import, location checks and the check period."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.utils import timezone

from bastion.core.forms import DateInput
from bastion.equipment import devices, locations
from bastion.equipment.models import Device, EquipmentSettings, Location, LocationCheck
from bastion.people.import_files import MAX_BYTES
from bastion.people.models import Kind, Person

Status = Device.Status
DATE_INVALID = "Enter a real date, like 3 March 2025."
# Statuses that other steps set: reporting it missing (alerts the DPO and SIRO), the loans and
# the disposal registers. The edit form offers them only to keep a device's current status.
SET_ELSEWHERE = {Status.LOST, Status.STOLEN, Status.ON_LOAN, Status.DISPOSED}


class DeviceFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Asset tag, serial, make or model")
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Device.Kind.choices])
    status = forms.ChoiceField(
        required=False,
        choices=[("", "All but disposed"), *Status.choices, ("all", "All, disposed too")],
    )
    location = forms.ChoiceField(required=False)
    problem = forms.ChoiceField(
        required=False,
        label="Rules",
        choices=[
            ("", "Any"),
            ("any", "Breaks a rule"),
            *((rule.key, rule.label) for rule in devices.RULES),
        ],
    )

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = [
            ("", "Anywhere"),
            ("none", "No location"),
            *((str(loc.pk), loc.name) for loc in locations),
        ]


def _people(school):
    """Adults who may hold or manage a device: current staff, governors, contractors and
    volunteers (pupils borrow devices through the loans register)."""
    adults = [Kind.STAFF, Kind.GOVERNOR, Kind.CONTRACTOR, Kind.VOLUNTEER]
    return Person.objects.filter(school=school, kind__in=adults).current()


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name}, {obj.job_title}" if obj.job_title else obj.full_name


class DeviceForm(forms.ModelForm):
    class Meta:
        model = Device
        fields = list(devices.DEVICE_FIELDS)
        field_classes = {"assigned_to": PersonChoice, "manager": PersonChoice}
        widgets = {"purchased_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "holds_personal_data": "Holds personal data",
            "assigned_to": "Assigned to",
            "manager": "Managed by",
            "purchased_on": "Purchase date",
            "notes": "Notes (optional)",
        }
        help_texts = {
            "encrypted": "Full-disk or device encryption, switched on.",
            "asset_tag": "The school's label on the device. Imports match devices by it.",
        }
        error_messages = {"purchased_on": {"invalid": DATE_INVALID}}

    # The device's version when the form was opened (devices.version): a save after someone
    # else's is refused rather than undoing theirs.
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        if self.instance.pk:
            self.fields["seen"].initial = devices.version(self.instance)
        current = self.instance.location_id
        places = Location.objects.filter(school=school)
        self.fields["location"].queryset = places.filter(archived=False) | places.filter(pk=current)
        self.fields["location"].empty_label = "Not recorded"
        for name in ("assigned_to", "manager"):
            keep = getattr(self.instance, f"{name}_id")
            people = _people(school) | Person.objects.filter(school=school, pk=keep)
            self.fields[name].queryset = people.order_by("last_name", "first_name", "pk")
            self.fields[name].empty_label = "Nobody"
        status = self.instance.status if self.instance.pk else Status.IN_USE
        self.fields["status"].choices = [
            (value, label)
            for value, label in Status.choices
            if value not in SET_ELSEWHERE or value == status
        ]
        self.fields["status"].help_text = (
            "Lost or stolen: use “Report lost or stolen”. Loans and disposals are recorded in "
            "their own registers."
        )

    def clean_purchased_on(self):
        day = self.cleaned_data.get("purchased_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError("The purchase date cannot be in the future.")
        if day and day.year < 1980:
            raise forms.ValidationError("Enter the real purchase date, like 3 March 2025.")
        return day

    def _post_clean(self):
        # The rules (tags, off-site media) are the service's: it reports them on the fields.
        pass


OTHER = "other"
UNLISTED = "unlisted"


class MissingForm(forms.Form):
    """Report a device lost or stolen: one the user holds, any by its tag or serial, or one
    that is not on the register, described. What happened is asked once: it is the incident's
    report."""

    which = forms.ChoiceField(
        label="Which device?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the device, or “Another device”."},
    )
    tag = forms.CharField(
        required=False,
        max_length=80,
        label="Asset tag or serial number",
        help_text="On the label of the device, or ask the IT lead.",
    )
    description = forms.CharField(
        required=False,
        max_length=200,
        label="What is the device? (if it is not on the register)",
        help_text="Its make and model, whose it is, and anything that tells it apart.",
    )
    status = forms.ChoiceField(
        label="Is it lost or stolen?",
        widget=forms.RadioSelect,
        choices=[(Status.LOST, "Lost"), (Status.STOLEN, "Stolen")],
        error_messages={"required": "Say whether it is lost or stolen."},
    )
    note = forms.CharField(
        max_length=500,
        label="What happened?",
        help_text="Where and when it was last seen, and what was on it if you know.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say briefly what happened."},
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, school, device=None, mine=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.device = device
        self.unlisted = False
        self.mine = {str(d.pk): d for d in mine}
        if device is not None:
            for name in ("which", "tag", "description"):
                del self.fields[name]
            return
        self.fields["which"].choices = [
            *((pk, str(d)) for pk, d in self.mine.items()),
            (OTHER, "A device on the register: give its asset tag or serial number"),
            (UNLISTED, "A device that is not on the register: say what it is"),
        ]
        if not self.mine:
            self.fields["which"].required = False  # the tag alone is enough

    def clean_submission_key(self):
        # A missing or mangled key (an old page, a hand-made request) gets a fresh one.
        try:
            return uuid.UUID((self.cleaned_data.get("submission_key") or "")[:36])
        except ValueError:
            return uuid.uuid4()

    def clean(self):
        data = super().clean()
        if self.device is not None or self.errors.get("which"):
            return data
        which = data.get("which") or OTHER
        if which in self.mine:
            self.device = self.mine[which]
            return data
        self.unlisted = which == UNLISTED
        if self.unlisted:
            if not (data.get("description") or "").strip():
                self.add_error("description", "Say what the device is: its make and model.")
            return data
        tag = (data.get("tag") or "").strip()
        if not tag:
            self.add_error("tag", "Give the asset tag or serial number of the device.")
            return data
        found = Device.objects.filter(school=self.school).exclude(status=Status.DISPOSED)
        matches = list(found.filter(asset_tag__iexact=tag)[:1]) or list(
            found.filter(serial__iexact=tag)[:2]
        )
        if not matches:
            self.add_error(
                "tag",
                "No device on the register has this asset tag or serial number. Check the "
                "label, or choose “A device that is not on the register”.",
            )
        elif len(matches) > 1:
            self.add_error(
                "tag", "More than one device has this serial number: give the asset tag."
            )
        else:
            self.device = matches[0]
        return data


class DeviceImportForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text=f"CSV (UTF-8) or Excel .xlsx, up to {MAX_BYTES // 1048576} MB.",
        error_messages={"required": "Choose the inventory file.", "empty": "The file is empty."},
    )


class LocationFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        label="Show",
        choices=[
            ("", "In use"),
            ("due", "Due a check"),
            ("archived", "Archived"),
            ("all", "All"),
        ],
    )


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = list(locations.LOCATION_FIELDS)
        widgets = {"kind": forms.RadioSelect, "notes": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "lockable": "Lockable",
            "fire_proof": "Fire-proof",
            "notes": "Notes (optional)",
            "archived": "Archived (no longer used)",
        }
        help_texts = {
            "lockable": "Lockable locations are checked regularly: locked, as expected?",
            "name": "For example: Server cupboard, Office safe, Filing cabinet in the office.",
        }
        error_messages = {"name": {"required": "Enter the name of the location."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Location.Kind.choices
        if not self.instance.pk:
            del self.fields["archived"]

    def _post_clean(self):
        pass  # the service checks the row (unique names, off-site media) and names the field


class LocationCheckForm(forms.ModelForm):
    as_expected = forms.TypedChoiceField(
        label="Was it locked, as expected?",
        widget=forms.RadioSelect,
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        error_messages={"required": "Say whether it was locked, as expected."},
    )

    class Meta:
        model = LocationCheck
        fields = ["checked_on", "as_expected", "note"]
        widgets = {"checked_on": DateInput(), "note": forms.Textarea(attrs={"rows": 3})}
        labels = {"checked_on": "Date of the check", "note": "Notes"}
        help_texts = {"note": "If it was not as expected: what was wrong, and what was done."}
        error_messages = {
            "checked_on": {"invalid": DATE_INVALID, "required": "Give the date of the check."}
        }

    def clean_checked_on(self):
        day = self.cleaned_data["checked_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The check cannot be in the future.")
        if day < timezone.localdate() - dt.timedelta(days=730):
            raise forms.ValidationError("Enter a date within the last two years.")
        return day

    def _post_clean(self):
        pass


class LocationSettingsForm(forms.ModelForm):
    class Meta:
        model = EquipmentSettings
        fields = ["location_check_days"]
        labels = {"location_check_days": "Check lockable locations every (days)"}
        error_messages = {
            "location_check_days": {
                "required": "Enter a number of days from 7 to 730, like 90.",
                "invalid": "Enter a whole number of days, like 90.",
                "min_value": "Enter a number of days from 7 to 730.",
                "max_value": "Enter a number of days from 7 to 730.",
            }
        }
