"""The publishing assets (assets/publish): the dashboard's data and the publication of the
warehouse into the lake analysts read, without a pipeline run (the dashboard in a browser: tests/analysts/)."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.publish.assets import dashboard, published_warehouse
from assets.publish.dashboard import collect, indicator_titles
from warehouse.home import Home
from warehouse.resources import HomeResource, Warehouse

_INDICATORS = """create table marts.region_year_indicators as select * from (values
    ('cleanup', 'waste_t', 'KG', 'Kyrgyz Republic', 'Кыргызская Республика', 'country', 'KG',
     2023, 3346.259, 't', 0.47, 'kg per inhabitant', 7099750, 2023, false, false, false, 1,
     null, null),
    ('cleanup', 'waste_t', 'KZ', 'Kazakhstan', 'Казахстан', 'country', 'KZ',
     2022, 30000.0, 't', null, null, null, null, null, false, false, 2, '30000; 29000', null),
    ('coal', 'coal_t', 'RU-KEM', 'Kemerovo', 'Кемеровская', 'region', 'RU',
     2017, 227.4, 'Mt', null, null, null, null, null, false, false, 1, null, null))
    as t(dataset, indicator, territory_id, territory_name_en, territory_name_ru, level,
         country_code, year, value, unit, per_capita_value, per_capita_unit, population,
         population_year, population_is_nearest_year, is_derived, is_estimated, n_sources,
         conflicting_sources, note)"""
_SCORECARD = """create table marts.region_scorecard as select * from (values
    ('KG', 'KG', 'country', 2022, 1.0), ('KG', 'KG', 'country', 2023, 2.0),
    ('KZ', 'KZ', 'country', 2022, 3.0), ('KZ', 'KZ', 'country', 2099, 4.0))
    as t(territory_id, country_code, level, year, figure)"""


def _warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(_INDICATORS)
    # As the mart stores them (the literals above are decimals).
    con.execute("alter table marts.region_year_indicators alter value type double")
    con.execute("alter table marts.region_year_indicators alter per_capita_value type double")
    # Figures that keep no source rows: the Sources view says so (no audit tables needed).
    con.execute("alter table marts.region_year_indicators add column source_rows bigint")
    con.execute("alter table marts.region_year_indicators add column source_row_ids varchar[]")
    con.execute(_SCORECARD)
    con.close()


def test_the_dashboard_data_has_every_figure_with_titles_levels_and_marks(tmp_path: Path) -> None:
    _warehouse(tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    data = collect(con)
    con.close()
    by_id = {i["id"]: i for i in data["indicators"]}
    assert by_id["waste_t"]["unit"] == "t"
    assert by_id["waste_t"]["per_capita_unit"] == "kg per inhabitant"
    assert by_id["waste_t"]["levels"] == ["country"]
    assert by_id["coal_t"]["levels"] == ["region"] and by_id["coal_t"]["per_capita_unit"] == ""
    # Not in indicators.yaml: titled from its id, in both languages.
    assert by_id["coal_t"]["title"] == {"en": "coal t", "ru": "coal t"}
    kz = next(f for f in data["figures"] if f["t"] == "KZ")
    assert (kz["i"], kz["y"], kz["v"], kz["pc"], kz["n"], kz["c"]) == (
        "waste_t",
        2022,
        30000.0,
        None,
        2,
        True,
    )
    assert len(data["figures"]) == 3
    # The scorecard keeps each territory's latest year only, never one after this year (#30.9:
    # a capacity carried forward to a plan's year is no report); years print plain.
    assert [(r["territory_id"], r["year"]) for r in data["scorecard"]] == [
        ("KG", 2023),
        ("KZ", 2022),
    ]
    assert data["scorecard_plain"] == ["year"]


def test_declared_titles_come_first_and_name_the_indicator_in_english_and_russian() -> None:
    titles = indicator_titles(["emissions_so2_total", "cleanup_waste_collected_t"])
    assert list(titles) == ["cleanup_waste_collected_t", "emissions_so2_total"]  # declared first
    assert titles["cleanup_waste_collected_t"]["ru"] == "Собрано отходов на субботниках"
    assert titles["emissions_so2_total"] == {
        "en": "emissions so2 total",
        "ru": "emissions so2 total",
    }


def test_the_dashboard_page_is_self_contained(tmp_path: Path) -> None:
    database = tmp_path / "w.duckdb"
    _warehouse(database)
    home = tmp_path / "home"
    result = dg.materialize(
        [dashboard],
        resources={
            "warehouse": Warehouse(database=str(database)),
            "home": HomeResource(root=str(home)),
        },
    )
    assert result.success
    page = (Home(home).reports / "dashboard.html").read_text(encoding="utf-8")
    assert "Kyrgyz Republic" in page and "vegaEmbed" in page
    # Scripts, styles and images are all inline: no element loads anything from a server.
    assert not re.search(
        r"""<(?:script|link|img|iframe)\b[^>]*(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.I
    )
    assert "<script src" not in page
    assert page.count('<script type="application/json" id="dashboard-data">') == 1


def test_a_reader_keeps_its_publication_while_a_run_publishes_the_next(tmp_path: Path) -> None:
    """Each materialisation is one snapshot of the lake, with its run in audit.publications; a
    reader keeps the one it opened; a whole-file copy left by an earlier version is removed."""
    from warehouse.query import connect_lake

    database = tmp_path / "w.duckdb"
    _warehouse(database)
    home = tmp_path / "home"
    stale = Home(home).published
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"the copy an earlier version published")
    resources = {
        "warehouse": Warehouse(database=str(database)),
        "home": HomeResource(root=str(home)),
    }
    first = dg.materialize([published_warehouse], resources=resources)
    assert first.success
    assert not stale.exists()  # it would go on showing that run's figures
    reader, _ = connect_lake(Home(home))
    con = duckdb.connect(str(database))
    con.execute("delete from marts.region_scorecard where territory_id = 'KZ'")
    con.close()
    second = dg.materialize([published_warehouse], resources=resources)
    assert second.success
    # The open reader still sees the publication it opened; a new one sees the new one whole.
    assert reader.execute("select count(*) from marts.region_scorecard").fetchall() == [(4,)]
    reader.close()
    fresh, which = connect_lake(Home(home))
    assert fresh.execute("select count(*) from marts.region_scorecard").fetchall() == [(2,)]
    assert fresh.execute(
        "select run_id from audit.publications order by published_at"
    ).fetchall() == [
        (first.run_id,),
        (second.run_id,),
    ]
    assert f"run {second.run_id}" in which
    fresh.close()


def test_the_vega_bundle_is_built_once_and_kept_by_version(tmp_path: Path, monkeypatch) -> None:
    """Built once per machine (#28.6): kept in the home's cache and in this machine's, so that
    a new home reads it instead of building it again; a cache that cannot be written is left
    out, never an error."""
    import vl_convert

    from assets.publish import dashboard as module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "machine"))
    home = tmp_path / "home" / "cache"
    built = module.vega_bundle(home)
    name = f"vega-bundle-{vl_convert.__version__}.js"
    assert [p.name for p in home.glob("vega-bundle-*.js")] == [name]
    assert (tmp_path / "machine" / "ecostat" / name).read_text(encoding="utf-8") == built
    assert "vegaEmbed" in built and "</script" not in built
    # A later run, and a new home, read it instead of building it again.
    monkeypatch.setattr(vl_convert, "javascript_bundle", lambda: pytest.fail("built again"))
    assert module.vega_bundle(home) == built
    assert module.vega_bundle(tmp_path / "new-home" / "cache") == built
    # A machine cache that cannot be written (a file where its folder would be): left out.
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))
    monkeypatch.setattr(vl_convert, "javascript_bundle", lambda: built)
    assert module.vega_bundle(tmp_path / "third-home") == built
    assert (tmp_path / "third-home" / name).exists()


def test_the_dashboard_offers_every_level_of_the_gazetteer_in_words() -> None:
    """#31.12: the dashboard's levels are the gazetteer's declared ones, in their order, each
    with words in English and Russian (municipalities were missing: their figures could not be
    chosen by level)."""
    from assets.publish.dashboard import LEVEL_WORDS, LEVELS
    from contracts import reference_vocabulary

    assert list(LEVELS) == list(reference_vocabulary("regions.level"))
    assert set(LEVEL_WORDS) == set(LEVELS)
    assert all(words["en"] and words["ru"] for words in LEVELS.values())
