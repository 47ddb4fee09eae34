"""Staging assets and their checks: raw.<dataset> -> staging.<dataset>, one per declared dataset."""

import dagster as dg
import duckdb
import pandera.polars as pa
import polars as pl

from assets.audit.checks import to_dagster
from assets.files import each_file, rows_done
from assets.metadata import catalog_schema, column_schema, preview
from assets.reference.load import reference
from assets.staging import release
from assets.staging.load import (
    CHUNK_ROWS,
    StageOutcome,
    record_stage_failure,
    stage_file,
)
from assets.staging.rules import rules_version, staging_reference
from contracts import Contract, load_source_specs
from warehouse import run_query, scalar
from warehouse.resources import HomeResource, Warehouse
from warehouse.results import SAMPLE_ROWS, CheckResult, record_results

# Files whose rows are current: loaded, not superseded by a newer version.
_CURRENT = "f.status = 'loaded' and f.dataset = ?"


def staging_asset(contract: Contract) -> dg.AssetsDefinition:
    ds = contract.dataset
    described = {
        c.name: {"description": c.description, "unit": c.unit} for c in contract.stored_columns
    }
    described["territory_id"] = {"description": "Gazetteer id the territory resolved to."}
    columns = {
        name: described.get(name, {"description": f"Unit of {name.removesuffix('_unit')}."})
        | {"type": duck_type.upper()}
        for name, duck_type in contract.staged_columns()
    }

    @dg.asset(
        key=["staging", ds],
        group_name="staging",
        kinds={"duckdb", "polars", "pandera"},
        deps=[
            dg.AssetKey(["raw", ds]),
            *(dg.AssetKey(["core", t]) for t in staging_reference(contract)),
        ],
        description=(
            f"{contract.title}, typed and validated against contracts/{ds}/. Grain: {contract.grain} "
            f"Rows that break the contract are in audit.rejected_rows with file, row, column, rule, "
            f"value and message."
        ),
        metadata={"grain": contract.grain, "dagster/column_schema": column_schema(columns)},
        check_specs=check_specs(contract),
    )
    def _asset(
        context: dg.AssetExecutionContext, warehouse: Warehouse, home: HomeResource
    ) -> dg.MaterializeResult:
        outcomes: list[StageOutcome] = []
        # A spec that cannot be used is left out (ingest says why and holds its files back).
        specs = load_source_specs(home.home.sources, problems=[])
        with warehouse.get_connection() as con:
            # The gazetteer's index costs a third of a second to build: only a dataset with a
            # file to stage builds it (most datasets of a day's run have none).
            loaded: list = []

            def staging_reference():
                if not loaded:
                    loaded.append(reference(con))
                return loaded[0]

            version = rules_version(con, contract)
            release.record_version(con, version, context.run_id)
            counts = {"released": 0, "newly_rejected": 0}

            def attempt(p: release.Pass) -> StageOutcome:
                if p.again:
                    context.log.info(f"{ds}/{p.path}: staged again ({p.reason}: {p.changed})")
                    release.begin(con, p, version, context.run_id)

                def record_pass(outcome: StageOutcome) -> None:
                    # In the transaction that marks the file loaded (stage_file).
                    more, fewer = release.finish(con, ds, p, outcome, version, context.run_id)
                    counts["released"] += more
                    counts["newly_rejected"] += fewer

                units, territories, air = staging_reference()
                return stage_file(
                    con,
                    contract,
                    p.file_id,
                    p.path,
                    p.sheet,
                    p.column_map,
                    units,
                    territories,
                    context.run_id,
                    version.fingerprint,
                    on_loaded=record_pass,
                    on_chunk=lambda done, total: rows_done(
                        context.log, f"{ds}/{p.path}", done, total
                    ),
                    air=air,
                )

            for p, outcome in each_file(
                release.files_to_stage(con, ds, version, specs),
                name=lambda p: f"{ds}/{p.path}",
                attempt=attempt,
                record_failure=lambda p, error: record_stage_failure(con, p.file_id, p.path, error),
                log=context.log,
            ):
                context.log.info(
                    f"{ds}/{p.path}: {outcome.status}, read {outcome.rows_read}, "
                    f"loaded {outcome.rows_loaded}, rejected {outcome.rows_rejected}"
                )
                outcomes.append(outcome)
            total = scalar(con, f"select count(*) from staging.{ds}")
            by_rule = (
                run_query(con, "rejected_by_rule", dataset=ds)
                .pl()
                .select("rule", "failures", "rows")
                .sort("failures", "rule", descending=[True, False])
            )
            head = con.sql(f"select * from staging.{ds} limit 10").pl()
            schema = catalog_schema(con, f"staging.{ds}", columns)
            record_results(con, context.run_id, contract_rule_results(con, contract))
            checks = staging_checks(con, contract, context.run_id)
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
                "rows_released_now": counts["released"],
                "rows_newly_rejected_now": counts["newly_rejected"],
                "rules_fingerprint": version.fingerprint,
                "files": preview(staged, limit=50),
                "rejections_by_rule": preview(by_rule, limit=50),
                "preview": preview(head),
                "dagster/column_schema": schema,
            },
            check_results=checks,
        )

    return _asset


def contract_rule_results(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[CheckResult]:
    """One result per rule of the contract over the dataset's current files: rows read, rows the
    rule rejected (a rejected row is blocked: the rule's severity is error), and a sample."""
    ds = contract.dataset
    rows_read = scalar(
        con, f"select coalesce(sum(rows_read), 0) from audit.source_files f where {_CURRENT}", [ds]
    )
    # Counts in DuckDB, a bounded sample per rule: millions of rejections stay in the warehouse.
    rows_of = dict(
        run_query(con, "rejected_by_rule", dataset=ds).pl().select("rule", "rows").iter_rows()
    )
    samples = (
        run_query(con, "rejected_rows", dataset=ds, per_rule=SAMPLE_ROWS)
        .pl()
        .select(
            "rule",
            "path",
            "sheet",
            "row_number",
            "source_column",
            "column_name",
            "value",
            "message",
        )
    )
    results = []
    # Rules the contract declares, then any other rule a rejection names (pandera's own checks).
    names = [r.name for r in contract.rules]
    names += sorted(set(rows_of) - set(names))
    descriptions = {r.name: r.description for r in contract.rules}
    for name in names:
        failing = samples.filter(pl.col("rule") == name).drop("rule")
        failed_rows = rows_of.get(name, 0)
        results.append(
            CheckResult(
                target=f"staging.{ds}",
                check_name=f"rule:{name}",
                engine="contract",
                severity="error",
                passed=failed_rows == 0,
                rows_checked=rows_read,
                rows_failed=failed_rows,
                description=descriptions.get(name, "A check of the pandera model."),
                sample=failing,
            )
        )
    return results


def revalidate(
    con: duckdb.DuckDBPyConnection, contract: Contract, run_id: str
) -> tuple[int, pl.DataFrame]:
    """Check the rows this run staged, read back from their partitions, against the dataset's
    pandera schema again, CHUNK_ROWS rows at a time so that memory does not grow with them.
    Rows staged by an earlier run were checked by it: a partition never changes, and a change
    of the rules stages every file again (#28: re-reading every staged row cost each run
    seconds for a dataset of millions). Returns the rows the check covers (every current
    staged row: this run's checked now, the others by the runs that staged them) and pandera's
    failure cases (``index`` counted over the rows checked now)."""
    model = contract.schema()
    checked, failures = 0, []
    # A result's reader, not a relation's: in DuckDB 1.5.5 a relation with this filter read
    # its million rows in 8.4 s against 0.5 s.
    rows = con.execute(
        f"select s.* from staging.{contract.dataset} as s where s.file_id in "
        "(select file_id from audit.source_files where run_id = ? and status = 'loaded')",
        [run_id],
    )
    for batch in rows.to_arrow_reader(CHUNK_ROWS):
        frame = pl.from_arrow(batch)
        try:
            model.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as e:
            failures.append(e.failure_cases.with_columns(pl.col("index") + checked))
        checked += frame.height
    covered = scalar(con, f"select count(*) from staging.{contract.dataset}")
    return covered, pl.concat(failures, how="diagonal_relaxed") if failures else pl.DataFrame()


_CHECKS = {
    "contract": "Every row of staging.{ds} staged by this run, read back from its partition, "
    "satisfies the pandera model of contracts/{ds}/ (rows staged by earlier runs were checked "
    "by them: a partition never changes, and new rules stage every file again).",
    "files_balance": "For every loaded file: rows read = rows loaded + rows rejected, and "
    "staging holds exactly the rows counted as loaded.",
    "no_rejected_rows": "Warning when rows of current files were rejected (see "
    "audit.current_rejections).",
    "no_failed_files": "Warning when a current file could not be read (see "
    "audit.source_files.error).",
}


def check_specs(contract: Contract) -> list[dg.AssetCheckSpec]:
    """The checks of staging.<dataset>, run in its step after it is staged. All blocking, so
    that a failed error stops core; the two warnings never do."""
    key = dg.AssetKey(["staging", contract.dataset])
    return [
        dg.AssetCheckSpec(
            name, asset=key, description=description.format(ds=contract.dataset), blocking=True
        )
        for name, description in _CHECKS.items()
    ]


def staging_checks(
    con: duckdb.DuckDBPyConnection, contract: Contract, run_id: str
) -> list[dg.AssetCheckResult]:
    """Check staging.<dataset> as a whole, record every result in audit.validation_results and
    return them as Dagster check results."""
    ds = contract.dataset
    key = dg.AssetKey(["staging", ds])
    table = f"staging.{ds}"
    descriptions = {name: d.format(ds=ds) for name, d in _CHECKS.items()}
    off = con.sql(
        f"""select f.path, f.rows_read, f.rows_loaded, f.rows_rejected, count(s.row_number) as in_staging
            from audit.source_files f left join staging.{ds} s using (file_id)
            where {_CURRENT}
            group by all
            having f.rows_read <> f.rows_loaded + f.rows_rejected or f.rows_loaded <> count(s.row_number)""",
        params=[ds],
    ).pl()
    files = scalar(con, f"select count(*) from audit.source_files f where {_CURRENT}", [ds])
    # Counted in DuckDB and sampled with a limit: millions of rejections never come
    # into Python (audit.current_rejections has them all).
    ((rule_failures, rows_rejected),) = run_query(con, "rejected_totals", dataset=ds).fetchall()
    rejected = run_query(con, "rejections_sample", dataset=ds, limit=SAMPLE_ROWS).pl()
    rows_read = scalar(
        con,
        f"select coalesce(sum(rows_read), 0) from audit.source_files f where {_CURRENT}",
        [ds],
    )
    failed = con.sql(
        "select path, error from audit.source_files where status = 'failed' and dataset = ? order by path",
        params=[ds],
    ).pl()
    current = scalar(
        con,
        "select count(*) from audit.source_files where status in ('loaded', 'failed') and dataset = ?",
        [ds],
    )
    rows_checked, failures = revalidate(con, contract, run_id)
    # The rows checked by the two file checks are files (rows of audit.source_files).
    results = [
        CheckResult(
            table,
            "contract",
            "contract",
            "error",
            failures.height == 0,
            rows_checked,
            failures.height,
            descriptions["contract"],
            failures,
        ),
        CheckResult(
            table,
            "files_balance",
            "sql",
            "error",
            off.height == 0,
            files,
            off.height,
            descriptions["files_balance"],
            off,
        ),
        CheckResult(
            table,
            "no_rejected_rows",
            "sql",
            "warning",
            rows_rejected == 0,
            rows_read,
            rows_rejected,
            descriptions["no_rejected_rows"],
            rejected,
        ),
        CheckResult(
            table,
            "no_failed_files",
            "sql",
            "warning",
            failed.height == 0,
            current,
            failed.height,
            descriptions["no_failed_files"],
            failed,
        ),
    ]
    record_results(con, run_id, results)
    extra = {
        "files_balance": {"files_checked": files, "files_off_balance": off.height},
        "no_rejected_rows": {"rule_failures": rule_failures},
        "no_failed_files": {"files_failed": failed.height},
    }
    return [to_dagster(result, key, **extra.get(result.check_name, {})) for result in results]
