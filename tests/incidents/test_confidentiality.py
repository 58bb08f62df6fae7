"""Who sees an incident: the DPO, the SIRO and trust admins all; a reporter their own (without
the assessment); anybody else nothing, exactly as for another school's."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.core.models import AuditEvent
from tests.conftest import add_member, make_user
from tests.incidents.conftest import NOW, make_incident
from tests.incidents.handling import assess, decide, page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

HANDLERS = {"siro", "dpo", "trust_admin"}
PERSONAS = ["siro", "dpo", "it_lead", "office", "staff", "governor", "trust_admin"]
PAGES = ["assess/", "ico/", "tell/", "close/", "actions/add/"]


@pytest.fixture
def incident(school, staff):
    return make_incident(school, staff, discovered_at=NOW - dt.timedelta(hours=2))


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_permission_table_of_handling(request, client_for, school, incident, persona):
    client = client_for(request.getfixturevalue(persona))
    expected = 200 if persona in HANDLERS else 403
    for name in PAGES:
        assert client.get(page(school, incident, name)).status_code == expected, name
    response = assess(client, school, incident)
    assert response.status_code == (302 if persona in HANDLERS else 403)
    incident.refresh_from_db()
    assert bool(incident.risk) == (persona in HANDLERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_handlers_and_the_reporter_see_the_incident(request, client_for, school, persona):
    reporter = make_user("rita.reporter@ashmole.example.org")
    add_member(reporter, school, "staff")
    theirs = make_incident(school, reporter)
    client = client_for(request.getfixturevalue(persona))

    # Anyone else gets 404, exactly as for another school's incident.
    assert client.get(page(school, theirs)).status_code == (200 if persona in HANDLERS else 404)
    assert client_for(reporter).get(page(school, theirs)).status_code == 200


def test_an_outsider_gets_404_for_every_incident_page(client_for, school, incident, outsider):
    client = client_for(outsider)
    for name in ["", "reported/", "reopen/", *PAGES]:
        assert client.get(page(school, incident, name)).status_code == 404
        assert client.post(page(school, incident, name), {}).status_code == 404


def test_the_reporter_sees_their_report_without_the_assessment(
    client_for, school, incident, staff, dpo
):
    assess(client_for(dpo), school, incident)
    decide(
        client_for(dpo),
        school,
        incident,
        decision="not_notifiable",
        not_notifiable_reason="Encrypted disk, key not with it.",
    )

    response = client_for(staff).get(page(school, incident))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Your report" in html and "Wrote the MIS password on a sticky note" in html
    assert "Being handled" in html
    for secret in ("medical notes", "Encrypted disk", "Risk to people", "Likelihood", "ico/"):
        assert secret not in html


def test_the_handler_sees_everything(client_for, school, incident, dpo):
    assess(client_for(dpo), school, incident)

    html = client_for(dpo).get(page(school, incident)).content.decode()

    assert "Unencrypted, with pupils&#x27; medical notes." in html
    assert "A high risk to people" in html
    assert "Decide whether to tell the ICO by Thursday 5 March 2026 at 08:00" in html
    assert "70 hours 0 minutes left" in html


def test_every_view_of_an_incident_is_audited(client_for, school, incident, dpo, staff):
    client_for(dpo).get(page(school, incident))
    client_for(staff).get(page(school, incident))

    viewers = AuditEvent.objects.filter(action="incident.viewed", object_id=str(incident.pk))
    assert sorted(e.actor.email for e in viewers) == sorted([dpo.email, staff.email])
