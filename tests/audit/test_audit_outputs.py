"""What an auditor gets from a run on the embedded default: check results as data, the report
and its JSON (Great Expectations results included), and a trace from any mart row to its source file and row."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from contracts import datasets, load_contract
from pipelines.cli import main
from tests.conftest import run_pipeline
from warehouse import sql_models
from warehouse.expectations import suite_spec
from warehouse.trace import find_rows, trace_row

# A tag that makes a browser fetch something from elsewhere.
EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I
)


def _latest_run(warehouse) -> str:
    return warehouse.execute(
        "select run_id from audit.validation_results group by run_id order by max(checked_at) desc limit 1"
    ).fetchall()[0][0]


def test_every_check_of_the_run_is_recorded_with_its_numbers(warehouse) -> None:
    run = _latest_run(warehouse)
    rows = warehouse.execute(
        "select target, check_name, engine, severity, passed, rows_checked, rows_failed "
        "from audit.validation_results where run_id = ?",
        [run],
    ).fetchall()
    by_key = {(t, c): (e, s, p, n, f) for t, c, e, s, p, n, f in rows}
    # One result per contract rule of every dataset.
    for ds in datasets():
        for rule in load_contract(ds).rules:
            assert (f"staging.{ds}", f"rule:{rule.name}") in by_key
    # The Bishkek row with no date: 1 of the 30 clean-up rows read, blocked.
    assert by_key[("staging.cleanup", "rule:period_required")] == (
        "contract",
        "error",
        False,
        30,
        1,
    )
    assert by_key[("staging.cleanup", "rule:known_territory")][2] is True
    # Every SQL model's suite ran in Great Expectations: the key (not null, unique), the
    # non-negative columns and the declared expectations; no key is checked twice.
    for model in sql_models():
        gx = {k[1] for k in by_key if k[0] == model.table and by_key[k][0] == "great_expectations"}
        if model.key:
            severity = "warning" if model.key_severity == "warn" else "error"
            assert by_key[(model.table, "unique_key")][:3] == ("great_expectations", severity, True)
        assert {f"non_negative_{c}" for c in model.non_negative} <= gx, model.table
        assert len(gx) == len(suite_spec(model)), model.table
        sql = {k[1] for k in by_key if k[0] == model.table and by_key[k][0] == "sql"}
        assert sql == {c["name"] for c in model.checks}, model.table
    # 31 findings, 14 of them warnings (the air-monitoring network's two since #14.14; seven
    # implausible populations since #31.9; since #31.11 a scope contradiction, and the clean-up
    # remainder is information)
    assert by_key[("audit.findings", "no_warnings")] == ("sql", "warning", False, 31, 14)
    assert {e for e, *_ in by_key.values()} == {"contract", "sql", "great_expectations"}


def test_the_report_and_its_json_are_written_with_the_numbers(seeded_home: Path) -> None:
    reports = seeded_home / "reports"
    html = (reports / "validation_report.html").read_text(encoding="utf-8")
    results = json.loads((reports / "validation_results.json").read_text(encoding="utf-8"))
    dated = sorted((reports / "validation").glob("*.html"))
    assert dated and dated[-1].read_text(encoding="utf-8") == html
    s = results["summary"]
    assert (s["rows_read"], s["rows_loaded"], s["rows_rejected"]) == (150, 145, 5)
    assert s["rows_read"] == s["rows_loaded"] + s["rows_rejected"]
    # Every check is one of four outcomes, and the totals add up.
    outcomes = [c["outcome"] for c in results["checks"]]
    assert set(outcomes) <= {"passed", "warning", "quarantined", "failed"}
    assert (
        outcomes.count("passed"),
        outcomes.count("warning"),
        outcomes.count("quarantined"),
        outcomes.count("failed"),
    ) == (s["checks_passed"], s["warnings"], s["rules_rejecting_rows"], s["errors"])
    assert sum(outcomes.count(o) for o in set(outcomes)) == s["checks"]
    assert len(results["rejected_rows"]) == 5
    kz = next(
        f
        for f in results["findings"]
        if f["territory_id"] == "KZ" and f["finding_type"] == "parts_vs_total"
    )
    assert kz["difference"] == pytest.approx(-5100)
    assert "5,100" in html and "3,346.259" in html
    assert "Бишкек" in html  # Cyrillic content is kept as such (UTF-8)
    assert not EXTERNAL.search(html)


def test_headline_provenance_reaches_the_source_row(seeded_home: Path) -> None:
    results = json.loads(
        (seeded_home / "reports" / "validation_results.json").read_text(encoding="utf-8")
    )
    kg = next(
        t
        for t in results["provenance"]
        if t["row"]["territory_id"] == "KG"
        and t["row"]["year"] == 2023
        and t["row"]["indicator"] == "cleanup_waste_collected_t"
    )
    assert kg["row"]["value"] == pytest.approx(3346.259)
    (source,) = kg["source_rows"]
    assert (source["path"], source["row_number"]) == ("kg_mnr_subbotniki_2019_2024.csv", 2)
    assert source["as_written"]["waste_collected_t"] == "3 346,259"
    assert len(source["sha256"]) == 64


def test_every_indicator_row_traces_to_a_source_file_and_row(warehouse) -> None:
    rows = find_rows(warehouse, "marts.region_year_indicators", {}, limit=100_000)
    assert len(rows) > 100
    for row in rows:
        trace = trace_row(warehouse, "marts.region_year_indicators", row)
        assert trace.source_rows, row
        for s in trace.source_rows:
            assert s.path and s.sha256 and s.row_number and s.as_written, (row, s)
            assert s.file_status == "loaded"


def test_ecostat_trace_prints_the_chain(seeded_home: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("ECOSTAT_HOME", str(seeded_home))
    args = ["trace", "marts.region_year_indicators", "territory_id=KG", "year=2023"]
    assert main([*args, "indicator=water_fees_water_use_fee_republican"]) == 0
    out = capsys.readouterr().out
    assert "landing/water_fees/water_fee_revenue_2013_2023.xlsx, sheet 'Поступления', row 4" in out
    assert "'392,9 млн' -> 392900000.0" in out
    assert "converted from KGS at 87.8561 per USD" in out
    assert "population 7,099,750 of KG" in out
    assert main([*args, "indicator=cleanup_waste_collected_t", "--json"]) == 0
    (trace,) = json.loads(capsys.readouterr().out)
    assert trace["source_rows"][0]["row_number"] == 2
    assert main(["trace", "marts.nope"]) == 2
    assert "no table marts.nope" in capsys.readouterr().err
    assert main(["trace", "marts.region_year_indicators", "year=1900"]) == 1


def test_a_trace_shows_this_rows_inputs_its_computation_and_the_source_kept(
    seeded_home: Path, monkeypatch, capsys
) -> None:
    """Kyrgyzstan's 2022 clean-up tonnes: three reports of one day, two of them with tonnes
    that disagree (620.922 t, high confidence; 620.902 t, medium). The trace names the tables
    this row came from (not every table the mart reads), computes its per-capita value, says
    which report's figure was kept and by what rule, and lists only the checks on its path."""
    monkeypatch.setenv("ECOSTAT_HOME", str(seeded_home))
    args = ["trace", "marts.region_year_indicators", "territory_id=KG", "year=2022"]
    assert main([*args, "indicator=cleanup_waste_collected_t"]) == 0
    out = capsys.readouterr().out
    inputs = re.search(r"this row from (.*)", out).group(1).split(", ")
    assert inputs == [
        "core.cleanup",
        "core.population_by_year",
        "core.regions",
        "marts.cleanup_comparison",
    ]
    assert (
        "computed: per_capita_value 0.089018 t per 1,000 inhabitants = value 620.922 t / "
        "population 6,975,220 (2022) x 1,000" in out
    )
    assert "sources disagree; the figure kept, by marts.cleanup_comparison: " in out
    assert "waste_collected_t 620.922: the figure kept" in out
    assert "waste_collected_t 620.902: an alternative, not kept" in out
    checked = re.search(r"passed through \((.*?)\)", out).group(1).split(", ")
    assert not [t for t in checked if "emissions" in t or "water_fee" in t]
    assert "staging.cleanup" in checked and "marts.region_year_indicators" in checked
    assert "landing/cleanup/kg_mnr_subbotniki_2019_2024.csv, row 3 (" in out  # file first


def test_the_report_shows_the_great_expectations_results_without_data_docs(
    seeded_home: Path,
) -> None:
    """Great Expectations' results are rendered by our report (which opens offline); no Data
    Docs site, whose pages fetch their styles and scripts from the network, is written."""
    reports = seeded_home / "reports"
    assert not (reports / "data_docs").exists()
    results = json.loads((reports / "validation_results.json").read_text(encoding="utf-8"))
    gx = [c for c in results["checks"] if c["engine"] == "great_expectations"]
    assert {c["target"] for c in gx} == {m.table for m in sql_models() if suite_spec(m)}
    html = (reports / "validation_report.html").read_text(encoding="utf-8")
    assert "column_values_to_be_in_set_currency" in html
    assert not EXTERNAL.search(html)


def test_a_report_is_written_even_when_an_error_check_stops_the_run(
    fresh_home: Path, monkeypatch, capsys
) -> None:
    """A failed error check stops everything downstream of its table, the report included; the
    run then writes the report on its own, and it shows the failure."""
    model = next(m for m in sql_models() if m.table == "marts.cleanup_comparison")
    declared = next(c for c in model.checks if c["name"] == "volume_never_in_tonnes")
    monkeypatch.setitem(declared, "sql", "select 'broken on purpose' as why")
    assert not run_pipeline(fresh_home)
    assert "Validation report:" in capsys.readouterr().out
    assert not (fresh_home / "last_run.json").exists()  # a failed run is never taken for a good one
    results = json.loads(
        (fresh_home / "reports" / "validation_results.json").read_text(encoding="utf-8")
    )
    failed = [
        c
        for c in results["checks"]
        if not c["passed"] and c["severity"] == "error" and c["engine"] == "sql"
    ]
    assert [(c["target"], c["check_name"]) for c in failed] == [
        ("marts.cleanup_comparison", "volume_never_in_tonnes")
    ]
    assert results["summary"]["errors"] == 1
    con = duckdb.connect(str(fresh_home / "warehouse.duckdb"), read_only=True)
    try:
        runs = con.execute("select count(distinct run_id) from audit.validation_results").fetchall()
    finally:
        con.close()
    assert runs == [(1,)]  # the report reports the run that stopped, not a run of its own


def test_findings_are_summarised_by_kind_for_dagster(warehouse) -> None:
    model = next(m for m in sql_models() if m.table == "audit.findings")
    summary = {
        (kind, severity): n for kind, severity, n, _ in warehouse.execute(model.summary).fetchall()
    }
    # Kuzbass 2017 coal, ЭкоЛэнд's lines, and the Kyrgyz monitoring network's providers and
    # stations; KZ 2022's unsorted clean-up remainder is information since #31.11
    assert summary[("parts_vs_total", "warning")] == 4
    assert summary[("parts_vs_total", "info")] == 1
    # Gaps are years no record touches (#14.11): KZ clean-up 2024 and Kuzbass coal 2021-2022
    # are covered by longer or partial periods; KG coal 2020 and Kuzbass coal 2016 are not;
    # Atyrau region's emissions of 2021 are in the default data since #14.14.
    assert summary[("coverage_gap", "info")] == 11  # periodic datasets only (#31.11)


def test_the_report_is_bounded_whatever_the_number_of_rejected_rows(seeded_home, tmp_path) -> None:
    """Defect #14.2: the report listed every rejected row and finding. Per dataset and rule it
    now counts them and lists the first REJECTED_PER_RULE, with the query for the rest."""
    import shutil

    from assets.audit.report import REJECTED_PER_RULE, collect, latest_run, render_html

    copy = tmp_path / "w.duckdb"
    shutil.copy(seeded_home / "warehouse.duckdb", copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute(
            """insert into audit.rejected_rows
               select r.* replace (r.row_number + 1000 * i as row_number)
               from audit.rejected_rows as r, range(1, 400) as t(i)
               where r.rule = 'period_required'"""
        )
        report = collect(con, latest_run(con))
    finally:
        con.close()
    group = next(
        g
        for g in report["rejected_by_rule"]
        if (g["dataset"], g["rule"]) == ("cleanup", "period_required")
    )
    assert group["rows"] == 400 and group["files"] == 1
    listed = [
        r
        for r in report["rejected_rows"]
        if (r["dataset"], r["rule"]) == ("cleanup", "period_required")
    ]
    assert len(listed) == REJECTED_PER_RULE
    html = render_html(report)
    assert f"The first {REJECTED_PER_RULE} of 400 are listed" in html
    assert "rule = &#39;period_required&#39;" in html  # the query that lists them all


def test_rows_rejected_mean_one_thing_in_the_summary_the_report_and_the_views(
    seeded_home, tmp_path
) -> None:
    """#15.4: the summary counted a wide table's rejected row once, validate.py once per value
    column. A rejected record is (file, row, value column) everywhere: the views of
    warehouse/ddl/audit.sql define it and every count reads them."""
    import shutil

    from assets.audit.report import collect, latest_run
    from pipelines.summary import summary_lines

    copy = tmp_path / "w.duckdb"
    shutil.copy(seeded_home / "warehouse.duckdb", copy)
    con = duckdb.connect(str(copy))
    try:
        # Row 40 of the emissions file, as a wide table's row: two year columns broke one rule.
        con.execute(
            """insert into audit.rejected_rows
               select file_id, dataset, path, null, 40, year_column, 'emissions_t', 'number_format',
                      'n/a', 'not a number', 'test'
               from audit.source_files, (values ('2019'), ('2020')) as y(year_column)
               where dataset = 'emissions' and status = 'loaded'"""
        )
        records = con.execute(
            """select count(*) from audit.current_rejected_rows
               where dataset = 'emissions' and list_contains(rules, 'number_format')"""
        ).fetchall()
        report = collect(con, latest_run(con))
        lines = summary_lines(con)
    finally:
        con.close()
    assert records == [(2,)]
    group = next(
        g
        for g in report["rejected_by_rule"]
        if (g["dataset"], g["rule"]) == ("emissions", "number_format")
    )
    assert (group["rows"], group["failures"], group["files"]) == (2, 2, 1)
    by_rule = next(line for line in lines if line.startswith("Rejected rows by rule"))
    assert "emissions.number_format 2" in by_rule


def test_every_mart_traces_to_its_sources_and_declares_how_a_figure_is_chosen(
    seeded_home: Path, monkeypatch, capsys
) -> None:
    """#30.8: `ecostat trace` refused marts.cleanup_comparison and marts.region_scorecard, and
    only the clean-up mart declared how a figure wins when sources disagree."""
    marts = [m for m in sql_models() if m.layer == "marts"]
    undeclared = [m.table for m in marts if m.choice is None]
    assert not undeclared, f"marts that do not say how a figure is chosen: {undeclared}"
    by_dataset = next(m for m in marts if m.name == "region_year_indicators")
    # The monitoring network is no region-year figure (a count of stations by operator).
    assert all(by_dataset.rule_for(ds) for ds in datasets() if ds != "air_monitoring")
    monkeypatch.setenv("ECOSTAT_HOME", str(seeded_home))
    # The embedded default holds no air-quality measurements (tests/warehouse/test_air_quality.py
    # traces those marts on AirNow's files).
    for mart in (m for m in marts if not m.name.startswith("air_quality")):
        assert main(["trace", mart.table, "--limit", "1", "--json"]) == 0, mart.table
        (trace,) = json.loads(capsys.readouterr().out)
        assert trace["source_rows"] and trace["source_rows"][0]["path"].endswith(
            (".csv", ".xlsx", ".txt")
        )
    # KG 2022's clean-up reports disagree (620.902 against 620.922 t): both marts say the rule.
    for table in ("marts.cleanup_comparison", "marts.region_scorecard"):
        assert main(["trace", table, "territory_id=KG", "year=2022"]) == 0
        out = capsys.readouterr().out
        assert "sources disagree; the figure kept, by marts.cleanup_comparison: Reports" in out
        assert "landing/cleanup/kg_mnr_subbotniki_2019_2024.csv" in out
