"""The comparison dashboard, explored in headless Chromium as an analyst would: choose an
indicator, a level, territories, per capita and a language; download the chart and its data;
send the view as a link. Nothing may leave the page."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import duckdb

from tests.browser import open_page, screenshot

SYMBOLS = "#chart svg .mark-symbol.role-mark path"


def _ready(page) -> int:
    """Wait for the chart of the current choice; the number of figures it draws."""
    page.wait_for_function(
        "document.querySelector('#chart[data-ready]') !== null"
        " && document.querySelectorAll('#chart svg .mark-symbol.role-mark path').length"
        " == Number(document.querySelector('#chart').dataset.ready)"
    )
    return page.locator(SYMBOLS).count()


def _title(page) -> str:
    return page.locator("#chart svg .role-title-text").first.text_content()


def _state(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(page.url.split("#", 1)[1]).items()}


def test_the_dashboard_explores_every_indicator_offline(seeded_home: Path, tmp_path) -> None:
    con = duckdb.connect(str(seeded_home / "warehouse.duckdb"), read_only=True)

    def count(where: str) -> int:
        return con.execute(
            "select count(*) from marts.region_year_indicators "
            f"where indicator = 'cleanup_waste_collected_t' and {where}"
        ).fetchall()[0][0]

    try:
        country_kg_kz_ru = count("level = 'country'")
        kg = count("territory_id = 'KG'")
        per_capita = count("level = 'country' and per_capita_value is not null")
        indicators = con.execute(
            "select count(distinct indicator) from marts.region_year_indicators"
        ).fetchall()[0][0]
    finally:
        con.close()
    page_path = seeded_home / "reports" / "dashboard.html"
    with open_page(page_path) as visit:
        page = visit.page
        # The first view: clean-up tonnes of the countries, one point per figure.
        assert _ready(page) == country_kg_kz_ru
        assert _title(page) == "Waste collected at clean-ups"
        assert page.locator("#indicator option").count() == indicators
        state = _state(page)
        assert (state["indicator"], state["level"], state["measure"]) == (
            "cleanup_waste_collected_t",
            "country",
            "absolute",
        )
        # The picture of the dashboard in docs/analysts.md (docs/dashboard.png is a copy of this one).
        shot = screenshot(visit, "dashboard", full_page=False)

        # Unticking Kyrgyzstan takes its points off the chart and its rows off the table.
        page.locator("input.territory-filter[value='KG']").uncheck()
        assert _ready(page) == country_kg_kz_ru - kg
        assert page.locator("#figures tbody tr[data-territory='KG']").count() == 0
        page.locator("input.territory-filter[value='KG']").check()
        assert _ready(page) == country_kg_kz_ru
        row = page.locator("#figures tbody tr[data-territory='KG']").filter(has_text="2023")
        assert row.locator("td.num").nth(1).inner_text() == "3,346.259"

        # Per capita: the figures that have a population, on an axis in their unit.
        page.locator("#measure-per-capita").check()
        assert _ready(page) == per_capita
        assert "t per 1,000 inhabitants" in page.locator("#chart svg").text_content()

        # The data behind the chart downloads as CSV, the chart as SVG, both made in the page.
        with page.expect_download() as got:
            page.locator("#download-csv").click()
        csv = Path(got.value.path()).read_text(encoding="utf-8-sig").splitlines()
        assert csv[0] == "territory_id,territory,level,year,value,unit,sources,marks,note"
        assert len(csv) - 1 == per_capita
        assert got.value.suggested_filename.endswith(".csv")
        with page.expect_download() as got:
            page.locator("#download-svg").click()
        assert Path(got.value.path()).read_text(encoding="utf-8").lstrip().startswith("<svg")

        # Another indicator, in Russian: titles and legends in words.
        page.select_option("#lang", "ru")
        page.select_option("#indicator", "cleanup_participants")
        _ready(page)
        assert _title(page) == "Участники субботников"
        assert page.locator("label[for=indicator]").inner_text() == "Показатель"
        link = page.url
        screenshot(visit, "dashboard_ru")
        assert visit.console_errors == []
        assert visit.external_requests == []
    assert shot.stat().st_size > 10_000

    # The link opens the same view.
    fragment = link.split("#", 1)[1]
    with open_page(page_path, fragment=fragment) as visit:
        page = visit.page
        _ready(page)
        assert _title(page) == "Участники субботников"
        assert page.locator("#indicator").input_value() == "cleanup_participants"
        assert page.locator("#measure-per-capita").is_checked()
        assert visit.external_requests == []


def test_all_levels_side_by_side_each_with_its_own_axis(seeded_home: Path) -> None:
    fragment = "indicator=cleanup_participants&level=all&measure=absolute&lang=en"
    with open_page(seeded_home / "reports" / "dashboard.html", fragment=fragment) as visit:
        page = visit.page
        _ready(page)
        # One panel per level, each with its own y axis (Kazakhstan's country totals do not
        # flatten Bishkek's districts).
        headers = page.locator("#chart svg .role-row-header text").all_text_contents()
        assert len(headers) >= 3
        assert page.locator("#chart svg .role-axis").count() >= 2 * len(headers)
        assert visit.console_errors == [] and visit.external_requests == []


def test_the_sources_view_leads_from_a_figure_to_its_sources_and_its_trace(
    seeded_home: Path, monkeypatch, capsys
) -> None:
    """#30.8: a dashboard figure had no way back to its source. Its Sources view gives the
    source titles and links, files and rows, and the `ecostat trace` command, which works."""
    import shlex

    from pipelines.cli import main

    fragment = "indicator=cleanup_waste_collected_t&level=country&measure=absolute&lang=en"
    with open_page(seeded_home / "reports" / "dashboard.html", fragment=fragment) as visit:
        page = visit.page
        _ready(page)
        assert page.locator("#sources-body").is_hidden()
        # Kyrgyzstan 2022: three reports of one day, two of them disagreeing.
        row = page.locator("#figures tbody tr[data-figure='KG:2022']")
        row.locator("button.show-sources").click()
        view = page.locator("#sources-body")
        assert view.is_visible()
        assert page.locator("#sources-title").inner_text().startswith("Kyrgyz Republic, 2022: ")
        assert page.locator("#sources-count").inner_text() == "3 source rows."
        items = page.locator("#sources-list li")
        assert items.count() == 3
        first = items.first
        assert first.locator("a").inner_text() == "Кабар, 19.10.2022"
        assert first.locator("a").get_attribute("href").startswith("https://kabar.kg/")
        assert "landing/cleanup/kg_mnr_subbotniki_2019_2024.csv, row 3" in first.inner_text()
        command = page.locator("#sources-trace").inner_text()
        assert command == (
            "ecostat trace marts.region_year_indicators territory_id=KG year=2022 "
            "indicator=cleanup_waste_collected_t"
        )
        assert _state(page)["figure"] == "KG:2022"
        # A point of the chart opens its figure's sources too.
        page.locator(SYMBOLS).first.click()
        assert page.locator("#sources-title").inner_text() != "" and _state(page)["figure"]
        assert _state(page)["figure"] != "KG:2022"
        # In Russian, the view speaks Russian.
        page.select_option("#lang", "ru")
        _ready(page)
        assert page.locator("#sources h2").inner_text() == "Источники"
        assert visit.console_errors == [] and visit.external_requests == []
    # The command the view gives reproduces the figure, with its sources.
    monkeypatch.setenv("ECOSTAT_HOME", str(seeded_home))
    capsys.readouterr()
    assert main(shlex.split(command)[1:]) == 0
    out = capsys.readouterr().out
    assert "value: 620.922" in out and "landing/cleanup/kg_mnr_subbotniki_2019_2024.csv" in out


def test_a_log_scale_shapes_beside_colours_and_the_source_on_every_picture(
    seeded_home: Path,
) -> None:
    """#30 polish: a log-scale option; series told apart by more than colour; the downloaded
    chart carries its source and date; the Russian view is Russian, units included."""
    from assets.publish.dashboard import unit_words

    con = duckdb.connect(str(seeded_home / "warehouse.duckdb"), read_only=True)
    try:
        units = {
            u
            for (u,) in con.execute(
                "select unit from marts.region_year_indicators union "
                "select per_capita_unit from marts.region_year_indicators"
            ).fetchall()
            if u
        }
    finally:
        con.close()
    assert units <= set(unit_words()), f"units without Russian words: {units - set(unit_words())}"
    fragment = "indicator=cleanup_waste_collected_t&level=country&measure=absolute&lang=en"
    with open_page(seeded_home / "reports" / "dashboard.html", fragment=fragment) as visit:
        page = visit.page
        drawn = _ready(page)
        chart = page.locator("#chart svg")
        assert "Source: ecostat, marts.region_year_indicators, written " in chart.text_content()
        shapes = {page.locator(SYMBOLS).nth(k).get_attribute("d") for k in range(drawn)}
        assert len(shapes) >= 2  # Kyrgyzstan and Kazakhstan are not only two colours
        assert "100,000" not in chart.text_content()
        page.locator("#log-scale").check()
        assert _ready(page) == drawn and _state(page)["log"] == "1"
        assert "100,000" in page.locator("#chart svg").text_content()  # decades: a log axis
        with page.expect_download() as got:
            page.locator("#download-svg").click()
        picture = Path(got.value.path()).read_text(encoding="utf-8")
        assert "Source: ecostat, marts.region_year_indicators, written " in picture
        page.select_option("#lang", "ru")
        _ready(page)
        chart = page.locator("#chart svg").text_content()
        assert "Источник: ecostat" in chart and "т · страны" in chart
        assert page.locator("#scorecard h2").inner_text().startswith("Сводка")
        assert page.locator("#dictionary h2").inner_text() == "Словарь данных"
        assert page.locator("label[for=indicator]").inner_text() == "Показатель"
        assert "(т)" in page.locator("#indicator option:checked").inner_text()
        assert visit.console_errors == [] and visit.external_requests == []


def test_the_scorecard_shows_no_year_after_the_runs_date_and_years_plain(
    seeded_home: Path,
) -> None:
    """#30.9: the scorecard's latest year was 2027 (capacity carried forward to a plan's year)
    on a run of 2026-12-06, and years printed as 2,027."""
    from warehouse.home import REPO_ROOT

    as_of = int((REPO_ROOT / "tests" / "digests" / "as_of").read_text()[:4])
    with open_page(seeded_home / "reports" / "dashboard.html") as visit:
        page = visit.page
        headers = page.locator("#scorecard thead th").all_inner_texts()
        rows = page.locator("#scorecard tbody tr")
        assert rows.count() > 10
        years = [
            rows.nth(k).locator("td").nth(headers.index("year")).inner_text()
            for k in range(rows.count())
        ]
        assert all(y.isdigit() for y in years), years  # 2026, never "2,026"
        assert max(int(y) for y in years) == as_of
        ids = rows.nth(0).locator("td").nth(headers.index("territory_id")).inner_text()
        assert "," not in ids
