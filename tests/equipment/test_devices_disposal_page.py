"""A device's page and its disposal: "Dispose of this device" starts a disposal with it chosen,
and once disposed of the page links to the disposal and its certificate, and gives no location."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.equipment import disposal
from bastion.equipment.models import Location
from tests.equipment.test_disposal_batches import add_contractor, certify, laptop, start

pytestmark = pytest.mark.django_db

YESTERDAY = dt.date.today() - dt.timedelta(days=1)


def page_of(client, device) -> str:
    return client.get(f"/s/{device.school.slug}/equipment/devices/{device.pk}/").content.decode()


def test_the_it_lead_disposes_of_a_device_from_its_page(school, it_lead, client_for):
    device = laptop(school)
    client = client_for(it_lead)

    page = page_of(client, device)

    link = f'href="/s/{school.slug}/disposals/add/?device={device.pk}">Dispose of this device</a>'
    assert link in page
    form = client.get(f"/s/{school.slug}/disposals/add/?device={device.pk}").content.decode()
    assert f'name="devices" type="checkbox" value="{device.pk}" checked>' in form


def test_who_may_not_manage_disposal_sees_no_dispose_action(school, office, client_for):
    assert "Dispose of this device" not in page_of(client_for(office), laptop(school))


def test_a_device_already_in_a_disposal_links_to_it_instead(school, it_lead, client_for):
    device = laptop(school)
    batch = start(it_lead, school, [device])

    page = page_of(client_for(it_lead), device)

    assert "Dispose of this device" not in page
    url = f"/s/{school.slug}/disposals/{batch.pk}/"
    assert (
        f'<a class="govuk-link" href="{url}">Disposal {batch.number}</a> (being prepared)' in page
    )


def test_a_disposed_device_links_to_its_disposal_and_certificate_and_has_no_location(
    school, it_lead, client_for
):
    room = Location.objects.create(school=school, name="ICT suite")
    device = laptop(school, location=room)
    batch = start(
        it_lead,
        school,
        [device],
        add_contractor(school),
        collected_on=YESTERDAY,
        waste_transfer_note="WTN-9",
    )
    item = batch.items.get()
    certify(it_lead, item, number="CSD-5150")
    disposal.batch_complete(actor=it_lead, school=school, batch=batch)

    page = page_of(client_for(it_lead), device)

    assert f'href="/s/{school.slug}/disposals/{batch.pk}/">Disposal {batch.number}</a>' in page
    assert "completed on" in page
    assert "Certificate of secure deletion CSD-5150" in page
    certificate = f"/s/{school.slug}/disposals/{batch.pk}/devices/{item.pk}/certificate/file/"
    assert f'href="{certificate}">Download the certificate (certificate.pdf)</a>' in page
    assert "ICT suite" not in page
    assert ">Location<" not in page
    assert "Dispose of this device" not in page
