"""The validation report of a run: what was checked, what failed, which rows were rejected and
why, the findings with their numbers, and the provenance of the headline figures.

``collect`` reads it all from the warehouse into one dict (the JSON results); ``render_html``
turns that dict into one self-contained HTML page (inline CSS, inline SVG charts, no external
link or script) that opens offline. Both are pure functions of the warehouse and the run id.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from assets.extract.documents import quotes_from
from assets.html import bar_chart, render
from warehouse import first_row, run_query
from warehouse.trace import find_rows, trace_rows

TEMPLATES = Path(__file__).parent / "templates"
HEADLINE_TABLE = "marts.region_year_indicators"
# What the report renders, whatever the size of the run; the rest is in the warehouse, a query
# away (the report prints the query).
REJECTED_PER_RULE = 50  # rejected rows listed per dataset x rule
FINDINGS_SHOWN = 200  # findings listed per severity
PROVENANCE_ROWS = 5  # source rows shown cell by cell per headline figure


def latest_run(con: duckdb.DuckDBPyConnection) -> str | None:
    """The run that recorded check results last."""
    row = first_row(
        con,
        "select run_id from audit.validation_results group by run_id order by max(checked_at) desc limit 1",
    )
    return row[0] if row else None


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(
        first_row(
            con,
            "select 1 from duckdb_tables() where schema_name = ? and table_name = ?",
            [schema, name],
        )
    )


def _records(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> list[dict]:
    """The rows of warehouse/queries/<name>.sql as dicts."""
    return run_query(con, name, **params).pl().to_dicts()


def collect(con: duckdb.DuckDBPyConnection, run_id: str, documents: Path | None = None) -> dict:
    """Everything the report shows, as plain data (dates as text), for ``run_id``; figures
    accepted from narrative reports are quoted from the documents kept in ``documents``."""
    checks = _records(con, "report_checks", run_id=run_id)
    for c in checks:
        c["failure_sample"] = json.loads(c["failure_sample"]) if c["failure_sample"] else []
        c["outcome"] = outcome(c)
    files = _records(con, "report_files", run_id=run_id)
    datasets = []
    for ds in sorted({f["dataset"] for f in files}):
        mine = [f for f in files if f["dataset"] == ds]
        current = [f for f in mine if f["status"] == "loaded"]
        datasets.append(
            {
                # Files in no dataset's folder (in landing/ itself, a misspelt folder): their
                # path is relative to landing/.
                "dataset": ds or "(in no dataset's folder)",
                "folder": f"landing/{ds}/" if ds else "landing/",
                "files": mine,
                "files_current": len(current),
                "files_failed": sum(f["status"] == "failed" for f in mine),
                "rows_read": sum(f["rows_read"] or 0 for f in current),
                "rows_loaded": sum(f["rows_loaded"] or 0 for f in current),
                "rows_rejected": sum(f["rows_rejected"] or 0 for f in current),
            }
        )
    # Bounded whatever the size of the run: per rule its count and its first rows (the rest
    # are a query away), the findings a person reviews (already aggregated by territory x year
    # x subject), the first rows of each headline figure.
    rejected_by_rule = _records(con, "rejected_by_rule", dataset=None)
    for group in rejected_by_rule:
        group["query"] = (
            "select path, sheet, row_number, column_name, value, message "
            "from audit.current_rejections "
            f"where dataset = '{group['dataset']}' and rule = '{group['rule']}' "
            "order by path, row_number"
        )
    rejected = _records(con, "rejected_rows", dataset=None, per_rule=REJECTED_PER_RULE)
    findings = _records(con, "report_findings") if _table_exists(con, "audit.findings") else []
    checks_failed = [c for c in checks if not c["passed"]]
    carried = (
        {
            r["target"]: r["carried_from_run_id"]
            for r in _records(con, "report_carried_suites", run_id=run_id)
        }
        if _table_exists(con, "audit.suite_runs")
        else {}
    )
    return {
        "report": "ecostat validation report",
        "run_id": run_id,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "checked_from": min((c["checked_at"] for c in checks), default=None),
        "checked_to": max((c["checked_at"] for c in checks), default=None),
        "summary": {
            "datasets": len(datasets),
            "files_current": sum(d["files_current"] for d in datasets),
            "files_failed": sum(d["files_failed"] for d in datasets),
            "rows_read": sum(d["rows_read"] for d in datasets),
            "rows_loaded": sum(d["rows_loaded"] for d in datasets),
            "rows_rejected": sum(d["rows_rejected"] for d in datasets),
            # passed + warnings + rules_rejecting_rows + errors = checks: every check is one of
            # the four (outcome()).
            "checks": len(checks),
            "checks_passed": len(checks) - len(checks_failed),
            # Rules that rejected rows did their job (the rows are quarantined); errors are the
            # other failed checks, which stop what depends on a table.
            "rules_rejecting_rows": sum(c["engine"] == "contract" for c in checks_failed),
            "errors": sum(
                c["severity"] == "error" and c["engine"] != "contract" for c in checks_failed
            ),
            "warnings": sum(c["severity"] == "warning" for c in checks_failed),
            "findings_warning": sum(f["severity"] == "warning" for f in findings),
            "findings_info": sum(f["severity"] != "warning" for f in findings),
        },
        "datasets": datasets,
        "checks": checks,
        "suites_carried_from": carried,
        "rejected_by_rule": rejected_by_rule,
        "rejected_rows": rejected,  # the first REJECTED_PER_RULE of each rule
        "rejected_rows_shown_per_rule": REJECTED_PER_RULE,
        "findings": findings,
        "findings_shown": FINDINGS_SHOWN,
        "provenance": headline_provenance(con, documents),
    }


OUTCOMES = {
    "passed": "passed",
    "warning": "warning: a finding for review, nothing stopped",
    "quarantined": "rows quarantined: the rule rejected the rows that break it, nothing else stopped",
    "failed": "failed: what depends on the table did not run",
}


def outcome(check: dict) -> str:
    """What a check's result means: passed; a warning; a contract rule that quarantined the
    rows breaking it (it did its job: the rows are listed, nothing else is affected); or a
    failed error, which stops what depends on the table."""
    if check["passed"]:
        return "passed"
    if check["severity"] == "warning":
        return "warning"
    return "quarantined" if check["engine"] == "contract" else "failed"


def source_row_label(source_row_id: str, files: dict[str, dict]) -> str:
    """file_id:row[:column] as a person reads it: the file's path (and sheet), row and column."""
    file_id, _, rest = source_row_id.partition(":")
    row, _, column = rest.partition(":")
    f = files.get(file_id)
    if f is None:
        return source_row_id
    where = f"landing/{f['dataset']}/{f['path']}" + (f", sheet {f['sheet']}" if f["sheet"] else "")
    return f"{where}, row {row}" + (f", column {column}" if column else "")


def headline_provenance(
    con: duckdb.DuckDBPyConnection, documents: Path | None = None
) -> list[dict]:
    """The trace of every country-level figure of marts.region_year_indicators, down to the
    sentence for a figure from a narrative report (quoted from ``documents``)."""
    if not _table_exists(con, HEADLINE_TABLE):
        return []
    rows = find_rows(con, HEADLINE_TABLE, {"level": "country"}, limit=1000)
    traces = []
    # All at once (a fixed number of queries), without checks: the report lists every check
    # once, in its own section.
    quote = quotes_from(documents) if documents else None
    for trace in trace_rows(
        con, HEADLINE_TABLE, rows, PROVENANCE_ROWS, with_checks=False, quote=quote
    ):
        trace = trace.to_dict()
        trace.pop("checks")
        traces.append(trace)
    return traces


def charts(report: dict) -> dict[str, str]:
    """Inline SVG charts (Vega-Lite, rendered by vl-convert without a browser or network)."""
    rows = pl.DataFrame(
        [
            {"dataset": d["dataset"], "rows": d[f"rows_{kind}"], "outcome": kind}
            for d in report["datasets"]
            for kind in ("loaded", "rejected")
        ],
        schema={"dataset": pl.String, "rows": pl.Int64, "outcome": pl.String},
    )
    checks = pl.DataFrame(
        [
            {
                "layer": c["target"].split(".")[0],
                "result": {
                    "passed": "passed",
                    "warning": "warning",
                    "quarantined": "rows quarantined",
                    "failed": "failed (error)",
                }[outcome(c)],
            }
            for c in report["checks"]
        ],
        schema={"layer": pl.String, "result": pl.String},
    )
    out = {}
    if rows.height:
        out["rows"] = bar_chart(
            rows,
            "Rows of current files, by dataset",
            "sum(rows):Q",
            "rows",
            "dataset:N",
            "outcome:N",
            {"loaded": "#2f6f4f", "rejected": "#c0392b"},
        )
    if checks.height:
        out["checks"] = bar_chart(
            checks,
            "Checks of this run, by layer",
            "count():Q",
            "checks",
            "layer:N",
            "result:N",
            {
                "passed": "#2f6f4f",
                "warning": "#d68910",
                "rows quarantined": "#7d6608",
                "failed (error)": "#c0392b",
            },
        )
    return out


def render_html(report: dict) -> str:
    """The report as one self-contained HTML page."""
    by_rule: dict[tuple[str, str], dict] = {
        (g["dataset"], g["rule"]): {**g, "examples": []} for g in report["rejected_by_rule"]
    }
    for r in report["rejected_rows"]:
        by_rule[(r["dataset"], r["rule"])]["examples"].append(r)
    by_target: dict[str, list[dict]] = {}
    for c in report["checks"]:
        by_target.setdefault(c["target"], []).append(c)
    files = {f["file_id"]: f for d in report["datasets"] for f in d["files"] if "file_id" in f}
    return render(
        TEMPLATES,
        "validation_report.html.j2",
        r=report,
        charts=charts(report),
        rejected_by_rule=by_rule,
        checks_by_target=by_target,
        suites_carried_from=report.get("suites_carried_from", {}),
        outcomes=OUTCOMES,
        where=lambda source_row_id: source_row_label(source_row_id, files),
        file_ids=files,
    )


def write_report(reports_dir: Path, report: dict) -> dict[str, Path]:
    """Write the run's HTML and JSON under reports/validation/, and copies as the latest
    (reports/validation_report.html, reports/validation_results.json). Returns the paths."""
    stamp = report["generated_at"].replace(":", "").replace("-", "").replace(" ", "T")
    folder = reports_dir / "validation"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{stamp[:15]}_{report['run_id'][:8]}"
    html = render_html(report)
    payload = json.dumps(report, ensure_ascii=False, indent=2, default=str)
    paths = {
        "html": folder / f"{name}.html",
        "json": folder / f"{name}.json",
        "latest_html": reports_dir / "validation_report.html",
        "latest_json": reports_dir / "validation_results.json",
    }
    for key, text in (("html", html), ("json", payload)):
        paths[key].write_text(text, encoding="utf-8")
        paths[f"latest_{key}"].write_text(text, encoding="utf-8")
    # Earlier versions wrote Great Expectations' Data Docs here; this report now shows those
    # results, and pages of an old run left beside it would be taken for current ones.
    shutil.rmtree(reports_dir / "data_docs", ignore_errors=True)
    return paths
