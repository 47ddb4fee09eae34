"""Dagster's event log in SQLite (the local profile), its connections kept open between events.

Dagster's SQLite event log makes a new SQLAlchemy engine and a new connection for every
statement, and throws both away after it: a run of the embedded default writes about 520
events, each into the run's own database and most into the index as well. py-spy on `ecostat
run` found 29% of a run's time in writing events, most of it in opening and closing them.
This storage is Dagster's, with one engine per database (the run's, the index) kept for the
next statement; a run of the embedded default with nothing new took 7.7-9.2 s instead of
12.4-14.3 s (three runs each, in the same process).

What it keeps: one connection per database (a few more while a statement nests), for the
eight databases used last; all are closed when the instance is disposed or the log wiped.
SQLite in WAL mode, as Dagster sets it, lets other processes (the UI, the daemon) read and
write the same files while these stay open, as before. Every statement still runs under the
storage's lock, in its own transaction.

Grain: one storage per Dagster instance, configured in the local profile's dagster.yaml
(warehouse/cluster.py) with the folder Dagster's default keeps events in
(``<home>/dagster/history/runs/``).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from dagster._core.errors import DagsterInvariantViolationError
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

# Databases whose engine is kept: the run's and the index, and a few a UI reads in turn.
KEPT_DATABASES = 8


class KeptSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's run-sharded SQLite event log, each database's connection kept open."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()  # Dagster's set-up connects
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(  # Dagster's makes its own class, not this one
        cls, inst_data: Any, config_value: Any
    ) -> KeptSqliteEventLogStorage:
        base_dir = Path(config_value["base_dir"])
        # The folder is written out in full by ecostat (warehouse/cluster.py), where Dagster's
        # default derives it from DAGSTER_HOME: a home copied or moved and opened by `dagster
        # dev` before any ecostat command rewrote its dagster.yaml would write its runs into
        # the other home's history. That is when DAGSTER_HOME's own dagster.yaml (the one read)
        # names a folder outside DAGSTER_HOME; said instead, with the fix. (An instance opened
        # by its folder, another home's DAGSTER_HOME in the environment, is not that case.)
        dagster_home = os.environ.get("DAGSTER_HOME")
        if (
            dagster_home
            and _named_in(Path(dagster_home) / "dagster.yaml") == str(base_dir)
            and base_dir.resolve() != Path(dagster_home).resolve() / "history" / "runs"
        ):
            raise DagsterInvariantViolationError(
                f"{Path(dagster_home) / 'dagster.yaml'} keeps run events in {base_dir}, "
                "another data home's: this home was copied or moved. Run `ecostat init` "
                "with ECOSTAT_HOME set to this home (`make ui` does) to rewrite it"
            )
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, made once; the one used longest ago closed beyond the kept."""
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=1,
                # Dagster's set-up of a new database opens a second connection inside a first.
                max_overflow=4,
                # Statements from several threads (the UI's), one at a time under the lock.
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
        self._engines[shard] = engine
        while len(self._engines) > KEPT_DATABASES:
            _, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # Dagster's own, but for the engine: kept rather than made and disposed each time.
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _close_all(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def wipe(self) -> None:
        self._close_all()  # before the files are deleted
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        self._close_all()


def _named_in(dagster_yaml: Path) -> str | None:
    """The event folder a dagster.yaml names for this storage, if it names one."""
    try:
        config = yaml.safe_load(dagster_yaml.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    storage = config.get("event_log_storage") or {}
    return (storage.get("config") or {}).get("base_dir")
