"""Check results as Dagster sees them; the same results are recorded in
audit.validation_results (warehouse/results.py) by the step that computes them."""

import dagster as dg
import polars as pl

from assets.metadata import preview
from warehouse.results import CheckResult


def to_dagster(
    result: CheckResult, asset_key: dg.AssetKey, **metadata: object
) -> dg.AssetCheckResult:
    """A recorded result as the Dagster check result its asset's step reports."""
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=result.check_name,
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
