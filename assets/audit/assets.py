"""Audit assets: the Great Expectations suites of the marts, and the validation report.

audit/expectations       runs each mart's suite after the marts are built; results go to
                         audit.validation_results and Data Docs to <home>/reports/data_docs/
audit/validation_report  the run's report: <home>/reports/validation_report.html and
                         validation_results.json (and a dated copy under reports/validation/)
"""

import dagster as dg
import polars as pl

from assets.audit.report import collect, latest_run, write_report
from assets.metadata import preview
from warehouse import sql_models
from warehouse.resources import HomeResource, Warehouse
from warehouse.results import record_results

EXPECTATIONS_KEY = dg.AssetKey(["audit", "expectations"])
REPORT_KEY = dg.AssetKey(["audit", "validation_report"])


def _mart_models() -> dict:
    return {m.table: m for m in sql_models() if m.layer == "marts"}


def _suite_query(con, table: str) -> str:
    """The mart as its suite reads it: every column in order, list columns (source row ids) as
    their length. No expectation compares the lists, and a mart behind ten million source rows
    holds as many ids: they stay in DuckDB."""
    schema, name = table.split(".")
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where schema_name = ? and table_name = ? order by column_index",
        [schema, name],
    ).fetchall()
    return (
        "select "
        + ", ".join(f'len("{c}") as "{c}"' if t.endswith("[]") else f'"{c}"' for c, t in columns)
        + f" from {table}"
    )


def expectations_asset() -> dg.AssetsDefinition:
    marts = _mart_models()

    @dg.asset(
        key=EXPECTATIONS_KEY,
        group_name="audit",
        kinds={"great_expectations"},
        deps=[dg.AssetKey(t.split(".")) for t in marts],
        description=(
            "Great Expectations suites of the marts, one per mart, built from each mart's YAML "
            "(ordered columns, key, non-negative columns, declared expectations). Grain: one "
            "result per mart x expectation, in audit.validation_results (engine "
            "great_expectations). Data Docs: <home>/reports/data_docs/index.html (offline)."
        ),
    )
    def _asset(
        context: dg.AssetExecutionContext, warehouse: Warehouse, home: HomeResource
    ) -> dg.MaterializeResult:
        from assets.audit.expectations import run_suites  # imports Great Expectations

        with warehouse.get_connection() as con:
            frames = {table: con.sql(_suite_query(con, table)).pl() for table in marts}
        docs = home.home.reports / "data_docs"
        results = run_suites(frames, marts, docs)
        with warehouse.get_connection() as con:
            record_results(con, context.run_id, results)
        table = pl.DataFrame(
            [
                {
                    "mart": r.target,
                    "expectation": r.check_name,
                    "passed": r.passed,
                    "rows_failed": r.rows_failed,
                }
                for r in results
            ]
        )
        return dg.MaterializeResult(
            metadata={
                "expectations": len(results),
                "failed": sum(not r.passed for r in results),
                "data_docs": dg.MetadataValue.path(str(docs / "index.html")),
                "failures": preview(table.filter(~pl.col("passed")), limit=50),
            }
        )

    return _asset


@dg.asset_check(
    asset=EXPECTATIONS_KEY,
    name="expectations_met",
    blocking=True,
    description="Every expectation of the marts' suites holds in this run (warnings excepted).",
)
def expectations_check(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        failed = con.sql(
            """select target, check_name, severity, rows_checked, rows_failed, failure_sample
               from audit.validation_results
               where run_id = ? and engine = 'great_expectations' and not passed
               order by target, check_name""",
            params=[context.run.run_id],
        ).pl()
    errors = failed.filter(pl.col("severity") == "error")
    return dg.AssetCheckResult(
        passed=errors.height == 0,
        severity=dg.AssetCheckSeverity.ERROR if errors.height else dg.AssetCheckSeverity.WARN,
        metadata={
            "failed_errors": errors.height,
            "failed_warnings": failed.height - errors.height,
            "failed": preview(failed, limit=50),
        },
    )


def report_asset(deps: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=REPORT_KEY,
        group_name="audit",
        kinds={"html"},
        deps=deps,
        description=(
            "The validation report of the run. Grain: one report per run (one HTML page, one "
            "JSON). Files and rows per dataset, every check with its "
            "result, rejected rows with reasons, findings with their numbers, provenance of the "
            "headline figures. One self-contained HTML page (opens offline) and the same as JSON: "
            "<home>/reports/validation_report.html, validation_results.json, and dated copies "
            "under reports/validation/. Built last: every asset it depends on has blocking checks, "
            "so all of the run's results are recorded before it."
        ),
    )
    def _asset(
        context: dg.AssetExecutionContext, warehouse: Warehouse, home: HomeResource
    ) -> dg.MaterializeResult:
        with warehouse.get_connection() as con:
            recorded = con.execute(
                "select count(*) from audit.validation_results where run_id = ?", [context.run_id]
            ).fetchall()[0][0]
            # Run on its own (after a run that stopped early), it reports the latest run.
            run_id = context.run_id if recorded else latest_run(con)
            if run_id is None:
                raise dg.Failure(
                    "no check results in audit.validation_results: run the pipeline first"
                )
            report = collect(con, run_id)
        paths = write_report(home.home.reports, report)
        s = report["summary"]
        return dg.MaterializeResult(
            metadata={
                "report": dg.MetadataValue.path(str(paths["html"])),
                "results_json": dg.MetadataValue.path(str(paths["json"])),
                "run_reported": run_id,
                "checks": s["checks"],
                "errors": s["errors"],
                "warnings": s["warnings"],
                "rows_rejected": s["rows_rejected"],
                "findings_to_review": s["findings_warning"],
            }
        )

    return _asset


def audit_assets(
    upstream: list[dg.AssetsDefinition],
) -> tuple[list[dg.AssetsDefinition], list[dg.AssetChecksDefinition]]:
    """The expectations asset and the report, which depends on every checked asset."""
    deps = [
        key
        for a in upstream
        for key in a.keys
        if key.path[0] in ("staging", "core", "marts", "audit")
    ]
    return [expectations_asset(), report_asset([*deps, EXPECTATIONS_KEY])], [expectations_check]
