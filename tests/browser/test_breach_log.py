"""The DPO opens the breach log, filters it by term and kind, reads the termly chart, and
downloads the filtered log as a spreadsheet."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
from django.utils import timezone

from bastion.incidents.log import Term
from bastion.incidents.models import Kind
from tests.browser.conftest import sign_in
from tests.incidents.test_log_figures import NOT_REPORTABLE, add_incident


def test_the_dpo_filters_the_breach_log_reads_the_chart_and_downloads_it(page, dpo, siro, school):
    term = Term.of(timezone.localdate())
    start = term.bounds()[0]
    early = min(start + dt.timedelta(hours=1), timezone.now() - dt.timedelta(minutes=1))
    add_incident(school, siro, early, Kind.LOST_DEVICE, reference="INC-A-0001", **NOT_REPORTABLE)
    add_incident(school, siro, early, Kind.PASSWORD, reference="INC-A-0002")
    before = term.previous().bounds()[0] + dt.timedelta(days=2)
    add_incident(school, siro, before, Kind.LOST_DEVICE, reference="INC-A-0003")

    sign_in(page, dpo)
    page.axe()
    page.goto(f"/s/{school.slug}/")
    page.axe()
    page.get_by_role("link", name="Breach log").click()
    page.wait_for_load_state()
    page.axe()
    assert page.get_by_role("heading", name="Breach log", level=1).is_visible()
    assert page.locator("#breach-log tbody tr").count() == 3

    page.get_by_label("Term", exact=True).select_option(label=term.label)
    page.get_by_label("Kind", exact=True).select_option(label="Lost device")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    page.axe()
    assert f"term={term.key}" in page.url and "kind=lost_device" in page.url
    rows = page.locator("#breach-log tbody tr")
    assert rows.count() == 1
    assert "INC-A-0001" in rows.first.inner_text()
    assert "Not reportable" in rows.first.inner_text()

    # The chart: an image named by its title, described in words, with the figures beside it.
    first = term.previous().previous().previous().previous().previous()
    chart = page.get_by_role("img", name=f"Incidents by kind, {first.label} to {term.label}")
    assert chart.is_visible()
    description = page.locator("#chart-kind-desc").text_content()
    assert f"{term.label}: 2 incidents (lost device: 1; lost or disclosed password: 1)" in (
        description
    )
    assert page.locator("#chart-kind svg rect.bastion-chart__bar").count() == 3
    box = page.locator("#chart-kind svg rect.bastion-chart__bar").first.bounding_box()
    assert box["height"] > 10 and box["width"] > 10  # drawn, not collapsed by the stylesheet
    figures = page.locator("#chart-kind-table")
    assert figures.is_visible()
    assert figures.get_by_role("row", name="All incidents").inner_text().split()[-2:] == [
        "1",
        "2",
    ]

    page.get_by_role("link", name="Export (Excel or PDF)").click()
    page.wait_for_load_state()
    page.axe()
    assert "1 incident" in page.locator("#export-scope").inner_text()
    assert page.get_by_label("Excel (.xlsx)").is_checked()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()

    assert download.value.suggested_filename.startswith("breach-log-ashmole-")
    data = Path(download.value.path()).read_bytes()
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "Breach log of Ashmole Primary"
    assert [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)] == ["INC-A-0001"]
