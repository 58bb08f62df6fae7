"""The breach log page: who may see it, each filter and their combination, bad input, the chart
and its figures, the audit of every visit, and a fixed number of queries at 3,000 incidents."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.core.models import AuditEvent
from bastion.incidents.models import Action, Incident, Kind, Risk
from tests.incidents.test_log_figures import NOT_REPORTABLE, NOW, add_incident, at, told

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"INC-\d{4}-\d{4}")


def url(school, query: str = "") -> str:
    return f"/s/{school.slug}/incidents/log/" + (f"?{query}" if query else "")


def listed(response) -> list[str]:
    """The references the log's table shows, in order."""
    html = response.content.decode()
    table = html.split('id="breach-log"', 1)[1].split("</table>", 1)[0]
    return REFERENCE.findall(table)


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.current = self.tables.setdefault(attrs.get("id", ""), [])
        elif tag == "tr" and self.current is not None:
            self.current.append([])
        elif tag in ("td", "th") and self.current is not None:
            self.current[-1].append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.current and self.current[-1]:
            self.current[-1][-1] += data.strip()


def table(response, table_id: str) -> list[list[str]]:
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables[table_id]


@pytest.fixture
def today(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def log_of(school, other_school, siro, dpo, outsider, today):
    """Six incidents of school A across two terms, and one of school B."""
    a, b = at(2025, 10, 6, 9), at(2026, 2, 10, 9)
    made = {
        "lost": add_incident(
            school, siro, a, Kind.LOST_DEVICE, risk=Risk.NO_RISK, **NOT_REPORTABLE,
            status=Incident.Status.CLOSED,
        ),
        "stolen": add_incident(
            school, dpo, a + dt.timedelta(days=3), Kind.STOLEN_DEVICE, risk=Risk.HIGH_RISK,
            **told(a + dt.timedelta(days=3), 30), status=Incident.Status.TRIAGED,
        ),
        "password": add_incident(school, siro, at(2025, 12, 1, 9), Kind.PASSWORD),
        "email": add_incident(
            school, siro, b, Kind.WRONG_RECIPIENT, risk=Risk.RISK, **told(b, 90),
            status=Incident.Status.TRIAGED,
        ),
        "overdue": add_incident(school, siro, NOW - dt.timedelta(hours=80), Kind.MALWARE),
        "fresh": add_incident(school, dpo, NOW - dt.timedelta(hours=5), Kind.LOST_DEVICE),
        "theirs": add_incident(other_school, outsider, b, Kind.LOST_DEVICE),
    }  # fmt: skip
    return {name: incident.reference for name, incident in made.items()}


# Who may see it --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["incidents/log/", "incidents/log/export/"])
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("siro", 200),
        ("dpo", 200),
        ("trust_admin", 200),
        ("it_lead", 403),
        ("office", 403),
        ("staff", 403),
        ("governor", 403),
        ("outsider", 404),
    ],
)
def test_only_the_dpo_the_siro_and_trust_admins_see_the_log(
    request, school, client_for, persona, status, path
):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    assert client.get(f"/s/{school.slug}/{path}").status_code == status
    if status != 200:
        post = client.post(f"/s/{school.slug}/{path}", {"format": "xlsx"})
        assert post.status_code == status
        assert not AuditEvent.objects.filter(action__startswith="incident.log").exists()


def test_the_log_is_only_read_a_post_is_refused(school, dpo, client_for):
    assert client_for(dpo).post(url(school), {"term": "autumn-2025"}).status_code == 405
    assert not AuditEvent.objects.filter(action="incident.log_viewed").exists()


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(school, client):
    response = client.get(url(school))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_menu_shows_the_breach_log_only_to_those_who_may_see_it(
    school, dpo, staff, office, client_for
):
    home = f"/s/{school.slug}/"
    assert ">Breach log</a>" in client_for(dpo).get(home).content.decode()
    for user in (staff, office):
        assert "Breach log" not in client_for(user).get(home).content.decode()


# Filters ---------------------------------------------------------------------------------------


def test_the_log_lists_every_incident_of_the_school_newest_awareness_first(
    log_of, school, dpo, client_for
):
    response = client_for(dpo).get(url(school))
    assert response.status_code == 200
    names = ["fresh", "overdue", "email", "password", "stolen", "lost"]
    assert listed(response) == [log_of[n] for n in names]
    assert log_of["theirs"] not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("term=autumn-2025", ["password", "stolen", "lost"]),
        ("term=spring-2026", ["fresh", "overdue", "email"]),
        ("term=summer-2026", []),
        ("kind=lost_device", ["fresh", "lost"]),
        ("kind=wrong_recipient", ["email"]),
        ("status=open", ["fresh", "overdue", "email", "password", "stolen"]),
        ("status=closed", ["lost"]),
        ("status=triaged", ["email", "stolen"]),
        ("notified=yes", ["email", "stolen"]),
        ("notified=no", ["lost"]),
        ("notified=pending", ["fresh", "overdue", "password"]),
        ("risk=high_risk", ["stolen"]),
        ("risk=no_risk", ["lost"]),
        ("risk=unassessed", ["fresh", "overdue", "password"]),
    ],
)
def test_each_filter_narrows_the_log(log_of, school, siro, client_for, query, expected):
    response = client_for(siro).get(url(school, query))
    assert listed(response) == [log_of[n] for n in expected]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("term=autumn-2025&kind=lost_device", ["lost"]),
        ("term=spring-2026&kind=lost_device", ["fresh"]),
        ("term=autumn-2025&notified=yes&risk=high_risk", ["stolen"]),
        ("term=autumn-2025&notified=yes&risk=no_risk", []),
        ("status=open&notified=pending&kind=malware", ["overdue"]),
        ("term=spring-2026&status=triaged&notified=yes&risk=risk&kind=wrong_recipient", ["email"]),
    ],
)
def test_filters_combine(log_of, school, dpo, client_for, query, expected):
    response = client_for(dpo).get(url(school, query))
    assert listed(response) == [log_of[n] for n in expected]
    assert "ignored-filters" not in response.content.decode()


def test_the_chosen_filters_stay_chosen_and_the_export_link_carries_them(
    log_of, school, dpo, client_for
):
    html = client_for(dpo).get(url(school, "term=autumn-2025&kind=password")).content.decode()
    assert '<option value="autumn-2025" selected>Autumn term 2025</option>' in html
    assert '<option value="password" selected>' in html
    assert (
        f'href="/s/{school.slug}/incidents/log/export/?term=autumn-2025&amp;kind=password"' in html
    )
    assert "1 incident: Autumn term 2025 (September to December 2025); kind: lost or" in html


@pytest.mark.parametrize(
    ("query", "ignored"),
    [
        ("term=winter-2025", "term"),
        ("term=autumn-99999", "term"),
        ("kind=cat", "kind"),
        ("status=CLOSED", "status"),
        ("notified=maybe", "ICO"),
        ("risk=%00", "risk"),
        ("term=%00&kind=" + "x" * 5000, "term, kind"),
        ("risk=high_risk%00", "risk"),
    ],
)
def test_a_filter_that_is_not_a_choice_is_ignored_and_named(
    log_of, school, dpo, client_for, query, ignored
):
    response = client_for(dpo).get(url(school, query))
    assert response.status_code == 200
    assert len(listed(response)) == 6
    assert f"so they were ignored: {ignored}." in response.content.decode()


def test_a_bad_filter_beside_a_good_one_keeps_the_good_one(log_of, school, dpo, client_for):
    response = client_for(dpo).get(url(school, "kind=lost_device&risk=enormous"))
    assert listed(response) == [log_of["fresh"], log_of["lost"]]
    assert "so they were ignored: risk." in response.content.decode()


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999", "%00", "1.5", "9" * 400])
def test_a_page_number_that_is_not_one_still_shows_a_page(log_of, school, dpo, client_for, page):
    response = client_for(dpo).get(url(school, f"page={page}"))
    assert response.status_code == 200
    assert len(listed(response)) == 6


def test_the_log_is_paginated_and_the_pages_keep_the_filters(school, siro, dpo, client_for, today):
    for day in range(30):
        add_incident(school, siro, at(2026, 1, 5, 9) + dt.timedelta(days=day), Kind.PAPER)
    add_incident(school, siro, at(2026, 1, 5, 9), Kind.OTHER)
    client = client_for(dpo)
    first = client.get(url(school, "kind=paper"))
    assert len(listed(first)) == 25
    assert "?kind=paper&amp;page=2" in first.content.decode()
    second = client.get(url(school, "kind=paper&page=2"))
    assert len(listed(second)) == 5
    assert not set(listed(first)) & set(listed(second))


# What each row says ----------------------------------------------------------------------------


def test_each_row_says_where_the_incident_stands_with_the_ico(log_of, school, dpo, client_for):
    rows = {
        REFERENCE.match(r[0])[0]: r
        for r in table(client_for(dpo).get(url(school)), "breach-log")[1:]
    }
    ico = {ref: rows[ref][4] for ref in rows}
    assert ico[log_of["lost"]] == "Not reportable"
    assert ico[log_of["stolen"]] == "Told 10 October 2025"
    assert ico[log_of["email"]] == "Told 14 February 2026, late"
    assert ico[log_of["overdue"]] == "Past 72 hours: no decision"
    assert ico[log_of["fresh"]] == "Decide by 5 March 2026 at 07:00"
    assert rows[log_of["lost"]][3] == "No risk to people"
    assert rows[log_of["fresh"]][3] == "Not yet assessed"


def text_of(html: str, element_id: str) -> str:
    part = html.split(f'id="{element_id}">', 1)[1].split(
        "</p>" if "counts" in element_id else "</div>"
    )[0]
    return " ".join(re.sub(r"<[^>]+>", " ", part).split())


def test_the_page_counts_open_incidents_and_warns_of_those_past_the_72_hours(
    log_of, school, dpo, client_for
):
    html = client_for(dpo).get(url(school)).content.decode()
    assert text_of(html, "open-counts") == "5 open incidents."
    assert text_of(html, "overdue") == (
        "! Warning 2 incidents are past the 72 hours without the ICO told or ruled out. "
        "Show the incidents waiting for an ICO decision"
    )
    assert '<a class="govuk-link" href="?notified=pending">' in html


def test_with_nothing_overdue_the_page_says_so(school, siro, dpo, client_for, today):
    add_incident(school, siro, NOW - dt.timedelta(hours=3))
    html = client_for(dpo).get(url(school)).content.decode()
    assert text_of(html, "open-counts") == (
        "1 open incident; none past the 72 hours without an ICO decision."
    )
    assert 'id="overdue"' not in html


def test_a_row_shows_its_actions_done_of_all(log_of, school, siro, dpo, client_for):
    incident = Incident.objects.get(reference=log_of["stolen"])
    for done in (NOW, None, None):
        Action.objects.create(
            school=school, incident=incident, kind="containment", description="Wipe",
            owner=siro, due_on=dt.date(2026, 3, 9), done_at=done,
        )  # fmt: skip
    rows = {
        REFERENCE.match(r[0])[0]: r
        for r in table(client_for(dpo).get(url(school)), "breach-log")[1:]
    }
    assert rows[log_of["stolen"]][5] == "1 of 3"
    assert rows[log_of["lost"]][5] == "None yet"


def test_a_reference_links_to_the_incident(log_of, school, dpo, client_for):
    html = client_for(dpo).get(url(school)).content.decode()
    pk = Incident.objects.get(reference=log_of["email"]).pk
    assert f'href="/s/{school.slug}/incidents/{pk}/">{log_of["email"]}</a>' in html


# The chart and its figures -------------------------------------------------------------------


def test_the_termly_chart_is_an_svg_image_with_a_text_alternative(log_of, school, dpo, client_for):
    response = client_for(dpo).get(url(school))
    html = response.content.decode()
    for name in ("kind", "outcome"):
        svg = html.split(f'<figure class="bastion-chart-figure" id="chart-{name}">', 1)[1]
        svg = svg.split("</svg>", 1)[0]
        assert (
            f'role="img" aria-labelledby="chart-{name}-title" aria-describedby="chart-{name}-desc"'
        ) in svg
        assert f'<title id="chart-{name}-title">Incidents by {name}, Summer term 2024 to ' in svg
        assert f'<desc id="chart-{name}-desc">' in svg
        assert svg.count('class="bastion-chart__bar ') >= 4
        assert "style=" not in svg  # the CSP allows no inline styles
    assert (
        "Spring term 2026: 3 incidents (lost device: 1; e-mail or letter to the wrong "
        "recipient: 1; phishing, malware or ransomware: 1)"
    ) in html


def test_the_figures_table_beside_the_chart_matches_the_incidents(log_of, school, dpo, client_for):
    response = client_for(dpo).get(url(school))
    by_kind = {row[0]: row[1:] for row in table(response, "chart-kind-table")}
    assert by_kind[""] == ["Sum 24", "Aut 24", "Spr 25", "Sum 25", "Aut 25", "Spr 26"]
    assert by_kind["Lost device"] == ["0", "0", "0", "0", "1", "1"]
    assert by_kind["Stolen device"] == ["0", "0", "0", "0", "1", "0"]
    assert by_kind["All incidents"] == ["0", "0", "0", "0", "3", "3"]
    by_outcome = {row[0]: row[1:] for row in table(response, "chart-outcome-table")}
    assert by_outcome["Told the ICO within 72 hours"][-2:] == ["1", "0"]
    assert by_outcome["Told the ICO late"][-2:] == ["0", "1"]
    assert by_outcome["ICO decision open"][-2:] == ["1", "2"]
    assert by_outcome["Not reportable"][-2:] == ["1", "0"]


def test_choosing_a_term_moves_the_figures_to_end_there(log_of, school, dpo, client_for):
    response = client_for(dpo).get(url(school, "term=autumn-2025&kind=password"))
    totals = {row[0]: row[1:] for row in table(response, "chart-kind-table")}
    assert totals[""][-1] == "Aut 25"
    # The other filters do not thin the figures: every kind still counts.
    assert totals["All incidents"][-1] == "3"


# Audit -----------------------------------------------------------------------------------------


def test_every_view_of_the_log_is_audited_with_its_filters(log_of, school, dpo, client_for):
    client = client_for(dpo)
    client.get(url(school))
    client.get(url(school, "term=autumn-2025&notified=yes&kind=nonsense"))

    first, second = AuditEvent.objects.filter(action="incident.log_viewed").order_by("id")
    assert (first.actor, first.school, first.object_repr) == (
        dpo,
        school,
        "Breach log of Ashmole Primary",
    )
    assert first.changes == {"filters": "all incidents", "page": 1}
    assert second.changes == {
        "filters": "Autumn term 2025 (September to December 2025); ICO: told the ICO",
        "page": 1,
    }


# Queries ---------------------------------------------------------------------------------------


def _bulk_incidents(school, reporter, n: int, start: int) -> None:
    kinds, risks = Kind.values, ["", *Risk.values]
    incidents = []
    for i in range(start, start + n):
        # The newest first: the first five are of this term, and the later ones go back years.
        aware = NOW - dt.timedelta(hours=5 + 7 * i)
        extra = [{}, NOT_REPORTABLE, told(aware, 40), told(aware, 100)][i % 4]
        incidents.append(
            Incident(
                school=school, reference=f"INC-B-{i:05d}", submission_key=uuid.uuid4(),
                reporter=reporter, kind=kinds[i % len(kinds)], what_happened=f"Bulk {i}",
                discovered_at=aware, aware_at=aware, risk=risks[i % len(risks)], **extra,
            )
        )  # fmt: skip
    made = Incident.objects.bulk_create(incidents, batch_size=500)
    act = {"school": school, "kind": "containment", "description": "Act", "owner": reporter}
    actions = [Action(incident=i, due_on=dt.date(2026, 1, 1), **act) for i in made[::3]]
    Action.objects.bulk_create(actions, batch_size=500)


def _queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["", "term=spring-2026&kind=lost_device", "page=3"])
def test_the_log_uses_the_same_number_of_queries_for_5_or_3000_incidents(
    school, siro, dpo, client_for, today, query
):
    client = client_for(dpo)
    client.get(url(school))  # warm the session
    _bulk_incidents(school, siro, 5, 0)
    few = _queries(client, url(school, query))
    _bulk_incidents(school, siro, 2995, 5)
    assert Incident.objects.filter(school=school).count() == 3000
    many = _queries(client, url(school, query))
    assert few == many
