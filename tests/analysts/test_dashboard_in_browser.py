"""The comparison dashboard, opened in headless Chromium as an analyst would."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.browser import open_page, screenshot


def test_the_dashboard_opens_offline_with_every_indicator(seeded_home: Path) -> None:
    con = duckdb.connect(str(seeded_home / "warehouse.duckdb"), read_only=True)
    try:
        indicators = [
            i
            for (i,) in con.execute(
                "select distinct indicator from marts.region_year_indicators order by 1"
            ).fetchall()
        ]
        territories = con.execute(
            "select count(distinct territory_id) from marts.region_year_indicators"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert territories >= 5
    with open_page(seeded_home / "reports" / "dashboard.html") as visit:
        page = visit.page
        assert visit.console_errors == []
        assert visit.external_requests == []
        for indicator in indicators:  # a section with a chart for every indicator
            section = page.locator(f"section#{indicator}")
            assert section.locator("svg.marks").count() == 1, indicator
        assert page.locator("input.territory-filter").count() == territories
        # The KG 2023 tonnes in the table behind the chart, with units and sources.
        section = page.locator("section#cleanup_waste_collected_t")
        section.locator("summary").click()
        row = section.locator("tr", has_text="Kyrgyz Republic").filter(has_text="2023")
        assert row.locator("td.num").nth(1).inner_text() == "3,346.259"
        assert "Кыргызская Республика" in row.inner_text()
        # Unticking a territory hides its rows.
        page.locator("input.territory-filter[value='KG']").uncheck()
        assert not row.is_visible()
        page.locator("input.territory-filter[value='KG']").check()
        assert row.is_visible()
        page.locator("summary", has_text="marts.region_year_indicators").click()
        assert page.get_by_text(
            "The figure per inhabitant or per 1,000 inhabitants, in per_capita_unit."
        ).is_visible()
        shot = screenshot(visit, "dashboard")
    assert shot.stat().st_size > 10_000
