"""The school's settings: the SIRO or a trust admin edits them; every change is audited."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.core.models import AuditEvent, School

GOOD = {
    "name": "Ashmole Primary School",
    "urn": "100000",
    "policy_review_date": "2025-09-01",
    "next_review_date": "2026-09-01",
    "reviewed_by": "Keith Bridges",
    "idle_lock_minutes": "15",
    "password_max_age_days": "182",
}


def _url(school) -> str:
    return f"/s/{school.slug}/settings/"


def _as_saved(school) -> dict:
    school.refresh_from_db()
    return {
        "name": school.name,
        "urn": school.urn,
        "policy_review_date": school.policy_review_date,
        "next_review_date": school.next_review_date,
        "reviewed_by": school.reviewed_by,
        "idle_lock_minutes": school.idle_lock_minutes,
        "password_max_age_days": school.password_max_age_days,
    }


def test_the_siro_saves_the_settings_and_the_change_is_audited_with_before_and_after(
    client_for, siro, school
):
    response = client_for(siro).post(_url(school), GOOD)
    assert response.status_code == 302
    assert _as_saved(school) == {
        "name": "Ashmole Primary School",
        "urn": "100000",
        "policy_review_date": dt.date(2025, 9, 1),
        "next_review_date": dt.date(2026, 9, 1),
        "reviewed_by": "Keith Bridges",
        "idle_lock_minutes": 15,
        "password_max_age_days": 182,
    }
    event = AuditEvent.objects.get(action="school.settings_changed")
    assert (event.actor, event.school) == (siro, school)
    assert event.changes == {
        "name": ["Ashmole Primary", "Ashmole Primary School"],
        "policy_review_date": [None, "2025-09-01"],
        "next_review_date": [None, "2026-09-01"],
        "reviewed_by": ["", "Keith Bridges"],
        "idle_lock_minutes": [10, 15],
        "password_max_age_days": [None, 182],
    }


def test_saving_without_a_change_adds_nothing_to_the_audit_log(client_for, siro, school):
    client = client_for(siro)
    client.post(_url(school), GOOD)
    client.post(_url(school), GOOD)
    assert AuditEvent.objects.filter(action="school.settings_changed").count() == 1


def test_an_empty_password_age_means_never(client_for, siro, school):
    School.objects.filter(pk=school.pk).update(password_max_age_days=90)
    client_for(siro).post(_url(school), {**GOOD, "password_max_age_days": ""})
    assert _as_saved(school)["password_max_age_days"] is None


def test_a_trust_admin_edits_the_settings(client_for, trust_admin, school):
    assert client_for(trust_admin).post(_url(school), GOOD).status_code == 302
    assert _as_saved(school)["idle_lock_minutes"] == 15


@pytest.mark.parametrize("who", ["dpo", "it_lead", "office", "staff", "governor"])
def test_other_roles_may_not_edit_the_settings(who, request, client_for, school):
    client = client_for(request.getfixturevalue(who))
    before = _as_saved(school)
    assert client.get(_url(school)).status_code == 403
    assert client.post(_url(school), GOOD).status_code == 403
    assert _as_saved(school) == before


BAD = [
    ("urn", "12AB", "A URN is 6 or 7 digits."),
    ("urn", "12345678", "A URN is 6 or 7 digits."),
    ("urn", "100001", "Another school already has this URN."),
    ("idle_lock_minutes", "0", "The idle lock must be between 1 and 120 minutes."),
    ("idle_lock_minutes", "121", "The idle lock must be between 1 and 120 minutes."),
    ("idle_lock_minutes", "abc", "Enter the idle lock as a whole number of minutes"),
    ("idle_lock_minutes", "", "Enter the idle lock in minutes, from 1 to 120."),
    ("idle_lock_minutes", "99999999999999999999", "between 1 and 120 minutes"),
    ("password_max_age_days", "29", "between 30 and 730 days"),
    ("password_max_age_days", "-5", "between 30 and 730 days"),
    ("password_max_age_days", "abc", "Enter the password age as a whole number of days"),
    ("next_review_date", "2025-08-31", "The next review must come after the last review."),
    ("next_review_date", "2025-09-01", "The next review must come after the last review."),
    ("policy_review_date", "2024-13-45", "Enter a real date"),
    ("name", "", "Enter the school&#x27;s name."),
    ("name", "N" * 10_000, "Ensure this value has at most 200 characters (it has 10000)."),
    ("reviewed_by", "R" * 10_000, "Ensure this value has at most 200 characters (it has 10000)."),
]


@pytest.mark.parametrize("field, value, message", BAD, ids=[f"{f}={v[:12]!r}" for f, v, _ in BAD])
def test_bad_settings_get_a_clear_message_keep_what_was_typed_and_change_nothing(
    field, value, message, client_for, siro, school, other_school
):
    before = _as_saved(school)
    response = client_for(siro).post(_url(school), {**GOOD, field: value})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert message in page
    assert f'href="#id_{field}"' in page  # the error summary links to the field
    # What was typed stays in the form, the bad value included.
    assert f'value="{value}"' in page
    assert 'value="Keith Bridges"' in page or field == "reviewed_by"
    assert _as_saved(school) == before
    assert not AuditEvent.objects.filter(action="school.settings_changed").exists()


def test_a_bad_name_does_not_reach_the_page_header(client_for, siro, school):
    response = client_for(siro).post(_url(school), {**GOOD, "name": "N" * 10_000})
    assert (
        "<title>Error: Settings \N{EN DASH} Ashmole Primary \N{EN DASH} Bastion</title>"
        in response.content.decode()
    )


def test_an_empty_submission_changes_nothing(client_for, siro, school):
    before = _as_saved(school)
    response = client_for(siro).post(_url(school), {})
    assert response.status_code == 200
    assert "Enter the school&#x27;s name." in response.content.decode()
    assert _as_saved(school) == before


def test_html_in_the_reviewer_is_stored_as_typed_and_shown_escaped(client_for, siro, school):
    client = client_for(siro)
    hostile = '<script>alert("x")</script><b>Bold</b>'
    client.post(_url(school), {**GOOD, "reviewed_by": hostile})
    assert _as_saved(school)["reviewed_by"] == hostile
    for url in (_url(school), f"/s/{school.slug}/"):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page and "<b>Bold</b>" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;Bold&lt;/b&gt;" in page


def test_the_model_validation_and_the_database_refuse_a_next_review_before_the_review(school):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    school.policy_review_date = dt.date(2025, 9, 1)
    school.next_review_date = dt.date(2025, 1, 1)
    with pytest.raises(ValidationError, match="must come after the last review"):
        school.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        school.save()


@pytest.mark.parametrize(
    "field, value",
    [("idle_lock_minutes", 0), ("idle_lock_minutes", 121), ("password_max_age_days", 5)],
)
def test_the_database_refuses_settings_out_of_range(field, value, school):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        School.objects.filter(pk=school.pk).update(**{field: value})


def test_the_new_idle_lock_applies_to_the_session(client_for, siro, school):
    client = client_for(siro)
    client.post(_url(school), {**GOOD, "idle_lock_minutes": "25"})
    client.get(f"/s/{school.slug}/")
    assert client.get("/accounts/idle/status/").json()["limit"] == 25 * 60
