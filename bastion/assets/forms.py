"""Forms of the information asset register: filters, add and edit, export, import."""

from __future__ import annotations

from django import forms

from bastion.assets import rules, services
from bastion.assets.columns import COLUMNS
from bastion.assets.models import InformationAsset, Risk, SpecialCategory, Subject
from bastion.core.forms import DateInput
from bastion.equipment.models import Location
from bastion.lib.forms import file_password_field
from bastion.people.import_files import MAX_BYTES
from bastion.people.models import Kind, Person
from bastion.systems.models import System

DATE_INVALID = "Enter a real date, like 3 March 2025."


class FilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Name or reference")
    owner = forms.ChoiceField(required=False, label="Owner")
    risk = forms.ChoiceField(required=False, choices=[("", "Any risk"), *Risk.choices])
    flag = forms.ChoiceField(
        required=False,
        label="Flags",
        choices=[
            ("", "Any"),
            ("any", "Flagged"),
            *((flag.key, flag.label) for flag in rules.FLAGS),
            ("archived", "Archived assets"),
        ],
    )

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", "Anyone"),
            ("none", "No owner"),
            *((str(pk), name) for pk, name in owners),
        ]


SECTIONS = (
    ("The asset", ("name", "description", "owner", "data_subjects", "personal_data", "source")),
    ("Special category data", ("special_category", "special_categories", "article9_condition")),
    ("Lawful basis", ("lawful_basis",)),
    (
        "Where it is held",
        ("system", "location", "held_elsewhere", "secure_area", "format", "access", "security"),
    ),
    ("Sharing", ("shared_with", "transfers_abroad")),
    (
        "Retention",
        (
            "retention_years",
            "retention_from",
            "retention_note",
            "held_until",
            "weeded_on",
            "disposal",
        ),
    ),
    ("Risk and review", ("risk", "dpia_needed", "dpia_done_on", "last_reviewed_on")),
)


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name}, {obj.job_title}" if obj.job_title else obj.full_name


class AssetForm(forms.ModelForm):
    data_subjects = forms.MultipleChoiceField(
        label="Whose data it is",
        choices=Subject.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    special_categories = forms.MultipleChoiceField(
        label="Which special categories (optional)",
        choices=SpecialCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = InformationAsset
        fields = list(services.FIELDS)
        field_classes = {"owner": PersonChoice}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "personal_data": forms.Textarea(attrs={"rows": 3}),
            "access": forms.Textarea(attrs={"rows": 2}),
            "shared_with": forms.Textarea(attrs={"rows": 2}),
            "security": forms.Textarea(attrs={"rows": 2}),
            "format": forms.RadioSelect,
            "risk": forms.RadioSelect,
            "held_until": DateInput(),
            "weeded_on": DateInput(),
            "dpia_done_on": DateInput(),
            "last_reviewed_on": DateInput(),
        }
        labels = {
            "name": "Name",
            "description": "What it is and why the school holds it",
            "owner": "Information asset owner",
            "personal_data": "Categories of personal data",
            "special_category": "It holds special category data",
            "source": "Where the data comes from (optional)",
            "system": "Held in a system",
            "location": "Kept in a place",
            "held_elsewhere": "Held elsewhere (optional)",
            "secure_area": "Held in a secure area",
            "access": "Who has access",
            "shared_with": "Who it is shared with (optional)",
            "transfers_abroad": "Transfers outside the UK (optional)",
            "security": "Security measures (optional)",
            "retention_years": "Retention period in years (optional)",
            "retention_from": "Counted from",
            "retention_note": "Retention, in words (optional)",
            "held_until": "Held until (optional)",
            "weeded_on": "Records past their period last removed (optional)",
            "disposal": "Disposal method",
            "risk": "Risk",
            "dpia_needed": "It needs a data protection impact assessment (DPIA)",
            "dpia_done_on": "DPIA done on (optional)",
            "last_reviewed_on": "Last reviewed (optional)",
        }
        help_texts = {
            "personal_data": "For example names, addresses, dates of birth, attendance.",
            "article9_condition": "Needed when it holds special category data.",
            "held_elsewhere": "Anything not in the registers, such as “class teachers' planners”.",
            "secure_area": "A restricted network area or system with personal accounts, or "
            "lockable storage in a lockable room (T1).",
            "transfers_abroad": "Where to and under which safeguard; leave empty if none.",
            "retention_note": "As the retention schedule says, e.g. “date of birth + 25 years”.",
            "held_until": "For a collection kept as a whole: the date it must be disposed of.",
            "weeded_on": "For a collection whose records each have a period: weed it yearly.",
        }
        error_messages = {
            "name": {"required": "Enter the asset's name."},
            "held_until": {"invalid": DATE_INVALID},
            "weeded_on": {"invalid": DATE_INVALID},
            "dpia_done_on": {"invalid": DATE_INVALID},
            "last_reviewed_on": {"invalid": DATE_INVALID},
            "retention_years": {"invalid": "Enter a whole number of years, like 6."},
        }

    def __init__(self, *args, school, owner_fixed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        keep = self.instance.owner_id
        staff = Person.objects.filter(school=school, kind=Kind.STAFF).current()
        owners = staff | Person.objects.filter(school=school, pk=keep)
        self.fields["owner"].queryset = owners.order_by("last_name", "first_name", "pk")
        self.fields["owner"].empty_label = "Nobody yet"
        if owner_fixed:  # an owner maintains their asset; the keepers of the register re-assign
            self.fields["owner"].disabled = True
            self.fields["owner"].help_text = "Ask the DPO to give the asset to someone else."
        for name, model in (("system", System), ("location", Location)):
            keep = getattr(self.instance, f"{name}_id")
            rows = model.objects.filter(school=school)
            self.fields[name].queryset = rows.filter(archived=False) | rows.filter(pk=keep)
            self.fields[name].empty_label = "None"
        self.fields["article9_condition"].choices = [
            ("", "None chosen"),
            *self.fields["article9_condition"].choices[1:],
        ]
        self.fields["lawful_basis"].choices = [
            ("", "Not recorded"),
            *self.fields["lawful_basis"].choices[1:],
        ]
        self.fields["retention_from"].choices = [
            ("", "—"),
            *self.fields["retention_from"].choices[1:],
        ]
        self.fields["disposal"].choices = [
            ("", "Not recorded"),
            *self.fields["disposal"].choices[1:],
        ]

    def sections(self):
        """The fields in groups, each under a heading, for the page."""
        return [(title, [self[name] for name in names]) for title, names in SECTIONS]

    def _post_clean(self):
        # The rules (dates, special category) are the service's: it reports them on the fields.
        pass


class ExportForm(forms.Form):
    password = file_password_field(
        "A protected file cannot be imported back until it is saved without the password."
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text=f"Excel .xlsx or CSV (UTF-8), up to {MAX_BYTES // 1048576} MB.",
        error_messages={"required": "Choose the spreadsheet to import."},
    )


class MappingForm(forms.Form):
    def __init__(self, *args, headers: list[str], mapping: dict, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "(not in this file)")] + [(h, h) for h in headers if h]
        for c in COLUMNS:
            self.fields[f"col_{c.name}"] = forms.ChoiceField(
                label=c.header + ("" if c.required else " (optional)"),
                choices=choices,
                required=c.required,
                initial=mapping.get(c.name, ""),
                error_messages={
                    "required": f"Choose the column that holds {c.header.lower()}.",
                    "invalid_choice": "Choose one of the file's columns.",
                },
            )

    def clean(self):
        data = super().clean()
        used: dict[str, str] = {}
        for c in COLUMNS:
            column = data.get(f"col_{c.name}")
            if not column:
                continue
            if column in used:
                self.add_error(
                    f"col_{c.name}",
                    f"“{column}” is already chosen for {used[column]}: choose one column for each.",
                )
            else:
                used[column] = c.header
        return data

    def mapping(self) -> dict:
        return {k[4:]: v for k, v in self.cleaned_data.items() if k.startswith("col_") and v}
