"""not_applicable(): the rows a school has ruled out, for the controls dashboard."""

from __future__ import annotations

import pytest

from bastion.policy.models import Statement
from bastion.policy.selectors import not_applicable
from bastion.policy.services import policy_for

pytestmark = pytest.mark.django_db


def _rule_out(policy, code, reason):
    Statement.objects.filter(policy=policy, code=code).update(applicable=False, reason=reason)


def test_a_row_is_not_applicable_only_when_every_statement_of_it_is(school, other_school, policy):
    theirs = policy_for(other_school)
    _rule_out(policy, "T12", "No tapes.")
    # P7 has two statements: ruling out one leaves the row applicable.
    first = Statement.objects.filter(policy=policy, code="P7").first()
    Statement.objects.filter(pk=first.pk).update(applicable=False, reason="Filtering by the LA.")
    _rule_out(theirs, "P7", "Not ours.")
    found = not_applicable([school, other_school])
    assert found == {school.pk: {"T12": "No tapes."}, other_school.pk: {"P7": "Not ours."}}


def test_a_schools_own_statement_keeps_its_row_applicable(school, policy):
    _rule_out(policy, "T16", "We shred off site.")
    assert not_applicable([school]) == {school.pk: {"T16": "We shred off site."}}
    Statement.objects.create(
        school=school, policy=policy, section=policy.sections.last(), code="T16", text="Own."
    )
    assert not_applicable([school]) == {school.pk: {}}


def test_schools_without_a_policy_and_ids_are_accepted(school, other_school):
    assert not_applicable([school.pk, other_school]) == {school.pk: {}, other_school.pk: {}}
    assert not_applicable([]) == {}


def test_one_query_for_any_number_of_schools(
    school, other_school, policy, django_assert_num_queries
):
    policy_for(other_school)
    with django_assert_num_queries(1):
        not_applicable([school, other_school])
