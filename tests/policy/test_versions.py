"""Archived versions and comparing any two, statement by statement, rendered safely."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.core.models import AuditEvent
from bastion.policy import document
from bastion.policy.models import PolicyVersion, Statement
from bastion.policy.services import (
    review_sign_off,
    review_start,
    statement_add,
    statement_delete,
    statement_set_applicable,
    statement_update,
)
from tests.exports import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_versions(school, siro, dpo, policy, time_machine):
    time_machine.move_to(dt.datetime(2025, 9, 1, 9, tzinfo=dt.UTC), tick=False)
    review_start(actor=dpo, school=school, policy=policy)
    first = review_sign_off(actor=siro, school=school, policy=policy, confirm_name="Hana Siro")
    section = policy.sections.first()
    statement_add(
        actor=dpo,
        school=school,
        policy=policy,
        data={"section": section.pk, "text": "Visitors sign in <b>at</b> reception."},
    )
    old_own = Statement.objects.create(
        school=school, policy=policy, section=section, text="Gone soon."
    )
    time_machine.move_to(dt.datetime(2026, 8, 25, 9, tzinfo=dt.UTC), tick=False)
    review_start(actor=dpo, school=school, policy=policy)
    second = review_sign_off(actor=siro, school=school, policy=policy, confirm_name="Hana Siro")
    statement_delete(actor=dpo, school=school, statement=old_own)
    statement_update(
        actor=dpo,
        school=school,
        statement=Statement.objects.get(policy=policy, code="T16"),
        data={"text": "Paper is shredded with a <script>alert(1)</script> micro-cut shredder."},
    )
    statement_set_applicable(
        actor=dpo,
        school=school,
        statement=Statement.objects.get(policy=policy, code="T12"),
        applicable=False,
        reason="Cloud only.",
    )
    return first, second


def test_word_diff_marks_removed_and_added_words():
    pieces = document.word_diff(
        "shred with a cross-cut shredder", "shred with a micro-cut shredder"
    )
    assert pieces == [
        ("same", "shred with a "),
        ("removed", "cross-cut"),
        ("added", "micro-cut"),
        ("same", " shredder"),
    ]


def test_comparing_reports_added_removed_and_changed_statements(two_versions, policy):
    first, second = two_versions
    a, b = (document.from_snapshot(v.snapshot) for v in (first, second))
    changes = [c for c in document.compare(a, b) if c.kind != "same"]
    kinds = sorted(c.kind for c in changes)
    assert kinds == ["added", "added"]
    changes = [c for c in document.compare(b, document.build(policy)) if c.kind != "same"]
    assert sorted(c.kind for c in changes) == ["changed", "changed", "removed"]
    na = next(c for c in changes if c.code == "T12")
    assert na.notes == ["Was applies; now not applicable (Cloud only.)."]


def test_the_comparison_page_escapes_what_the_school_wrote(two_versions, client_for, staff, school):
    _, second = two_versions
    page = (
        client_for(staff)
        .get(f"/s/{school.slug}/policy/compare/", {"a": second.pk, "b": "current"})
        .content.decode()
    )
    assert "3 statements changed." in page
    assert '<del><span class="govuk-visually-hidden">[removed: </span>cross-cut' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "Gone soon." in page


def test_comparing_a_version_with_itself_shows_no_change(
    two_versions, client_for, governor, school
):
    first, _ = two_versions
    page = (
        client_for(governor)
        .get(f"/s/{school.slug}/policy/compare/", {"a": first.pk, "b": first.pk})
        .content.decode()
    )
    assert "No statement changed." in page


def test_a_bad_choice_is_an_error_not_a_crash(
    two_versions, client_for, staff, school, outsider, other_school
):
    response = client_for(staff).get(f"/s/{school.slug}/policy/compare/", {"a": "999", "b": "x"})
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()


def test_the_version_list_and_an_archived_version(two_versions, client_for, governor, school):
    first, _ = two_versions
    client = client_for(governor)
    listing = client.get(f"/s/{school.slug}/policy/versions/").content.decode()
    assert "Version 2" in listing and "Version 1" in listing
    page = client.get(f"/s/{school.slug}/policy/versions/{first.pk}/").content.decode()
    assert "Version 1, signed off by Hana Siro on 1 September 2025" in page
    assert "Visitors sign in" not in page
    assert "cross-cut shredder" in page


def test_a_draft_version_has_no_archive_page(school, siro, dpo, policy, client_for):
    draft = review_start(actor=dpo, school=school, policy=policy)
    assert client_for(siro).get(f"/s/{school.slug}/policy/versions/{draft.pk}/").status_code == 404


def test_downloads_of_an_archived_version_are_audited(two_versions, client_for, staff, school):
    first, _ = two_versions
    response = client_for(staff).get(f"/s/{school.slug}/policy/versions/{first.pk}/download/pdf/")
    assert (
        response["Content-Disposition"] == 'attachment; filename="e-security-policy-ashmole-v1.pdf"'
    )
    text = " ".join(pdf_text(response.content).split())
    assert "Version 1, signed off by Hana Siro on 1 September 2025" in text
    event = AuditEvent.objects.get(action="policy.downloaded")
    assert (event.object_id, event.changes) == (str(first.pk), {"format": "pdf"})
    assert PolicyVersion.objects.count() == 2
