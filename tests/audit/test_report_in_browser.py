"""The validation report, opened in headless Chromium as an auditor would."""

from __future__ import annotations

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
        kz = page.locator("#findings-table tr", has_text="fractions add up to 24,900")
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
