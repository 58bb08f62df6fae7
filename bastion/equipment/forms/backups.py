"""Forms for backup sets, restore tests and the equipment settings."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from bastion.core.forms import DateInput
from bastion.equipment.models import BackupSet, Device, EquipmentSettings, Location, RestoreTest


class LocationChoice(forms.ModelChoiceField):
    def label_from_instance(self, location: Location) -> str:
        return f"{location} ({'fire-proof' if location.fire_proof else 'not fire-proof'})"


class MediaChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, device: Device) -> str:
        return f"{device.get_kind_display()}: {device}"


class BackupSetForm(forms.ModelForm):
    location = LocationChoice(
        queryset=Location.objects.none(),
        required=False,
        empty_label="None recorded",
        label="Where the tapes or disks are kept",
        help_text="Tape and disk only: a fire-proof, lockable place in school.",
        error_messages={"invalid_choice": "Choose a place from the list."},
    )
    media = MediaChoice(
        queryset=Device.objects.none(),
        required=False,
        label="Tapes or disks in this set",
        help_text="From the device register. Leave empty for a cloud / off-site service.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose tapes or disks from the list."},
    )

    class Meta:
        model = BackupSet
        fields = [
            "name",
            "covers",
            "medium",
            "schedule",
            "encrypted",
            "provider",
            "location",
            "media",
            "off_site",
            "active",
        ]
        widgets = {"medium": forms.RadioSelect}
        labels = {
            "covers": "What it backs up",
            "schedule": "How often it runs",
            "encrypted": "The backup is encrypted",
            "provider": "Service used",
            "off_site": "This copy is off site",
            "active": "Still in use",
        }
        help_texts = {
            "provider": "Cloud only: the service used, for example the local authority's.",
            "off_site": (
                "Only a cloud / off-site service is an off-site copy: backup tapes and disks "
                "never leave the site (T12)."
            ),
            "active": "Untick when the set is retired; its restore tests stay on record.",
        }
        error_messages = {
            "name": {"required": "Enter a name for the backup set."},
            "covers": {"required": "Enter what the backup covers."},
            "medium": {
                "required": "Choose the medium: tape, disk, or a cloud / off-site service.",
                "invalid_choice": "Choose the medium: tape, disk, or a cloud / off-site service.",
            },
        }

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["medium"].choices = BackupSet.Medium.choices  # no empty radio
        # Places in school: tapes and disks never leave the site.
        places = Location.objects.filter(school=school, archived=False).exclude(
            kind=Location.Kind.OFF_SITE
        )
        if self.instance.location_id:
            places = places | Location.objects.filter(pk=self.instance.location_id)
        self.fields["location"].queryset = places
        media = Device.objects.filter(school=school, kind__in=Device.BACKUP_MEDIA).exclude(
            status=Device.Status.DISPOSED
        )
        if not media.exists():
            del self.fields["media"]  # none in the device register: nothing to choose
        else:
            self.fields["media"].queryset = media
        if self.instance.pk is None:
            del self.fields["active"]

    def _post_clean(self):
        self.instance.school = self.school
        super()._post_clean()


def _recent(day: dt.date, what: str) -> dt.date:
    if day > timezone.localdate():
        raise forms.ValidationError(f"The {what} cannot be in the future.")
    if day < dt.date(2000, 1, 1):
        raise forms.ValidationError("Enter a date after 1 January 2000.")
    return day


class RestoreTestForm(forms.ModelForm):
    class Meta:
        model = RestoreTest
        fields = ["tested_on", "restored", "result", "note"]
        widgets = {"tested_on": DateInput(), "result": forms.RadioSelect}
        labels = {"tested_on": "Date of the test", "note": "Notes"}
        help_texts = {
            "restored": "For example: the finance folder to a spare machine.",
            "note": "What went wrong, and what was done about it.",
        }
        error_messages = {
            "tested_on": {
                "required": "Enter the date of the test.",
                "invalid": "Enter a real date, like 2 March 2026.",
            },
            "restored": {"required": "Enter what was restored."},
            "result": {
                "required": "Choose the result of the test.",
                "invalid_choice": "Choose the result of the test.",
            },
        }

    def __init__(self, *args, backup_set: BackupSet, **kwargs):
        super().__init__(*args, **kwargs)
        self.backup_set = backup_set
        self.fields["result"].choices = RestoreTest.Result.choices

    def clean_tested_on(self):
        return _recent(self.cleaned_data["tested_on"], "test date")

    def _post_clean(self):
        self.instance.school = self.backup_set.school
        self.instance.backup_set = self.backup_set
        super()._post_clean()


RANGE = "Enter a number of days from 7 to 730."


class EquipmentSettingsForm(forms.ModelForm):
    """The restore-test period (the location-check period has its own page, location-settings)."""

    class Meta:
        model = EquipmentSettings
        fields = ["restore_test_days"]
        labels = {"restore_test_days": "Restore test period (days)"}
        error_messages = {
            "restore_test_days": {
                "required": RANGE,
                "invalid": RANGE,
                "min_value": RANGE,
                "max_value": RANGE,
            }
        }
