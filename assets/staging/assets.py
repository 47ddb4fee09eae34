"""Staging assets and their checks: raw.<dataset> -> staging.<dataset>, one per declared dataset."""

import dagster as dg
import pandera.polars as pa
import polars as pl

from assets.metadata import column_schema, preview
from assets.staging.load import (
    StageOutcome,
    pending_files,
    record_stage_failure,
    reference,
    stage_file,
)
from contracts import Contract
from pipelines.resources import Warehouse
from warehouse import scalar

# Files whose rows are current: loaded, not superseded by a newer version.
_CURRENT = "f.status = 'loaded' and f.dataset = ?"


def staging_asset(contract: Contract) -> dg.AssetsDefinition:
    ds = contract.dataset
    columns = {
        c.name: {"description": c.description, "unit": c.unit} for c in contract.stored_columns
    }
    columns["territory_id"] = {"description": "Gazetteer id the territory resolved to."}

    @dg.asset(
        key=["staging", ds],
        group_name="staging",
        kinds={"duckdb", "polars", "pandera"},
        deps=[
            dg.AssetKey(["raw", ds]),
            dg.AssetKey(["core", "regions"]),
            dg.AssetKey(["core", "units"]),
            dg.AssetKey(["core", "scales"]),
        ],
        description=(
            f"{contract.title}, typed and validated against contracts/{ds}/. Grain: {contract.grain} "
            f"Rows that break the contract are in audit.rejected_rows with file, row, column, rule, "
            f"value and message."
        ),
        metadata={"grain": contract.grain, "dagster/column_schema": column_schema(columns)},
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        outcomes: list[StageOutcome] = []
        with warehouse.get_connection() as con:
            units, territories = reference(con)
            for file_id, path, sheet, column_map in pending_files(con, ds):
                try:
                    outcome = stage_file(
                        con,
                        contract,
                        file_id,
                        path,
                        sheet,
                        column_map,
                        units,
                        territories,
                        context.run_id,
                    )
                except Exception as e:  # one file never stops the others; the error is recorded
                    context.log.exception(f"{ds}/{path}: staging failed")
                    outcome = record_stage_failure(con, file_id, path, f"{type(e).__name__}: {e}")
                context.log.info(
                    f"{ds}/{path}: {outcome.status}, read {outcome.rows_read}, "
                    f"loaded {outcome.rows_loaded}, rejected {outcome.rows_rejected}"
                )
                outcomes.append(outcome)
            total = scalar(con, f"select count(*) from staging.{ds}")
            by_rule = con.sql(
                "select rule, count(*) as failures, count(distinct (r.file_id, row_number)) as rows "
                "from audit.rejected_rows r join audit.source_files f using (file_id) "
                f"where {_CURRENT} group by rule order by failures desc",
                params=[ds],
            ).pl()
            head = con.sql(f"select * from staging.{ds} limit 10").pl()
        staged = pl.DataFrame(
            [o.__dict__ for o in outcomes],
            schema={
                "path": pl.String,
                "file_id": pl.String,
                "status": pl.String,
                "rows_read": pl.Int64,
                "rows_loaded": pl.Int64,
                "rows_rejected": pl.Int64,
                "error": pl.String,
            },
        )
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": total,
                "files_staged": staged.height,
                "rows_loaded_now": int(staged.get_column("rows_loaded").sum() or 0),
                "rows_rejected_now": int(staged.get_column("rows_rejected").sum() or 0),
                "files": preview(staged, limit=50),
                "rejections_by_rule": preview(by_rule, limit=50),
                "preview": preview(head),
            }
        )

    return _asset


def staging_checks(contract: Contract) -> list[dg.AssetChecksDefinition]:
    ds = contract.dataset
    key = dg.AssetKey(["staging", ds])

    @dg.asset_check(
        asset=key,
        name="contract",
        blocking=True,
        description=f"Every row of staging.{ds} satisfies the pandera model of contracts/{ds}/.",
    )
    def contract_check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            frame = con.sql(f"select * from staging.{ds}").pl()
        try:
            contract.model().validate(frame, lazy=True)
            failures = pl.DataFrame()
        except pa.errors.SchemaErrors as e:
            failures = e.failure_cases
        return dg.AssetCheckResult(
            passed=failures.height == 0,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "rows_checked": frame.height,
                "failures": failures.height,
                "sample": preview(failures.head(20)),
            },
        )

    @dg.asset_check(
        asset=key,
        name="files_balance",
        blocking=True,
        description="For every loaded file: rows read = rows loaded + rows rejected, and "
        "staging holds exactly the rows counted as loaded.",
    )
    def balance_check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            off = con.sql(
                f"""select f.path, f.rows_read, f.rows_loaded, f.rows_rejected, count(s.row_number) as in_staging
                    from audit.source_files f left join staging.{ds} s using (file_id)
                    where {_CURRENT}
                    group by all
                    having f.rows_read <> f.rows_loaded + f.rows_rejected or f.rows_loaded <> count(s.row_number)""",
                params=[ds],
            ).pl()
            files = scalar(con, f"select count(*) from audit.source_files f where {_CURRENT}", [ds])
        return dg.AssetCheckResult(
            passed=off.height == 0,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "files_checked": files,
                "files_off_balance": off.height,
                "sample": preview(off),
            },
        )

    @dg.asset_check(
        asset=key,
        name="no_rejected_rows",
        description="Warning when rows of current files were rejected (see audit.rejected_rows).",
    )
    def rejected_check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            rejected = con.sql(
                "select r.path, r.row_number, r.column_name, r.rule, r.value, r.message "
                "from audit.rejected_rows r join audit.source_files f using (file_id) "
                f"where {_CURRENT} order by r.path, r.row_number",
                params=[ds],
            ).pl()
        rows = (
            rejected.select(pl.struct("path", "row_number").n_unique()).item()
            if rejected.height
            else 0
        )
        return dg.AssetCheckResult(
            passed=rejected.height == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "rows_rejected": rows,
                "rule_failures": rejected.height,
                "sample": preview(rejected, 20),
            },
        )

    @dg.asset_check(
        asset=key,
        name="no_failed_files",
        description="Warning when a current file could not be read (see audit.source_files.error).",
    )
    def failed_check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            failed = con.sql(
                "select path, error from audit.source_files where status = 'failed' and dataset = ? order by path",
                params=[ds],
            ).pl()
        return dg.AssetCheckResult(
            passed=failed.height == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"files_failed": failed.height, "files": preview(failed)},
        )

    return [contract_check, balance_check, rejected_check, failed_check]
