"""audit.findings: one row per thing a person reviews, whatever the number of files behind it;
a finding never blocks publishing."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from assets.sql.assets import _sql_checks
from warehouse import build_model, sql_models
from warehouse.expectations import suite_spec

REPO = Path(__file__).resolve().parents[2]
FINDINGS = next(m for m in sql_models() if m.table == "audit.findings")
CASES = next(m for m in sql_models() if m.table == "audit.finding_cases")


def findings(con: duckdb.DuckDBPyConnection, select: str, where: str = "true") -> list[tuple]:
    """The findings of what the warehouse holds now: their cases rebuilt, then aggregated."""
    build_model(con, CASES)
    return con.execute(f"select {select} from ({FINDINGS.sql}) where {where}").fetchall()


@pytest.fixture
def copy(seeded_home: Path, tmp_path: Path):
    path = tmp_path / "w.duckdb"
    shutil.copy(seeded_home / "warehouse.duckdb", path)
    con = duckdb.connect(str(path))
    yield con
    con.close()


def test_two_files_reporting_the_same_figures_give_one_finding_each(copy) -> None:
    """The same clean-up rows landed twice (another copy of the file, in another encoding):
    every finding is there once, counting both copies' rows (defect #14.1)."""
    before = findings(copy, "finding_id, source_row_ids")
    copy.execute(
        "insert into core.cleanup select * replace (source_row_id || '-copy' as source_row_id) "
        "from core.cleanup"
    )
    after = findings(copy, "finding_id, finding_type, source_row_ids", "dataset = 'cleanup'")
    every = findings(copy, "finding_id")
    ids = [f for (f,) in every]
    assert len(ids) == len(set(ids))
    assert {f for f, _ in before} == set(ids)  # the same findings, no new ones
    parts = [
        rows
        for _, kind, rows in after
        if kind in ("parts_vs_total", "sub_territories_vs_territory")
    ]
    assert parts and all(any(r.endswith("-copy") for r in rows) for rows in parts)


def test_no_check_of_the_findings_is_an_error() -> None:
    """Findings are for a person to review; none of their checks stops what follows."""
    severities = {severity for _, severity, _, _ in _sql_checks(FINDINGS)}
    severities |= {e["severity"] for e in suite_spec(FINDINGS)}
    assert severities == {"warning"}
    # A view of the cases, checked through the findings.
    assert _sql_checks(CASES) == [] and suite_spec(CASES) == []


def test_a_finding_stands_for_a_territory_year_and_counts_its_cases(copy) -> None:
    """Defect #14.2: one finding per clean-up report made 3.45 million findings of a file of 3
    million rows. A finding is now a territory x year x subject, however many reports of the
    year fall short; its cases (all of them, with every source row) are in audit.finding_cases,
    and it keeps a bounded sample of the rows."""
    copy.execute(
        "create temp table one as select * from core.cleanup "
        "where territory_id = 'KZ' and year = 2022 and has_fractions"
    )
    (n,), *_ = copy.execute("select count(*) from one").fetchall()
    assert n == 1
    # 60 more reports of Kazakhstan's 2022, each with 10% of its total unallocated.
    copy.execute(
        """insert into core.cleanup
           select one.* replace (
               source_row_id || ':' || i::varchar as source_row_id,
               period_start + to_days(i::int) as period_start,
               period_end + to_days(i::int) as period_end,
               100.0 * i as waste_collected_t, 90.0 * i as fractions_t, 10.0 * i as unallocated_t)
           from one, range(1, 61) as r(i)"""
    )
    rows = findings(
        copy,
        "cases, source_rows, len(source_row_ids), message",
        "finding_type = 'parts_vs_total' and territory_id = 'KZ' and year = 2022",
    )
    assert len(rows) == 1
    cases, source_rows, sample, message = rows[0]
    assert (cases, source_rows, sample) == (61, 61, 10)
    assert (
        message.startswith("61 cases in 2022; the largest") and "5,100.000 t unallocated" in message
    )
    every = copy.execute(
        """select count(*), count(distinct finding_id) from audit.finding_cases
           where finding_type = 'parts_vs_total' and territory_id = 'KZ' and year = 2022"""
    ).fetchall()
    assert every == [(61, 1)]


def test_no_coverage_gap_is_reported_for_a_year_the_data_covers(warehouse) -> None:
    """Defect #14.11: Kuzbass coal 2022 (August shipments) and Kazakhstan clean-up 2024 (a
    campaign of 2024-01 to 2025-06) were reported as missing."""
    gaps = set(
        warehouse.execute(
            "select dataset, territory_id, year from audit.findings where finding_type = 'coverage_gap'"
        ).fetchall()
    )
    assert ("coal_usage", "RU-KEM", 2022) not in gaps
    assert ("cleanup", "KZ", 2024) not in gaps
    assert gaps  # real gaps are still reported


def test_coverage_gaps_only_for_datasets_declared_periodic(warehouse) -> None:
    """#31.11: 26 of 36 coverage gaps were years without a clean-up or an environmental event,
    which are held when they are held. Gaps are found only where a contract declares a figure
    every year (periodic: true)."""
    from contracts import datasets, load_contract, periodic_datasets

    assert set(periodic_datasets()) == {"coal_usage", "emissions", "water_fees"}
    assert all(isinstance(load_contract(ds).periodic, bool) for ds in datasets())
    gapped = {
        ds
        for (ds,) in warehouse.execute(
            "select distinct dataset from audit.findings where finding_type = 'coverage_gap'"
        ).fetchall()
    }
    assert gapped and gapped <= set(periodic_datasets())
    (declared,) = warehouse.execute("select periodic_datasets()").fetchall()[0]
    assert sorted(declared) == sorted(periodic_datasets())


def test_a_population_beyond_plausible_growth_is_a_finding_unless_borders_changed(copy) -> None:
    """#31.9: Bishkek 2024-27 divided by 1,321,900 from a city programme, 16% above the 2022
    census in under three years. A border change between two figures explains a jump."""
    from contracts import population_plausible_change

    rate = population_plausible_change()
    found = findings(
        copy,
        "territory_id, year, message",
        "finding_type = 'implausible_population' and territory_id = 'KG-GB'",
    )
    assert [(t, y) for t, y, _ in found] == [("KG-GB", 2025)]
    assert "+5.5% a year, beyond the " + f"{round(100 * rate)}% a year" in found[0][2]
    # The same step with a change of Bishkek's borders between the figures is no finding.
    copy.execute(
        "insert into core.territory_changes (territory_id, change_date, change, description) "
        "values ('KG-GB', date '2024-01-01', 'absorbed', 'a test: villages joined the city')"
    )
    assert not findings(
        copy, "territory_id", "finding_type = 'implausible_population' and territory_id = 'KG-GB'"
    )


def test_per_capita_figures_side_by_side_share_one_population_basis(copy) -> None:
    """#31.9: countries divide by the World Bank's mid-year population, regions by 1 January
    figures; figures compared side by side (one indicator, year and level) share one basis:
    one counted on another day keeps its value and loses its per-capita value, with why."""
    model = next(m for m in sql_models() if m.table == "marts.region_year_indicators")
    check = next(c for c in model.checks if c["name"] == "one_population_basis_per_comparison")
    assert check.get("severity", "error") == "error"  # held by construction
    assert copy.execute(check["sql"]).fetchall() == []
    bases = copy.execute(
        "select level, list(distinct population_basis order by population_basis) "
        "from marts.region_year_indicators where per_capita_value is not null group by level "
        "order by level"
    ).fetchall()
    assert ("country", ["mid-year"]) in bases
    # Kyrgyzstan's 2022 population counted on a census day, the other countries' mid-year.
    copy.execute(
        "update core.population_by_year set population_basis = 'on 2022-03-24' "
        "where territory_id = 'KG' and year = 2022"
    )
    build_model(copy, model)
    assert copy.execute(check["sql"]).fetchall() == []
    kg = copy.execute(
        "select per_capita_value, note from marts.region_year_indicators "
        "where territory_id = 'KG' and year = 2022 and indicator = 'cleanup_waste_collected_t'"
    ).fetchall()
    assert kg[0][0] is None
    assert (
        "population counted on 2022-03-24, the others of this indicator, year and level "
        "mid-year: no per-capita value" in kg[0][1]
    )


# A figure added beside one of another territory where the default data compare none: each
# country reports its own water fees, and no two cities have the same kind of facility.
_BESIDE = {
    "water_fee_revenue": "insert into core.water_fees select * replace ('KZ' as territory_id, "
    "'KZ' as country_code) from core.water_fees where territory_id = 'KG' and year = 2023",
    "waste_capacity": "insert into core.waste_facilities select * replace ('RU-SPE' as "
    "territory_id, 'RU' as country_code, facility_key || '-copy' as facility_key, "
    "source_row_id || '-copy' as source_row_id) from core.waste_facilities "
    "where territory_id = 'KG-GB' and facility_type = 'waste_to_energy'",
}


@pytest.mark.parametrize(
    "mart", ["cleanup_comparison", "coal_and_emissions", "waste_capacity", "water_fee_revenue"]
)
def test_every_mart_divides_figures_compared_side_by_side_by_one_basis(copy, mart) -> None:
    """#31.9 in every mart with per-capita figures, not only the dashboard's: of figures
    compared side by side (the mart's declared per_capita_comparison), one whose population
    was counted on another day keeps its value and loses its per-capita value, with why."""
    model = next(m for m in sql_models() if m.table == f"marts.{mart}")
    by, columns = model.per_capita_comparison["by"], model.per_capita_comparison["columns"]
    check = next(c for c in model.checks if c["name"] == "one_population_basis_per_comparison")
    assert set(by) | set(columns) <= set(model.columns)
    if mart in _BESIDE:
        copy.execute(_BESIDE[mart])
    build_model(copy, model)
    assert copy.execute(check["sql"]).fetchall() == []
    any_value = " or ".join(f"{c} is not null" for c in columns)
    ((territory, *group),) = copy.execute(
        f"select territory_id, {', '.join(by)} from marts.{mart} where {any_value} "
        f"qualify count(*) over (partition by {', '.join(by)}) >= 2 order by all limit 1"
    ).fetchall()
    copy.execute(
        "update core.population_by_year set population_basis = 'on 2001-02-03' "
        "where territory_id = ? and year = ?",
        [territory, group[by.index("year")]],
    )
    build_model(copy, model)
    assert copy.execute(check["sql"]).fetchall() == []
    note = "per_capita_note" if mart == "cleanup_comparison" else "note"
    rows = copy.execute(
        f"select {', '.join(columns)}, {note} from marts.{mart} where territory_id = ? "
        + "".join(f" and {b} = ?" for b in by),
        [territory, *group],
    ).fetchall()
    words = ", ".join(b.replace("_", " ") for b in by[:-1]) + " and " + by[-1]
    assert rows and all(v is None for row in rows for v in row[:-1])
    said = f"population counted on 2001-02-03, the others of this {words} "
    assert all(said in row[-1] for row in rows), rows


def test_findings_rank_by_what_they_change_and_see_what_the_rules_leave_out(copy) -> None:
    """#31.11: of 15 findings sampled, 7 were not problems (an unsorted remainder; "более 15
    тысяч" against 15,099), and the findings missed a misread scope, a stale status and an
    interim count. Warnings come first, the largest share of a figure first; the remainder is
    information; what the rules leave out is listed for review."""
    from warehouse import run_query

    rows = findings(copy, "severity, finding_type, territory_id, year, share_changed")
    # The report lists them in the order to review them: warnings, then the largest share.
    listed = run_query(copy, "report_findings").fetchall()
    keys = [(r[2] == "warning", r[10] if r[10] is not None else -1.0) for r in listed]
    assert keys == sorted(keys, reverse=True) and len(listed) == len(rows)
    by = {(t, territory, y): (s, c) for s, t, territory, y, c in rows}
    assert by[("parts_vs_total", "KZ", 2022)][0] == "info"  # 5,100 t unsorted: visible, no error
    small = by[("sub_territories_vs_territory", "KG-GB", 2024)]
    assert small[0] == "warning" and small[1] < 0.01  # ranked last of the warnings with numbers
    # A total below the stationary figure of the same year: one scope is misread.
    assert by[("scope_contradiction", "KZ-ATY", 2020)][0] == "warning"
    assert by[("left_out_of_comparison", "KZ", 2025)][0] == "info"
    assert by[("left_out_of_comparison", "RU-KEM", 2017)][0] == "info"  # the interim count
    assert ("status_expired", "KZ-KUS", int((REPO / "tests/digests/as_of").read_text()[:4])) in by
