"""The policy page: every member reads it, fast whatever its length; downloads audited."""

from __future__ import annotations

import io

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import AuditEvent
from bastion.policy.models import Statement
from tests.exports import pdf_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "persona", ["siro", "dpo", "it_lead", "office", "staff", "governor", "trust_admin"]
)
def test_every_member_reads_the_policy(persona, request, client_for, school):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(f"/s/{school.slug}/policy/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Strategic and operational practices" in page
    assert "Technical or manual solutions" in page
    assert ("Start the annual review" in page) == (persona in ("siro", "dpo", "trust_admin"))
    assert ("Edit<span" in page) == (persona in ("siro", "dpo", "trust_admin"))


def test_another_schools_member_gets_404(client_for, outsider, school):
    assert client_for(outsider).get(f"/s/{school.slug}/policy/").status_code == 404


def test_the_page_shows_the_header_and_live_facts(client_for, governor, siro, dpo, school):
    page = client_for(governor).get(f"/s/{school.slug}/policy/").content.decode()
    assert "The Head Teacher, Hana Siro, is the Senior Information Risk Owner (SIRO)." in page
    assert '<dd class="govuk-summary-list__value">Dev Dpo</dd>' in page


@pytest.mark.parametrize("fmt", ["pdf", "docx", "md"])
def test_downloads_are_audited_and_read_back(fmt, client_for, governor, siro, school):
    response = client_for(governor).get(f"/s/{school.slug}/policy/download/{fmt}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="e-security-policy-ashmole.{fmt}"'
    )
    if fmt == "pdf":
        text = pdf_text(response.content)
    elif fmt == "docx":
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    else:
        text = response.content.decode()
    assert "cross-cut shredder" in " ".join(text.split())
    event = AuditEvent.objects.get(action="policy.downloaded")
    assert (event.actor, event.changes) == (governor, {"format": fmt})


def test_an_unknown_format_is_404(client_for, staff, school):
    assert client_for(staff).get(f"/s/{school.slug}/policy/download/exe/").status_code == 404
    assert not AuditEvent.objects.filter(action="policy.downloaded").exists()


def test_the_page_takes_the_same_queries_however_many_statements(
    client_for, siro, dpo, school, django_assert_num_queries
):
    client = client_for(siro)
    client.get(f"/s/{school.slug}/policy/")  # creates the policy

    def add(n):
        policy_section = Statement.objects.filter(school=school).first().section
        Statement.objects.bulk_create(
            Statement(
                school=school,
                policy=policy_section.policy,
                section=policy_section,
                text=f"Own {i}.",
            )
            for i in range(n)
        )

    add(10)
    with CaptureQueriesContext(connection) as before:
        client.get(f"/s/{school.slug}/policy/")
    assert len(before) <= 15
    add(30)
    with django_assert_num_queries(len(before), exact=True):
        assert "Own 29." in client.get(f"/s/{school.slug}/policy/").content.decode()
