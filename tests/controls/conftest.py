"""Helpers for the controls' tests: a computed part registered for one test only, a policy
statement marked not applicable."""

from __future__ import annotations

import pytest

from bastion.controls import registry
from bastion.controls.registry import Evidence

# The evaluators of the registers that this dashboard was built against. The other
# registers' evaluators are tested in their own apps and together in test_registry_all.py.
OWN_EVALUATORS = {
    "bastion.core.controls",
    "bastion.people.controls",
    "bastion.equipment.controls",
    "bastion.incidents.controls",
}


@pytest.fixture(autouse=True)
def own_evaluators(request):
    """Only the evaluators of OWN_EVALUATORS, so these tests count their own queries."""
    if "all_evaluators" in request.fixturenames:
        yield
        return
    saved = {code: list(parts) for code, parts in registry.COMPUTED.items()}
    for parts in registry.COMPUTED.values():
        parts[:] = [p for p in parts if p.func.__module__ in OWN_EVALUATORS]
    yield
    registry.COMPUTED.clear()
    registry.COMPUTED.update(saved)


@pytest.fixture
def all_evaluators():
    """Ask for it to keep every registered evaluator, every register's (see own_evaluators)."""


@pytest.fixture
def fake_part():
    """fake_part(code, {school_id: status}) registers a computed part of `code` for this test."""
    saved = {code: list(parts) for code, parts in registry.COMPUTED.items()}

    def add(code: str, statuses: dict[int, str], summary: str = "A made-up part", actions=()):
        def evaluate(schools, today):
            return {
                s.pk: Evidence(statuses.get(s.pk, registry.MET), summary, tuple(actions))
                for s in schools
            }

        registry.COMPUTED.setdefault(code, []).append(
            registry.Computed(code, "Test part", evaluate)
        )

    yield add
    registry.COMPUTED.clear()
    registry.COMPUTED.update(saved)


def mark_not_applicable(school, code: str, reason: str):
    """Mark policy row `code` not applicable in the school's policy (bastion/policy)."""
    from bastion.policy.models import Policy, Section, Statement

    policy, _ = Policy.objects.get_or_create(school=school)
    section = Section.objects.create(school=school, policy=policy, title="Technical")
    return Statement.objects.create(
        school=school,
        policy=policy,
        section=section,
        code=code,
        text="A made-up statement.",
        applicable=False,
        reason=reason,
    )
