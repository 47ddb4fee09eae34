"""Dagster asset check results that are also recorded in audit.validation_results."""

import dagster as dg
import polars as pl

from assets.metadata import preview
from pipelines.resources import Warehouse
from warehouse.results import CheckResult, record_results


def report_check(
    context: dg.AssetCheckExecutionContext,
    warehouse: Warehouse,
    result: CheckResult,
    **metadata: object,
) -> dg.AssetCheckResult:
    """Record a check's result for the run and return it to Dagster, with its sample."""
    with warehouse.get_connection() as con:
        record_results(con, context.run.run_id, [result])
    return dg.AssetCheckResult(
        passed=result.passed,
        severity=dg.AssetCheckSeverity.WARN
        if result.severity == "warning"
        else dg.AssetCheckSeverity.ERROR,
        metadata={
            "rows_checked": result.rows_checked,
            "rows_failed": result.rows_failed,
            **metadata,
            "sample": preview(result.sample if result.sample is not None else pl.DataFrame()),
        },
    )
