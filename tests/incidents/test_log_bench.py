"""The benchmark's incidents: a realistic mix the breach log is measured against."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.accounts.models import User
from bastion.incidents import log
from bastion.incidents.models import Action, Incident, clock_running_q
from bench.generate import SCALES, generate

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 1)  # the generator's day


def test_the_trust_scale_has_3000_incidents():
    assert SCALES["trust"].incidents == 3000


def test_the_generated_incidents_mix_kinds_outcomes_and_running_clocks():
    counts = generate("school", today=TODAY)
    incidents = Incident.objects.all()
    assert counts["incidents"] == incidents.count() == SCALES["school"].incidents
    assert incidents.values("kind").distinct().count() >= 5
    assert incidents.filter(notify_ico=True, ico_notified_at__isnull=False).exists()
    assert incidents.filter(notify_ico=False).exists()
    late = [i for i in incidents.filter(ico_notified_at__isnull=False) if i.notified_late]
    assert late and all(i.late_reason for i in late)
    assert incidents.filter(status=Incident.Status.CLOSED).exists()
    now = dt.datetime.combine(TODAY, dt.time(9), tzinfo=dt.UTC)
    counts = log.open_counts(incidents.first().school, now=now)
    running = incidents.filter(clock_running_q(), aware_at__gt=now - dt.timedelta(hours=72))
    assert counts.overdue > 0 and running.exists()
    assert Action.objects.filter(done_at__isnull=True).exists()
    assert Action.objects.filter(done_at__isnull=False).exists()


def test_the_benchmark_s_dpo_opens_the_breach_log(client):
    generate("tiny", today=TODAY)
    client.force_login(User.objects.get(email="dpo@bench-01.bench.example.org"))
    response = client.get("/s/bench-01/incidents/log/?term=spring-2026&kind=lost_device")
    assert response.status_code == 200
    assert all(i.kind == "lost_device" for i in response.context["page"])
    assert client.get("/s/bench-01/incidents/log/").context["page"].paginator.count == 12
