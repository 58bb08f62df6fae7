"""Forms for disposal contractors, disposal batches, certificates and the evidence export."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone

from bastion.core import files
from bastion.core.forms import DateInput
from bastion.equipment import disposal
from bastion.equipment.models import Contractor, Device, DisposalBatch
from bastion.lib.forms import file_password_field

# Before this, a collection date is a typing slip.
EARLIEST = dt.date(2000, 1, 1)


class ContractorForm(forms.ModelForm):
    class Meta:
        model = Contractor
        fields = list(disposal.CONTRACTOR_FIELDS)
        labels = {
            "name": "Company name",
            "waste_carrier_registration": "Waste carrier registration number",
            "weee_permit": "WEEE permit or exemption (optional)",
            "contact": "Contact (optional)",
            "approved": "Approved for disposals",
        }
        help_texts = {
            "waste_carrier_registration": (
                "From the public register of waste carriers, like CBDU123456."
            ),
            "weee_permit": "The environmental permit or exemption for treating the equipment.",
            "contact": "Who to call, a phone number or an e-mail address.",
            "approved": (
                "Untick to stop new disposals using this company. Past disposals keep it."
            ),
        }
        error_messages = {
            "name": {"required": "Enter the company's name."},
            "waste_carrier_registration": {
                "required": "Enter the waste carrier registration number: only a registered "
                "carrier may take the equipment away."
            },
        }

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        if self.instance.pk is None:
            self.fields["approved"].initial = True

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        same = Contractor.objects.filter(school=self.school, name__iexact=name)
        if self.instance.pk:
            same = same.exclude(pk=self.instance.pk)
        if same.exists():
            raise forms.ValidationError(f"{name} is already on the list of contractors.")
        return name

    def clean_waste_carrier_registration(self):
        return " ".join(self.cleaned_data["waste_carrier_registration"].split()).upper()

    def clean_weee_permit(self):
        return " ".join(self.cleaned_data["weee_permit"].split())


class DevicesField(forms.ModelMultipleChoiceField):
    """Devices of the school, checked against the disposal rules after the form is read."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Device.objects.none(),
            label="Devices",
            help_text=(
                "A device that held data needs its certificate of secure deletion before the "
                "disposal can be completed. A device on loan must be returned first."
            ),
            error_messages={
                "required": "Choose at least one device.",
                "invalid_choice": "Choose devices from the list.",
                "invalid_pk_value": "Choose devices from the list.",
            },
            **kwargs,
        )


class BatchForm(forms.Form):
    contractor = forms.ModelChoiceField(
        queryset=Contractor.objects.none(),
        label="Contractor",
        empty_label="Choose an approved contractor",
        error_messages={
            "required": "Choose the contractor who collects the devices.",
            "invalid_choice": "Choose one of the approved contractors.",
        },
    )
    collected_on = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Collection date",
        help_text="The day the contractor collects the devices. Needed to complete the disposal.",
        error_messages={"invalid": "Enter a real date, like 3 March 2026."},
    )
    waste_transfer_note = forms.CharField(
        required=False,
        max_length=60,
        label="Waste transfer note reference",
        help_text="From the note the contractor gives you. Needed to complete the disposal.",
    )
    devices = DevicesField()

    def __init__(self, *args, school, batch: DisposalBatch | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.batch = batch
        # A contractor approved when the batch began stays choosable for that batch; completing
        # it still needs an approved one.
        current = Q(pk=batch.contractor_id) if batch is not None else Q(pk__in=[])
        self.fields["contractor"].queryset = Contractor.objects.filter(school=school).filter(
            Q(approved=True) | current
        )
        # Any of the school's devices is accepted here, so that one which cannot be disposed of
        # gets its reason; the boxes offered are the devices that can.
        field = self.fields["devices"]
        field.queryset = Device.objects.filter(school=school)
        offered = list(disposal.disposable_devices(school, batch))
        loans = disposal.open_loans(offered)
        field.widget.choices = [(d.pk, choice_label(d, loans.get(d.pk))) for d in offered]

    def clean_collected_on(self):
        day = self.cleaned_data["collected_on"]
        if day and day < EARLIEST:
            raise forms.ValidationError("Enter the real collection date, like 3 March 2026.")
        if day and day > timezone.localdate() + dt.timedelta(days=366):
            raise forms.ValidationError("The collection date is more than a year ahead.")
        return day

    def clean_waste_transfer_note(self):
        return " ".join(self.cleaned_data["waste_transfer_note"].split())

    def clean_devices(self):
        devices = self.cleaned_data["devices"]
        if problems := disposal.device_problems(devices, self.batch):
            raise forms.ValidationError(problems)
        return devices


def choice_label(device: Device, loan) -> str:
    facts = [device.get_kind_display()]
    if device.serial and device.asset_tag:
        facts.append(f"serial {device.serial}")
    facts.append("held data" if device.holds_personal_data else "no data")
    if loan is not None:
        facts.append(f"on loan to {loan.borrower}")
    elif device.status != Device.Status.AWAITING_DISPOSAL:
        facts.append(device.get_status_display().lower())
    return f"{disposal.device_label(device)}: {', '.join(facts)}"


class CertificateForm(forms.Form):
    certificate_number = forms.CharField(
        max_length=80,
        label="Certificate number",
        help_text="As printed on the contractor's certificate of secure deletion.",
        error_messages={"required": "Enter the certificate number."},
    )
    file = forms.FileField(
        required=False,
        label="Certificate file",
        help_text=f"A PDF, or a scan or photo as PNG or JPEG; up to {files.MAX_MB} MB.",
        error_messages={
            "required": "Choose the certificate file: a PDF, PNG or JPEG.",
            "empty": files.EMPTY,
            "invalid": "Choose the certificate file again.",
        },
    )

    def __init__(self, *args, has_file: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if has_file:
            self.fields["file"].label = "Replace the certificate file (optional)"
        else:
            self.fields["file"].required = True

    def clean_certificate_number(self):
        return " ".join(self.cleaned_data["certificate_number"].split())

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > files.MAX_BYTES:  # refused before it is read into memory
            raise forms.ValidationError(files.TOO_LARGE)
        return upload


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        choices=[("xlsx", "Excel (.xlsx)"), ("pdf", "PDF")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose Excel or PDF."},
    )
    password = file_password_field()
