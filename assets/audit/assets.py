"""Audit asset: the validation report of the run.

audit/validation_report  the run's report: <home>/reports/validation_report.html and
                         validation_results.json (and a dated copy under reports/validation/),
                         every check of the run as audit.validation_results holds it: contract
                         rules (pandera), Great Expectations suites and SQL rules of the models
"""

import dagster as dg

from assets.audit.report import collect, latest_run, write_report
from warehouse.resources import HomeResource, Warehouse

REPORT_KEY = dg.AssetKey(["audit", "validation_report"])


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
            report = collect(con, run_id, home.home.documents)
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


def audit_assets(upstream: list[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """The report, which depends on every checked asset."""
    deps = [
        key
        for a in upstream
        for key in a.keys
        if key.path[0] in ("staging", "core", "marts", "audit")
    ]
    return [report_asset(deps)]
