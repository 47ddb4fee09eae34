"""The validation report and the Data Docs, opened in headless Chromium as an auditor would."""

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


def test_the_data_docs_open_offline(seeded_home: Path) -> None:
    with open_page(seeded_home / "reports" / "data_docs" / "index.html") as visit:
        assert visit.console_errors == []
        assert visit.external_requests == []
        page = visit.page
        assert page.locator("tr", has_text="marts.region_year_indicators").is_visible()
        screenshot(visit, "data_docs_index")
        validation = page.locator("tr", has_text="marts.region_year_indicators").get_by_text(
            "validation"
        )
        validation.click()
        page.wait_for_load_state("load")
        assert page.get_by_text("Evaluated Expectations").is_visible()
        assert "ecostat.marts.region_year_indicators" in page.inner_text("body")
        assert visit.console_errors == []
        assert visit.external_requests == []
        screenshot(visit, "data_docs_validation")
