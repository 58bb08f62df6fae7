"""Agreements and versions: the defaults, publishing with or without signing again, safe
Markdown, who may publish."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError

from bastion.agreements import coverage, services
from bastion.agreements.defaults import TEXTS
from bastion.agreements.models import Agreement, AgreementVersion, Audience, text_hash
from bastion.core.models import AuditEvent
from tests.agreements.helpers import add, agreements, sign

pytestmark = pytest.mark.django_db


def test_the_defaults_are_published_once_for_every_audience(school):
    assert services.ensure_defaults(school) is True
    assert services.ensure_defaults(school) is False
    assert Agreement.objects.filter(school=school).count() == len(Audience)
    assert AgreementVersion.objects.filter(school=school, number=1).count() == len(Audience)


@pytest.mark.parametrize(
    "audience,phrases",
    [
        (
            "staff",
            [
                "own username",
                "passwords private",
                "at once",
                "encrypted",
                "monitors",
                "lock the screen",
                "Data Protection Officer",
                "photographs",
            ],
        ),
        ("parent", ["monitors", "photographs", "school office at once"]),
        ("pupil_older", ["password private", "straight away", "log out"]),
        ("pupil_younger", ["password secret", "tell a grown-up straight away"]),
    ],
)
def test_the_default_texts_carry_the_policys_commitments(audience, phrases):
    for phrase in phrases:
        assert phrase in TEXTS[audience]


def test_opening_the_agreements_seeds_the_defaults(school, office, client_for):
    response = client_for(office).get("/s/ashmole/agreements/texts/")
    assert response.status_code == 200
    assert "Governors' Acceptable Use Agreement" in html.unescape(response.content.decode())


def test_a_new_version_that_asks_everyone_to_sign_again_resets_coverage(school, office):
    a = agreements(school)
    person = add(school, "staff", "Ivy")
    old = sign(person, a["staff"])
    version = services.agreement_publish(
        actor=office,
        school=school,
        agreement=a["staff"],
        text="## New\n\nUpdated text.",
        effective_on=a["staff"].current.effective_on,
        everyone_signs_again=True,
    )
    assert version.number == 2 and version.text_hash == text_hash("## New\n\nUpdated text.")
    assert coverage.by_audience(school)["staff"].signed == 0
    old.refresh_from_db()
    assert old.version.number == 1  # the old signature stays with its version
    assert AuditEvent.objects.filter(action="agreement.published", actor=office).exists()


def test_a_small_change_keeps_earlier_signatures(school, office):
    a = agreements(school)
    person = add(school, "staff", "Ivy")
    sign(person, a["staff"])
    services.agreement_publish(
        actor=office,
        school=school,
        agreement=a["staff"],
        text="Typo fixed.",
        effective_on=a["staff"].current.effective_on,
        everyone_signs_again=False,
    )
    a["staff"].refresh_from_db()
    assert (a["staff"].current.number, a["staff"].baseline_number) == (2, 1)
    assert coverage.by_audience(school)["staff"].signed == 1


def test_a_version_cannot_take_effect_before_the_last_one(school, office):
    a = agreements(school)
    with pytest.raises(ValidationError):
        services.agreement_publish(
            actor=office,
            school=school,
            agreement=a["staff"],
            text="x",
            effective_on=a["staff"].current.effective_on.replace(year=2001),
            everyone_signs_again=True,
        )


def test_the_publish_page_previews_and_publishes(school, office, client_for):
    a = agreements(school)
    client = client_for(office)
    url = f"/s/ashmole/agreements/{a['staff'].pk}/publish/"
    data = {"text": "**Bold** promise", "effective_on": "2030-01-01", "everyone_signs_again": "no"}
    preview = client.post(url, {**data, "preview": "1"})
    assert "<strong>Bold</strong>" in preview.content.decode()
    assert AgreementVersion.objects.filter(agreement=a["staff"]).count() == 1
    assert client.post(url, data).status_code == 302
    assert AgreementVersion.objects.filter(agreement=a["staff"]).count() == 2


def test_bad_publish_input_keeps_the_text(school, office, client_for):
    a = agreements(school)
    url = f"/s/ashmole/agreements/{a['staff'].pk}/publish/"
    response = client_for(office).post(url, {"text": "Keep me", "effective_on": "soon"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Keep me" in page and "Enter a real date" in page
    assert "Say whether everyone must sign again." in page


def test_markdown_is_rendered_safely(school, office, client_for):
    a = agreements(school)
    services.agreement_publish(
        actor=office,
        school=school,
        agreement=a["staff"],
        text="Hi <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        effective_on=a["staff"].current.effective_on,
        everyone_signs_again=False,
    )
    page = client_for(office).get(f"/s/ashmole/agreements/{a['staff'].pk}/").content.decode()
    assert "<script>alert" not in page
    assert "javascript:" not in page
    assert "onerror" not in page


@pytest.mark.parametrize("persona,status", [("dpo", 403), ("staff", 403), ("siro", 200)])
def test_who_may_publish(request, school, client_for, persona, status):
    a = agreements(school)
    user = request.getfixturevalue(persona)
    assert (
        client_for(user).get(f"/s/ashmole/agreements/{a['staff'].pk}/publish/").status_code
        == status
    )


def test_another_schools_agreement_is_not_found(school, other_school, office, client_for):
    theirs = agreements(other_school)["staff"]
    client = client_for(office)
    assert client.get(f"/s/ashmole/agreements/{theirs.pk}/").status_code == 404
    assert client.get(f"/s/ashmole/agreements/versions/{theirs.current_id}/").status_code == 404


def test_settings_are_saved_and_bad_values_refused(school, office, client_for):
    client = client_for(office)
    url = "/s/ashmole/agreements/settings/"
    good = {"younger_up_to": "1", "link_days": "21", "chase_interval_days": "7"}
    assert client.post(url, good).status_code == 302
    row = services.settings_for(school)
    assert (row.younger_up_to, row.link_days, row.parents_sign_for_children) == ("1", 21, False)
    bad = client.post(url, {**good, "link_days": "400"})
    assert "between 1 and 90 days" in bad.content.decode()
    assert services.settings_for(school).link_days == 21
