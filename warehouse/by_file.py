"""Tables built by file version: a core table whose every row comes from one staged row
(core.<dataset>, ``partitioned_by: file_version`` in its YAML) holds the rows of each file
version as a partition, rebuilt only when that file version's staged partition changes (#28.4).

Grain: audit.model_partitions, one row per table x file version it holds, naming the staged
partition (staging.partitions) its rows were built from and the fingerprint of everything else
they were built from: the model's SQL, the macros it can call, and the content of every other
table it reads (the gazetteer, coal factors, exchange rates). audit.source_files is not in the
fingerprint: the rows read of it (a file version's path and hash) never change, and whether the
file version counts at all (loaded) is what decides which partitions are current.

A run compares the partitions the table holds with those that count now. The rows of a file
version whose partition went (retired, superseded, staged again) are deleted; those of a new
partition are built by the model's own SQL over that partition only; the whole table is rebuilt
when the fingerprint changed (a new gazetteer, a changed SQL), when the table is missing, or when
it was built before it was partitioned. All of it in one transaction: a run killed half way
leaves the table and its record as they were. The result is the table a full rebuild makes, row
for row (tests/warehouse/test_by_file.py); only the order of its rows differs, and core has no
order.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from warehouse import SqlModel, _schema_statements, scalar, table_fingerprint, transaction
from warehouse.staged import ensure_partitions_table

# Where the model reads its staged rows; the one place its SQL is pointed at some partitions.
_STAGED_CALL = re.compile(r"staged_rows\(\s*'(staging\.\w+)'\s*\)")
# Read by the model's SQL, but not part of its fingerprint (see the module's docstring).
_PER_FILE = {"audit.source_files"}
_RUN_DATE = "run_as_of()"


@dataclass(frozen=True)
class Built:
    """What one build did: the table's rows, whether it was built whole, and the file versions
    whose rows were built (added) or deleted (removed) when it was not."""

    rows: int
    whole: bool
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.whole:
            return "built whole"
        if not self.added and not self.removed:
            return "unchanged: every file version's rows as the last run built them"
        return (
            f"rows of {len(self.added)} file version(s) built, of {len(self.removed)} removed; "
            "the others' rows kept"
        )


def staging_table(model: SqlModel) -> str:
    """The staging view the model reads (staging.<dataset>), checked to be read once, through
    staged_rows(): the condition for building it file version by file version."""
    found = _STAGED_CALL.findall(model.sql)
    staged = [d for d in model.deps if d.startswith("staging.")]
    if len(found) != 1 or staged != found:
        raise ValueError(
            f"{model.table}: partitioned_by: file_version needs the SQL to read one staging "
            f"table, once, through staged_rows('staging.<dataset>') (it reads {staged})"
        )
    return found[0]


def check_declaration(model: SqlModel) -> None:
    """Refuse a ``partitioned_by`` that a build by file version would get wrong."""
    if model.partitioned_by is None:
        return
    if model.partitioned_by != "file_version":
        raise ValueError(f"{model.table}: partitioned_by must be file_version")
    if model.materialized != "table":
        raise ValueError(f"{model.table}: only a table can be partitioned_by file_version")
    staging_table(model)
    # The key's uniqueness is checked batch by batch: it holds for the table only if the file
    # version is part of it.
    if not model.key or model.key[0] != "file_id":
        raise ValueError(f"{model.table}: partitioned_by file_version needs a key led by file_id")
    for declared in model.expectations:
        if not declared["type"].startswith("expect_column_values_to_"):
            raise ValueError(
                f"{model.table}: {declared['type']} is not a check of each row; a table "
                "checked file version by file version can declare only those"
            )


def inputs_fingerprint(con: duckdb.DuckDBPyConnection, model: SqlModel) -> str:
    """Everything a file version's rows are built from except its staged rows: the SQL, the
    shared macros and the content of the other tables read. The run's date is in it only when
    the SQL or a macro asks for it (``run_as_of()``): the date alone changes no core row."""
    statements = [
        s for s in _schema_statements() if not s.startswith("create or replace macro run_as_of")
    ]
    uses_date = _RUN_DATE in model.sql or any(_RUN_DATE in s for s in statements)
    parts = [model.sql, *statements]
    if uses_date:
        parts.append(str(scalar(con, "select run_as_of()")))
    staged = staging_table(model)
    for table in model.deps:
        if table != staged and table not in _PER_FILE:
            parts.append(f"{table}={table_fingerprint(con, table)}")
    return hashlib.sha256("\n;\n".join(parts).encode()).hexdigest()


def current_partitions(con: duckdb.DuckDBPyConnection, model: SqlModel) -> dict[str, str]:
    """file_id -> partition name of every file version of the model's dataset that counts now
    (staged and loaded)."""
    ensure_partitions_table(con)
    dataset = staging_table(model).split(".")[1]
    return dict(
        con.execute(
            "select p.file_id, p.partition_name from staging.partitions as p "
            "join audit.source_files as f on f.file_id = p.file_id and f.status = 'loaded' "
            "where p.dataset = ?",
            [dataset],
        ).fetchall()
    )


def built_partitions(
    con: duckdb.DuckDBPyConnection, target: str
) -> dict[str, tuple[str, str, int]]:
    """file_id -> (partition name, inputs fingerprint, rows) of what the table holds."""
    return {
        file_id: (name, fp, rows)
        for file_id, name, fp, rows in con.execute(
            "select file_id, partition_name, inputs_fingerprint, rows_built "
            "from audit.model_partitions where target = ?",
            [target],
        ).fetchall()
    }


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(
        scalar(
            con,
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
            [schema, name],
        )
    )


def build(con: duckdb.DuckDBPyConnection, model: SqlModel, whole: bool = False) -> Built:
    """Bring the table up to the partitions that count now (or build it whole: ``whole``, or
    when it must be). Returns what was done."""
    fingerprint = inputs_fingerprint(con, model)
    current = current_partitions(con, model)
    held = built_partitions(con, model.table)
    whole = (
        whole
        or not _exists(con, model.table)
        or not held  # built before it was partitioned, or never
        or any(fp != fingerprint for _, fp, _ in held.values())
    )
    if whole:
        with transaction(con):
            schema, name = model.table.split(".")
            if scalar(
                con,
                "select count(*) from duckdb_views() where schema_name = ? and view_name = ?",
                [schema, name],
            ):
                con.execute(f"drop view {model.table}")  # an older version's
            con.execute(f"create or replace table {model.table} as\n{model.sql}")
            _record(con, model, fingerprint, current, list(current), replace_all=True)
        return Built(rows=scalar(con, f"select count(*) from {model.table}"), whole=True)
    added = sorted(f for f, name in current.items() if held.get(f, (None,))[0] != name)
    removed = sorted(f for f in held if f not in current)
    if added or removed:
        with transaction(con):
            con.execute(f"delete from {model.table} where file_id in ?", [[*added, *removed]])
            con.execute(
                "delete from audit.model_partitions where target = ? and file_id in ?",
                [model.table, [*added, *removed]],
            )
            if added:
                _insert(con, model, [current[f] for f in added])
                _record(con, model, fingerprint, current, added)
    return Built(
        rows=scalar(con, f"select count(*) from {model.table}"),
        whole=False,
        added=tuple(added),
        removed=tuple(removed),
    )


def _insert(con: duckdb.DuckDBPyConnection, model: SqlModel, partitions: list[str]) -> None:
    """Append the rows the model's SQL makes of some partitions only: its staged_rows() call is
    pointed at a temporary view of them."""
    from contracts import load_contract
    from warehouse.staged import partition_rows_sql

    staged = staging_table(model)
    dataset = staged.split(".")[1]
    view = f"ecostat_partitions_{dataset}"
    con.execute(
        f"create or replace temp view {view} as "
        + partition_rows_sql(con, load_contract(dataset), partitions)
    )
    try:
        sql = _STAGED_CALL.sub(f"staged_rows('{view}')", model.sql)
        con.execute(f"insert into {model.table} by name\n{sql}")
    finally:
        con.execute(f"drop view if exists {view}")


def _record(
    con: duckdb.DuckDBPyConnection,
    model: SqlModel,
    fingerprint: str,
    current: dict[str, str],
    file_ids: list[str],
    replace_all: bool = False,
) -> None:
    """Record the file versions whose rows were just built (inside the caller's transaction)."""
    if replace_all:
        con.execute("delete from audit.model_partitions where target = ?", [model.table])
    if not file_ids:
        return
    con.execute(
        """insert into audit.model_partitions
           select ?, f.file_id, f.partition_name, ?, count(t.file_id), ?
           from (select unnest(?::varchar[]) as file_id, unnest(?::varchar[]) as partition_name) as f
           left join {table} as t using (file_id)
           group by all""".replace("{table}", model.table),
        [
            model.table,
            fingerprint,
            datetime.now(UTC).replace(tzinfo=None),
            file_ids,
            [current[f] for f in file_ids],
        ],
    )
