"""Forms of the systems register, its accounts, password attestations and the transfers log."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from bastion.core.forms import DateInput
from bastion.core.models import Membership
from bastion.people.models import Person
from bastion.systems import services
from bastion.systems.models import Kind, LawfulBasis, RecipientKind, System, Transfer

DATE_INVALID = "Enter a real date, like 3 March 2025."


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name}, {obj.job_title}" if obj.job_title else obj.full_name


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name}, {obj.job_title}" if obj.job_title else obj.full_name


class SystemFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Kind.choices])
    problem = forms.ChoiceField(
        required=False,
        label="Needs attention",
        choices=[
            ("", "Any"),
            ("shared", "Shared logins on a system with personal data (P9)"),
            ("rules", "No password rules recorded (P10)"),
            ("period", "MIS or login admin site changed less than twice a year (P11)"),
            ("process", "No owner or no provisioning process (P13)"),
        ],
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "In use"), ("archived", "Archived"), ("all", "All")],
    )


class SystemForm(forms.ModelForm):
    password_change_months = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=24,
        initial=6,
        label="Password change period (months)",
        help_text=System._meta.get_field("password_change_months").help_text,
        error_messages={
            "invalid": "Enter the period as a whole number of months, or leave it empty.",
            "min_value": "The period must be between 1 and 24 months, or empty.",
            "max_value": "The period must be between 1 and 24 months, or empty.",
        },
    )
    approved_for = forms.MultipleChoiceField(
        required=False,
        label="Approved for sending personal data to",
        choices=RecipientKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The kinds of recipient this system is an approved channel for (P8). Leave "
        "all unticked if personal data must not be sent out through it.",
    )

    class Meta:
        model = System
        fields = list(services.SYSTEM_FIELDS)
        field_classes = {"owner": PersonChoice}
        widgets = {"provisioning": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "description": "What it is used for (optional)",
            "owner": "Owner",
            "holds_personal_data": "It holds personal data",
            "personal_accounts": "Every user has a personal account (no shared logins)",
            "mfa_enforced": "Two-factor authentication is enforced",
            "password_rules": "Password rules",
            "provisioning": "How accounts are created and removed (provisioning process)",
        }
        help_texts = {
            "owner": "The person who answers for the system and approves its accounts.",
            "password_rules": "For example: at least 12 characters, checked against common "
            "passwords; locked after 5 failed attempts.",
        }
        error_messages = {
            "name": {"required": "Enter the system's name."},
        }

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        keep = self.instance.owner_id
        people = services.staff_people(school) | Person.objects.filter(school=school, pk=keep)
        self.fields["owner"].queryset = people.order_by("last_name", "first_name", "pk")
        self.fields["owner"].empty_label = "Not recorded"
        self.fields["owner"].required = False
        self.fields["approved_for"].initial = list(self.instance.approved_for or [])

    def _post_clean(self):
        # The rules (a unique name, approvals) are the service's: it reports them on the fields.
        pass


class AccountsAddForm(forms.Form):
    people = PeopleChoice(
        queryset=None,
        label="Who holds an account",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one person."},
    )
    since = forms.DateField(
        required=False,
        label="Accounts held since (optional)",
        widget=DateInput(),
        help_text="Leave empty if not known. A password change cannot be attested before it.",
        error_messages={"invalid": DATE_INVALID},
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = people

    def clean_since(self):
        day = self.cleaned_data.get("since")
        if day and day > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        return day


class PersonAccountForm(forms.Form):
    system = forms.ModelChoiceField(
        queryset=None,
        label="System",
        error_messages={"required": "Choose the system."},
    )
    since = AccountsAddForm.base_fields["since"]

    def __init__(self, *args, systems, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = systems
        self.fields["system"].empty_label = "Choose a system"

    clean_since = AccountsAddForm.clean_since


class AccountImportForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="CSV (UTF-8) or Excel .xlsx, up to 1 MB.",
        error_messages={"required": "Choose the file.", "empty": "The file is empty."},
    )


class AttestForm(forms.Form):
    changed_on = forms.DateField(
        label="Date you changed it",
        widget=DateInput(),
        error_messages={"required": "Enter the date you changed it.", "invalid": DATE_INVALID},
    )
    confirm = forms.BooleanField(
        label="I changed my password for this system on this date, to one I use nowhere else",
        error_messages={"required": "Confirm that you changed your password."},
    )


class TransferFilterForm(forms.Form):
    flagged = forms.ChoiceField(
        required=False,
        label="Channel",
        choices=[("", "Any"), ("1", "Not approved for the recipient")],
    )
    recipient_kind = forms.ChoiceField(
        required=False, label="Kind of recipient", choices=[("", "Any"), *RecipientKind.choices]
    )


class SenderChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class TransferForm(forms.ModelForm):
    class Meta:
        model = Transfer
        fields = [
            "sent_on",
            "what",
            "recipient",
            "recipient_kind",
            "channel",
            "lawful_basis",
            "sent_by",
            "notes",
        ]
        field_classes = {"sent_by": SenderChoice}
        widgets = {"sent_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "what": "What was sent",
            "recipient": "Recipient organisation",
            "channel": "Sent through",
            "notes": "Notes (optional)",
        }
        help_texts = {
            "what": "For example: CTF file, report on a child. Describe it; do not name the child.",
            "recipient": "For example: Northbridge Children's Services, Hillside Primary.",
            "channel": "The system used to send it.",
        }
        error_messages = {
            "sent_on": {"required": "Enter the date it was sent.", "invalid": DATE_INVALID},
            "what": {"required": "Say what was sent."},
            "recipient": {"required": "Enter the recipient organisation."},
            "recipient_kind": {"required": "Choose the kind of recipient."},
            "channel": {"required": "Choose the system it was sent through."},
            "lawful_basis": {"required": "Choose the lawful basis."},
        }

    def __init__(self, *args, school, user, for_others: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lawful_basis"].choices = [("", "Choose"), *LawfulBasis.choices]
        self.fields["recipient_kind"].choices = [("", "Choose"), *RecipientKind.choices]
        self.fields["channel"].queryset = System.objects.filter(school=school, archived=False)
        self.fields["channel"].empty_label = "Choose a system"
        if for_others:
            members = Membership.objects.active().filter(school=school).values("user")
            users = get_user_model().objects.filter(pk__in=members)
            self.fields["sent_by"].queryset = users.order_by("last_name", "first_name", "email")
            self.fields["sent_by"].empty_label = None
            self.fields["sent_by"].required = False  # the service defaults it to the user
            self.fields["sent_by"].help_text = "Who sent it (you, unless you record it for them)."
        else:
            del self.fields["sent_by"]

    def _post_clean(self):
        # The service checks the rules and flags the channel.
        pass
