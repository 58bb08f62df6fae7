"""The trend of controls met, from the daily snapshots: weekly columns as a server-drawn SVG
(colours are stylesheet classes: the CSP allows no inline style) and the same figures as a table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.html import format_html_join

from bastion.controls.models import StatusSnapshot
from bastion.controls.registry import MET, NOT_APPLICABLE
from bastion.lib.dates import long_date

WEEKS = 16
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 36, 6, 20, 36


@dataclass(frozen=True)
class Week:
    start: dt.date  # the Monday
    day: dt.date | None  # the last day of the week with a snapshot
    met: int
    applicable: int

    @property
    def share(self) -> int | None:
        return round(100 * self.met / self.applicable) if self.applicable else None

    @property
    def label(self) -> str:
        return f"{self.start.day} {self.start:%b}"


def weekly(
    school, today: dt.date, weeks: int = WEEKS, now: dict[str, int] | None = None
) -> list[Week]:
    """Controls met and applicable on the last recorded day of each of the last `weeks` weeks
    (oldest first); one query. `now`, the statuses' counts as the page shows them
    (bastion.controls.status.counts), stands for this week: the chart and the page's figures
    then never disagree about today."""
    first = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=weeks - 1)
    rows = (
        StatusSnapshot.objects.filter(school=school, day__gte=first, day__lte=today)
        .values("day")
        .annotate(
            met=Count("pk", filter=Q(status=MET)),
            applicable=Count("pk", filter=~Q(status=NOT_APPLICABLE)),
        )
        .order_by("day")
    )
    by_week: dict[dt.date, dict] = {}
    for row in rows:
        monday = row["day"] - dt.timedelta(days=row["day"].weekday())
        by_week[monday] = row  # ordered by day: the week's last day wins
    if now is not None:
        applicable = sum(now.values()) - now[NOT_APPLICABLE]
        by_week[first + dt.timedelta(weeks=weeks - 1)] = {
            "day": today,
            "met": now[MET],
            "applicable": applicable,
        }
    result = []
    for i in range(weeks):
        monday = first + dt.timedelta(weeks=i)
        row = by_week.get(monday)
        result.append(
            Week(monday, row["day"], row["met"], row["applicable"])
            if row
            else Week(monday, None, 0, 0)
        )
    return result


def chart(weeks: list[Week], total: int) -> dict:
    """A column per week of the controls met, out of `total` controls; with its text."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max([total, *(w.applicable for w in weeks), 1])
    step = 5 if top > 10 else 1
    top = -(-top // step) * step
    scale = plot_h / top
    slot = plot_w / len(weeks)
    bar = slot * 0.6
    ticks = [(v, TOP + plot_h - v * scale) for v in range(0, top + 1, step)]
    grid = format_html_join(
        "",
        '<line class="bastion-chart__grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
        '<text class="bastion-chart__tick" x="{}" y="{}" dy="4">{}</text>',
        ((LEFT, WIDTH - RIGHT, f"{y:.1f}", f"{y:.1f}", LEFT - 6, f"{y:.1f}", v) for v, y in ticks),
    )
    columns = []
    for i, week in enumerate(weeks):
        x = LEFT + slot * i + (slot - bar) / 2
        height = week.met * scale
        label = week.label if i % 2 == 0 else ""
        title = (
            f"Week of {long_date(week.start)}: {week.met} of {week.applicable} controls met"
            if week.day
            else f"Week of {long_date(week.start)}: no record"
        )
        columns.append(
            (
                f"{x:.1f}",
                f"{TOP + plot_h - height:.1f}",
                f"{bar:.1f}",
                f"{height:.1f}",
                title,
                f"{x + bar / 2:.1f}",
                HEIGHT - BOTTOM + 20,
                label,
            )
        )
    marks = grid + format_html_join(
        "",
        '<g><rect class="bastion-chart__bar bastion-chart__bar--green" x="{}" y="{}" '
        'width="{}" height="{}"><title>{}</title></rect>'
        '<text class="bastion-chart__label" x="{}" y="{}">{}</text></g>',
        columns,
    )
    recorded = [w for w in weeks if w.day]
    if recorded:
        description = "; ".join(
            f"week of {long_date(w.start)}: {w.met} of {w.applicable} met" for w in recorded
        )
    else:
        description = "No status has been recorded yet."
    return {
        "id": "chart-controls-met",
        "title": f"Controls met, week by week, the last {len(weeks)} weeks",
        "description": description[:1].upper() + description[1:] + ".",
        "marks": marks,
        "width": WIDTH,
        "height": HEIGHT,
        "weeks": weeks,
    }
