"""The published warehouse as a DuckLake: every publication one snapshot, readers at a snapshot.

Grain: one DuckLake per data home, ``<home>/lake/``: its tables' data as Parquet under
``data/``, its catalog ``catalog.sqlite`` (SQLite in write-ahead-log mode) in the local profile
and a PostgreSQL database in the cluster profile (``lake_catalog_url`` in cluster.yaml,
warehouse/cluster.py). Source: the warehouse file a run writes (``<home>/warehouse.duckdb``),
copied in at the end of every run whose checks passed (assets/publish/assets.py).

Why a run still writes a DuckDB file of its own and publishes into the lake once: a run makes
thousands of small statements, and each costs 15-19 ms on a DuckLake with a SQLite catalog
against 0.3 ms in a DuckDB file (a whole run: 65 s against 28 s, docs/cluster.md). Publishing is
one transaction on the lake, so it is one snapshot: a reader attached to the lake sees the last
publication whole or the one before, never half of one, and never waits for a run; a writer is
never held up by a reader (SQLite in WAL mode lets both at once; a DuckDB file as catalog
refused readers while a writer held it).

What a publication carries over, in one transaction:

- the tables whose content or columns changed since the last publication (a fingerprint per
  table: its columns and types, its row count and the sum of its rows' hashes), replaced whole;
  tables gone from the warehouse are dropped;
- the views and macros whose definition changed (raw.*, staging.* and the audit views; the
  macros the marts' SQL and analysts call);
- the commit message ``run <run id>`` and, as extra information, the fingerprints of the tables
  and the hashes of the definitions, which the next publication compares with.

Earlier snapshots stay readable (``ecostat query --as-of``) for
``published_snapshots_kept_days`` (contracts/limits.yaml). Every table of an earlier snapshot
reads as it was. The raw.* and staging.* views read the home's raw snapshots and staged
partitions by path; a staged partition retired since then may be gone.

A damaged warehouse file is made again from a publication (:func:`restore`, ``ecostat
restore``): the lake is the last good run's warehouse, so no copy of the file is kept.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from warehouse.cluster import read_settings
from warehouse.engine import connect, load_extension
from warehouse.home import Home

CATALOG = "catalog.sqlite"
DATA = "data"
AUTHOR = "ecostat"
# The writer's name for the lake while it publishes: never a schema or table name of ours.
_WRITER_ALIAS = "ecostat_lake"
_RUN_MESSAGE = re.compile(r"^run (\S+)$")


class LakeError(RuntimeError):
    """The lake cannot be read or written; the message says why and what to do."""


@dataclass(frozen=True)
class Publication:
    """What one publication did: its snapshot, the objects it replaced and dropped."""

    snapshot_id: int
    replaced: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    unchanged: int = 0
    seconds: float = 0.0
    expired: int = 0  # earlier snapshots expired after it, their files deleted
    expiry_error: str | None = None  # why none could be expired this time (the next run will)


@dataclass(frozen=True)
class Lake:
    """Where a published lake is: the folder of its data, and its catalog: a PostgreSQL
    database (``catalog_url``, postgresql://USER@HOST:PORT/DATABASE) or, without one,
    ``catalog.sqlite`` in the folder."""

    folder: Path
    catalog_url: str | None = None

    @property
    def data(self) -> Path:
        return self.folder.resolve() / DATA  # a home named relative to the working folder

    @property
    def catalog(self) -> str:
        """The catalog as DuckLake's ATTACH names it, after ``ducklake:``."""
        if self.catalog_url:
            return f"postgres:{self.catalog_url}"
        return f"sqlite:{self.folder.resolve() / CATALOG}"

    @property
    def extensions(self) -> tuple[str, str]:
        return ("ducklake", "postgres_scanner" if self.catalog_url else "sqlite_scanner")

    def scrub(self, text: str) -> str:
        """``text`` (a DuckDB message) without the catalog's URL, which may hold a password."""
        return text.replace(self.catalog_url, "lake_catalog_url") if self.catalog_url else text

    def __str__(self) -> str:
        if not self.catalog_url:
            return str(self.folder)
        where = self.catalog_url.rpartition("@")[2]  # never the user or a password
        return f"{self.folder} (catalog in PostgreSQL at {where})"


def lake_of(home: Home) -> Lake:
    """The home's lake: its catalog in PostgreSQL when its cluster.yaml names one."""
    settings = read_settings(home.root)
    return Lake(home.lake, settings.lake_catalog_url if settings else None)


def exists(lake: Lake) -> bool:
    """Whether anything has been published into ``lake`` (its catalog holds a DuckLake).
    Raises LakeError when a PostgreSQL catalog cannot be reached."""
    if not lake.catalog_url:
        return (lake.folder / CATALOG).is_file()
    con = connect()
    try:
        attach(con, lake, "probe", read_only=True)
    except duckdb.Error as e:
        if "does not exist" in str(e) and "creating a new DuckLake" in str(e):
            return False
        raise LakeError(_unreachable(lake, e)) from e
    finally:
        con.close()
    return True


def state(lake: Lake) -> str:
    """What a run records of the lake to tell, next time, whether anything published since: its
    last snapshot's id, read from a SQLite catalog directly (no DuckDB, no extension: this is
    on the path of a run that has nothing to do). Not the catalog's file times: a reader in WAL
    mode writes its shared-memory file, and the last one to close checkpoints the log. A
    catalog in PostgreSQL is "postgresql": the warehouse file's own state tells a change."""
    if lake.catalog_url:
        return "postgresql"
    path = lake.folder / CATALOG
    if not path.is_file():
        return "missing"
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            (last,) = db.execute("select max(snapshot_id) from ducklake_snapshot").fetchone()
    except sqlite3.Error as e:
        return f"unreadable ({e})"
    return f"snapshot {last}"


def _unreachable(lake: Lake, error: Exception) -> str:
    first = lake.scrub(str(error).splitlines()[0])
    return (
        f"the published lake {lake} cannot be reached ({first}). Start its PostgreSQL "
        "(`ecostat servers start` on one machine) or correct lake_catalog_url in the home's "
        "cluster.yaml (docs/cluster.md)"
    )


def _create(lake: Lake) -> None:
    """The data folder, and for a SQLite catalog an empty one in WAL mode (kept in the file:
    every later connection uses it), so that readers read while a publication commits.
    DuckLake fills the catalog on the first attach that may write."""
    lake.data.mkdir(parents=True, exist_ok=True)
    if not lake.catalog_url:
        with sqlite3.connect(lake.folder / CATALOG) as db:
            db.execute("pragma journal_mode=wal")


def attach(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    alias: str,
    read_only: bool,
    snapshot_id: int | None = None,
) -> None:
    """Attach the lake to ``con`` as ``alias``, at its last snapshot or at ``snapshot_id``.
    The extensions come from their packages (warehouse/engine.py)."""
    for name in lake.extensions:
        load_extension(con, name)
    # The catalog records the folder it was made in; a home copied or moved elsewhere reads
    # its own (the files are named relative to it).
    options = [f"data_path '{_quote(str(lake.data) + '/')}'", "override_data_path true"]
    if read_only:
        options.append("read_only")
    if snapshot_id is not None:
        options.append(f"snapshot_version {int(snapshot_id)}")
    url = f"ducklake:{lake.catalog}"
    con.execute(f"attach '{_quote(url)}' as \"{alias}\" ({', '.join(options)})")


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _ident(*parts: str) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def fingerprints(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, str]:
    """{schema.table: fingerprint} of every table of ``database``: its columns with their types,
    its row count and the sum of its rows' hashes (order does not matter; a row held twice
    counts twice). One scan of each table, all in one statement: one per table was 0.2 s of a
    publication of the embedded default, each statement's own cost."""
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column, data_type in con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = ? order by table_schema, table_name, ordinal_position",
        [database],
    ).fetchall():
        columns.setdefault((schema, table), []).append(f"{column} {data_type}")
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ?", [database]
    ).fetchall()
    if not tables:
        return {}
    scans = " union all ".join(
        f"select {i} as i, count(*) as n, coalesce(sum(hash(t)::hugeint), 0) as total "
        f"from {_ident(database, schema, table)} t"
        for i, (schema, table) in enumerate(tables)
    )
    sums = {i: (n, total) for i, n, total in con.execute(scans).fetchall()}
    out = {}
    for i, (schema, table) in enumerate(tables):
        rows, total = sums[i]
        out[f"{schema}.{table}"] = f"{rows}:{total}:{'|'.join(columns.get((schema, table), []))}"
    return out


def _views(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, tuple[str, str, str]]:
    return {
        f"{s}.{v}": (s, v, sql)
        for s, v, sql in con.execute(
            "select schema_name, view_name, sql from duckdb_views() "
            "where database_name = ? and not internal",
            [database],
        ).fetchall()
    }


def _macros(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, str]:
    """{schema.name: the statement that creates it} of every macro of ``database``."""
    out = {}
    for schema, name, kind, params, body in con.execute(
        "select schema_name, function_name, function_type, parameters, macro_definition "
        "from duckdb_functions() where database_name = ? and not internal "
        "and function_type in ('macro', 'table_macro')",
        [database],
    ).fetchall():
        table = "table " if kind == "table_macro" else ""
        out[f"{schema}.{name}"] = f"({', '.join(params)}) as {table}{body}"
    return out


def last_published(con: duckdb.DuckDBPyConnection, alias: str) -> tuple[dict, dict]:
    """The fingerprints of the tables and the hashes of the definitions (views, macros) that the
    last publication recorded. The lake's own copy of a definition cannot be compared: DuckLake
    keeps a view's SQL rewritten (names, CTE options)."""
    row = con.execute(
        f"select commit_extra_info from {_ident(alias)}.snapshots() "
        "where author = ? order by snapshot_id desc limit 1",
        [AUTHOR],
    ).fetchone()
    try:
        extra = json.loads(row[0]) if row and row[0] else {}
        return dict(extra.get("fingerprints", {})), dict(extra.get("definitions", {}))
    except (ValueError, AttributeError, TypeError):
        return {}, {}  # not ours to read: everything is replaced


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def publish(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    run_id: str,
    expire_before: datetime | None = None,
) -> Publication:
    """Copy the warehouse ``con`` is on (its current database) into the lake at ``lake`` as one
    snapshot, replacing only what changed; then, with ``expire_before``, expire the snapshots
    published before it (never the new one) on the same attachment. Returns what it did.
    Raises LakeError, having changed nothing, when the lake cannot be written; an expiry that
    fails leaves the publication standing and says why in ``expiry_error``."""
    started = time.monotonic()
    if not lake.catalog_url and not exists(lake):
        _create(lake)
    lake.data.mkdir(parents=True, exist_ok=True)
    (source,) = con.execute("select current_database()").fetchone()
    try:
        attach(con, lake, _WRITER_ALIAS, read_only=False)
    except duckdb.Error as e:
        raise LakeError(
            f"the published lake {lake} cannot be opened for writing ({lake.scrub(str(e))}). "
            "Nothing was "
            "published; readers keep the last publication. Check the folder's space and rights "
            "(and, for a catalog in PostgreSQL, that it runs), then run again"
        ) from e
    try:
        done = _publish(con, source, lake, run_id, started)
        if expire_before is None:
            return done
        try:
            expired = _expire(con, expire_before)
        except duckdb.Error as e:
            return replace(done, expiry_error=lake.scrub(str(e)))
        return replace(done, expired=expired, seconds=time.monotonic() - started)
    finally:
        con.execute(f"use {_ident(source)}")
        con.execute(f"detach {_ident(_WRITER_ALIAS)}")


def _publish(
    con: duckdb.DuckDBPyConnection, source: str, lake: Lake, run_id: str, started: float
) -> Publication:
    lake_db = _WRITER_ALIAS
    now = fingerprints(con, source)
    before, defined = last_published(con, lake_db)
    in_lake = {
        f"{s}.{t}"
        for s, t in con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = ?",
            [lake_db],
        ).fetchall()
    }
    views, lake_views = _views(con, source), _views(con, lake_db)
    macros, lake_macros = _macros(con, source), _macros(con, lake_db)
    definitions = {name: _hash(v[2]) for name, v in views.items()} | {
        name: _hash(m) for name, m in macros.items()
    }

    def unchanged(name: str, in_lake: dict) -> bool:
        return name in in_lake and defined.get(name) == definitions[name]

    replaced: list[str] = []
    dropped: list[str] = []
    con.execute("begin")
    try:
        for schema in sorted({name.split(".")[0] for name in [*now, *views]}):
            con.execute(f"create schema if not exists {_ident(lake_db, schema)}")
        for name, definition in sorted(macros.items()):
            if not unchanged(name, lake_macros):
                schema, macro = name.split(".", 1)
                con.execute(f"create or replace macro {_ident(lake_db, schema, macro)}{definition}")
                replaced.append(name)
        for name in sorted(lake_views.keys() - views.keys()):
            con.execute(f"drop view if exists {_ident(lake_db, *name.split('.', 1))}")
            dropped.append(name)
        for name in sorted(in_lake - now.keys()):
            con.execute(f"drop table if exists {_ident(lake_db, *name.split('.', 1))}")
            dropped.append(name)
        for name, fingerprint in sorted(now.items()):
            if name in in_lake and before.get(name) == fingerprint:
                continue
            schema, table = name.split(".", 1)
            con.execute(
                f"create or replace table {_ident(lake_db, schema, table)} as "
                f"select * from {_ident(source, schema, table)}"
            )
            replaced.append(name)
        # A view's SQL names its tables by schema alone, so it is created with the lake as the
        # current database; one that reads another view waits for it (a pass per level).
        con.execute(f"use {_ident(lake_db)}")
        pending = [v for name, v in sorted(views.items()) if not unchanged(name, lake_views)]
        while pending:
            left, error = [], None
            for schema, view, sql in pending:
                try:
                    con.execute(re.sub(r"^CREATE VIEW", "CREATE OR REPLACE VIEW", sql, count=1))
                    replaced.append(f"{schema}.{view}")
                except duckdb.CatalogException as e:
                    left.append((schema, view, sql))
                    error = e
            if len(left) == len(pending):
                raise error or LakeError("views left that cannot be created")
            pending = left
        con.execute(f"use {_ident(source)}")
        extra = json.dumps(
            {"run_id": run_id, "fingerprints": now, "definitions": definitions}, sort_keys=True
        )
        con.execute(
            f"call {_ident(lake_db)}.set_commit_message(?, ?, extra_info => ?)",
            [AUTHOR, f"run {run_id}", extra],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    (snapshot_id,) = con.execute(f"select id from {_ident(lake_db)}.current_snapshot()").fetchone()
    return Publication(
        snapshot_id=int(snapshot_id),
        replaced=replaced,
        dropped=dropped,
        unchanged=len(now) - len([r for r in replaced if r in now]),
        seconds=time.monotonic() - started,
    )


def expire(con: duckdb.DuckDBPyConnection, lake: Lake, older_than: datetime) -> int:
    """Forget the snapshots published before ``older_than`` (never the last one) and delete the
    files only they read. Returns how many snapshots were expired. (A run expires them in
    ``publish``, on the attachment it publishes with.)"""
    attach(con, lake, _WRITER_ALIAS, read_only=False)
    try:
        return _expire(con, older_than)
    finally:
        con.execute(f"detach {_ident(_WRITER_ALIAS)}")


def _expire(con: duckdb.DuckDBPyConnection, older_than: datetime) -> int:
    expired = con.execute(
        "call ducklake_expire_snapshots(?, older_than => ?)", [_WRITER_ALIAS, older_than]
    ).fetchall()
    con.execute("call ducklake_cleanup_old_files(?, cleanup_all => true)", [_WRITER_ALIAS])
    return len(expired)


@dataclass(frozen=True)
class Snapshot:
    """One publication as a reader finds it."""

    snapshot_id: int
    published_at: datetime
    run_id: str | None


def snapshots(con: duckdb.DuckDBPyConnection, alias: str) -> list[Snapshot]:
    """Every publication still kept in the lake attached as ``alias``, oldest first."""
    out = []
    for snapshot_id, at, message in con.execute(
        f"select snapshot_id, snapshot_time, commit_message from {_ident(alias)}.snapshots() "
        "where author = ? order by snapshot_id",
        [AUTHOR],
    ).fetchall():
        match = _RUN_MESSAGE.match(message or "")
        out.append(Snapshot(int(snapshot_id), at, match.group(1) if match else None))
    return out


def resolve_as_of(published: list[Snapshot], as_of: str) -> Snapshot:
    """The publication ``as_of`` names: a run id (or its first 8 characters, as the run summary
    shows it), a date (the last publication of that day, UTC) or a date and time (the last
    publication at or before it, UTC). Raises LakeError saying what there is."""
    text = as_of.strip()
    runs = [s for s in published if s.run_id and (s.run_id == text or s.run_id.startswith(text))]
    if runs and len(text) >= 8:
        return runs[-1]
    moment = _moment(text)
    if moment is None:
        raise LakeError(
            f"--as-of {as_of!r} names no publication the lake keeps. Give a run id or its "
            'first 8 characters (`ecostat query "select * from audit.publications"` lists every '
            "run that published; the lake keeps those of the last published_snapshots_kept_days "
            "days, contracts/limits.yaml), a date (2026-12-01) or a date and time in UTC "
            "(2026-12-01T18:00). "
            f"{_kept(published)}"
        )
    earlier = [s for s in published if s.published_at.astimezone(UTC) <= moment]
    if not earlier:
        raise LakeError(f"nothing had been published by {as_of}. {_kept(published)}")
    return earlier[-1]


def _moment(text: str) -> datetime | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        return end - timedelta(microseconds=1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _kept(published: list[Snapshot]) -> str:
    if not published:
        return "Nothing has been published yet."
    first, last = published[0], published[-1]
    return (
        f"The lake keeps {len(published)} publication(s), from "
        f"{first.published_at.astimezone(UTC):%Y-%m-%d %H:%M} (run {first.run_id}) to "
        f"{last.published_at.astimezone(UTC):%Y-%m-%d %H:%M} (run {last.run_id}) UTC"
    )


def attach_publication(
    con: duckdb.DuckDBPyConnection, lake: Lake, alias: str, as_of: str | None = None
) -> tuple[Snapshot, list[Snapshot]]:
    """Attach, read-only as ``alias``, the publication ``as_of`` names (the last without it),
    pinned to its snapshot so that later publications do not show. Returns it and every
    publication the lake keeps. Raises LakeError when there is none, or none by that name."""
    attach(con, lake, "ecostat_listing", read_only=True)
    try:
        published = snapshots(con, "ecostat_listing")
    finally:
        con.execute("detach ecostat_listing")
    if not published:
        raise LakeError(f"the lake {lake} holds no publication yet: run `ecostat run`")
    chosen = resolve_as_of(published, as_of) if as_of else published[-1]
    attach(con, lake, alias, read_only=True, snapshot_id=chosen.snapshot_id)
    return chosen, published


def restore(lake: Lake, warehouse: Path, as_of: str | None = None) -> tuple[Snapshot, Path | None]:
    """Make ``warehouse`` again from a publication of ``lake`` (the last, or the one ``as_of``
    names): every table, view and macro as that run published them. A file already at
    ``warehouse`` (a damaged one) is kept beside it, renamed ``<name>.damaged-<UTC time>``, with
    its write-ahead log. Returns the publication and the kept file's path. The new file is made
    under another name and renamed into place, so an interrupted restore leaves the damaged
    file where it was. The caller makes sure no run holds the warehouse."""
    made = warehouse.with_name(f".{warehouse.name}.restoring")
    for leftover in (made, made.with_name(made.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = connect()
    try:
        chosen, _ = attach_publication(con, lake, "chosen", as_of)
        con.execute(f"attach '{_quote(str(made))}' as restored")
        # Tables, views and macros, in the order they depend on each other (DuckDB's own).
        con.execute("copy from database chosen to restored")
        con.execute("checkpoint restored")  # everything in the file: it is renamed alone
        con.execute("detach restored")
    except duckdb.Error as e:
        made.unlink(missing_ok=True)
        raise LakeError(
            f"the warehouse could not be restored from {lake} ({lake.scrub(str(e))}); "
            f"{warehouse} is as it was"
        ) from e
    finally:
        con.close()
    kept = None
    if warehouse.exists():
        kept = warehouse.with_name(f"{warehouse.name}.damaged-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
        warehouse.rename(kept)
        wal = warehouse.with_name(warehouse.name + ".wal")
        if wal.exists():
            wal.rename(kept.with_name(kept.name + ".wal"))
    made.rename(warehouse)
    return chosen, kept
