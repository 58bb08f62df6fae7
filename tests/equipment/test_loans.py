"""Loans (T15, P12, T3, T6, T12): who may lend, each lending rule, tokens, bad input.

The helpers at the top are shared by the other loan test files.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError

from bastion.core.models import AuditEvent
from bastion.equipment import loans
from bastion.equipment.models import Device, Loan
from bastion.people.models import Kind, Person
from bastion.people.services import person_create

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)  # a Monday
_tags = itertools.count(1)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False)


def add_device(school, kind="laptop", **fields) -> Device:
    values = {
        "make": "Dell",
        "model": "Latitude 5440",
        "asset_tag": f"AT-{next(_tags):04d}",
        "encrypted": True,
        "holds_personal_data": True,
        "status": Device.Status.IN_STORE,
    }
    return Device.objects.create(school=school, kind=kind, **(values | fields))


def add_person(actor, school, kind=Kind.STAFF, **data) -> Person:
    values = {"kind": kind, "first_name": "Imogen", "last_name": "Farrow"}
    if kind == Kind.STAFF:
        values["email"] = "i.farrow@ashmole.example.org"
    if kind == Kind.PUPIL:
        values |= {"first_name": "Ada", "year_group": "5", "date_of_birth": dt.date(2015, 5, 1)}
    return person_create(actor=actor, school=school, data=values | data)


def lend(actor, device, borrower, out_on=TODAY, due_on=TODAY + dt.timedelta(days=14), **extra):
    return loans.loan_issue(
        actor=actor,
        school=device.school,
        device=device,
        borrower=borrower,
        out_on=out_on,
        due_on=due_on,
        **extra,
    )


def form(device, borrower, **fields) -> dict:
    data = {
        "device": device.pk,
        "borrower": borrower.pk,
        "out_on": "2026-03-02",
        "due_on": "2026-03-16",
        "condition_out": "Good, with charger",
    }
    return data | fields


def page_text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


@pytest.fixture
def teacher(siro, school):
    return add_person(siro, school)


@pytest.fixture
def laptop(school):
    return add_device(school)


# ---- who may do what --------------------------------------------------------------------------

PERSONAS = ["siro", "dpo", "it_lead", "office", "staff", "governor", "trust_admin"]
VIEWERS = {"siro", "dpo", "it_lead", "office", "trust_admin"}
EDITORS = {"siro", "it_lead", "trust_admin"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_permission_table_of_loans(request, client_for, school, teacher, laptop, persona):
    client = client_for(request.getfixturevalue(persona))
    see = 200 if persona in VIEWERS else 403
    change = 200 if persona in EDITORS else 403
    base = f"/s/{school.slug}/loans/"
    assert client.get(base).status_code == see
    assert client.get(base + "add/").status_code == change
    response = client.post(base + "add/", form(laptop, teacher))
    assert response.status_code == (302 if persona in EDITORS else 403)
    assert Loan.objects.count() == (1 if persona in EDITORS else 0)

    loan = Loan.objects.first() or lend(request.getfixturevalue("it_lead"), laptop, teacher)
    assert client.get(f"{base}{loan.pk}/return/").status_code == change
    response = client.post(
        f"{base}{loan.pk}/return/", {"returned_on": "2026-03-02", "back_to": "in_store"}
    )
    assert response.status_code == (302 if persona in EDITORS else 403)
    loan.refresh_from_db()
    assert (loan.returned_on is not None) == (persona in EDITORS)


def test_an_outsider_and_another_schools_loans_answer_404(
    client_for, school, other_school, it_lead, outsider, teacher
):
    theirs_device = add_device(other_school)
    theirs_person = add_person(outsider, other_school)
    theirs = lend(outsider, theirs_device, theirs_person)
    assert client_for(outsider).get(f"/s/{school.slug}/loans/").status_code == 404
    client = client_for(it_lead)
    url = f"/s/{school.slug}/loans/{theirs.pk}/return/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"returned_on": "2026-03-02", "back_to": "in_store"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.returned_on is None


def test_another_schools_device_or_person_cannot_be_chosen(
    client_for, school, other_school, it_lead, outsider, teacher, laptop
):
    client = client_for(it_lead)
    response = client.post(f"/s/{school.slug}/loans/add/", form(add_device(other_school), teacher))
    assert "Choose a device from the list." in page_text(response)
    response = client.post(
        f"/s/{school.slug}/loans/add/", form(laptop, add_person(outsider, other_school))
    )
    assert "Choose a current member of staff or pupil from the list." in page_text(response)
    assert not Loan.objects.exists()


# ---- lending --------------------------------------------------------------------------------


def test_lending_a_laptop_records_the_loan_marks_it_on_loan_and_audits(
    client_for, school, it_lead, teacher, laptop
):
    response = client_for(it_lead).post(f"/s/{school.slug}/loans/add/", form(laptop, teacher))
    assert response.status_code == 302
    loan = Loan.objects.get()
    assert (loan.borrower, loan.out_on, loan.due_on) == (teacher, TODAY, dt.date(2026, 3, 16))
    assert loan.condition_out == "Good, with charger"
    assert loan.issued_by == it_lead
    laptop.refresh_from_db()
    assert laptop.status == Device.Status.ON_LOAN
    event = AuditEvent.objects.get(action="loan.issued")
    assert event.changes["device_status"] == ["in_store", "on_loan"]
    assert event.changes["due_on"] == [None, "2026-03-16"]


def test_a_pupil_can_borrow_a_tablet(siro, it_lead, school):
    pupil = add_person(siro, school, Kind.PUPIL)
    loan = lend(it_lead, add_device(school, "tablet"), pupil)
    assert loan.device.status == Device.Status.ON_LOAN


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("lost", "it is recorded as lost"),
        ("stolen", "it is recorded as stolen"),
        ("awaiting_disposal", "it is awaiting secure disposal"),
        ("disposed", "it has been disposed of"),
    ],
)
def test_a_device_that_is_missing_or_leaving_cannot_be_lent(
    client_for, school, it_lead, teacher, status, reason
):
    device = add_device(school, status=status)
    response = client_for(it_lead).post(f"/s/{school.slug}/loans/add/", form(device, teacher))
    assert response.status_code == 200
    assert f"{device} cannot be lent: {reason}." in page_text(response)
    assert not Loan.objects.exists()
    device.refresh_from_db()
    assert device.status == status


def test_a_device_already_out_cannot_be_lent_again(client_for, school, siro, it_lead, laptop):
    first = add_person(siro, school, first_name="Nia")
    lend(it_lead, laptop, first)
    response = client_for(it_lead).post(
        f"/s/{school.slug}/loans/add/", form(laptop, add_person(siro, school, first_name="Sol"))
    )
    assert "it is already out on loan: record its return first." in page_text(response)
    assert Loan.objects.get().borrower == first


@pytest.mark.parametrize("kind", ["backup_tape", "backup_disk"])
def test_backup_media_are_never_lent(client_for, school, it_lead, teacher, kind):
    device = add_device(school, kind)
    response = client_for(it_lead).post(f"/s/{school.slug}/loans/add/", form(device, teacher))
    assert loans.BACKUP_MEDIA_REFUSED in page_text(response)
    assert "policy T12" in loans.BACKUP_MEDIA_REFUSED
    assert not Loan.objects.exists()
    device.refresh_from_db()
    assert device.status == Device.Status.IN_STORE


def test_an_unencrypted_flash_drive_with_personal_data_is_refused_with_the_reason(
    client_for, school, it_lead, teacher
):
    drive = add_device(school, "flash_drive", make="", model="", encrypted=False)
    response = client_for(it_lead).post(f"/s/{school.slug}/loans/add/", form(drive, teacher))
    text = page_text(response)
    assert "holds personal data and is not encrypted, so it cannot be issued" in text
    assert "(policy P12, T3)" in text
    assert not Loan.objects.exists()


@pytest.mark.parametrize(
    ("encrypted", "personal"), [(True, True), (False, False)], ids=["encrypted", "no-data"]
)
def test_an_encrypted_drive_or_one_without_personal_data_is_issued(
    school, it_lead, teacher, encrypted, personal
):
    drive = add_device(school, "flash_drive", encrypted=encrypted, holds_personal_data=personal)
    assert lend(it_lead, drive, teacher).device.status == Device.Status.ON_LOAN


def test_an_unencrypted_laptop_with_personal_data_is_refused_too(school, it_lead, teacher):
    with pytest.raises(ValidationError, match="not encrypted"):
        lend(it_lead, add_device(school, encrypted=False), teacher)


def test_a_laptop_needs_a_due_date(client_for, school, it_lead, teacher, laptop):
    response = client_for(it_lead).post(
        f"/s/{school.slug}/loans/add/", form(laptop, teacher, due_on="")
    )
    assert loans.DUE_NEEDED in page_text(response)
    assert not Loan.objects.exists()


def test_a_token_is_issued_to_a_member_of_staff_for_good_and_returned(
    client_for, school, it_lead, teacher
):
    token = add_device(school, "otp_token", make="", model="", holds_personal_data=False)
    client = client_for(it_lead)
    response = client.post(f"/s/{school.slug}/loans/add/", form(token, teacher, due_on=""))
    assert response.status_code == 302
    loan = Loan.objects.get()
    token.refresh_from_db()
    assert (loan.due_on, token.status, token.assigned_to) == (None, "on_loan", teacher)
    assert "Held for good" in page_text(client.get(f"/s/{school.slug}/loans/"))

    response = client.post(
        f"/s/{school.slug}/loans/{loan.pk}/return/",
        {"returned_on": "2026-03-02", "back_to": "in_store"},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert (token.status, token.assigned_to) == ("in_store", None)


def test_a_token_has_no_due_date_and_is_not_issued_to_a_pupil(
    client_for, siro, school, it_lead, teacher
):
    token = add_device(school, "otp_token", holds_personal_data=False)
    client = client_for(it_lead)
    response = client.post(f"/s/{school.slug}/loans/add/", form(token, teacher))
    assert loans.TOKEN_NO_DUE in page_text(response)
    pupil = add_person(siro, school, Kind.PUPIL)
    response = client.post(f"/s/{school.slug}/loans/add/", form(token, pupil, due_on=""))
    assert loans.TOKEN_FOR_STAFF in page_text(response)
    assert not Loan.objects.exists()


def test_a_parent_or_a_leaver_cannot_borrow(school, siro, it_lead, laptop):
    parent = add_person(siro, school, Kind.PARENT, first_name="Ngozi")
    leaver = add_person(siro, school, first_name="Lee", left_on=dt.date(2026, 2, 1))
    for person in (parent, leaver):
        with pytest.raises(ValidationError) as refused:
            lend(it_lead, laptop, person)
        assert refused.value.message_dict["borrower"] == [loans.BORROWER_NOT_HERE]
    assert not Loan.objects.exists()


def test_the_form_lists_devices_that_may_go_out_first_and_leaves_out_the_disposed(
    client_for, school, it_lead
):
    tape = add_device(school, "backup_tape", make="LTO", model="Tape 9")
    lost = add_device(school, make="Lost", model="Laptop", status="lost")
    gone = add_device(school, make="Old", model="Laptop", status="disposed")
    good = add_device(school, make="Good", model="Laptop")
    text = page_text(client_for(it_lead).get(f"/s/{school.slug}/loans/add/?device={good.pk}"))
    assert text.index(str(good)) < text.index(str(tape)) < text.index(str(lost))
    assert f"{lost} (lost)" in text
    assert str(gone) not in text
    assert f'<option value="{good.pk}" selected>' in text


@pytest.mark.parametrize("wanted", ["abc", "999999", "-1", "1" * 40])
def test_a_bad_device_in_the_link_is_ignored(client_for, school, it_lead, wanted):
    assert (
        client_for(it_lead).get(f"/s/{school.slug}/loans/add/?device={wanted}").status_code == 200
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"device": ""}, "Choose the device to lend."),
        ({"device": "abc"}, "Choose a device from the list."),
        ({"borrower": ""}, "Choose who borrows it."),
        ({"borrower": "999999"}, "Choose a current member of staff or pupil from the list."),
        ({"out_on": ""}, "Enter the date: lent on."),
        ({"out_on": "31/02/2026"}, "Enter a real date, like 2 March 2026."),
        ({"out_on": "2026-03-03"}, "The loan date cannot be in the future."),
        ({"out_on": "1999-12-31"}, "Enter a date after 1 January 2000."),
        ({"due_on": "2026-02-27"}, "The due date cannot be before the loan date."),
        ({"due_on": "yesterday"}, "Enter a real date, like 2 March 2026."),
        ({"condition_out": "x" * 10_000}, "Ensure this value has at most 200 characters"),
    ],
)
def test_lending_with_bad_input_explains_and_changes_nothing(
    client_for, school, it_lead, teacher, laptop, fields, message
):
    response = client_for(it_lead).post(
        f"/s/{school.slug}/loans/add/", form(laptop, teacher) | fields
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text
    assert message in text
    assert not Loan.objects.exists()
    laptop.refresh_from_db()
    assert laptop.status == Device.Status.IN_STORE


def test_an_empty_post_explains_every_missing_field(client_for, school, it_lead):
    text = page_text(client_for(it_lead).post(f"/s/{school.slug}/loans/add/", {}))
    for message in ("Choose the device to lend.", "Choose who borrows it.", "Enter the date"):
        assert message in text


def test_a_second_open_loan_slipping_past_the_status_check_is_refused_cleanly(
    school, siro, it_lead, teacher, laptop
):
    lend(it_lead, laptop, teacher)
    # As if a second request had read the device before the first one saved it.
    Device.objects.filter(pk=laptop.pk).update(status=Device.Status.IN_STORE)
    with pytest.raises(ValidationError, match="already out on loan"):
        lend(it_lead, laptop, add_person(siro, school, first_name="Sol"))
    assert Loan.objects.count() == 1
