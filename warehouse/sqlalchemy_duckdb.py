"""A SQLAlchemy connection to the warehouse that Great Expectations can run its checks through.

duckdb-engine's cursors all share their DuckDB connection, and a result is gone once the next
statement runs on it; Great Expectations returns its connection to the pool before it reads a
metric's rows, so every metric came back empty. Here each cursor reads its result when the
statement runs (metric results are a row of aggregates, or a sample of at most a few dozen
values), and the engine works on a cursor of the run's own connection: no second writer, and
the checks see the tables the run has just built.
"""

from __future__ import annotations

from typing import Any

import duckdb
import duckdb_engine
from sqlalchemy.pool import StaticPool


class _BufferedCursor(duckdb_engine.CursorWrapper):
    def __init__(self, c: duckdb.DuckDBPyConnection, wrapper: duckdb_engine.ConnectionWrapper):
        super().__init__(c, wrapper)
        self._rows: list = []
        self._description: Any = None
        self._position = 0

    def execute(self, statement: str, parameters: Any = None, context: Any = None) -> None:
        super().execute(statement, parameters, context)
        con = self._CursorWrapper__c  # the wrapped DuckDB connection (a private name upstream)
        self._description = con.description
        self._rows = con.fetchall() if self._description else []
        self._position = 0

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return len(self._rows) if self._description else -1

    def fetchone(self) -> Any:
        rows = self.fetchmany(1)
        return rows[0] if rows else None

    def fetchmany(self, size: int | None = None) -> list:
        rows = self._rows[self._position : self._position + (size or 1)]
        self._position += len(rows)
        return rows

    def fetchall(self) -> list:
        rows = self._rows[self._position :]
        self._position = len(self._rows)
        return rows


class _Connection(duckdb_engine.ConnectionWrapper):
    def cursor(self) -> _BufferedCursor:
        return _BufferedCursor(self._ConnectionWrapper__c, self)

    def close(self) -> None:
        pass  # the run's connection outlives the engine: its owner closes it


def engine_kwargs(cursor: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """``create_engine`` arguments (URL ``duckdb://``) for an engine on ``cursor``, a cursor of
    the run's connection that the caller closes when the engine is done."""
    return {"creator": lambda: _Connection(cursor), "poolclass": StaticPool}
