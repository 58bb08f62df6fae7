"""Helpers for the notify tests: run the command, read what the SMTP server received."""

from __future__ import annotations

import email
import email.policy
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture
def run_schedule(django_capture_on_commit_callbacks):
    """run_schedule(*args) -> (stdout, stderr); mail queued during the run is sent after commit."""

    def run(*args):
        out, err = StringIO(), StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_schedule", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    return run


def received(smtp) -> list[email.message.EmailMessage]:
    """The messages the test SMTP server accepted, parsed (with the wire's CRLFs as newlines)."""
    return [
        email.message_from_string(m.data.replace("\r\n", "\n"), policy=email.policy.default)
        for m in smtp.messages
    ]
