"""The incident forms: the report any member of staff sends, and the DPO's decisions."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from bastion.core.forms import DateInput
from bastion.equipment.models import Device
from bastion.incidents.models import Action, Kind, Level

TEXT_MAX = 5000
# Before this, a date is a typing slip (the register starts long after).
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# A phone's clock a little ahead of the server's is not "in the future".
CLOCK_SKEW = dt.timedelta(minutes=5)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _text(label: str, *, required: bool = True, help_text: str = "", what: str = "") -> forms.Field:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=TEXT_MAX,
        widget=forms.Textarea,
        error_messages={
            "required": f"Enter {what or label.lower().rstrip('?')}.",
            "max_length": f"Keep this under {TEXT_MAX:,} characters: put the rest in a later note.",
        },
    )


def _when(
    label: str, *, required: bool = True, help_text: str = "", what: str = ""
) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateTimeInput(),
        error_messages={
            "required": f"Enter {what or label.lower().rstrip('?')}.",
            "invalid": "Enter a real date and time, like 2 March 2026 09:30.",
        },
    )


def _plausible(form: forms.Form, name: str, what: str) -> None:
    value = form.cleaned_data.get(name)
    if value is None:
        return
    if value > timezone.now() + CLOCK_SKEW:
        form.add_error(name, f"The {what} cannot be in the future.")
    elif value < EARLIEST:
        form.add_error(name, f"Enter the real date of the {what}, like 2 March 2026.")


def _need(form: forms.Form, name: str, message: str) -> None:
    """`name` is required for the answer given: an empty (or blank) value is an error."""
    value = form.cleaned_data.get(name)
    if (value is None or str(value).strip() == "") and not form.has_error(name):
        form.add_error(name, message)


def _max_chars(n: int) -> dict:
    return {"max_length": f"Keep this to {n} characters or fewer."}


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of incident is it?",
        choices=Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the kind of incident.",
            "invalid_choice": "Choose the kind of incident.",
        },
    )
    what_happened = _text(
        "What happened?",
        help_text="In your own words. Say if you are not sure: report it anyway.",
        what="what happened",
    )
    happened_at = _when(
        "When did it happen?", required=False, help_text="Leave empty if you do not know."
    )
    discovered_at = _when("When was it discovered?", what="when it was discovered")
    device = forms.ModelChoiceField(
        label="Which device? (if one was involved)",
        queryset=Device.objects.none(),
        required=False,
        empty_label="No device, or not in the list",
        error_messages={"invalid_choice": "Choose one of the school's devices, or none."},
    )
    system_or_asset = forms.CharField(
        label="Which system or information? (if any)",
        required=False,
        max_length=200,
        help_text="For example the MIS, a shared drive, class lists, a paper file.",
        error_messages=_max_chars(200),
    )
    personal_data = _text(
        "What personal data is involved?",
        required=False,
        help_text="For example names and addresses, assessment results, medical notes.",
    )
    people_affected = forms.IntegerField(
        label="Roughly how many people are affected?",
        required=False,
        min_value=0,
        max_value=10_000_000,
        error_messages={
            "invalid": "Enter a number, like 30, or leave it empty.",
            "min_value": "Enter a number of people, 0 or more.",
            "max_value": "Enter a number of people under 10 million.",
        },
    )
    children_data = forms.BooleanField(label="Children's data is involved", required=False)
    special_category = forms.BooleanField(
        label="Special category data is involved",
        required=False,
        help_text="Health (including medical needs), ethnicity, religion, biometrics, sex life or "
        "sexual orientation, political opinions, trade union membership.",
    )
    done_already = _text("What has been done already?", required=False)
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, strip=True)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["device"].queryset = devices_for(school)

    def clean_submission_key(self):
        # A missing or mangled key (an old page, a hand-made request) gets a fresh one.
        try:
            return uuid.UUID(self.cleaned_data.get("submission_key", "")[:36])
        except ValueError:
            return uuid.uuid4()

    def clean(self):
        data = super().clean()
        _plausible(self, "happened_at", "time it happened")
        _plausible(self, "discovered_at", "time it was discovered")
        happened, discovered = data.get("happened_at"), data.get("discovered_at")
        if (
            happened
            and discovered
            and discovered < happened
            and not self.has_error("discovered_at")
        ):
            self.add_error("discovered_at", "It cannot have been discovered before it happened.")
        return data

    def report_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "submission_key"}


def devices_for(school):
    return (
        Device.objects.filter(school=school)
        .exclude(status=Device.Status.DISPOSED)
        .only("kind", "make", "model", "asset_tag")
    )


class AssessForm(forms.Form):
    likelihood = forms.ChoiceField(
        label="How likely is harm to the people affected?",
        choices=Level.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how likely harm is."},
    )
    severity = forms.ChoiceField(
        label="How severe would the harm be?",
        choices=Level.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how severe the harm would be."},
    )
    risk_reasoning = _text(
        "Your reasoning",
        help_text="What could happen to people, and why you judge it so.",
        what="the reasoning for the assessment",
    )
    aware_at = _when(
        "When did the school become aware?",
        what="when the school became aware",
        help_text="The 72 hours to tell the ICO run from here. Correct it if the report was late.",
    )

    def clean(self):
        data = super().clean()
        _plausible(self, "aware_at", "time the school became aware")
        return data


class IcoForm(forms.Form):
    NOTIFIED, WILL_NOTIFY, NOT_NOTIFIABLE = "notified", "will_notify", "not_notifiable"
    decision = forms.ChoiceField(
        label="Does the ICO need to be told?",
        choices=[
            (NOTIFIED, "Yes, and it has been told"),
            (WILL_NOTIFY, "Yes, it is still to be told (the clock keeps running)"),
            (NOT_NOTIFIABLE, "No, it is not likely to result in a risk to people"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the ICO needs to be told."},
    )
    ico_reference = forms.CharField(
        label="The ICO's reference",
        required=False,
        max_length=40,
        help_text="If it has been told.",
        error_messages=_max_chars(40),
    )
    ico_notified_at = _when(
        "When was the ICO told?", required=False, help_text="If it has been told."
    )
    late_reason = _text(
        "Reason for the delay",
        required=False,
        help_text="Needed when the ICO was told more than 72 hours after the school became aware.",
    )
    not_notifiable_reason = _text(
        "Why it does not need to be reported",
        required=False,
        help_text="If it is not notifiable.",
    )

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == self.NOTIFIED:
            _need(self, "ico_reference", "Enter the reference the ICO gave.")
            _need(self, "ico_notified_at", "Enter when the ICO was told.")
            _plausible(self, "ico_notified_at", "time the ICO was told")
            told = data.get("ico_notified_at")
            if told and told > self.incident.ico_deadline:
                _need(
                    self,
                    "late_reason",
                    "The ICO was told after the 72 hours: give the reason for the delay.",
                )
        elif decision == self.NOT_NOTIFIABLE:
            _need(self, "not_notifiable_reason", "Say why it does not need to be reported.")
        return data


class TellForm(forms.Form):
    decision = forms.TypedChoiceField(
        label="Are the people affected being told?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the people affected are being told."},
    )
    people_told_on = forms.DateField(
        label="When were they told?",
        required=False,
        widget=DateInput(),
        error_messages={"invalid": "Enter a real date, like 3 March 2026."},
    )
    people_told_how = forms.CharField(
        label="How were they told?",
        required=False,
        max_length=200,
        help_text="For example a letter home, a phone call, a meeting.",
        error_messages=_max_chars(200),
    )
    not_telling_reason = _text(
        "Why not?",
        required=False,
        help_text="For example: the data was encrypted, or the risk has been removed.",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") is True:
            _need(self, "people_told_on", "Enter when they were told.")
            _need(self, "people_told_how", "Say how they were told.")
        elif data.get("decision") is False:
            _need(self, "not_telling_reason", "Say why the people affected are not told.")
        told_on = data.get("people_told_on")
        if told_on and told_on > timezone.localdate():
            self.add_error("people_told_on", "Record it once they have been told.")
        elif told_on and told_on < EARLIEST.date():
            self.add_error("people_told_on", "Enter the real date, like 3 March 2026.")
        return data


class CloseForm(forms.Form):
    cause = _text("What caused it?", what="the cause")
    lessons = _text("Lessons learned", what="the lessons learned")


class ActionForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of action",
        choices=Action.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of action."},
    )
    description = forms.CharField(
        label="What needs doing?",
        max_length=300,
        error_messages={"required": "Say what needs doing.", **_max_chars(300)},
    )
    owner = forms.ModelChoiceField(
        label="Who owns it?",
        queryset=get_user_model().objects.none(),
        error_messages={
            "required": "Choose who owns the action.",
            "invalid_choice": "Choose a member of the school.",
        },
    )
    due_on = forms.DateField(
        label="Due by",
        widget=DateInput(),
        error_messages={
            "required": "Enter when it is due.",
            "invalid": "Enter a real date, like 9 March 2026.",
        },
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        owners = (
            get_user_model()
            .objects.filter(memberships__school=school, memberships__active=True, is_active=True)
            .order_by("last_name", "first_name", "email")
        )
        self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda u: f"{u} ({u.email})"

    def clean_due_on(self):
        due = self.cleaned_data["due_on"]
        today = timezone.localdate()
        if due < today:
            raise forms.ValidationError("The due date cannot be in the past.")
        if due > today + dt.timedelta(days=3 * 366):
            raise forms.ValidationError("Enter a due date within the next three years.")
        return due
