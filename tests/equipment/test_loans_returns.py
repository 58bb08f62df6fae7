"""Loans: recording a return (where the device goes, bad input, twice), and the loans list
(filters, overdue marks, fixed queries)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import AuditEvent
from bastion.equipment import loans
from bastion.equipment.models import Device, Loan
from bastion.people.models import Kind, Person
from tests.equipment.test_loans import TODAY, add_device, add_person, lend, page_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def teacher(siro, school):
    return add_person(siro, school)


@pytest.fixture
def laptop(school):
    return add_device(school)


# ---- returns --------------------------------------------------------------------------------


@pytest.mark.parametrize("back_to", ["in_store", "in_use"])
def test_a_return_records_the_date_condition_and_where_it_goes(
    client_for, school, it_lead, teacher, laptop, back_to
):
    loan = lend(it_lead, laptop, teacher, out_on=dt.date(2026, 2, 2))
    response = client_for(it_lead).post(
        f"/s/{school.slug}/loans/{loan.pk}/return/",
        {"returned_on": "2026-03-01", "condition_in": "Cracked hinge", "back_to": back_to},
    )
    assert response.status_code == 302
    loan.refresh_from_db()
    laptop.refresh_from_db()
    assert (loan.returned_on, loan.condition_in) == (dt.date(2026, 3, 1), "Cracked hinge")
    assert laptop.status == back_to
    event = AuditEvent.objects.get(action="loan.returned")
    assert event.changes["returned_on"] == [None, "2026-03-01"]
    assert event.changes["device_status"] == ["on_loan", back_to]
    # Back from loan, it may go out again.
    assert lend(it_lead, laptop, teacher).returned_on is None


def test_a_device_reported_lost_while_on_loan_stays_lost_when_the_loan_is_closed(
    school, it_lead, teacher, laptop
):
    loan = lend(it_lead, laptop, teacher)
    Device.objects.filter(pk=laptop.pk).update(status=Device.Status.LOST)
    loans.loan_return(actor=it_lead, school=school, loan=loan, returned_on=TODAY)
    laptop.refresh_from_db()
    assert laptop.status == Device.Status.LOST


def test_a_loan_cannot_be_returned_twice(client_for, school, it_lead, teacher, laptop):
    loan = lend(it_lead, laptop, teacher)
    loans.loan_return(actor=it_lead, school=school, loan=loan, returned_on=TODAY)
    with pytest.raises(ValidationError, match="already returned"):
        loans.loan_return(actor=it_lead, school=school, loan=loan, returned_on=TODAY)
    response = client_for(it_lead).get(f"/s/{school.slug}/loans/{loan.pk}/return/", follow=True)
    assert "was already returned on 2 March 2026" in page_text(response)
    assert AuditEvent.objects.filter(action="loan.returned").count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"returned_on": ""}, "Enter the date: returned on."),
        ({"returned_on": "2026-02-30"}, "Enter a real date, like 2 March 2026."),
        (
            {"returned_on": "2026-02-01"},
            "It cannot come back before it went out (2 February 2026).",
        ),
        ({"returned_on": "2026-03-09"}, "The return date cannot be in the future."),
        ({"back_to": "lost"}, "Choose whether it goes back in store or in use."),
        ({"back_to": ""}, "Choose whether it goes back in store or in use."),
        ({"condition_in": "x" * 201}, "Ensure this value has at most 200 characters"),
    ],
)
def test_a_return_with_bad_input_explains_and_changes_nothing(
    client_for, school, it_lead, teacher, laptop, fields, message
):
    loan = lend(it_lead, laptop, teacher, out_on=dt.date(2026, 2, 2))
    good = {"returned_on": "2026-03-01", "back_to": "in_store", "condition_in": "Fine"}
    response = client_for(it_lead).post(f"/s/{school.slug}/loans/{loan.pk}/return/", good | fields)
    assert response.status_code == 200
    assert message in page_text(response)
    loan.refresh_from_db()
    laptop.refresh_from_db()
    assert (loan.returned_on, laptop.status) == (None, Device.Status.ON_LOAN)


# ---- the list -------------------------------------------------------------------------------


def test_the_list_shows_loans_out_now_by_default_and_marks_the_overdue(
    client_for, school, siro, it_lead, office
):
    late = lend(
        it_lead,
        add_device(school, make="Late"),
        add_person(siro, school, first_name="Lata"),
        out_on=dt.date(2026, 2, 2),
        due_on=dt.date(2026, 2, 27),
    )
    soon = lend(
        it_lead, add_device(school, make="Soon"), add_person(siro, school, first_name="Sol")
    )
    back = lend(it_lead, add_device(school, make="Back"), add_person(siro, school, first_name="Bo"))
    loans.loan_return(actor=it_lead, school=school, loan=back, returned_on=TODAY)
    client = client_for(office)

    def shown(query=""):
        response = client.get(f"/s/{school.slug}/loans/{query}")
        assert response.status_code == 200
        return [loan.pk for loan in response.context["page"]]

    assert shown() == [late.pk, soon.pk]
    assert shown("?show=overdue") == [late.pk]
    assert shown("?show=returned") == [back.pk]
    assert set(shown("?show=all")) == {late.pk, soon.pk, back.pk}
    assert shown("?show=wizard&page=abc") == [late.pk, soon.pk]
    text = page_text(client.get(f"/s/{school.slug}/loans/"))
    assert "1 loan is overdue." in text
    assert text.count(">Overdue</strong>") == 1
    assert "Record return" not in text  # the office may look, not change


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("show", ["out", "overdue", "returned", "all"])
def test_the_list_uses_the_same_number_of_queries_for_5_or_300_loans(
    client_for, school, it_lead, show
):
    def add(count, start):
        people = Person.objects.bulk_create(
            Person(school=school, kind=Kind.STAFF, first_name=f"P{n}", last_name="Lender")
            for n in range(start, start + count)
        )
        devices = Device.objects.bulk_create(
            Device(school=school, kind="laptop", asset_tag=f"Q{n}", status="on_loan")
            for n in range(start, start + count)
        )
        Loan.objects.bulk_create(
            Loan(
                school=school,
                device=d,
                borrower=p,
                out_on=dt.date(2026, 1, 5),
                due_on=dt.date(2026, 2, 1) if n % 2 else dt.date(2026, 4, 1),
                returned_on=dt.date(2026, 2, 1) if n % 3 == 0 else None,
                issued_by=it_lead,
            )
            for n, (p, d) in enumerate(zip(people, devices, strict=True))
        )

    client = client_for(it_lead)
    url = f"/s/{school.slug}/loans/?show={show}"
    add(5, 0)
    client.get(url)  # warm the session
    few = _list_queries(client, url)
    add(300, 1000)
    many = _list_queries(client, url)
    assert few == many
    assert many <= 12
