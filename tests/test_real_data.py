"""Real public data from ../shared/data loaded through source specs, every row accounted for."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_pipeline

KZ_FILE = "kz_regions_emissions_and_env_spending_2005_2022.csv"


RU_BY_CODE = "ru_energy_co2_by_code_2020.csv"
RU_BY_NAME = "ru_energy_co2_by_name_2020.csv"
# A source spec per file, as a data engineer writes one for a new publisher: the same layout,
# the territory read from the ISO code column in one and from the name column in the other.
RU_SPEC = """\
name: {name}
dataset: emissions
match: "{match}"
encoding: utf-8
delimiter: ","
decimal_separator: "."
columns:
  {territory}: territory
  year: period
  co2_mt: {{column: emissions_t, unit: Mt}}
ignore: {ignore}
constants:
  pollutant: co2
  scope: fuel_combustion
  basis: publisher_estimate
  source_title: "Energy CO2 by federal subject (test file built from the DaData region list)"
  source_confidence: high
"""


def _russian_subjects(shared_data: Path) -> list[dict[str, str]]:
    """One row per federal subject of the registry list (Baikonur, a leased city, left out),
    its name written the ways statistics tables write it: with the type word before or after,
    abbreviated, after a comma, or bare."""
    import csv

    with (shared_data / "ru_federal_subjects_codes_dadata_2022.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["iso_code"] != "KZ-BAY"]
    out = []
    for i, r in enumerate(rows):
        name = [
            r["name_with_type"],
            f"{r['name']} {r['type']}",
            f"{r['name']}, {r['type']}.",
            r["name"],
        ][i % 4]
        out.append({"region_code": r["iso_code"], "region_name": name, "co2_mt": f"{i + 1}.5"})
    return out


@pytest.fixture(scope="module")
def kz_home(tmp_path_factory, shared_data) -> Path:
    """The default data, the Kazakhstan statistics office's regional emissions file, and a file
    of every Russian federal subject (twice: by ISO code, by name) with its source specs."""
    import csv

    from warehouse.home import SEEDS_DIR

    home = tmp_path_factory.mktemp("kz")
    shutil.copytree(SEEDS_DIR / "landing", home / "landing")
    shutil.copy(shared_data / KZ_FILE, home / "landing" / "emissions" / KZ_FILE)
    subjects = _russian_subjects(shared_data)
    (home / "sources").mkdir()
    # The file by code carries the names too (left unused); the file by name has no codes.
    layouts = (
        (RU_BY_CODE, "region_code", ["region_code", "region_name"], "[region_name]"),
        (RU_BY_NAME, "region_name", ["region_name"], "[]"),
    )
    for file, territory, columns, ignore in layouts:
        with (home / "landing" / "emissions" / file).open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=[*columns, "year", "co2_mt"])
            w.writeheader()
            w.writerows(
                {**{c: r[c] for c in columns}, "year": "2020", "co2_mt": r["co2_mt"]}
                for r in subjects
            )
        spec = RU_SPEC.format(
            name=file.removesuffix(".csv"), match=file, territory=territory, ignore=ignore
        )
        (home / "sources" / file.replace(".csv", ".yaml")).write_text(spec, encoding="utf-8")
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


def _csv(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_exchange_rate_seed_matches_the_world_bank_files(shared_data) -> None:
    from warehouse.home import SEEDS_DIR

    seed = {(r["currency"], r["year"]): r for r in _csv(SEEDS_DIR / "reference" / "fx_rates.csv")}
    # The three currencies against the World Bank's own three-country file, every year.
    three = _csv(shared_data / "wdi_fx_lcu_per_usd_kgs_kzt_rub.csv")
    for r in three:
        assert float(seed[(r["currency"], r["year"])]["lcu_per_usd"]) == pytest.approx(
            float(r["lcu_per_usd_period_avg"]), rel=1e-9
        )
    # Every currency of the 15 countries and the euro, 2000 on; a rate the seed does not derive
    # is a value of the post-Soviet file for that year.
    wb = {}
    for r in _csv(shared_data / "wdi_fx_lcu_per_usd_post_soviet_2000_2025.csv"):
        if r["Value"]:
            wb.setdefault(r["Year"], []).append(float(r["Value"]))
    currencies = {c for c, _ in seed}
    assert {
        "AMD",
        "AZN",
        "BYN",
        "EUR",
        "GEL",
        "KGS",
        "KZT",
        "MDL",
        "RUB",
        "TJS",
        "UAH",
        "UZS",
    } <= currencies
    for (currency, year), r in seed.items():
        if year and not r["note"]:
            assert any(abs(float(r["lcu_per_usd"]) - v) < 1e-9 for v in wb[year]), (currency, year)
    # Redenominations: the old unit in the years it was in use, derived and said so.
    assert float(seed[("AZM", "2005")]["lcu_per_usd"]) == pytest.approx(
        5000 * float(seed[("AZN", "2005")]["lcu_per_usd"])
    )
    assert float(seed[("BYR", "2015")]["lcu_per_usd"]) == pytest.approx(
        10000 * float(seed[("BYN", "2015")]["lcu_per_usd"])
    )
    assert "derived by ecostat" in seed[("BYR", "2015")]["note"]
    assert ("BYR", "2017") not in seed and ("EEK", "2011") not in seed
    assert float(seed[("TMM", "2000")]["lcu_per_usd"]) == 5200


def test_population_seed_matches_the_world_bank_files(shared_data) -> None:
    from warehouse.home import SEEDS_DIR

    countries = {
        "ARM": "AM", "AZE": "AZ", "BLR": "BY", "EST": "EE", "GEO": "GE", "KAZ": "KZ", "KGZ": "KG",
        "LTU": "LT", "LVA": "LV", "MDA": "MD", "RUS": "RU", "TJK": "TJ", "TKM": "TM", "UKR": "UA",
        "UZB": "UZ",
    }  # fmt: skip
    seed = {
        (r["territory_id"], r["year"]): int(r["population"])
        for r in _csv(SEEDS_DIR / "reference" / "population.csv")
    }
    for name in (
        "wb_population_post_soviet_2000_2024.csv",
        "wb_population_kgz_kaz_rus_2000_2024.csv",
    ):
        wb = _csv(shared_data / name)
        assert len(wb) >= 75
        for r in wb:
            assert seed[(countries[r["Country Code"]], r["Year"])] == int(r["Value"])
    assert sum(1 for t, _ in seed if t in countries.values()) == 15 * 25
    # Subnational points: every Wikidata point and every Kazakh region of 1 January 2023.
    assert sum(1 for t, _ in seed if t.startswith("RU-")) >= 300
    assert all((t, "2023") in seed for t in ("KZ-10", "KZ-33", "KZ-62", "KZ-SHY", "KZ-YUZ"))


def test_every_row_of_the_kz_file_that_has_a_value_loads(con, shared_data) -> None:
    """The 2022 regions included (Abai, Jetisu, Ulytau, written without their ISO code)."""
    import csv

    with (shared_data / KZ_FILE).open(encoding="utf-8") as f:
        valued = [
            r for r in csv.DictReader(f) if r["pollutant_emissions_kt"].strip() not in ("", "-")
        ]
    (loaded,) = con.execute(
        "select rows_loaded from audit.source_files where path = ?", [KZ_FILE]
    ).fetchone()
    assert loaded == len(valued)
    new_regions = con.execute(
        """select territory_id, emissions_t from core.emissions
           where source_path = ? and year = 2022 and territory_id in ('KZ-10', 'KZ-33', 'KZ-62')
           order by territory_id""",
        [KZ_FILE],
    ).fetchall()
    assert new_regions == [("KZ-10", 39_000.0), ("KZ-33", 13_080.0), ("KZ-62", 105_000.0)]


@pytest.mark.parametrize("file", [RU_BY_CODE, RU_BY_NAME])
def test_every_russian_federal_subject_loads_under_its_territory(con, shared_data, file) -> None:
    subjects = _russian_subjects(shared_data)
    (status, read, loaded, rejected) = con.execute(
        "select status, rows_read, rows_loaded, rows_rejected from audit.source_files where path = ?",
        [file],
    ).fetchone()
    assert (status, read, loaded, rejected) == ("loaded", 85, 85, 0)
    got = dict(
        con.execute(
            "select territory_as_written, territory_id from core.emissions where source_path = ?",
            [file],
        ).fetchall()
    )
    column = "region_code" if file == RU_BY_CODE else "region_name"
    codes = {r[column]: r["region_code"] for r in subjects}
    # Each row under the territory of its ISO code (Crimea and Sevastopol under theirs, UA-43
    # and UA-40, as ISO 3166-2 lists them; the Russian attribution stays in territory_as_written).
    iso = dict(
        con.execute(
            "select iso_code, territory_id from core.regions where valid_to is null"
        ).fetchall()
    )
    assert {written: iso[codes[written]] for written in got} == got
    assert len(set(got.values())) == 85
    values = con.execute(
        "select sum(emissions_t) from core.emissions where source_path = ?", [file]
    ).fetchone()[0]
    assert values == sum((i + 1.5) * 1e6 for i in range(85))


def test_russian_subjects_have_per_capita_where_a_population_exists(con) -> None:
    rows = con.execute(
        """select i.territory_id, i.per_capita_value, p.population
           from marts.region_year_indicators i
           left join core.population_by_year p using (territory_id, year)
           where i.indicator = 'emissions_co2_fuel_combustion_publisher_estimate' and i.year = 2020"""
    ).fetchall()
    assert len(rows) == 85
    with_population = [r for r in rows if r[2] is not None]
    assert len(with_population) >= 80  # Wikidata's points of 2020 and 2021
    assert all(r[1] is not None for r in with_population)
    assert all(r[1] is None for r in rows if r[2] is None)


def test_publisher_estimates_are_estimated_not_derived(con) -> None:
    flags = con.execute(
        """select distinct is_estimated, is_derived from marts.region_year_indicators
           where indicator = 'emissions_co2_fuel_combustion_publisher_estimate'"""
    ).fetchall()
    assert flags == [(True, False)]
