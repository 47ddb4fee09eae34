"""Check results as data: audit.validation_results, one row per run x checked table x check.

Every check the pipeline runs (a dataset's contract rules in staging, the SQL checks of the
warehouse models, the Great Expectations suites of the marts) is written here with the same
fields, so that an auditor reads one table, and the validation report one query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import polars as pl

from warehouse import transaction
from warehouse.keys import replace_frame

SAMPLE_ROWS = 20


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check on one table."""

    target: str  # schema.table
    check_name: str
    engine: str  # contract | sql | great_expectations
    severity: str  # error | warning
    passed: bool
    rows_checked: int | None
    rows_failed: int | None
    description: str
    sample: pl.DataFrame | None = None  # failing rows or values, as many as there are

    def sample_json(self) -> str | None:
        if self.sample is None or self.sample.height == 0:
            return None
        # Dates and decimals become text: the sample is for reading, not for computing.
        return json.dumps(self.sample.head(SAMPLE_ROWS).to_dicts(), default=str, ensure_ascii=False)


def record_results(con: duckdb.DuckDBPyConnection, run_id: str, results: list[CheckResult]) -> None:
    """Write check results of a run; a check run again in the same run replaces its row (the
    last result of a check in ``results`` stands). One statement for all: inserting row by row
    cost a second of a run."""
    if not results:
        return
    now = datetime.now(UTC).replace(tzinfo=None)
    latest = {(r.target, r.check_name): r for r in results}
    frame = pl.DataFrame(
        [
            {
                "run_id": run_id,
                "checked_at": now,
                "target": r.target,
                "check_name": r.check_name,
                "engine": r.engine,
                "severity": r.severity,
                "passed": r.passed,
                "rows_checked": r.rows_checked,
                "rows_failed": r.rows_failed,
                "description": r.description,
                "failure_sample": r.sample_json(),
            }
            for r in latest.values()
        ],
        schema={
            "run_id": pl.String,
            "checked_at": pl.Datetime("us"),
            "target": pl.String,
            "check_name": pl.String,
            "engine": pl.String,
            "severity": pl.String,
            "passed": pl.Boolean,
            "rows_checked": pl.Int64,
            "rows_failed": pl.Int64,
            "description": pl.String,
            "failure_sample": pl.String,
        },
    )
    con.register("_ecostat_results", frame.to_arrow())
    try:
        replace_frame(con, "audit.validation_results", "_ecostat_results")
    finally:
        con.unregister("_ecostat_results")


def carry_results(
    con: duckdb.DuckDBPyConnection, run_id: str, from_run_id: str, rebuilt: list[str]
) -> None:
    """Record for ``run_id`` the results ``from_run_id`` has for every table except
    ``rebuilt`` (schema.table): a run that loads only the datasets whose files changed leaves
    the other tables as that run left them, and their checks stand. Each keeps the time it was
    checked; their Great Expectations suites are recorded as carried over from the run that
    validated them (audit.suite_runs)."""
    with transaction(con):
        # In place of what this run recorded of those tables already (a run carries once).
        con.execute(
            """delete from audit.validation_results
               where run_id = ? and target in (
                   select target from audit.validation_results
                   where run_id = ? and not list_contains(?, target))""",
            [run_id, from_run_id, rebuilt],
        )
        con.execute(
            """delete from audit.suite_runs
               where run_id = ? and target in (
                   select target from audit.suite_runs
                   where run_id = ? and not list_contains(?, target))""",
            [run_id, from_run_id, rebuilt],
        )
        con.execute(
            """insert into audit.validation_results
               select ?, checked_at, target, check_name, engine, severity, passed, rows_checked,
                      rows_failed, description, failure_sample
               from audit.validation_results
               where run_id = ? and not list_contains(?, target)""",
            [run_id, from_run_id, rebuilt],
        )
        con.execute(
            """insert into audit.suite_runs
               select ?, checked_at, target, table_fingerprint, suite_fingerprint,
                      coalesce(carried_from_run_id, run_id)
               from audit.suite_runs
               where run_id = ? and not list_contains(?, target)""",
            [run_id, from_run_id, rebuilt],
        )
