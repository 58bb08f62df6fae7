"""The incident pages take a fixed number of queries, however much data there is."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.equipment.models import Device
from bastion.incidents.models import Action
from tests.incidents.conftest import make_incident

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def queries(client, url) -> int:
    client.get(url)  # warm up: the session, the idle lock's first write
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def more_data(school, incident, reporter, owners):
    for n in range(6):
        Action.objects.create(
            school=school,
            incident=incident,
            kind="prevention",
            description=f"Step {n}",
            owner=owners[n % len(owners)],
            due_on=dt.date(2026, 3, 9),
        )
        make_incident(school, reporter)
        Device.objects.create(school=school, kind=Device.Kind.TABLET, asset_tag=f"T-{n}")


@pytest.fixture
def world(school, staff, dpo, it_lead, office):
    incident = make_incident(school, staff)
    Action.objects.create(
        school=school,
        incident=incident,
        kind="containment",
        description="Reset",
        owner=it_lead,
        due_on=dt.date(2026, 3, 3),
    )
    Device.objects.create(school=school, kind=Device.Kind.LAPTOP, asset_tag="L-1")
    return incident


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("dpo", "{pk}/"),
        ("staff", "{pk}/"),
        ("staff", "{pk}/reported/"),
        ("staff", "mine/"),
        ("staff", "report/"),
        ("dpo", "{pk}/assess/"),
        ("dpo", "{pk}/ico/"),
        ("dpo", "{pk}/tell/"),
        ("dpo", "{pk}/close/"),
        ("dpo", "{pk}/actions/add/"),
    ],
)
def test_incident_pages_take_a_fixed_number_of_queries(
    request, client_for, school, world, staff, it_lead, office, who, path
):
    client = client_for(request.getfixturevalue(who))
    url = f"/s/{school.slug}/incidents/" + path.format(pk=world.pk)
    few = queries(client, url)

    more_data(school, world, staff, [it_lead, office])

    assert queries(client, url) == few


def test_the_action_page_takes_a_fixed_number_of_queries(client_for, school, world, it_lead):
    client = client_for(it_lead)
    action = world.actions.get()
    url = f"/s/{school.slug}/incidents/actions/{action.pk}/done/"
    few = queries(client, url)
    more_data(school, world, it_lead, [it_lead])
    assert queries(client, url) == few
