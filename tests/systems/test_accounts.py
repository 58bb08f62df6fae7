"""Who holds an account on which system: added per system and per person, removed, audited."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.core.models import AuditEvent
from bastion.systems.models import Account, PasswordChange
from tests.systems.conftest import account, changed, person, system

pytestmark = pytest.mark.django_db


def test_the_it_lead_gives_several_people_accounts_on_a_system(client_for, it_lead, school):
    sims = system(school)
    ada, bo = person(school, "Ada", "Lane"), person(school, "Bo", "Reed")
    person(school, "Cy", "Gone", left_on=dt.date(2020, 1, 1))
    client = client_for(it_lead)
    page = client.get(f"/s/{school.slug}/systems/{sims.pk}/accounts/add/").content.decode()
    assert "Ada Lane" in page and "Cy Gone" not in page  # leavers are not offered
    response = client.post(
        f"/s/{school.slug}/systems/{sims.pk}/accounts/add/",
        {"people": [ada.pk, bo.pk], "since": "2025-09-01"},
    )
    assert response.status_code == 302
    assert set(Account.objects.values_list("person__first_name", flat=True)) == {"Ada", "Bo"}
    assert Account.objects.get(person=ada).since == dt.date(2025, 9, 1)
    event = AuditEvent.objects.get(action="system.accounts_added")
    assert event.changes["people"] == "Ada Lane, Bo Reed"


def test_adding_accounts_needs_someone_and_refuses_a_future_date(client_for, it_lead, school):
    sims = system(school)
    ada = person(school)
    client = client_for(it_lead)
    link = f"/s/{school.slug}/systems/{sims.pk}/accounts/add/"
    page = client.post(link, {"since": ""}).content.decode()
    assert "Choose at least one person." in page
    page = client.post(link, {"people": [ada.pk], "since": "2999-01-01"}).content.decode()
    assert "The date cannot be in the future." in page
    assert not Account.objects.exists()


def test_a_person_of_another_school_cannot_be_given_an_account(
    client_for, it_lead, school, other_school
):
    sims = system(school)
    stranger = person(other_school, "Sly", "Stranger")
    page = (
        client_for(it_lead)
        .post(f"/s/{school.slug}/systems/{sims.pk}/accounts/add/", {"people": [stranger.pk]})
        .content.decode()
    )
    assert "Select a valid choice" in page
    assert not Account.objects.exists()


def test_accounts_are_added_from_the_persons_page_too(client_for, it_lead, school):
    sims, vpn = system(school), system(school, "VPN", kind="remote_access")
    ada = person(school)
    account(sims, ada)
    client = client_for(it_lead)
    page = client.get(f"/s/{school.slug}/systems/people/{ada.pk}/").content.decode()
    assert f'<option value="{vpn.pk}">VPN</option>' in page
    assert f'<option value="{sims.pk}">' not in page  # held already
    client.post(f"/s/{school.slug}/systems/people/{ada.pk}/", {"system": vpn.pk})
    assert Account.objects.filter(person=ada).count() == 2


def test_removing_an_account_keeps_the_attested_changes(client_for, it_lead, school):
    sims = system(school)
    ada = person(school)
    held = account(sims, ada)
    changed(sims, ada, dt.date(2026, 1, 1))
    client = client_for(it_lead)
    response = client.post(
        f"/s/{school.slug}/systems/accounts/{held.pk}/remove/", {"back": "person"}
    )
    assert response["Location"] == f"/s/{school.slug}/systems/people/{ada.pk}/"
    assert not Account.objects.exists()
    assert PasswordChange.objects.count() == 1
    assert AuditEvent.objects.get(action="system.account_removed").changes["person"] == "Ada Lane"


def test_an_archived_system_takes_no_new_accounts(client_for, it_lead, school):
    sims = system(school, archived=True)
    ada = person(school)
    page = (
        client_for(it_lead)
        .post(f"/s/{school.slug}/systems/{sims.pk}/accounts/add/", {"people": [ada.pk]})
        .content.decode()
    )
    assert "The system is archived" in page
    assert not Account.objects.exists()


@pytest.mark.parametrize("persona", ["dpo", "office", "staff"])
def test_only_the_it_lead_and_the_siro_change_accounts(request, client_for, school, persona):
    sims = system(school)
    ada = person(school)
    held = account(sims, ada)
    client = client_for(request.getfixturevalue(persona))
    link = f"/s/{school.slug}/systems/accounts/{held.pk}/remove/"
    assert client.post(link).status_code == 403
    add = f"/s/{school.slug}/systems/{sims.pk}/accounts/add/"
    assert client.post(add, {"people": [ada.pk]}).status_code == 403
    assert Account.objects.count() == 1
