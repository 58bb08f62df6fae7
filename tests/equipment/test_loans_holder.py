"""A device has one holder: lending it makes the borrower its holder on the register and on its
page, returning it leaves nobody, and the holder cannot be changed behind an open loan."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from bastion.equipment import devices, loans
from bastion.equipment.models import Device, Loan
from tests.equipment.test_loans import TODAY, add_device, add_person, lend

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher(siro, school):
    return add_person(siro, school)


@pytest.fixture
def pupil(siro, school):
    return add_person(siro, school, kind="pupil", first_name="Ada", last_name="Quill")


def test_lending_a_laptop_makes_the_borrower_its_holder(school, it_lead, teacher, pupil):
    laptop = add_device(school, kind="tablet", assigned_to=teacher)

    lend(it_lead, laptop, pupil)

    assert Device.objects.get(pk=laptop.pk).assigned_to == pupil


def test_the_devices_page_names_the_borrower_of_its_open_loan(
    school, it_lead, teacher, pupil, client_for
):
    tablet = add_device(school, kind="tablet", assigned_to=teacher)
    lend(it_lead, tablet, pupil)
    # An old row where the register still names someone else: the loan is what counts.
    Device.objects.filter(pk=tablet.pk).update(assigned_to=teacher)

    page = client_for(it_lead).get(f"/s/{school.slug}/equipment/devices/{tablet.pk}/")

    row = page.content.decode().split('id="holder"', 1)[1].split("</dd>", 1)[0]
    assert "Ada Quill, on loan since 2 March 2026 (due back 16 March 2026)" in row
    assert "Imogen" not in row


def test_returning_it_leaves_nobody_holding_it(school, it_lead, pupil, client_for):
    tablet = add_device(school, kind="tablet")
    loan = lend(it_lead, tablet, pupil)

    loans.loan_return(actor=it_lead, school=school, loan=loan, returned_on=TODAY)

    assert Device.objects.get(pk=tablet.pk).assigned_to is None
    page = client_for(it_lead).get(f"/s/{school.slug}/equipment/devices/{tablet.pk}/")
    row = page.content.decode().split('id="holder"', 1)[1].split("</dd>", 1)[0]
    assert row.endswith("Nobody")


def test_the_holder_of_a_lent_device_cannot_be_changed_behind_the_loan(
    school, it_lead, teacher, pupil
):
    tablet = add_device(school, kind="tablet")
    lend(it_lead, tablet, pupil)
    tablet = Device.objects.get(pk=tablet.pk)

    with pytest.raises(ValidationError) as refused:
        devices.device_update(
            actor=it_lead, school=school, device=tablet, data={"assigned_to": teacher}
        )

    assert refused.value.message_dict["assigned_to"] == [
        "It is on loan to Ada Quill: record its return before giving it to someone else."
    ]
    assert Device.objects.get(pk=tablet.pk).assigned_to == pupil
    assert Loan.objects.get().borrower == pupil
