"""The breach log's terms (by calendar month), its termly figures against hand-built data, the
chart drawn from them, and the dashboard's counts of open and overdue incidents."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from django.utils import timezone

from bastion.incidents import log
from bastion.incidents.log import Term
from bastion.incidents.models import Incident, Kind
from bastion.incidents.views.log import KIND_SERIES, OUTCOME_SERIES, chart

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)  # a Monday in the spring term of 2026
_numbers = itertools.count(1)


def at(*args) -> dt.datetime:
    """A local (UK) time."""
    return timezone.make_aware(dt.datetime(*args))


def add_incident(school, reporter, aware: dt.datetime, kind=Kind.LOST_DEVICE, **fields):
    n = next(_numbers)
    fields.setdefault("reference", f"INC-2026-{n:04d}")
    fields.setdefault("what_happened", f"Incident number {n}")
    fields.setdefault("discovered_at", aware)
    return Incident.objects.create(
        school=school,
        submission_key=uuid.uuid4(),
        reporter=reporter,
        kind=kind,
        aware_at=aware,
        **fields,
    )


def told(aware: dt.datetime, hours: float) -> dict:
    return {"notify_ico": True, "ico_notified_at": aware + dt.timedelta(hours=hours)}


NOT_REPORTABLE = {"notify_ico": False, "not_notifiable_reason": "Encrypted laptop"}


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


# Terms ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "key"),
    [
        (dt.date(2025, 8, 31), "summer-2025"),
        (dt.date(2025, 9, 1), "autumn-2025"),
        (dt.date(2025, 12, 31), "autumn-2025"),
        (dt.date(2026, 1, 1), "spring-2026"),
        (dt.date(2026, 4, 30), "spring-2026"),
        (dt.date(2026, 5, 1), "summer-2026"),
    ],
)
def test_a_term_is_a_run_of_whole_calendar_months(day, key):
    assert Term.of(day).key == key
    assert Term.parse(key) == Term.of(day)


def test_terms_follow_each_other_across_the_new_year():
    autumn = Term.parse("autumn-2025")
    assert autumn.next().key == "spring-2026"
    assert autumn.next().previous() == autumn
    assert Term.parse("spring-2026").previous().key == "autumn-2025"
    assert [autumn.label, autumn.short, autumn.months] == [
        "Autumn term 2025",
        "Aut 25",
        "September to December 2025",
    ]
    assert Term.parse("summer-2026").months == "May to August 2026"


@pytest.mark.parametrize(
    "key", ["", "winter-2025", "autumn-25", "Autumn-2025", "autumn-1800", "autumn-2025x", "\x00"]
)
def test_a_term_that_is_not_one_parses_as_none(key):
    assert Term.parse(key) is None


def test_a_term_starts_and_ends_at_uk_midnight_not_utc(school, siro):
    # 31 August 23:30 BST is still summer; 1 September 00:30 BST is autumn, though in UTC
    # it is still 31 August.
    summer = add_incident(school, siro, at(2025, 8, 31, 23, 30))
    autumn = add_incident(school, siro, at(2025, 9, 1, 0, 30))
    assert autumn.aware_at.astimezone(dt.UTC).day == 31

    def chosen(key):
        filters = log.Filters(term=Term.parse(key))
        return list(log.log_incidents(school, filters))

    assert chosen("summer-2025") == [summer]
    assert chosen("autumn-2025") == [autumn]


def test_the_term_menu_offers_six_terms_back_to_the_first_incident_and_the_chosen_one(
    school, siro, now
):
    keys = [t.key for t in log.term_choices(school)]
    assert keys == [
        "spring-2026",
        "autumn-2025",
        "summer-2025",
        "spring-2025",
        "autumn-2024",
        "summer-2024",
    ]
    add_incident(school, siro, at(2023, 10, 5, 9))
    keys = [t.key for t in log.term_choices(school, Term.parse("summer-2026"))]
    assert keys[0] == "summer-2026" and keys[-1] == "autumn-2023"
    assert len(keys) == 9
    keys = [t.key for t in log.term_choices(school, Term.parse("spring-2100"))]
    assert keys[:2] == ["spring-2100", "spring-2026"]
    keys = [t.key for t in log.term_choices(school, Term.parse("autumn-2001"))]
    assert keys[-2:] == ["autumn-2023", "autumn-2001"]


# Termly figures ------------------------------------------------------------------------------


@pytest.fixture
def hand_built(school, other_school, siro, outsider):
    """Nine incidents of school A over three years, and one of school B."""
    a = at(2025, 10, 6, 9)
    add_incident(school, siro, a, Kind.LOST_DEVICE, **told(a, 20))
    add_incident(school, siro, at(2025, 11, 1, 9), Kind.LOST_DEVICE, **NOT_REPORTABLE)
    add_incident(school, siro, at(2025, 12, 31, 23, 59), Kind.PASSWORD)  # pending
    b = at(2026, 1, 12, 8)
    add_incident(school, siro, b, Kind.WRONG_RECIPIENT, **told(b, 80), late_reason="Half term")
    add_incident(school, siro, at(2026, 2, 2, 8), Kind.MALWARE, notify_ico=True)  # not yet told
    add_incident(school, siro, at(2026, 3, 1, 8), Kind.LOST_DEVICE, **NOT_REPORTABLE)
    c = at(2024, 5, 1, 0, 0)  # the window's first minute
    add_incident(school, siro, c, Kind.PAPER, **told(c, 72))  # exactly 72 hours: in time
    add_incident(school, siro, at(2024, 4, 30, 23, 59), Kind.OTHER)  # before the window
    add_incident(school, siro, at(2026, 5, 1, 9), Kind.OTHER)  # after it
    add_incident(other_school, outsider, at(2026, 2, 2, 8), Kind.PAPER)


def test_the_termly_figures_count_each_term_by_kind_and_outcome(school, hand_built):
    figures = log.termly_figures(school, Term.parse("spring-2026"))

    assert [f.term.key for f in figures] == [
        "summer-2024",
        "autumn-2024",
        "spring-2025",
        "summer-2025",
        "autumn-2025",
        "spring-2026",
    ]
    assert [f.total for f in figures] == [1, 0, 0, 0, 3, 3]
    summer, *_, autumn, spring = figures
    nonzero = lambda d: {k: v for k, v in d.items() if v}  # noqa: E731
    assert nonzero(summer.by_kind) == {"paper": 1}
    assert nonzero(summer.by_outcome) == {"in_time": 1}
    assert nonzero(autumn.by_kind) == {"lost_device": 2, "password": 1}
    assert nonzero(autumn.by_outcome) == {"in_time": 1, "not_reportable": 1, "pending": 1}
    assert nonzero(spring.by_kind) == {"wrong_recipient": 1, "malware": 1, "lost_device": 1}
    assert nonzero(spring.by_outcome) == {"late": 1, "pending": 1, "not_reportable": 1}
    assert set(spring.by_kind) == set(Kind.values)
    assert [k for k, _ in log.OUTCOMES] == list(spring.by_outcome)


def test_a_later_window_moves_with_the_chosen_term(school, hand_built):
    figures = log.termly_figures(school, Term.parse("summer-2026"), terms=3)
    assert [(f.term.key, f.total) for f in figures] == [
        ("autumn-2025", 3),
        ("spring-2026", 3),
        ("summer-2026", 1),
    ]


def test_the_chart_stacks_each_terms_figures_and_says_them_in_words(school, hand_built):
    figures = log.termly_figures(school, Term.parse("spring-2026"))
    drawn = chart(figures, "by_outcome", OUTCOME_SERIES, "outcome", "Incidents by outcome")

    assert drawn["title"] == "Incidents by outcome, Summer term 2024 to Spring term 2026"
    assert drawn["description"].startswith(
        "Summer term 2024: 1 incident (told the ICO within 72 hours: 1). "
        "Autumn term 2024: 0 incidents."
    )
    assert drawn["description"].endswith(
        "Spring term 2026: 3 incidents (told the ICO late: 1; not reportable: 1; "
        "ICO decision open: 1)."
    )
    spring = drawn["columns"][-1]
    assert [s["colour"] for s in spring["segments"]] == ["orange", "grey", "red"]
    # Three equal segments stacked from the baseline; the tallest column reaches the top tick.
    heights = {float(s["height"]) for s in spring["segments"]}
    assert len(heights) == 1
    assert float(spring["segments"][-1]["y"]) == pytest.approx(float(drawn["ticks"][-1]["y"]))
    assert [t["value"] for t in drawn["ticks"]] == [0, 1, 2, 3]
    assert drawn["rows"][1] == {
        "label": "Told the ICO late",
        "colour": "orange",
        "counts": [0, 0, 0, 0, 0, 1],
    }
    assert drawn["totals"] == [1, 0, 0, 0, 3, 3]


def test_a_chart_of_no_incidents_still_draws_its_axis(school):
    figures = log.termly_figures(school, Term.parse("spring-2026"))
    drawn = chart(figures, "by_kind", KIND_SERIES, "kind", "Incidents by kind")
    assert [t["value"] for t in drawn["ticks"]] == [0, 1]
    assert all(not c["segments"] for c in drawn["columns"])
    assert "Spring term 2026: 0 incidents." in drawn["description"]


@pytest.mark.parametrize(("peak", "ticks"), [(4, 5), (9, 3), (37, 5), (3000, 4)])
def test_the_gridlines_are_round_numbers_whatever_the_peak(peak, ticks):
    from bastion.incidents.views.log import _step

    step = _step(peak)
    assert str(step)[0] in "125"
    top = -(-peak // step) * step
    assert len(range(0, top + 1, step)) == ticks


# The dashboard's counts ----------------------------------------------------------------------


def test_open_counts_name_the_open_and_the_overdue_without_a_decision(
    school, other_school, siro, outsider, now
):
    hours = lambda h: NOW - dt.timedelta(hours=h)  # noqa: E731
    add_incident(school, siro, hours(80))  # overdue: no decision
    add_incident(school, siro, hours(73), notify_ico=True)  # overdue: decided, not yet told
    add_incident(school, siro, hours(71))  # clock running, not yet overdue
    add_incident(school, siro, hours(100), **told(hours(100), 10))  # told
    add_incident(school, siro, hours(100), **NOT_REPORTABLE)  # ruled out
    add_incident(school, siro, hours(200), status=Incident.Status.CLOSED, **NOT_REPORTABLE)
    add_incident(other_school, outsider, hours(80))

    assert log.open_counts(school) == log.OpenCounts(open=5, overdue=2)
    assert log.open_counts(school, now=NOW - dt.timedelta(hours=5)) == log.OpenCounts(5, 1)
    both = type(school).objects.filter(pk__in=[school.pk, other_school.pk])
    assert log.open_counts(both) == log.OpenCounts(open=6, overdue=3)
