"""Ingest assets: landing/<dataset>/ -> raw.<dataset>, one per declared dataset."""

import dagster as dg
import polars as pl

from assets.files import each_file
from assets.ingest.load import (
    NO_DATASET,
    ReadLog,
    clear_stale_spills,
    ingest_file,
    landed_files,
    misplaced_files,
    record_failure,
    record_skipped,
    retire_skipped,
)
from assets.metadata import catalog_schema, preview
from contracts import ANY_DATASET, Contract, SpecProblem, datasets, load_source_specs
from contracts.limits import limits
from warehouse import ensure_dataset_tables, ensure_schemas, staged, units_in
from warehouse.raw import refresh_view, set_aside_damaged
from warehouse.resources import HomeResource, Warehouse


def raw_asset(contract: Contract) -> dg.AssetsDefinition:
    ds = contract.dataset

    @dg.asset(
        key=["raw", ds],
        group_name="raw",
        kinds={"duckdb", "polars", "parquet"},
        deps=[dg.AssetKey(["core", "units"]), dg.AssetKey(["core", "scales"])],
        description=(
            f"{contract.title}: new files of landing/{ds}/ as landed, every value as text, with "
            f"the file id and row number, kept as one read-only Parquet snapshot per file version "
            f"(<home>/raw/{ds}/) that the view raw.{ds} reads. One row per non-blank source row "
            f"of each file version. "
            f"Files already loaded (same path and SHA-256) are skipped; every file is recorded in "
            f"audit.source_files."
        ),
        metadata={"grain": "One row per non-blank source row of a landed file version."},
    )
    def _asset(
        context: dg.AssetExecutionContext, warehouse: Warehouse, home: HomeResource
    ) -> dg.MaterializeResult:
        # A spec that cannot be used holds back only the files it matches (said for each).
        problems: list[SpecProblem] = []
        specs = load_source_specs(home.home.sources, problems=problems)
        for problem in problems:
            if problem.dataset in (ds, ANY_DATASET, None):
                context.log.error(problem.message)
        outcomes = []
        with warehouse.get_connection() as con:
            ensure_schemas(con)
            for message in set_aside_damaged(con, ds):
                context.log.error(message)
            for message in staged.set_aside_damaged(con, contract):
                context.log.error(message)
            ensure_dataset_tables(con, contract)
            units = units_in(con)  # headers may carry units; the gazetteer is staging's
            for folder in clear_stale_spills(home.home.spill):
                context.log.info(f"removed {folder}, left by a run that did not finish")
            files, skipped = landed_files(home.home.landing, ds)
            reads = ReadLog(con, context.run_id, ds)
            for skip in skipped:
                reads.skipped(home.home.landing / ds / skip.path, skip.path, skip.reason)
                if record_skipped(con, skip, context.run_id):
                    context.log.warning(f"{ds}/{skip.path}: skipped, {skip.reason}")
            # Every raw step looks for files no dataset reads (the first records them): a run of
            # one dataset accounts for them too.
            retire_skipped(con, ds, [s.path for s in skipped])
            misplaced = misplaced_files(home.home.landing, datasets())
            for skip in misplaced:
                if record_skipped(con, skip, context.run_id):
                    context.log.warning(f"landing/{skip.path}: skipped, {skip.reason}")
            retire_skipped(con, NO_DATASET, [s.path for s in misplaced])
            settle_s = limits().settle_seconds
            for f, outcome in each_file(
                files,
                name=lambda f: f"{ds}/{f.path}",
                attempt=lambda f: ingest_file(
                    con,
                    f,
                    contract,
                    specs,
                    units,
                    context.run_id,
                    home.home.spill,
                    settle_s,
                    problems,
                ),
                record_failure=lambda f, error: record_failure(con, f, error, context.run_id),
                log=context.log,
            ):
                reads.add(outcome)
                if outcome.status == "waiting":
                    context.log.warning(f"{ds}/{f.path}: {outcome.error}")
                elif outcome.status == "failed":
                    context.log.error(f"{ds}/{f.path}: {outcome.error}")
                elif outcome.status != "skipped":
                    context.log.info(f"{ds}/{f.path}: {outcome.status}, {outcome.rows_read} rows")
                if outcome.unmapped:
                    context.log.warning(
                        f"{ds}/{f.path}: headers the contract does not know, kept in raw.{ds}.extra: "
                        f"{', '.join(outcome.unmapped[:10])}"
                        + (
                            f" and {len(outcome.unmapped) - 10} more"
                            if len(outcome.unmapped) > 10
                            else ""
                        )
                        + " (add aliases or a source spec to load them)"
                    )
                outcomes.append(outcome)
            # Once per step, not per file, and only when a file landed (ensure_dataset_tables
            # pointed the view at the snapshots already): the view reads every snapshot's schema.
            if any(o.status == "landed" for o in outcomes):
                refresh_view(con, contract)
            schema = catalog_schema(con, f"raw.{ds}")
        table = pl.DataFrame(
            [
                {
                    "path": o.path,
                    "file_id": o.file_id,
                    "status": o.status,
                    "rows_read": o.rows_read,
                    "error": o.error,
                    "unmapped_headers": ", ".join(o.unmapped) or None,
                }
                for o in outcomes
            ],
            schema={
                "path": pl.String,
                "file_id": pl.String,
                "status": pl.String,
                "rows_read": pl.Int64,
                "error": pl.String,
                "unmapped_headers": pl.String,
            },
        )
        new = table.filter(pl.col("status") != "skipped")
        return dg.MaterializeResult(
            metadata={
                "files_in_landing": table.height,
                "files_new": new.height,
                "files_failed": new.filter(pl.col("status") == "failed").height,
                "files_left_for_next_run": new.filter(pl.col("status") == "waiting").height,
                "rows_landed": int(new.get_column("rows_read").sum() or 0),
                "files": preview(new, limit=50),
                "dagster/column_schema": schema,
            }
        )

    return _asset
