"""Live facts in statement text: a fixed set of keys filled by regex, nothing ever executed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from bastion.equipment.models import Contractor
from bastion.policy import document, facts
from bastion.policy.formats import to_markdown
from bastion.policy.models import Statement
from bastion.policy.services import statement_add, statement_update
from bastion.systems.models import Kind, System
from tests.policy.conftest import fill_registers

pytestmark = pytest.mark.django_db


def _statement(policy, code):
    return Statement.objects.filter(policy=policy, code=code).first()


def test_an_unknown_key_is_refused_with_the_list_of_known_ones():
    with pytest.raises(ValidationError) as refused:
        facts.check("We use {{ vpn_name }} at {{ school_name }}.")
    message = refused.value.messages[0]
    assert "Unknown live fact: {{ vpn_name }}" in message
    assert "{{ school_name }}" in message and "{{ disposal_contractors }}" in message


@pytest.mark.parametrize(
    "text", ["{{ request }}", "{{ request.user.password }}", "{{school_name.__class__}}"]
)
def test_saving_a_template_injection_is_refused_and_nothing_changes(text, school, siro, policy):
    statement = _statement(policy, "T16")
    before = statement.text
    with pytest.raises(ValidationError) as refused:
        statement_update(actor=siro, school=school, statement=statement, data={"text": text})
    assert "Unknown live fact" in str(refused.value)
    statement.refresh_from_db()
    assert statement.text == before


def test_template_syntax_and_format_fields_stay_inert_text(school, siro, policy):
    text = "Literal {% load static %} {% debug %} {0.__class__} {school_name} at {{ school_name }}."
    statement = statement_add(
        actor=siro,
        school=school,
        policy=policy,
        data={"section": policy.sections.first().pk, "text": text},
    )
    doc = document.build(policy)
    filled = doc.items()[statement.pk][1].text
    assert filled == (
        "Literal {% load static %} {% debug %} {0.__class__} {school_name} at Ashmole Primary."
    )


def test_an_unknown_key_already_stored_is_shown_as_typed_not_evaluated(school, policy):
    statement = _statement(policy, "T16")
    Statement.objects.filter(pk=statement.pk).update(
        text="{{ request }} and {{ settings.SECRET_KEY }}"
    )
    doc = document.build(policy)
    assert doc.items()[statement.pk][1].text == "{{ request }} and {{ settings.SECRET_KEY }}"


def test_fact_values_cannot_inject_markdown_or_html(school, policy):
    System.objects.create(school=school, name="<script>x</script> *VPN*", kind=Kind.REMOTE_ACCESS)
    text = facts.fill("We use {{ remote_access }}.", facts.gather(school))
    assert text == r"We use &lt;script>x&lt;/script> \*VPN\*."


def test_facts_come_from_the_registers(school, siro, dpo, policy):
    school.idle_lock_minutes = 7
    fill_registers(school)
    System.objects.create(
        school=school, name="Staff e-mail", kind=Kind.EMAIL, password_change_months=4
    )
    found = facts.gather(school)
    assert found["siro_name"] == "Hana Siro" and found["dpo_name"] == "Dev Dpo"
    assert found["idle_lock_minutes"] == "7"
    assert found["remote_access"] == "LGfL RAv3 / VPN"
    assert found["dfe_transfer"] == "DfE S2S"
    assert found["school_transfer"] == "DfE S2S and LGfL USO-FX2"
    assert found["account_provisioning"] == "LGfL AutoUpdate"
    assert found["otp_tokens"] == "LGfL OTP tag"
    assert found["password_change_period"] == "at least every 4 months"
    assert found["disposal_contractors"] == "an approved disposal company (Greenbox IT Recycling)"
    Contractor.objects.create(school=school, name="Alpha Recycling", waste_carrier_registration="X")
    assert facts.gather(school)["disposal_contractors"] == (
        "approved disposal companies (Alpha Recycling and Greenbox IT Recycling)"
    )


def test_without_registers_the_policy_uses_generic_words_and_no_braces_remain(school, policy):
    text = to_markdown(document.build(policy))
    assert "{{" not in text
    assert "We use a secure remote access service (VPN) with its two-factor" in text
    assert "We use the DfE's secure transfer site (S2S) to securely transfer CTF" in text
    assert "by using an approved disposal company for disposal of IT equipment" in text
    assert "other secure systems at least twice a year." in text
    assert "The Head Teacher, to be named, is" in text


def test_archived_and_disposed_things_are_not_quoted(school, policy):
    System.objects.create(school=school, name="Old VPN", kind=Kind.REMOTE_ACCESS, archived=True)
    Contractor.objects.create(
        school=school, name="Gone Ltd", waste_carrier_registration="X", approved=False
    )
    found = facts.gather(school)
    assert found["remote_access"] == facts.GENERIC["remote_access"]
    assert found["disposal_contractors"] == facts.GENERIC["disposal_contractors"]


def test_facts_take_a_fixed_number_of_queries(school, policy, django_assert_num_queries):
    fill_registers(school)
    with django_assert_num_queries(4):
        facts.gather(school)
    for n in range(10):
        System.objects.create(school=school, name=f"VPN {n}", kind=Kind.REMOTE_ACCESS)
    with django_assert_num_queries(4):
        facts.gather(school)
