"""The outbox over a real SMTP server: sent after commit, retried on failure, never sent twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMessage
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from bastion.notify.models import OutboxMessage
from bastion.notify.services import (
    CLAIM_TIMEOUT,
    ERASED,
    FLUSH_FAILURE_STREAK,
    mail_queue,
    outbox_flush,
    outbox_send,
)
from tests.conftest import _free_port
from tests.notify.conftest import received

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
Status = OutboxMessage.Status


def queue(**kwargs) -> OutboxMessage | None:
    fields = {"to": "sam@example.org", "subject": "Hello", "body": "Line one.\nLine two.\n"}
    return mail_queue(**fields | kwargs)


def test_a_queued_message_is_delivered_over_smtp_after_commit(
    smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(to="sam@example.org", subject="Your invitation", body="Welcome aboard.\n")
        assert smtp.messages == []  # not before the transaction commits

    [mail] = received(smtp)
    assert mail["To"] == "sam@example.org"
    assert mail["Subject"] == "[Bastion] Your invitation"
    assert mail.get_content() == "Welcome aboard.\n"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert smtp.messages[0].rcpt_tos == ["sam@example.org"]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 1, "")
    assert message.sent_at is not None


def test_nothing_is_sent_when_the_transaction_that_queued_it_rolls_back(
    smtp, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue()
        raise RuntimeError("the service failed")

    assert smtp.messages == []
    assert not OutboxMessage.objects.exists()


def test_a_refused_delivery_stays_pending_with_the_error_and_a_later_retry(
    smtp, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(START, tick=False)
    smtp.fail_next = 1
    with django_capture_on_commit_callbacks(execute=True):
        message = queue()

    message.refresh_from_db()
    assert smtp.messages == []
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert "451" in message.last_error
    assert message.next_attempt_at > START
    assert message.claimed_at is None


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_mail_server_does_not_fail_the_request_that_queued_mail(
    settings, staff, smtp
):
    smtp.fail_next = 0
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": _free_port(), "timeout": 5},
        }
    }

    response = Client().post("/accounts/password/reset/", {"email": staff.email})

    assert response.status_code == 302
    message = OutboxMessage.objects.get(to=staff.email)
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert "Connection refused" in message.last_error or "ConnectionRefused" in message.last_error


def test_run_schedule_delivers_a_failed_message_once_its_back_off_has_passed(
    smtp, run_schedule, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(START, tick=False)
    smtp.fail_next = 1
    with django_capture_on_commit_callbacks(execute=True):
        message = queue()

    time_machine.move_to(START + dt.timedelta(seconds=30), tick=False)
    out, _ = run_schedule()
    assert "outbox: sent 0, will retry 0" in out  # still backing off
    assert smtp.messages == []

    time_machine.move_to(START + dt.timedelta(minutes=2), tick=False)
    out, _ = run_schedule()
    assert "outbox: sent 1, will retry 0, gave up on 0" in out

    time_machine.move_to(START + dt.timedelta(hours=3), tick=False)
    run_schedule()
    [mail] = received(smtp)
    assert mail["Message-ID"].startswith(f"<outbox.{message.pk}.")
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)


def test_the_same_dedupe_key_queued_twice_makes_one_message(
    smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue(dedupe_key="invitation:42")
        second = queue(dedupe_key="invitation:42", subject="A different subject")

    assert first is not None
    assert second is None
    assert OutboxMessage.objects.count() == 1
    assert len(smtp.messages) == 1


def test_a_second_sender_arriving_mid_send_does_not_send_it_again(smtp, monkeypatch):
    message = queue()  # no commit in this test: only the explicit sends below run
    real_send = EmailMessage.send
    rival = []

    def send_while_a_rival_tries(self, *args, **kwargs):
        if not rival:
            rival.append(outbox_send(message.pk))
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", send_while_a_rival_tries)

    assert outbox_send(message.pk) is True
    assert rival == [False]
    assert outbox_send(message.pk) is False
    assert len(smtp.messages) == 1


def test_a_message_claimed_by_a_live_sender_is_left_alone(smtp):
    message = queue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, claimed_at=timezone.now() - dt.timedelta(minutes=1), attempts=1
    )

    assert outbox_send(message.pk) is False
    assert outbox_flush().sent == 0
    assert smtp.messages == []


def test_an_abandoned_claim_is_retried_after_the_claim_timeout(smtp, run_schedule):
    message = queue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING,
        claimed_at=timezone.now() - CLAIM_TIMEOUT - dt.timedelta(seconds=1),
        attempts=1,
    )

    out, _ = run_schedule("--job", "outbox")

    assert "outbox: sent 1" in out
    assert len(smtp.messages) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)


def test_a_message_gives_up_after_the_maximum_attempts_and_the_command_says_so(
    settings, smtp, run_schedule, django_capture_on_commit_callbacks, time_machine
):
    settings.BASTION_OUTBOX_MAX_ATTEMPTS = 3
    smtp.fail_next = 100
    time_machine.move_to(START, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(to="gone@example.org", subject="Reminder")

    time_machine.move_to(START + dt.timedelta(hours=1), tick=False)
    out, _ = run_schedule("--job", "outbox")
    assert "sent 0, will retry 1, gave up on 0" in out
    time_machine.move_to(START + dt.timedelta(hours=2), tick=False)
    out, _ = run_schedule("--job", "outbox")

    assert "sent 0, will retry 0, gave up on 1" in out
    assert f"gave up on #{message.pk} to gone@example.org ([Bastion] Reminder) after 3" in out
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 3)
    assert "451" in message.last_error

    time_machine.move_to(START + dt.timedelta(days=2), tick=False)
    out, _ = run_schedule("--job", "outbox")
    assert "sent 0, will retry 0, gave up on 0" in out
    assert smtp.fail_next == 97  # three tries reached the server, no more
    message.refresh_from_db()
    assert message.attempts == 3


def test_an_abandoned_claim_on_its_last_attempt_gives_up(settings, smtp, run_schedule):
    message = queue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING,
        claimed_at=timezone.now() - CLAIM_TIMEOUT - dt.timedelta(seconds=1),
        attempts=settings.BASTION_OUTBOX_MAX_ATTEMPTS,
    )

    out, _ = run_schedule("--job", "outbox")

    assert "gave up on 1" in out
    assert smtp.messages == []
    message.refresh_from_db()
    assert message.status == Status.FAILED


class _RefusingHandler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such mailbox"


def test_a_mailbox_the_server_says_does_not_exist_is_not_retried(
    settings, django_capture_on_commit_callbacks
):
    controller = Controller(_RefusingHandler(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    try:
        with django_capture_on_commit_callbacks(execute=True):
            message = queue(to="nobody@example.org")
    finally:
        controller.stop()

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 1)
    assert "550" in message.last_error


def test_a_line_break_in_a_subject_cannot_add_a_header(smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue(to="sam@example.org", subject="Hello\r\nBcc: eve@example.org")

    [mail] = received(smtp)
    assert mail["Bcc"] is None
    assert mail["Subject"] == "[Bastion] Hello Bcc: eve@example.org"
    assert smtp.messages[0].rcpt_tos == ["sam@example.org"]


def test_a_flush_stops_early_when_the_mail_server_keeps_failing(smtp):
    messages = [queue(to=f"person{i}@example.org") for i in range(FLUSH_FAILURE_STREAK + 2)]
    smtp.fail_next = 100

    done = outbox_flush()

    assert (done.sent, done.retrying) == (0, FLUSH_FAILURE_STREAK)
    attempts = sorted(
        OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).values_list(
            "attempts", flat=True
        )
    )
    assert attempts == [0, 0] + [1] * FLUSH_FAILURE_STREAK


def test_a_flush_sends_the_oldest_message_first(smtp, time_machine):
    time_machine.move_to(START, tick=False)
    queue(to="first@example.org")
    time_machine.move_to(START + dt.timedelta(minutes=1), tick=False)
    queue(to="second@example.org")

    assert outbox_flush().sent == 2

    assert [m.rcpt_tos for m in smtp.messages] == [["first@example.org"], ["second@example.org"]]


@pytest.mark.django_db(transaction=True)
def test_workers_flushing_at_the_same_moment_send_each_message_once(smtp):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's test database serialises writers: the race needs PostgreSQL")
    for i in range(20):
        OutboxMessage.objects.create(
            dedupe_key=f"race:{i}",
            to=f"p{i}@example.org",
            subject="Hi",
            body="Hi",
            next_attempt_at=timezone.now(),
        )
    start, results = threading.Barrier(4), []

    def worker():
        try:
            start.wait()
            results.append(outbox_flush().sent)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(results) == 20
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(
        f"p{i}@example.org" for i in range(20)
    )
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}


def test_a_message_carrying_a_single_use_link_is_erased_once_delivered(
    smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = mail_queue(
            to="new.starter@example.org",
            subject="Invitation",
            body="https://x/invite/SECRET/",
            secret=True,
        )
    assert "SECRET" in smtp.messages[0].data
    assert OutboxMessage.objects.get(pk=message.pk).body == ERASED


def test_an_ordinary_message_keeps_its_body_after_delivery(
    smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = mail_queue(to="head@example.org", subject="Digest", body="3 things are due")
    assert OutboxMessage.objects.get(pk=message.pk).body == "3 things are due"
