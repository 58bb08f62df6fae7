"""The data transfers log (P8): an unapproved channel is flagged on the entry, with the reason,
and the DPO is told at once (over real SMTP); staff see their own transfers, the DPO, SIRO and
office see them all."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import AuditEvent
from bastion.systems.models import Transfer
from tests.notify.conftest import received
from tests.systems.conftest import system

pytestmark = pytest.mark.django_db


@pytest.fixture
def channels(school):
    return {
        "s2s": system(school, "DfE S2S", kind="secure_transfer", approved_for=["dfe", "school"]),
        "mail": system(school, "School e-mail", kind="email"),
        "fx": system(school, "USO-FX2", kind="secure_transfer", approved_for=["health"]),
    }


def form(channel, **extra):
    return {
        "sent_on": "2026-02-02",
        "what": "Report on a child",
        "recipient": "Northbridge nursing team",
        "recipient_kind": "health",
        "channel": channel.pk,
        "lawful_basis": "public_task",
        **extra,
    }


def post(client, school, data):
    return client.post(f"/s/{school.slug}/transfers/add/", data)


def test_an_approved_channel_is_recorded_without_a_flag_and_no_mail(
    client_for, staff, dpo, school, channels, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client_for(staff), school, form(channels["fx"]))
    transfer = Transfer.objects.get()
    assert response["Location"] == f"/s/{school.slug}/transfers/{transfer.pk}/"
    assert not transfer.flagged and transfer.flag_reason == ""
    assert transfer.sent_by == staff and transfer.recorded_by == staff
    assert AuditEvent.objects.filter(action="transfer.recorded").count() == 1
    assert smtp.messages == []


def test_an_unapproved_channel_is_flagged_and_the_dpo_is_told_at_once(
    client_for, staff, dpo, siro, school, channels, smtp, django_capture_on_commit_callbacks
):
    client = client_for(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, school, form(channels["s2s"]))
    transfer = Transfer.objects.get()
    assert transfer.flagged
    assert transfer.flag_reason == (
        "DfE S2S is not approved for sending data to health; it is approved for department "
        "for education, another school."
    )
    [mail] = received(smtp)
    assert mail["To"] == dpo.email
    assert (
        mail["Subject"].strip()
        == "[Bastion] A data transfer at Ashmole Primary used an unapproved channel"
    )
    body = mail.get_content()
    assert transfer.flag_reason in body
    assert f"/s/{school.slug}/transfers/{transfer.pk}/" in body
    assert "Report on a child" not in body  # what was sent stays in Bastion
    page = client.get(response["Location"]).content.decode()
    assert "Flagged: sent through a channel not approved" in page
    listing = client_for(dpo).get(f"/s/{school.slug}/transfers/?flagged=1").content.decode()
    assert "Not approved" in listing and "Report on a child" in listing


def test_a_channel_approved_for_nobody_says_so(client_for, staff, dpo, school, channels):
    post(client_for(staff), school, form(channels["mail"]))
    assert Transfer.objects.get().flag_reason == (
        "School e-mail is not approved for sending personal data to anyone."
    )


def test_the_flag_stays_as_it_was_when_the_approvals_change_later(
    client_for, staff, school, channels
):
    post(client_for(staff), school, form(channels["mail"]))
    channels["mail"].approved_for = ["health"]
    channels["mail"].save()
    assert Transfer.objects.get().flagged


def test_without_a_dpo_the_siro_is_told(
    client_for, staff, siro, school, channels, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client_for(staff), school, form(channels["mail"]))
    assert [m["To"] for m in received(smtp)] == [siro.email]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"sent_on": "2999-01-01"}, "The date cannot be in the future"),
        ({"what": ""}, "Say what was sent."),
        ({"recipient_kind": "aliens"}, "Select a valid choice"),
        ({"lawful_basis": ""}, "Choose the lawful basis."),
        ({"channel": ""}, "Choose the system it was sent through."),
    ],
)
def test_bad_input_is_refused_and_kept(client_for, staff, school, channels, change, message):
    page = post(client_for(staff), school, form(channels["fx"]) | change).content.decode()
    assert message in page
    assert "Northbridge nursing team" in page
    assert not Transfer.objects.exists()


def test_an_archived_or_other_schools_channel_is_refused(
    client_for, office, school, other_school, channels
):
    old = system(school, "Old fax", archived=True)
    theirs = system(other_school, "Their S2S")
    for channel in (old, theirs):
        page = post(client_for(office), school, form(channel)).content.decode()
        assert "Select a valid choice" in page
    assert not Transfer.objects.exists()


def test_the_office_records_for_a_colleague_but_staff_only_for_themselves(
    client_for, office, staff, school, channels
):
    post(client_for(office), school, form(channels["fx"], sent_by=staff.pk))
    transfer = Transfer.objects.get()
    assert transfer.sent_by == staff and transfer.recorded_by == office
    page = client_for(staff).get(f"/s/{school.slug}/transfers/add/").content.decode()
    assert 'name="sent_by"' not in page
    post(client_for(staff), school, form(channels["fx"], sent_by=office.pk))
    assert Transfer.objects.filter(sent_by=office).count() == 0


def test_staff_see_their_own_transfers_and_the_dpo_sees_all(
    client_for, staff, office, dpo, school, channels
):
    post(client_for(staff), school, form(channels["fx"], what="Mine"))
    post(client_for(office), school, form(channels["fx"], what="The office's"))
    theirs = Transfer.objects.get(what="The office's")
    mine = client_for(staff).get(f"/s/{school.slug}/transfers/").content.decode()
    assert "Mine" in mine and "The office&#x27;s" not in mine
    assert client_for(staff).get(f"/s/{school.slug}/transfers/{theirs.pk}/").status_code == 404
    everything = client_for(dpo).get(f"/s/{school.slug}/transfers/").content.decode()
    assert "Mine" in everything and "The office&#x27;s" in everything


def test_governors_do_not_record_transfers(client_for, governor, school):
    assert client_for(governor).get(f"/s/{school.slug}/transfers/").status_code == 403


def test_the_log_takes_the_same_queries_for_more_transfers(
    client_for, dpo, staff, school, channels, django_assert_num_queries
):
    client = client_for(dpo)
    for i in range(3):
        post(client_for(staff), school, form(channels["mail"], what=f"Report {i}"))
    client.get(f"/s/{school.slug}/transfers/")
    with CaptureQueriesContext(connection) as first:
        client.get(f"/s/{school.slug}/transfers/")
    queries = len(first.captured_queries)  # read now: the next requests reset the log
    for i in range(6):
        post(client_for(dpo), school, form(channels["fx"], what=f"More {i}"))
    with django_assert_num_queries(queries):
        page = client.get(f"/s/{school.slug}/transfers/").content.decode()
    assert "9 transfers" in page
