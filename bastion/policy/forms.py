from __future__ import annotations

from django import forms

from bastion.lib.dates import long_date
from bastion.policy import facts
from bastion.policy.models import CODE_CHOICES

TEXT_HELP = (
    "Markdown: a blank line starts a new paragraph, lines starting with “- ” make a list, "
    "**bold**. Live facts in double braces are filled in from the registers, e.g. "
    "{{ school_name }} or {{ remote_access }}."
)


class StatementForm(forms.Form):
    section = forms.TypedChoiceField(label="Section", coerce=int)
    code = forms.ChoiceField(
        label="Policy row",
        required=False,
        choices=[("", "None: a statement of our own"), *CODE_CHOICES],
        help_text="Tie the statement to a row of the policy, so the controls dashboard counts it.",
    )
    text = forms.CharField(
        label="Wording",
        max_length=4000,
        widget=forms.Textarea,
        help_text=TEXT_HELP,
        error_messages={"required": "Enter the statement's wording."},
    )

    def __init__(self, *args, sections, own: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [(s.pk, s.title) for s in sections]
        if not own:
            del self.fields["code"]

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        facts.check(text)
        return text


class ApplicabilityForm(forms.Form):
    applicable = forms.TypedChoiceField(
        label="Does this statement apply at your school?",
        choices=[("yes", "Yes, it applies"), ("no", "No, it does not apply")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the statement applies."},
    )
    reason = forms.CharField(
        label="Why it does not apply",
        max_length=500,
        required=False,
        widget=forms.Textarea,
        help_text="Shown in the policy beside the statement, e.g. “We have no servers on site”.",
    )

    def clean(self):
        data = super().clean()
        if data.get("applicable") is False and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the statement does not apply.")
        return data


class SignOffForm(forms.Form):
    confirm_name = forms.CharField(
        label="Type your full name to sign off the review",
        max_length=200,
        error_messages={"required": "Type your name to sign off."},
    )


class CompareForm(forms.Form):
    a = forms.ChoiceField(label="Compare")
    b = forms.ChoiceField(label="with")

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("current", "The current policy")] + [
            (str(v.pk), f"Version {v.number}, signed off {long_date(v.review_date)}")
            for v in versions
            if v.is_signed_off
        ]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices
