"""Great Expectations, the one engine for the table-level expectations of the SQL models.

Grain: one suite per SQL model (core, marts, audit), one result per expectation. A suite is not
written twice: its expectations come from what the model's YAML already declares (the ordered
columns, the key: not null and unique, the non-negative columns) plus an ``expectations`` list
there for what only Great Expectations states (a value set, a range, a row count). The
expectations run in DuckDB, through SQLAlchemy on a cursor of the run's own connection
(warehouse/sqlalchemy_duckdb.py): a table of ten million rows is counted where it is, never
copied into pandas. Rules across tables (like for like, balances) stay SQL checks in the YAML.

Great Expectations is imported inside ``run_suite`` only, so that nothing else pays its start-up
time. The results go to audit.validation_results (engine great_expectations); the validation
report renders them, so no Data Docs site (which fetches its styles and scripts from the
network) is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from datetime import UTC, datetime
from functools import cache

import duckdb
import polars as pl

from contracts import reference_vocabulary
from warehouse import SqlModel, table_fingerprint, transaction
from warehouse.keys import replace_row
from warehouse.results import SAMPLE_ROWS, CheckResult


def suite_spec(model: SqlModel) -> list[dict]:
    """The expectations of one model: [{name, type, kwargs, severity, description}], severity
    error or warning; ``name`` is unique within the model and a valid Dagster check name.

    A view gets only what its YAML declares: its rows are computed when read (audit.finding_cases:
    as many as the source rows) and are checked where they are aggregated."""
    spec = [] if model.materialized == "view" else _generated(model)
    for declared in model.expectations:
        spec.append(
            {
                "name": declared.get("name") or _name(declared),
                "type": declared["type"],
                "kwargs": _resolved(declared.get("kwargs", {})),
                "severity": "warning" if declared.get("severity") == "warn" else "error",
                "description": declared.get("description"),
            }
        )
    for item in spec:
        item["description"] = item.get("description") or describe(item)
    names = [item["name"] for item in spec]
    if len(set(names)) != len(names):
        raise ValueError(f"{model.table}: two expectations share a name: {sorted(names)}")
    return spec


def _resolved(kwargs: dict) -> dict:
    """An expectation's arguments with each ``{vocabulary: table.column}`` replaced by the values
    seeds/reference/tables.yaml allows there: a value set declared once, not copied."""
    return {
        k: list(reference_vocabulary(v["vocabulary"]))
        if isinstance(v, dict) and set(v) == {"vocabulary"}
        else v
        for k, v in kwargs.items()
    }


def _generated(model: SqlModel) -> list[dict]:
    """What the YAML implies: the ordered columns, the key (not null, unique), the non-negative
    columns. A table a person reviews (``key_severity: warn``, audit.findings) gets warnings
    only: none of its checks stops publishing."""
    severity = "warning" if model.key_severity == "warn" else "error"
    spec: list[dict] = []
    if model.columns:
        spec.append(
            {
                "name": "columns",
                "type": "expect_table_columns_to_match_ordered_list",
                "kwargs": {"column_list": list(model.columns)},
            }
        )
    for column in model.key:
        spec.append(
            {
                "name": f"not_null_{column}",
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": column},
            }
        )
    if len(model.key) > 1:
        spec.append(
            {
                "name": "unique_key",
                "type": "expect_compound_columns_to_be_unique",
                "kwargs": {"column_list": list(model.key)},
            }
        )
    elif model.key:
        spec.append(
            {
                "name": "unique_key",
                "type": "expect_column_values_to_be_unique",
                "kwargs": {"column": model.key[0]},
            }
        )
    for column in model.non_negative:
        spec.append(
            {
                "name": f"non_negative_{column}",
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": column, "min_value": 0},
            }
        )
    return [item | {"severity": severity} for item in spec]


def _name(declared: dict) -> str:
    """A name for a declared expectation: its type and the columns it looks at."""
    kwargs = declared.get("kwargs", {})
    on = [kwargs["column"]] if "column" in kwargs else list(kwargs.get("column_list", []))[:3]
    return re.sub(r"\W", "_", "_".join([declared["type"].removeprefix("expect_"), *on]))


def describe(item: dict) -> str:
    words = item["type"].removeprefix("expect_").replace("_", " ")
    args = ", ".join(f"{k}={v}" for k, v in item["kwargs"].items())
    return f"Great Expectations: expect {words} ({args})."


def suite_query(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The table as its suite reads it: every column in order, list columns (source row ids) as
    their length. No expectation compares the lists; they stay in DuckDB."""
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


@cache
def _context():
    """One ephemeral Great Expectations context per process (in memory, nothing written): a
    context's set-up and its configuration saves cost about 0.1 s, once instead of per suite.
    Each suite adds its own data source, suite and validation to it and removes them."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # no bars in run logs
    return context


def run_suite(
    con: duckdb.DuckDBPyConnection, model: SqlModel, file_ids: list[str] | None = None
) -> list[CheckResult]:
    """Validate one model's table against its suite, in DuckDB. One result per expectation.
    With ``file_ids``, only the rows of those file versions (a table built by file version)."""
    spec = suite_spec(model)
    if not spec:
        return []
    import great_expectations as gx
    from great_expectations.expectations.registry import get_expectation_impl

    from warehouse.sqlalchemy_duckdb import engine_kwargs

    context = _context()
    cursor = con.cursor()
    undo = []  # what this suite added to the shared context, removed in reverse order
    try:
        source = context.data_sources.add_sql(
            "warehouse", connection_string="duckdb://", kwargs=engine_kwargs(cursor)
        )
        # The engine holds the cursor, which is closed below: neither outlives this suite.
        undo.append(
            lambda: (source.get_engine().dispose(), context.data_sources.delete("warehouse"))
        )
        # The suite reads a temporary view of the cursor, as a table: Great Expectations runs
        # a query asset's whole query once to learn its column names (every row fetched into
        # Python: 10 s for a million rows), where it asks a table's the catalogue.
        view = "ecostat_suite_" + re.sub(r"\W", "_", model.table)
        rows = suite_query(con, model.table)
        if file_ids is not None:
            # The file versions to check, bound as a value, in a temporary table the view reads.
            cursor.execute(
                f"create or replace temp table {view}_files as "
                "select unnest(?::varchar[]) as file_id",
                [file_ids],
            )
            rows += f" where file_id in (select file_id from {view}_files)"
        cursor.execute(f"create or replace temp view {view} as {rows}")
        batch = source.add_table_asset(
            model.table, table_name=view
        ).add_batch_definition_whole_table("all")
        # The suite is validated on the batch as it is, never stored in the context: every
        # suite and validation definition stored (and removed again) made the context write
        # its whole configuration out as YAML, a third of a small suite's time. Each
        # expectation carries an id of its own, by which its result is matched to the spec.
        suite = gx.ExpectationSuite(
            name=f"ecostat.{model.table}",
            expectations=[get_expectation_impl(i["type"])(**i["kwargs"]) for i in spec],
        )
        for item, expectation in zip(spec, suite.expectations, strict=True):
            item["id"] = expectation.id = str(uuid.uuid4())
        outcome = batch.get_batch().validate(suite, result_format="BASIC")  # counts, a sample
    finally:
        for step in reversed(undo):
            step()
        cursor.close()
    by_id = {r.expectation_config.id: r for r in outcome.results}
    return [_result(model, item, by_id[item["id"]]) for item in spec]


def _errors(r) -> list[str]:
    """Why Great Expectations could not run an expectation (a column missing, a bad type)."""
    info = r.exception_info or {}
    entries = [info] if "raised_exception" in info else list(info.values())
    return [
        str(e.get("exception_message") or "unknown error")
        for e in entries
        if isinstance(e, dict) and e.get("raised_exception")
    ]


def _result(model: SqlModel, item: dict, r) -> CheckResult:
    detail = r.result or {}
    errors = _errors(r)
    if errors:
        # A check that could not run has failed, and says why: never a silent pass.
        return CheckResult(
            target=model.table,
            check_name=item["name"],
            engine="great_expectations",
            severity=item["severity"],
            passed=False,
            rows_checked=None,
            rows_failed=None,
            description=item["description"],
            sample=pl.DataFrame({"could_not_run": sorted(set(errors))}),
        )
    unexpected = detail.get("partial_unexpected_list") or []
    if item["type"] == "expect_table_columns_to_match_ordered_list" and not r.success:
        unexpected = [{"observed": detail.get("observed_value")}]
    return CheckResult(
        target=model.table,
        check_name=item["name"],
        engine="great_expectations",
        severity=item["severity"],
        passed=bool(r.success),
        rows_checked=detail.get("element_count"),
        rows_failed=detail.get("unexpected_count", 0 if r.success else None),
        description=item["description"],
        sample=pl.DataFrame({"unexpected": [str(u) for u in unexpected[:SAMPLE_ROWS]]})
        if unexpected
        else None,
    )


def suite_fingerprint(spec: list[dict]) -> str:
    """The suite as run: its expectations with their arguments and severities, and the version
    of Great Expectations that runs them."""
    from importlib.metadata import version

    text = json.dumps(
        [{k: item[k] for k in ("name", "type", "kwargs", "severity")} for item in spec],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(f"{version('great_expectations')}\n{text}".encode()).hexdigest()


def validate(
    con: duckdb.DuckDBPyConnection, model: SqlModel, run_id: str
) -> tuple[list[CheckResult], str | None]:
    """The model's suite results for this run, and the run they were carried over from (None
    when the suite ran now). A table and suite unchanged since a run that recorded their
    results are not validated again: that run's results stand, recorded for this run too."""
    spec = suite_spec(model)
    if not spec:
        return [], None
    if model.partitioned_by:
        from warehouse.by_file import built_partitions

        held = built_partitions(con, model.table)
        if held:
            return _validate_by_batch(con, model, run_id, spec, held)
    table_fp, suite_fp = table_fingerprint(con, model.table), suite_fingerprint(spec)
    carried = _carried(con, model, spec, table_fp, suite_fp)
    results = carried[0] if carried else run_suite(con, model)
    _record_suite_run(con, run_id, model, table_fp, suite_fp, carried[1] if carried else None)
    return results, carried[1] if carried else None


def _record_suite_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    model: SqlModel,
    table_fp: str,
    suite_fp: str,
    carried_from: str | None,
) -> None:
    """Record that ``run_id`` validated (or carried over) ``model``'s suite (audit.suite_runs)."""
    replace_row(
        con,
        "audit.suite_runs",
        {
            "run_id": run_id,
            "checked_at": datetime.now(UTC).replace(tzinfo=None),
            "target": model.table,
            "table_fingerprint": table_fp,
            "suite_fingerprint": suite_fp,
            "carried_from_run_id": carried_from,
        },
    )


def _carried(
    con: duckdb.DuckDBPyConnection, model: SqlModel, spec: list[dict], table_fp: str, suite_fp: str
) -> tuple[list[CheckResult], str] | None:
    """The results of the latest run that validated the same table content with the same suite,
    with that run's id; None when there is none (or its results are not all there)."""
    found = con.execute(
        "select coalesce(carried_from_run_id, run_id) from audit.suite_runs "
        "where target = ? and table_fingerprint = ? and suite_fingerprint = ? "
        "order by checked_at desc limit 1",
        [model.table, table_fp, suite_fp],
    ).fetchall()
    if not found:
        return None
    (source,) = found[0]
    rows = con.execute(
        "select check_name, severity, passed, rows_checked, rows_failed, description, "
        "failure_sample::varchar from audit.validation_results "
        "where run_id = ? and target = ? and engine = 'great_expectations'",
        [source, model.table],
    ).fetchall()
    by_name = {r[0]: r for r in rows}
    if set(by_name) != {item["name"] for item in spec}:
        return None
    results = []
    for item in spec:
        _, severity, passed, checked, failed, description, sample = by_name[item["name"]]
        results.append(
            CheckResult(
                target=model.table,
                check_name=item["name"],
                engine="great_expectations",
                severity=severity,
                passed=passed,
                rows_checked=checked,
                rows_failed=failed,
                description=description,
                sample=pl.DataFrame(json.loads(sample)) if sample else None,
            )
        )
    return results, source


# A file version this large is a batch of its own (see _validate_by_batch).
OWN_BATCH_ROWS = 100_000


def _validate_by_batch(
    con: duckdb.DuckDBPyConnection,
    model: SqlModel,
    run_id: str,
    spec: list[dict],
    held: dict[str, tuple[str, str, int]],
) -> tuple[list[CheckResult], str | None]:
    """The suite of a table built by file version (warehouse/by_file.py), run on the rows of
    the file versions that no standing batch covers, and added up with the standing batches'
    results (audit.suite_batches). Every expectation of such a table is a check of each row,
    or of its columns, or of a key led by file_id (by_file.check_declaration), so the table's
    count of failures is the sum of its batches'. Returns the results and the run they were
    carried from (None when some rows were validated now).

    A file version of OWN_BATCH_ROWS rows or more is validated on its own, the smaller ones
    together: a batch that loses one of its file versions is validated again whole, and a
    small file changed must not bring a large one's million rows back to Great Expectations."""
    suite_fp = suite_fingerprint(spec)
    by_name = {name: (file_id, fp, rows) for file_id, (name, fp, rows) in held.items()}
    batches = con.execute(
        "select batch_id, any_value(partitions), any_value(inputs_fingerprint), "
        "any_value(suite_fingerprint), any_value(run_id), max(checked_at) "
        "from audit.suite_batches where target = ? group by batch_id",
        [model.table],
    ).fetchall()
    standing = [
        (checked_at, batch_id, run)
        for batch_id, partitions, inputs_fp, batch_suite_fp, run, checked_at in batches
        if batch_suite_fp == suite_fp
        and all(p in by_name and by_name[p][1] == inputs_fp for p in partitions)
    ]
    kept = {batch_id for _, batch_id, _ in standing}
    covered = {p for batch_id, partitions, *_ in batches if batch_id in kept for p in partitions}
    todo = sorted(name for name in by_name if name not in covered)
    with transaction(con):
        con.execute(
            "delete from audit.suite_batches where target = ? and not list_contains(?, batch_id)",
            [model.table, sorted(kept)],
        )
    large = [[name] for name in todo if by_name[name][2] >= OWN_BATCH_ROWS]
    small = [name for name in todo if by_name[name][2] < OWN_BATCH_ROWS]
    for batch in [*large, *([small] if small else [])]:
        results = run_suite(con, model, [by_name[name][0] for name in batch])
        # Every partition the table holds was built from the same inputs (by_file.build).
        _record_batch(con, model, run_id, batch, by_name[batch[0]][1], suite_fp, results)
    rows = con.execute(
        "select check_name, passed, rows_checked, rows_failed, failure_sample::varchar "
        "from audit.suite_batches where target = ? order by checked_at, batch_id",
        [model.table],
    ).fetchall()
    combined = []
    for item in spec:
        mine = [r for r in rows if r[0] == item["name"]]
        checked, failed = [r[2] for r in mine], [r[3] for r in mine]
        samples = [row for r in mine if r[4] for row in json.loads(r[4])]
        combined.append(
            CheckResult(
                target=model.table,
                check_name=item["name"],
                engine="great_expectations",
                severity=item["severity"],
                passed=bool(mine) and all(r[1] for r in mine),
                # None where Great Expectations counts no rows (the columns' list)
                rows_checked=None
                if all(c is None for c in checked)
                else sum(c or 0 for c in checked),
                rows_failed=None if None in failed else sum(failed),
                description=item["description"],
                sample=pl.DataFrame(samples[:SAMPLE_ROWS]) if samples else None,
            )
        )
    carried_from = None if todo or not standing else max(standing)[2]
    batches_fp = hashlib.sha256("\n".join(sorted(by_name)).encode()).hexdigest()[:16]
    _record_suite_run(con, run_id, model, f"file versions:{batches_fp}", suite_fp, carried_from)
    return combined, carried_from


def _record_batch(
    con: duckdb.DuckDBPyConnection,
    model: SqlModel,
    run_id: str,
    partitions: list[str],
    inputs_fp: str,
    suite_fp: str,
    results: list[CheckResult],
) -> None:
    """Record one batch's results (audit.suite_batches), one row per expectation."""
    batch_id = uuid.uuid4().hex
    now = datetime.now(UTC).replace(tzinfo=None)
    with transaction(con):
        for r in results:
            con.execute(
                "insert into audit.suite_batches values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    model.table,
                    batch_id,
                    partitions,
                    inputs_fp,
                    suite_fp,
                    run_id,
                    now,
                    r.check_name,
                    r.severity,
                    r.passed,
                    r.rows_checked,
                    r.rows_failed,
                    r.description,
                    r.sample_json(),
                ],
            )
