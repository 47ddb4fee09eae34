"""Real public data from ../shared/data loaded through source specs, every row accounted for."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_pipeline

KZ_FILE = "kz_regions_emissions_and_env_spending_2005_2022.csv"


@pytest.fixture(scope="module")
def kz_home(tmp_path_factory, shared_data) -> Path:
    """The default data plus the Kazakhstan statistics office's regional emissions file."""
    from pipelines.home import SEEDS_DIR

    home = tmp_path_factory.mktemp("kz")
    shutil.copytree(SEEDS_DIR / "landing", home / "landing")
    shutil.copy(shared_data / KZ_FILE, home / "landing" / "emissions" / KZ_FILE)
    assert run_pipeline(home)
    return home


@pytest.fixture
def con(kz_home: Path):
    c = duckdb.connect(str(kz_home / "warehouse.duckdb"), read_only=True)
    yield c
    c.close()


def test_every_row_of_the_file_is_loaded_or_rejected_with_a_reason(con, shared_data) -> None:
    lines = (shared_data / KZ_FILE).read_text(encoding="utf-8").splitlines()
    (spec, status, read, loaded, rejected) = con.execute(
        "select source_spec, status, rows_read, rows_loaded, rows_rejected from audit.source_files where path = ?",
        [KZ_FILE],
    ).fetchall()[0]
    assert (spec, status) == ("kz_stat_regional_emissions", "loaded")
    assert read == len(lines) - 1 == loaded + rejected
    # The rejected rows are the years a region did not exist, when the file's cells are empty.
    reasons = dict(
        con.execute(
            "select rule, count(distinct row_number) from audit.rejected_rows where path = ? group by rule",
            [KZ_FILE],
        ).fetchall()
    )
    assert set(reasons) == {"required", "territory_valid_for_period"}
    assert reasons["required"] == rejected


def test_region_changes_are_not_merged(con) -> None:
    kinds = dict(
        con.execute(
            """select territory_id, list(distinct year order by year) from core.emissions
           where source_path = ? and territory_id in ('KZ-YUZ', 'KZ/south-kazakhstan', 'KZ-10', 'KZ-SHY')
           group by territory_id""",
            [KZ_FILE],
        ).fetchall()
    )
    assert kinds["KZ-YUZ"][0] == 2018 and kinds["KZ/south-kazakhstan"][-1] <= 2018
    assert kinds["KZ-10"] == [2022]


def test_atyrau_2022_comes_out_of_the_mart(con) -> None:
    row = con.execute(
        """select value, unit, n_sources, conflicting_sources from marts.region_year_indicators
           where territory_id = 'KZ-ATY' and year = 2022 and indicator = 'emissions_all_pollutants_stationary'"""
    ).fetchall()
    assert row == [(132_100.0, "t", 2, False)]  # the file and the published figure agree


def test_disagreeing_renditions_of_one_publication_are_flagged(con) -> None:
    rows = dict(
        con.execute(
            """select territory_id || ' ' || year, note from marts.region_year_indicators
           where indicator = 'emissions_all_pollutants_stationary' and conflicting_sources"""
        ).fetchall()
    )
    # Almaty region 2020: 26.3 thousand t in the published figure, 46.3 in the file.
    assert "26300.0 t" in rows["KZ-ALM 2020"] and "46300.0 t" in rows["KZ-ALM 2020"]
    assert "KZ 2022" in rows  # 2,314.7 vs 2,314.8 thousand t


def test_exchange_rate_seed_matches_the_world_bank_file(shared_data) -> None:
    import csv

    from pipelines.home import SEEDS_DIR

    wb = {
        (r["currency"], r["year"]): float(r["lcu_per_usd_period_avg"])
        for r in csv.DictReader(
            (shared_data / "wdi_fx_lcu_per_usd_kgs_kzt_rub.csv").open(encoding="utf-8")
        )
    }
    seed = [
        r
        for r in csv.DictReader((SEEDS_DIR / "reference" / "fx_rates.csv").open(encoding="utf-8"))
        if r["year"]
    ]
    assert len(seed) >= 45
    for r in seed:
        assert float(r["lcu_per_usd"]) == pytest.approx(wb[(r["currency"], r["year"])], rel=1e-6)
    assert {r["currency"] for r in seed} == {"KGS", "KZT", "RUB"}


def test_population_seed_matches_the_world_bank_file(shared_data) -> None:
    import csv

    from pipelines.home import SEEDS_DIR

    iso3 = {"KG": "KGZ", "KZ": "KAZ", "RU": "RUS"}
    wb = {
        (r["Country Code"], r["Year"]): int(r["Value"])
        for r in csv.DictReader(
            (shared_data / "wb_population_kgz_kaz_rus_2000_2024.csv").open(encoding="utf-8")
        )
    }
    seed = [
        r
        for r in csv.DictReader((SEEDS_DIR / "reference" / "population.csv").open(encoding="utf-8"))
        if r["territory_id"] in iso3
    ]
    assert len(seed) == 30
    for r in seed:
        assert int(r["population"]) == wb[(iso3[r["territory_id"]], r["year"])]
