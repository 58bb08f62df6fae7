"""The housekeeping pages: attesting, the progress and history, opening, permissions, queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.housekeeping import campaigns
from bastion.housekeeping.models import Attestation, Campaign
from tests.housekeeping.conftest import add_teacher, open_campaign

pytestmark = pytest.mark.django_db
URL = "/s/ashmole/housekeeping/"


def text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def test_who_may_open_what(school, siro, dpo, it_lead, staff, governor, outsider, client_for):
    for user in (siro, dpo):
        assert client_for(user).get(URL + "campaigns/").status_code == 200
        assert client_for(user).get(URL + "campaigns/open/").status_code == 200
    for user in (it_lead, staff, governor):
        assert client_for(user).get(URL + "campaigns/").status_code == 403
        assert client_for(user).post(URL + "campaigns/open/", {}).status_code == 403
    assert client_for(governor).get(URL).status_code == 403
    assert client_for(staff).get(URL).status_code == 200
    assert client_for(outsider).get(URL).status_code == 404


def test_staff_attest_on_the_page(school, siro, staff, sam, client_for):
    client = client_for(staff)
    assert "No housekeeping is open" in text(client.get(URL))
    open_campaign(siro, school)
    page = text(client.get(URL))
    assert "Please do it by 17 July 2026." in page
    response = client.post(URL, {"note": "Deleted old photos"})
    assert response.status_code == 200
    assert "Tick the box to confirm that you did your housekeeping." in text(response)
    assert "Deleted old photos" in text(response)
    assert not Attestation.objects.exists()
    response = client.post(URL, {"confirm": "on", "note": "Deleted old photos"})
    assert response.status_code == 302
    page = text(client.get(URL))
    assert "You attested on 1 June 2026" in page
    assert "2025/26: attested on 1 June 2026 (Deleted old photos)" in page


def test_the_siro_opens_a_campaign_and_sees_who_has_not_attested(
    school, siro, staff, sam, client_for
):
    client = client_for(siro)
    page = text(client.get(URL + "campaigns/"))
    assert "No housekeeping is open this school year." in page
    response = client.post(URL + "campaigns/open/", {"deadline": "2026-05-01"})
    assert response.status_code == 200
    assert "The deadline cannot be before the campaign opens." in text(response)
    response = client.post(
        URL + "campaigns/open/", {"deadline": "2026-07-17", "instructions": "Shared drive"}
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.opened_by == siro and campaign.instructions == "Shared drive"
    page = text(client.get(URL + "campaigns/"))
    assert "0 of 1 staff have attested (0%)." in page
    assert "Sam Staff" in page
    campaigns.attest(actor=staff, school=school, note="Laptop cleared")
    page = text(client.get(URL + "campaigns/"))
    assert "1 of 1 staff have attested (100%)." in page and "Everyone has attested." in page
    detail = text(client.get(f"{URL}campaigns/{campaign.pk}/"))
    assert "Laptop cleared" in detail
    response = client.post(
        f"{URL}campaigns/{campaign.pk}/edit/", {"deadline": "2026-07-10", "instructions": ""}
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.deadline == dt.date(2026, 7, 10)
    assert client.get(URL + "campaigns/open/").status_code == 302  # one per year


def test_the_progress_page_uses_the_same_queries_however_many_staff_and_years(
    school, siro, client_for, django_assert_num_queries
):
    client = client_for(siro)
    for year in (2023, 2024):
        Campaign.objects.create(
            school=school,
            year=year,
            opened_on=dt.date(year + 1, 6, 1),
            deadline=dt.date(year + 1, 7, 1),
            opened_by=siro,
        )
    current = open_campaign(siro, school)
    for n in range(3):
        add_teacher(school, n)
    client.get(URL + "campaigns/")
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL + "campaigns/").status_code == 200
        assert client.get(f"{URL}campaigns/{current.pk}/").status_code == 200
    for n in range(3, 12):
        user, _ = add_teacher(school, n)
        if n % 2:
            campaigns.attest(actor=user, school=school)
    Campaign.objects.create(
        school=school,
        year=2022,
        opened_on=dt.date(2023, 6, 1),
        deadline=dt.date(2023, 7, 1),
        opened_by=siro,
    )
    with django_assert_num_queries(len(few)):
        assert client.get(URL + "campaigns/").status_code == 200
        assert client.get(f"{URL}campaigns/{current.pk}/").status_code == 200
