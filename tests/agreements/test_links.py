"""Single-use links: sent by e-mail (over SMTP) or on letters with a QR code; the public page
greets by first name only, signs for a parent and their child, and refuses spent links kindly."""

from __future__ import annotations

import datetime as dt
import email
import html
import re

import pytest
from django.utils import timezone

from bastion.accounts.models import token_digest
from bastion.agreements import links, signing, throttle
from bastion.agreements.models import Signature, SigningLink
from bastion.core.models import AuditEvent
from bastion.notify.models import OutboxMessage
from tests.agreements.helpers import agreements, parent_of, pupil
from tests.exports import pdf_text

pytestmark = pytest.mark.django_db


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _link_of(message) -> str:
    body = email.message_from_string(message.data).get_payload(decode=True).decode()
    return re.search(r"http://\S+/sign/\S+/", body).group(0)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@pytest.fixture
def family(school):
    agreements(school)
    child = pupil(school, "3", "3A", "Juniper", last="Quillfeather")
    little = pupil(school, "R", "RA", "Bramble", last="Quillfeather")
    parent = parent_of(school, child, little, first="Marigold", email="marigold@example.org")
    parent.last_name = "Quillfeather"
    parent.save()
    return parent, child, little


def _new_link(school, person, office=None) -> str:
    from bastion.agreements.coverage import people

    annotated = people([school]).get(pk=person.pk)
    [(_, url, _)] = links.links_for_letters(actor=office, school=school, persons=[annotated])
    return _path(url)


def test_links_go_out_by_email_over_smtp_and_only_a_hash_is_kept(
    school, office, family, client_for, smtp, django_capture_on_commit_callbacks
):
    parent, _, _ = family
    client = client_for(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/s/ashmole/agreements/send/?audience=parent", {"how": "email"})
    assert response.status_code == 302
    [message] = smtp.messages
    assert message.rcpt_tos == ["marigold@example.org"]
    url = _link_of(message)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes: 256 bits
    link = SigningLink.objects.get(person=parent)
    assert link.token_hash == token_digest(token)
    assert token not in link.token_hash and link.token_hash not in message.data
    # The outbox forgets the link once delivered.
    assert OutboxMessage.objects.get().body.startswith("[erased")
    assert AuditEvent.objects.filter(action="agreement.links_sent", actor=office).exists()


def test_the_public_page_greets_by_first_name_only(client, school, family):
    parent, _child, _little = family
    page = _page(client.get(_new_link(school, parent)))
    assert "Hello Marigold" in page
    assert "Parents' and Carers' Acceptable Use Agreement" in page
    for private in ("Quillfeather", "Juniper", "Bramble", "marigold@example.org"):
        assert private not in page
    assert "for my child in Year 3" in page and "for my child in Reception" in page


def test_a_parent_signs_for_themselves_and_their_child(client, school, family):
    parent, child, little = family
    path = _new_link(school, parent)
    response = client.post(
        path,
        {"typed_name": "Marigold Q", "agree": "on", "children": ["3"]},
        HTTP_USER_AGENT="Phone/1.0",
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302 and response.url == "/sign/done/"
    own = Signature.objects.get(person=parent)
    assert (own.method, own.ip, own.user_agent, own.typed_name) == (
        "link",
        "198.51.100.7",
        "Phone/1.0",
        "Marigold Q",
    )
    assert own.agreement.audience == "parent"
    for_child = Signature.objects.get(person=child)
    assert for_child.signed_by == parent and for_child.agreement.audience == "pupil_older"
    assert not Signature.objects.filter(person=little).exists()  # not ticked
    assert SigningLink.objects.get(person=parent).used_at is not None


def test_a_replayed_link_is_refused_kindly(client, school, family):
    parent, _, _ = family
    path = _new_link(school, parent)
    client.post(path, {"typed_name": "Marigold", "agree": "on"})
    again = client.post(path, {"typed_name": "Marigold", "agree": "on"})
    assert again.status_code == 410
    assert "This link has been used" in _page(again)
    assert "Marigold" not in _page(again)
    assert Signature.objects.filter(person=parent).count() == 1
    assert client.get(path).status_code == 410


def test_a_link_spent_while_the_page_was_open_signs_nothing_more(school, family):
    parent, _, _ = family
    path = _new_link(school, parent)
    link = links.link_for_token(path.rstrip("/").rsplit("/", 1)[1])
    signing.link_sign(link=link, typed_name="Marigold", sign_own=True, for_children=[])
    with pytest.raises(signing.LinkUnusable):
        signing.link_sign(link=link, typed_name="Marigold", sign_own=True, for_children=["3"])
    assert Signature.objects.count() == 1


def test_an_expired_link_says_so(client, school, family, time_machine):
    parent, _, _ = family
    path = _new_link(school, parent)
    time_machine.move_to(timezone.now() + dt.timedelta(days=31))
    response = client.get(path)
    assert response.status_code == 410
    assert "This link has expired" in _page(response)


def test_a_newer_link_replaces_the_older_one(client, school, family):
    parent, _, _ = family
    old = _new_link(school, parent)
    new = _new_link(school, parent)
    assert "has been replaced" in _page(client.get(old))
    assert client.get(new).status_code == 200


@pytest.mark.parametrize("token", ["nope", "x" * 43, "x" * 300])
def test_an_unknown_link_is_not_found(client, school, token):
    response = client.get(f"/sign/{token}/")
    assert response.status_code == 404
    assert "Link not recognised" in _page(response)


def test_guessing_links_is_rate_limited(client, school, family):
    parent, _, _ = family
    good = _new_link(school, parent)
    for i in range(throttle.MAX_FAILURES):
        assert client.get(f"/sign/guess-{i}/").status_code == 404
    assert client.get("/sign/guess-again/").status_code == 429
    assert client.get(good).status_code == 429  # blocked from this address for a while
    assert AuditEvent.objects.filter(action="agreement.link_throttled").count() == 1
    # Another address is not blocked.
    assert client.get(good, REMOTE_ADDR="192.0.2.44").status_code == 200


def test_the_school_can_stop_parents_signing_for_children(client, school, family, office):
    from bastion.agreements import services

    parent, child, _ = family
    row = services.settings_for(school)
    row.parents_sign_for_children = False
    row.save()
    path = _new_link(school, parent)
    assert "for my child" not in _page(client.get(path))
    client.post(path, {"typed_name": "Marigold", "agree": "on", "children": ["3"]})
    assert not Signature.objects.filter(person=child).exists()


def test_a_bad_submission_keeps_what_was_typed(client, school, family):
    parent, _, _ = family
    path = _new_link(school, parent)
    response = client.post(path, {"typed_name": "Marigold Q"})
    assert response.status_code == 200
    assert 'value="Marigold Q"' in response.content.decode()
    assert SigningLink.objects.get(person=parent).used_at is None


def test_letters_print_a_link_and_qr_code_for_each_parent_of_a_class(
    school, office, family, client_for
):
    parent, _child, _ = family
    other = parent_of(school, pupil(school, "3", "3B"), first="Holly")
    response = client_for(office).post(
        "/s/ashmole/agreements/send/?audience=parent&class_name=3A", {"how": "letter"}
    )
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Dear Marigold" in text and "Juniper Quillfeather" in text
    assert "Holly" not in text
    link = SigningLink.objects.get(person=parent)
    assert link.sent_by == "letter"
    assert not SigningLink.objects.filter(person=other).exists()
    assert b"/Subtype /Image" in response.content  # the QR code


def test_staff_cannot_send_links(school, staff, client_for):
    assert client_for(staff).get("/s/ashmole/agreements/send/").status_code == 403


def test_nothing_to_sign_is_said_plainly(client, school, family):
    parent, child, little = family
    a = agreements(school)
    from tests.agreements.helpers import sign

    sign(parent, a["parent"])
    sign(child, a["pupil_older"])
    sign(little, a["pupil_younger"])
    page = _page(client.get(_new_link(school, parent)))
    assert "nothing for you to sign" in page
