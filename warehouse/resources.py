"""Resources: the warehouse (one DuckDB file) and the data home."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from warehouse.engine import connect, newer_format_message
from warehouse.home import Home


class WarehouseBusy(RuntimeError):
    """The warehouse stayed locked by a writer for longer than a connection will wait."""


class WarehouseDamaged(RuntimeError):
    """The warehouse file cannot be read: damaged. The message says how to restore it."""


def is_lock_error(error: Exception) -> bool:
    """Whether DuckDB refused the file because another process holds it (not because it is
    damaged): only then is waiting any use."""
    text = str(error)
    return "Could not set lock" in text or "Conflicting lock" in text


def damaged_message(database: str, error: Exception) -> str:
    """What to say of a warehouse file DuckDB cannot read, and how to restore it: from the
    last publication of the home's lake (``ecostat restore``)."""
    newer = newer_format_message(database)
    if newer:
        return newer
    db = Path(database)
    first = str(error).splitlines()[0] if str(error) else type(error).__name__
    return (
        f"the warehouse {db} is damaged ({first}). Restore it from the last good run's "
        "publication with `ecostat restore` (it keeps the damaged file beside it), then run "
        "again"
    )


class Warehouse(DuckDBResource):
    """The DuckDB warehouse.

    Writers use ``get_connection()`` and keep it for one asset's work only. Readers use
    ``read_connection()``. Both wait (with back-off, up to ``lock_timeout_s``) while another
    process holds the file, then fail with a message that says so.

    ``get_connection`` is overridden because dagster-duckdb's closes the connection only when the
    block succeeds: after an exception the file stays open in the process, and the next connection
    with another configuration (a read-only one) is refused.
    """

    lock_timeout_s: float = 120.0
    # During a run, one connection holds the database open from the first step to the last, and
    # each step works on a cursor of it: opening and closing the file per step (and the
    # checkpoint each close makes) was about 2 s of a 20 s run. Readers of the live file wait
    # for the run to end (`ecostat query --live --wait`); the published lake is always open.
    _run_connection: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    # DuckDB's own default is 80% of the machine's memory, which a 10-million-row rebuild takes.
    # Bounded, it spills sorts and joins to <warehouse>.duckdb.tmp/ instead (ECOSTAT_DUCKDB_MEMORY).
    memory_limit: str = "2GB"

    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.1
        config = {"memory_limit": self.memory_limit, **dict(self.connection_config)}
        while True:
            try:
                return _quiet(connect(self.database, read_only=read_only, config=config))
            except duckdb.IOException as e:
                if not is_lock_error(e):
                    raise WarehouseDamaged(damaged_message(self.database, e)) from e
                if time.monotonic() + delay > deadline:
                    raise WarehouseBusy(
                        f"the warehouse {self.database} is locked by another process and stayed "
                        f"locked for {self.lock_timeout_s:.0f} s; try again when that run ends ({e})"
                    ) from e
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._run_connection = self._connect(read_only=False)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._run_connection is not None:
            self._run_connection.close()
            self._run_connection = None

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._run_connection is not None:
            con = _quiet(self._run_connection.cursor())
        else:
            con = self._connect(read_only=False)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def read_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self._connect(read_only=True)
        try:
            yield con
        finally:
            con.close()


def _quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    # DuckDB draws a progress bar for queries over 2 s: noise in the run logs.
    con.execute("set enable_progress_bar = false")
    return con


class HomeResource(dg.ConfigurableResource):
    """The data home: landing folder, reports, Dagster instance."""

    root: str

    @property
    def home(self) -> Home:
        return Home(Path(self.root))
