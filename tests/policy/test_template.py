"""The default template covers every row of the policy, in the seed policy's two groups."""

from __future__ import annotations

from bastion.controls.catalogue import ROWS
from bastion.policy import facts, template
from bastion.policy.models import Statement


def test_every_row_of_the_policy_has_a_statement_in_the_template():
    codes = {s.code for section in template.SECTIONS for s in section.statements}
    assert codes == set(ROWS)


def test_the_template_groups_statements_like_the_seed_policy():
    assert [s.title for s in template.SECTIONS] == [
        "Strategic and operational practices",
        "Technical or manual solutions",
    ]
    assert {s.code[0] for s in template.STRATEGIC.statements} == {"P"}
    assert {s.code[0] for s in template.TECHNICAL.statements} == {"T"}


def test_template_statements_use_only_known_facts_and_have_unique_keys():
    keys = [s.key for section in template.SECTIONS for s in section.statements]
    assert len(keys) == len(set(keys))
    for section in template.SECTIONS:
        for statement in section.statements:
            facts.check(statement.text)


def test_a_new_policy_is_seeded_with_every_statement_carrying_its_row_code(policy, school):
    seeded = list(Statement.objects.filter(school=school))
    assert len(seeded) == sum(len(s.statements) for s in template.SECTIONS)
    assert {s.code for s in seeded} == set(ROWS)
    assert all(s.template_key and s.applicable for s in seeded)
