"""The validation report, opened in headless Chromium as an auditor would."""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser import open_page, screenshot


def test_the_report_opens_offline_and_shows_the_key_numbers(seeded_home: Path) -> None:
    with open_page(seeded_home / "reports" / "validation_report.html") as visit:
        page = visit.page
        assert visit.console_errors == []
        assert visit.external_requests == []
        assert page.title().startswith("ecostat validation report")
        # The KG 2023 headline figure and the KZ 2022 unallocated tonnes, on screen.
        assert page.get_by_text("cleanup_waste_collected_t = 3,346.259 t").first.is_visible()
        page.locator("#findings details summary").first.click()  # the information findings
        kz = page.locator("#findings-info tr", has_text="fractions add up to 24,900")
        assert kz.locator("td.num").nth(3).inner_text() == "-5,100"
        assert "5,100.000 t unallocated" in kz.inner_text()
        # Cyrillic renders as text, and the charts are inline SVG.
        assert page.get_by_text(
            "landing/cleanup/bishkek_city_subbotniki_2019_2024.xlsx (Субботники)"
        ).first.is_visible()
        assert page.locator("svg.marks").count() == 2
        # The filter hides rejected rows that do not match, with no script from elsewhere.
        rows = page.locator("table.filterable tbody tr")
        assert rows.count() == 5
        page.fill("#filter-rejected", "period_required")
        assert sum(rows.nth(i).is_visible() for i in range(rows.count())) == 2
        page.fill("#filter-rejected", "")
        shot = screenshot(visit, "validation_report")
    assert shot.stat().st_size > 10_000


def test_the_great_expectations_results_read_in_the_report(seeded_home: Path) -> None:
    """No Data Docs site: the report shows each expectation with its engine and what it checks."""
    with open_page(seeded_home / "reports" / "validation_report.html") as visit:
        page = visit.page
        block = page.locator("#checks details", has_text="marts.water_fee_revenue").first
        block.locator("summary").first.click()
        row = block.locator("tr", has_text="column_values_to_be_in_set_currency")
        assert row.is_visible()
        assert "great_expectations" in row.inner_text()
        assert "passed" in row.inner_text()
        assert visit.console_errors == []
        assert visit.external_requests == []
        screenshot(visit, "validation_report_expectations")


def test_the_checks_add_up_in_words_and_source_rows_name_their_file(seeded_home: Path) -> None:
    """An auditor reads the totals as one sentence that adds up, sees a quarantining contract
    rule as what it is (not a failed error), and follows a finding's source row to its file."""
    with open_page(seeded_home / "reports" / "validation_report.html") as visit:
        page = visit.page
        words = page.locator("#checks-in-words").inner_text()
        numbers = [int(n) for n in re.findall(r"\d+", words)]
        total, passed, warnings, quarantining, errors = numbers[:5]
        assert total == passed + warnings + quarantining + errors
        assert quarantining >= 1 and errors == 0 and "Nothing stopped" in words
        block = page.locator("#checks details", has_text="staging.cleanup").first
        row = block.locator("tr", has_text="rule:period_required")
        assert row.locator("td.quar").inner_text() == "rows quarantined"
        assert block.locator("td.fail").count() == 0  # nothing shown as a failed error
        link = page.locator("#findings-table .ids a").first
        assert link.inner_text().startswith("landing/") and ", row " in link.inner_text()
        target = link.get_attribute("href")
        link.click()
        assert page.locator(target).is_visible()  # the file's line in the file list, opened
        assert visit.console_errors == [] and visit.external_requests == []


def test_the_findings_fit_a_window_of_1400_pixels(seeded_home: Path) -> None:
    """#30 polish: the findings table was 1,339 px wide in its 1,200 px column, its cases and
    source rows out of sight, and the source row ids broke a character a line."""
    with open_page(seeded_home / "reports" / "validation_report.html", width=1400) as visit:
        page = visit.page
        page.locator("#findings details summary").first.click()  # the info table too
        for table in ("#findings-table", "#findings-info"):
            assert page.locator(table).is_visible()
            width, room = page.evaluate(
                f"[document.querySelector('{table}').scrollWidth,"
                f" document.querySelector('{table}').parentElement.clientWidth]"
            )
            assert width <= room, f"{table}: {width} px in {room} px"
        row = page.locator("#findings-table tr", has_text="operating lines add up to 360,000")
        assert row.bounding_box()["height"] < 120
