"""Helpers for the handling tests: post the DPO's forms as the browser does."""

from __future__ import annotations


def page(school, incident, name="") -> str:
    return f"/s/{school.slug}/incidents/{incident.pk}/{name}"


def assess(client, school, incident, likelihood="high", severity="high", **extra):
    data = {
        "likelihood": likelihood,
        "severity": severity,
        "risk_reasoning": "Unencrypted, with pupils' medical notes.",
        "aware_at": "2026-03-02T08:00",
    } | extra
    return client.post(page(school, incident, "assess/"), data)


def decide(client, school, incident, **data):
    return client.post(page(school, incident, "ico/"), data)


def close(client, school, incident, **data):
    data = {"cause": "Password kept on paper.", "lessons": "Use the password manager."} | data
    return client.post(page(school, incident, "close/"), data)


def errors(response, field) -> str:
    return " ".join(response.context["form"].errors.get(field, []))
