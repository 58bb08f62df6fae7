"""The register's pages: who may see and change what (owners only their own), adding and
editing with bad input, review and archive, and query counts that do not grow with it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.assets.models import InformationAsset
from bastion.core.models import AuditEvent
from bastion.equipment.models import Location
from bastion.systems.models import System
from tests.assets.assets import TODAY, asset, staff_member, url

pytestmark = pytest.mark.django_db

PERSONAS = ["siro", "dpo", "it_lead", "office", "staff", "governor", "trust_admin"]
VIEWERS = {"siro", "dpo", "it_lead", "office", "trust_admin"}
EDITORS = {"siro", "dpo", "office", "trust_admin"}
IMPORTERS = {"siro", "dpo", "trust_admin"}

GOOD = {
    "name": "SEN records",
    "description": "Plans and reviews",
    "data_subjects": ["pupils", "parents"],
    "personal_data": "Needs and plans",
    "special_category": "on",
    "special_categories": ["health"],
    "article9_condition": "public_interest",
    "lawful_basis": "legal_obligation",
    "secure_area": "on",
    "format": "both",
    "risk": "high",
    "retention_years": "31",
    "retention_from": "pupil_birth",
    "disposal": "shredding",
    "last_reviewed_on": "2026-02-01",
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_permission_table_of_the_register(request, client_for, school, persona):
    records = asset(school)
    client = client_for(request.getfixturevalue(persona))
    see = 200 if persona in VIEWERS else (404 if persona == "staff" else 403)
    change = 200 if persona in EDITORS else (404 if persona == "staff" else 403)
    assert client.get(url(school)).status_code == (403 if persona == "governor" else 200)
    assert client.get(url(school, f"{records.pk}/")).status_code == see
    assert client.get(url(school, f"{records.pk}/edit/")).status_code == change
    assert client.get(url(school, "add/")).status_code == (200 if persona in EDITORS else 403)
    assert client.get(url(school, "export/")).status_code == (200 if persona in VIEWERS else 403)
    assert client.get(url(school, "import/")).status_code == (200 if persona in IMPORTERS else 403)


def test_an_owner_with_only_the_staff_role_sees_and_edits_their_own_assets_only(
    client_for, school, staff
):
    mine = asset(
        school, "Class photographs", owner=staff_member(school, "Sam", "Staff", user=staff)
    )
    theirs = asset(school, "Payroll", owner=staff_member(school, "Bo", "Other"))
    client = client_for(staff)
    page = client.get(url(school)).content.decode()
    assert "Class photographs" in page and "Payroll" not in page
    assert client.get(url(school, f"{mine.pk}/")).status_code == 200
    assert client.get(url(school, f"{theirs.pk}/")).status_code == 404
    assert client.get(url(school, f"{theirs.pk}/edit/")).status_code == 404
    assert client.post(url(school, f"{theirs.pk}/review/")).status_code == 404
    assert client.post(url(school, f"{theirs.pk}/archive/")).status_code == 403

    edit = client.get(url(school, f"{mine.pk}/edit/")).content.decode()
    assert 'name="owner"' not in edit  # the owner is shown, not offered to change
    data = {**GOOD, "name": "Class photographs 2026", "owner": str(theirs.owner_id)}
    response = client.post(url(school, f"{mine.pk}/edit/"), data)
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.name == "Class photographs 2026"
    assert mine.owner.user == staff  # a disabled field keeps the owner whatever is posted
    theirs.refresh_from_db()
    assert theirs.name == "Payroll"


def test_a_viewer_who_does_not_own_an_asset_may_not_change_it(client_for, school, it_lead):
    other = asset(school, "Payroll", owner=staff_member(school))
    mine = asset(school, "Server logs", owner=staff_member(school, "Ira", "Itlead", user=it_lead))
    client = client_for(it_lead)
    assert client.get(url(school, f"{other.pk}/")).status_code == 200
    assert client.get(url(school, f"{other.pk}/edit/")).status_code == 403
    assert client.post(url(school, f"{other.pk}/review/")).status_code == 403
    assert client.get(url(school, f"{mine.pk}/edit/")).status_code == 200


def test_the_dpo_adds_an_asset_with_the_next_reference_and_an_audit_event(client_for, school, dpo):
    asset(school, "Older one", reference="IA-007")
    owner = staff_member(school, "Nia", "Novak")
    mis = System.objects.create(school=school, name="MIS")
    response = client_for(dpo).post(
        url(school, "add/"), {**GOOD, "owner": owner.pk, "system": mis.pk}
    )
    assert response.status_code == 302
    added = InformationAsset.objects.get(name="SEN records")
    assert (added.reference, added.owner, added.system) == ("IA-008", owner, mis)
    assert added.data_subjects == ["pupils", "parents"]
    assert added.special_categories == ["health"]
    event = AuditEvent.objects.get(action="asset.created")
    assert event.changes["name"] == [None, "SEN records"]
    assert event.actor == dpo


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"special_category": ""}, "special_categories", "not marked as holding special"),
        ({"last_reviewed_on": "2026-03-03"}, "last_reviewed_on", "cannot be in the future"),
        ({"dpia_done_on": "2026-01-01"}, "dpia_done_on", "not marked as needing one"),
        ({"retention_years": ""}, "retention_years", "number of years"),
        ({"held_until": "31/02/2026"}, "held_until", "Enter a real date"),
        ({"name": ""}, "name", "Enter the asset's name"),
        ({"access": "=HYPERLINK(1)"}, "access", "a spreadsheet would run this as a formula"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_keeps_what_was_typed(
    client_for, school, dpo, change, field, message
):
    response = client_for(dpo).post(url(school, "add/"), {**GOOD, **change})
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert "Plans and reviews" in response.content.decode()
    assert not InformationAsset.objects.exists()


def test_another_schools_owner_system_or_place_is_refused(client_for, school, other_school, dpo):
    elsewhere = Location.objects.create(school=other_school, name="Their cupboard")
    response = client_for(dpo).post(url(school, "add/"), {**GOOD, "location": elsewhere.pk})
    assert response.status_code == 200
    assert "location" in response.context["form"].errors
    assert not InformationAsset.objects.exists()


def test_the_owner_marks_an_asset_reviewed_today(client_for, school, staff):
    old = TODAY - dt.timedelta(days=400)
    mine = asset(school, owner=staff_member(school, user=staff), last_reviewed_on=old)
    response = client_for(staff).post(url(school, f"{mine.pk}/review/"))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.last_reviewed_on == TODAY
    event = AuditEvent.objects.get(action="asset.reviewed")
    assert event.changes == {"last_reviewed_on": [old.isoformat(), TODAY.isoformat()]}
    assert client_for(staff).get(url(school, f"{mine.pk}/review/")).status_code == 405


def test_archiving_keeps_the_asset_off_the_list_and_out_of_edits(client_for, school, dpo):
    gone = asset(school, "Old admissions")
    client = client_for(dpo)
    assert client.post(url(school, f"{gone.pk}/archive/")).status_code == 302
    gone.refresh_from_db()
    assert gone.archived_on == TODAY
    assert client.get(url(school)).context["rows"] == []
    assert [a for a, _ in client.get(url(school) + "?flag=archived").context["rows"]] == [gone]
    assert client.get(url(school, f"{gone.pk}/edit/")).status_code == 302
    client.post(url(school, f"{gone.pk}/archive/"), {"archive": "0"})
    gone.refresh_from_db()
    assert gone.archived_on is None
    actions = list(
        AuditEvent.objects.filter(action__startswith="asset.")
        .values_list("action", flat=True)
        .order_by("id")
    )
    assert actions == ["asset.archived", "asset.restored"]


def test_the_list_filters_by_owner_risk_and_search(client_for, school, dpo):
    kit = staff_member(school)
    asset(school, "Payroll", owner=kit, risk="high")
    asset(school, "Photographs", risk="low")
    client = client_for(dpo)

    def names(query):
        rows = client.get(url(school) + query).context["rows"]
        return sorted(a.name for a, _ in rows)

    assert names(f"?owner={kit.pk}") == ["Payroll"]
    assert names("?owner=none") == ["Photographs"]
    assert names("?risk=low") == ["Photographs"]
    assert names("?q=pay") == ["Payroll"]
    assert names("?q=IA-002") == ["Photographs"]
    assert names("?risk=nonsense&owner=abc") == ["Payroll", "Photographs"]


def _many(school, n: int, start: int = 0) -> None:
    people = [staff_member(school, f"P{i}", "Owner") for i in range(start, start + 3)]
    mis = System.objects.get_or_create(school=school, name="MIS")[0]
    InformationAsset.objects.bulk_create(
        InformationAsset(
            school=school,
            reference=f"IA-{start + i:05d}",
            name=f"Asset {start + i}",
            owner=people[i % 3],
            system=mis if i % 2 else None,
            special_category=bool(i % 3),
            last_reviewed_on=TODAY - dt.timedelta(days=i % 500),
        )
        for i in range(n)
    )


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx)


PAGES = ["", "?flag=any", "?flag=not_secure&risk=medium", "?q=Asset&page=2"]


def test_the_list_and_an_asset_use_the_same_queries_at_n_and_3n_rows(client_for, school, dpo):
    client = client_for(dpo)
    client.get(url(school))  # the first page of a session also writes the session
    _many(school, 30)
    first = asset(school, "Detail")
    small = [_queries(client, url(school) + q) for q in PAGES]
    assert max(small) <= 12
    detail = _queries(client, url(school, f"{first.pk}/"))
    _many(school, 60, start=100)
    assert [_queries(client, url(school) + q) for q in PAGES] == small
    assert _queries(client, url(school, f"{first.pk}/")) == detail


def test_the_list_at_3000_assets_keeps_its_query_count(client_for, school, dpo, staff):
    client = client_for(dpo)
    client.get(url(school))
    _many(school, 10)
    small = [_queries(client, url(school) + q) for q in PAGES]
    _many(school, 3000, start=10_000)
    assert InformationAsset.objects.filter(school=school).count() == 3010
    assert [_queries(client, url(school) + q) for q in PAGES] == small
    response = client.get(url(school))
    assert response.context["page"].paginator.count == 3010
    assert len(response.context["rows"]) == 25
