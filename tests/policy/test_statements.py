"""Editing the policy's statements through the pages: wording, own statements, order, not
applicable; each audited, each refused cleanly when the input is bad."""

from __future__ import annotations

import pytest

from bastion.core.models import AuditEvent
from bastion.policy.models import Statement

pytestmark = pytest.mark.django_db


def _url(school, what="", pk=None):
    base = f"/s/{school.slug}/policy/"
    if pk is not None:
        return f"{base}statements/{pk}/{what}/"
    return base + what


def _get(policy, code):
    return Statement.objects.filter(policy=policy, code=code).order_by("position").first()


def test_the_dpo_edits_a_statements_wording(client_for, dpo, school, policy):
    statement = _get(policy, "T16")
    response = client_for(dpo).post(
        _url(school, "edit", statement.pk),
        {
            "section": statement.section_id,
            "text": "We shred paper with a **P-4** cross-cut shredder.",
        },
    )
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.text == "We shred paper with a **P-4** cross-cut shredder."
    assert statement.code == "T16"  # a template statement keeps its row
    event = AuditEvent.objects.get(action="policy.statement_changed")
    assert event.changes["text"][1] == statement.text
    page = client_for(dpo).get(_url(school)).content.decode()
    assert "We shred paper with a <strong>P-4</strong> cross-cut shredder." in page


def test_an_unknown_fact_is_refused_and_the_typing_is_kept(client_for, siro, school, policy):
    statement = _get(policy, "T4")
    before = statement.text
    typed = "We use {{ vpn }} & {{ request }} here."
    response = client_for(siro).post(
        _url(school, "edit", statement.pk), {"section": statement.section_id, "text": typed}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Unknown live facts: {{ vpn }}, {{ request }}" in page
    assert "{{ school_name }}" in page
    assert "We use {{ vpn }} &amp; {{ request }} here." in page
    statement.refresh_from_db()
    assert statement.text == before
    assert not AuditEvent.objects.filter(action="policy.statement_changed").exists()


def test_an_empty_statement_is_refused(client_for, siro, school, policy):
    statement = _get(policy, "T4")
    response = client_for(siro).post(
        _url(school, "edit", statement.pk), {"section": statement.section_id, "text": "   "}
    )
    assert "Enter the statement&#x27;s wording." in response.content.decode()


def test_the_school_adds_its_own_statement_with_a_row(client_for, siro, school, policy):
    technical = policy.sections.get(title="Technical or manual solutions")
    response = client_for(siro).post(
        _url(school, "statements/add/"),
        {"section": technical.pk, "code": "T3", "text": "Flash drives are checked each term."},
    )
    assert response.status_code == 302
    added = Statement.objects.get(text="Flash drives are checked each term.")
    assert (added.code, added.section, added.is_own) == ("T3", technical, True)
    assert added.position == technical.statements.count() - 1
    assert AuditEvent.objects.filter(action="policy.statement_added").exists()


def test_a_section_of_another_policy_is_refused(
    client_for, siro, outsider, school, other_school, policy
):
    from bastion.policy.services import policy_for

    theirs = policy_for(other_school).sections.first()
    response = client_for(siro).post(
        _url(school, "statements/add/"), {"section": theirs.pk, "text": "Sneaky."}
    )
    assert response.status_code == 200
    assert not Statement.objects.filter(text="Sneaky.").exists()


def test_statements_move_up_and_down_within_their_section(client_for, siro, school, policy):
    strategic = policy.sections.get(position=0)
    first, second = list(strategic.statements.order_by("position"))[:2]
    client = client_for(siro)
    client.post(_url(school, "move", second.pk), {"direction": "up"})
    order = list(strategic.statements.order_by("position").values_list("pk", flat=True))
    assert order[:2] == [second.pk, first.pk]
    client.post(_url(school, "move", second.pk), {"direction": "down"})
    order = list(strategic.statements.order_by("position").values_list("pk", flat=True))
    assert order[:2] == [first.pk, second.pk]
    assert AuditEvent.objects.filter(action="policy.statement_moved").count() == 2
    assert client.post(_url(school, "move", first.pk), {"direction": "sideways"}).status_code == 302
    assert client.get(_url(school, "move", first.pk)).status_code == 405


def test_a_statement_is_marked_not_applicable_with_a_reason(client_for, siro, school, policy):
    statement = _get(policy, "T12")
    client = client_for(siro)
    refused = client.post(_url(school, "applies", statement.pk), {"applicable": "no", "reason": ""})
    assert "Say why the statement does not apply." in refused.content.decode()
    client.post(
        _url(school, "applies", statement.pk),
        {"applicable": "no", "reason": "No tapes: cloud only."},
    )
    statement.refresh_from_db()
    assert (statement.applicable, statement.reason) == (False, "No tapes: cloud only.")
    page = client.get(_url(school)).content.decode()
    assert "Not applicable at this school: No tapes: cloud only." in page
    client.post(_url(school, "applies", statement.pk), {"applicable": "yes", "reason": "ignored"})
    statement.refresh_from_db()
    assert (statement.applicable, statement.reason) == (True, "")


def test_only_the_schools_own_statements_can_be_removed(client_for, siro, school, policy):
    client = client_for(siro)
    template_statement = _get(policy, "T16")
    client.post(_url(school, "remove", template_statement.pk))
    assert Statement.objects.filter(pk=template_statement.pk).exists()
    own = Statement.objects.create(
        school=school, policy=policy, section=template_statement.section, text="Ours."
    )
    client.post(_url(school, "remove", own.pk))
    assert not Statement.objects.filter(pk=own.pk).exists()
    assert AuditEvent.objects.filter(action="policy.statement_removed").count() == 1


@pytest.mark.parametrize("persona", ["it_lead", "office", "staff", "governor"])
def test_only_the_siro_and_dpo_edit(persona, request, client_for, school, policy):
    user = request.getfixturevalue(persona)
    statement = _get(policy, "T16")
    client = client_for(user)
    assert client.get(_url(school, "edit", statement.pk)).status_code == 403
    assert client.post(_url(school, "edit", statement.pk), {"text": "x"}).status_code == 403
    assert client.post(_url(school, "move", statement.pk), {"direction": "up"}).status_code == 403
    assert client.post(_url(school, "review/start/")).status_code == 403
    statement.refresh_from_db()
    assert statement.text != "x"
