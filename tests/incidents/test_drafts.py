"""Drafts: the report form saves itself to the server as the reporter types, comes back when
they return, and is gone once the report is sent. Never in the browser's storage."""

from __future__ import annotations

import pytest

from bastion.incidents.models import Draft, Incident
from tests.incidents.conftest import form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
HTMX = {"HX-Request": "true"}


def draft_url(school) -> str:
    return f"/s/{school.slug}/incidents/report/draft/"


def form_url(school) -> str:
    return f"/s/{school.slug}/incidents/report/"


def test_the_form_saves_itself_with_htmx_as_ordinary_activity(client_for, school, staff):
    page = client_for(staff).get(form_url(school)).content.decode()

    assert f'hx-post="{draft_url(school)}"' in page
    assert 'hx-trigger="input changed delay:2s, change delay:2s"' in page
    # Typing is activity: the saves must not be marked as a timer's polling.
    assert "X-Bastion-Poll" not in page
    assert "localStorage" not in page and "sessionStorage" not in page


def test_a_draft_is_saved_and_says_when(client_for, school, staff):
    response = client_for(staff).post(
        draft_url(school),
        {"what_happened": "Left the laptop", "children_data": "on", "kind": ""},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert response.content.decode().strip() == "Draft saved at 10:00:00."
    draft = Draft.objects.get()
    assert (draft.school, draft.user) == (school, staff)
    assert draft.data == {"what_happened": "Left the laptop", "children_data": "on"}


def test_saving_again_replaces_the_draft(client_for, school, staff):
    client = client_for(staff)
    client.post(draft_url(school), {"what_happened": "Left"}, headers=HTMX)
    client.post(draft_url(school), {"what_happened": "Left the laptop on the bus"}, headers=HTMX)

    assert Draft.objects.get().data == {"what_happened": "Left the laptop on the bus"}


def test_the_draft_comes_back_when_the_reporter_returns(client_for, school, staff, device):
    client = client_for(staff)
    typed = form_data(device=str(device.pk), special_category="on")
    client.post(draft_url(school), typed, headers=HTMX)

    page = client.get(form_url(school)).content.decode()

    assert "is back in the form" in page
    assert "Left the Year 4 laptop on the bus home." in page
    assert "Year 4 reading assessments" in page
    assert "Rang the bus company." in page
    assert 'value="2026-03-02T08:15"' in page and 'value="28"' in page
    assert 'value="lost_device" checked' in page
    assert f'<option value="{device.pk}" selected>' in page
    assert 'name="children_data" id="id_children_data" checked' in page
    assert 'name="special_category" id="id_special_category" checked' in page
    # The same one-time key: sending the restored form twice still makes one report.
    assert f'value="{typed["submission_key"]}"' in page


def test_drafts_are_each_persons_own(client_for, school, staff, office):
    client_for(staff).post(draft_url(school), {"what_happened": "Left the laptop"}, headers=HTMX)

    page = client_for(office).get(form_url(school)).content.decode()

    assert "Left the laptop" not in page and "is back in the form" not in page


def test_sending_the_report_deletes_the_draft_and_the_form_starts_empty(client_for, school, staff):
    client = client_for(staff)
    data = form_data()
    client.post(draft_url(school), data, headers=HTMX)

    client.post(form_url(school), data)

    assert Incident.objects.count() == 1
    assert not Draft.objects.exists()
    assert "Left the Year 4 laptop" not in client.get(form_url(school)).content.decode()


def test_a_save_arriving_after_the_report_was_sent_does_not_bring_the_draft_back(
    client_for, school, staff
):
    client = client_for(staff)
    data = form_data()
    client.post(form_url(school), data)

    response = client.post(draft_url(school), data, headers=HTMX)

    assert response.status_code == 200
    assert not Draft.objects.exists()


def test_a_draft_of_a_report_already_sent_is_not_restored(client_for, school, staff):
    client = client_for(staff)
    data = form_data()
    client.post(form_url(school), data)
    # Saved in the same instant the report was being made (the race the check above can miss).
    Draft.objects.create(school=school, user=staff, data=data)

    page = client.get(form_url(school)).content.decode()

    assert "Left the Year 4 laptop" not in page
    assert not Draft.objects.exists()


def test_the_reporter_can_delete_the_draft(client_for, school, staff):
    client = client_for(staff)
    client.post(draft_url(school), {"what_happened": "Left the laptop"}, headers=HTMX)

    response = client.post(draft_url(school), {"discard": "1"}, follow=True)

    assert "The draft is deleted." in response.content.decode()
    assert not Draft.objects.exists()


def test_a_huge_or_unknown_field_is_trimmed_not_a_500(client_for, school, staff):
    response = client_for(staff).post(
        draft_url(school),
        {
            "what_happened": "x" * 100_000,
            "submission_key": "not-a-key" * 1000,
            "is_admin": "yes",
            "reporter": "1",
        },
        headers=HTMX,
    )

    assert response.status_code == 200
    assert Draft.objects.get().data == {
        "what_happened": "x" * 20_000,
        "submission_key": ("not-a-key" * 1000)[:20_000],
    }


def test_opening_the_draft_address_leads_to_the_form(client_for, school, staff):
    response = client_for(staff).get(draft_url(school))

    assert response.status_code == 302
    assert response["Location"] == form_url(school)


def test_an_outsider_cannot_save_a_draft_here(client_for, school, outsider):
    response = client_for(outsider).post(draft_url(school), {"what_happened": "x"}, headers=HTMX)

    assert response.status_code == 404
    assert not Draft.objects.exists()
