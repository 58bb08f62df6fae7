"""Signing in Bastion: My tasks shows the agreement, the member signs it once, with evidence."""

from __future__ import annotations

import pytest

from bastion.agreements import signing
from bastion.agreements.models import Signature, text_hash
from bastion.core.models import AuditEvent
from bastion.notify.mytasks import tasks_for
from bastion.people.models import Kind
from tests.agreements.helpers import add, agreements

pytestmark = pytest.mark.django_db
URL = "/s/ashmole/agreements/sign/"


@pytest.fixture
def me(school, staff):
    agreements(school)
    return add(school, Kind.STAFF, "Sam", "Staff", user=staff)


def test_my_tasks_asks_an_unsigned_member_to_sign(me, staff):
    titles = [t.title for t in tasks_for(staff)]
    assert "Sign the Staff Acceptable Use Agreement" in titles
    task = next(t for t in tasks_for(staff) if t.title.startswith("Sign the"))
    assert task.url == URL


def test_a_governor_is_asked_to_sign_the_governors_agreement(school, governor):
    agreements(school)
    add(school, Kind.GOVERNOR, "Gina", "Governor", user=governor)
    assert "Sign the Governors' Acceptable Use Agreement" in [t.title for t in tasks_for(governor)]


def test_the_task_uses_the_same_queries_however_many_schools_and_people(
    school, other_school, staff, django_assert_num_queries
):
    from tests.conftest import add_member

    agreements(school)
    add(school, Kind.STAFF, "Sam", "Staff", user=staff)
    from bastion.agreements.mytasks import agreements_to_sign
    from bastion.core.models import Membership

    memberships = list(Membership.objects.filter(user=staff).select_related("school"))
    with django_assert_num_queries(1):
        assert len(agreements_to_sign(staff, memberships)) == 1
    add_member(staff, other_school, "staff")
    agreements(other_school)
    add(other_school, Kind.STAFF, "Sam", "Staff", user=staff)
    for i in range(5):
        add(school, Kind.STAFF, f"Other{i}")
    memberships = list(Membership.objects.filter(user=staff).select_related("school"))
    with django_assert_num_queries(1):
        assert len(agreements_to_sign(staff, memberships)) == 2


def test_a_member_signs_and_the_signature_keeps_the_evidence(me, staff, school, client_for):
    client = client_for(staff)
    page = client.get(URL)
    assert page.status_code == 200
    assert "Staff Acceptable Use Agreement" in page.content.decode()
    response = client.post(
        URL,
        {"typed_name": "Sam Staff", "agree": "on"},
        HTTP_USER_AGENT="TestBrowser/1.0",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    signature = Signature.objects.get(person=me)
    version = signature.version
    assert signature.method == "online"
    assert signature.text_hash == version.text_hash == text_hash(version.text)
    assert signature.typed_name == "Sam Staff"
    assert signature.ip == "203.0.113.9"
    assert signature.user_agent == "TestBrowser/1.0"
    assert signature.recorded_by == staff
    assert AuditEvent.objects.filter(action="agreement.signed", school=school).count() == 1
    assert not [t for t in tasks_for(staff) if t.title.startswith("Sign the")]
    assert "You have signed" in client.get(URL).content.decode()


def test_signing_twice_makes_one_signature(me, staff, school):
    agreement = signing.agreement_for(me)
    first, created = signing.agreement_sign(
        actor=staff, school=school, person=me, agreement=agreement, typed_name="Sam Staff"
    )
    again, created_again = signing.agreement_sign(
        actor=staff, school=school, person=me, agreement=agreement, typed_name="Sam Staff"
    )
    assert created and not created_again and first.pk == again.pk
    assert Signature.objects.filter(person=me).count() == 1


def test_a_double_post_makes_one_signature(me, staff, client_for):
    client = client_for(staff)
    for _ in range(2):
        assert client.post(URL, {"typed_name": "Sam Staff", "agree": "on"}).status_code == 302
    assert Signature.objects.filter(person=me).count() == 1


@pytest.mark.parametrize(
    "data,message",
    [
        ({"typed_name": "", "agree": "on"}, "Type your full name to sign."),
        ({"typed_name": "Sam Staff"}, "Tick the box to say you have read the agreement"),
    ],
)
def test_a_signature_needs_a_name_and_the_tick(me, staff, client_for, data, message):
    response = client_for(staff).post(URL, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Signature.objects.filter(person=me).exists()


def test_a_member_not_in_the_directory_is_told_to_ask_the_office(school, staff, client_for):
    response = client_for(staff).get(URL)
    assert "not linked to an entry" in response.content.decode()
    assert client_for(staff).post(URL, {"typed_name": "Sam", "agree": "on"}).status_code == 200
    assert not Signature.objects.exists()


def test_an_outsider_cannot_open_the_signing_page(school, outsider, client_for):
    assert client_for(outsider).get(URL).status_code == 404
