"""Dagster's instance storage in PostgreSQL (the cluster profile), with pooled connections.

dagster-postgres opens a new PostgreSQL connection for every statement it runs, unless the
process is the webserver (``optimize_for_webserver``: one connection held, more opened when
needed). A run writes each of its events, looks up asset records and updates its status that
way: about a thousand connections a run for the embedded default, each one a new server process
on PostgreSQL's side. py-spy on a Celery worker found a run spending more time opening
connections than in any step of ecostat's own. This storage is dagster-postgres's, the run and
event log storages held to the webserver's pooling in every process (workers, daemon, the CLI),
their pooled connections closed when the instance is disposed (the end of each Celery task).

Grain: one storage per Dagster instance; the schedule storage is dagster-postgres's as it is
(the daemon's ticks are few).
"""

from __future__ import annotations

from typing import Any

from dagster._core.storage.base_storage import DagsterStorage
from dagster._serdes import ConfigurableClassData
from dagster_postgres import DagsterPostgresStorage, PostgresEventLogStorage, PostgresRunStorage
from dagster_postgres.schedule_storage import PostgresScheduleStorage
from dagster_postgres.utils import get_token_provider_from_config, pg_url_from_config

# One connection held per storage; up to this many more opened at once by a process's threads
# (the daemon's), closed after use. dagster-webserver's defaults.
MAX_OVERFLOW = 20
# A held connection is replaced after an hour, so that a restarted server is seen.
POOL_RECYCLE_S = 3600
# No statement timeout (PostgreSQL's default, as without pooling): a run's writes are short.
NO_STATEMENT_TIMEOUT = 0


class _Pooled:
    """A dagster-postgres storage held to the webserver's pooling from its creation, its
    pooled connections closed when it is disposed."""

    _engine: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.optimize_for_webserver(  # type: ignore[attr-defined]
            statement_timeout=NO_STATEMENT_TIMEOUT,
            pool_recycle=POOL_RECYCLE_S,
            max_overflow=MAX_OVERFLOW,
        )

    def dispose(self) -> None:
        super().dispose()  # type: ignore[misc]
        self._engine.dispose()


class PooledPostgresRunStorage(_Pooled, PostgresRunStorage):
    """dagster-postgres's run storage on a pool of connections."""


class PooledPostgresEventLogStorage(_Pooled, PostgresEventLogStorage):
    """dagster-postgres's event log storage on a pool of connections."""


class PooledPostgresStorage(DagsterPostgresStorage):
    """``storage: postgres`` as dagster-postgres makes it, its run and event log storages
    pooled. Configured as ``storage: custom: {module: warehouse.pg_storage, class:
    PooledPostgresStorage, config: {postgres_url: ...}}`` (warehouse/cluster.py)."""

    def __init__(
        self,
        postgres_url: str,
        should_autocreate_tables: bool = True,
        inst_data: ConfigurableClassData | None = None,
        token_provider: Any = None,
    ) -> None:
        self.postgres_url = postgres_url
        self.should_autocreate_tables = should_autocreate_tables
        self._inst_data = inst_data
        self._run_storage = PooledPostgresRunStorage(
            postgres_url, should_autocreate_tables, token_provider=token_provider
        )
        self._event_log_storage = PooledPostgresEventLogStorage(
            postgres_url, should_autocreate_tables, token_provider=token_provider
        )
        self._schedule_storage = PostgresScheduleStorage(
            postgres_url, should_autocreate_tables, token_provider=token_provider
        )
        DagsterStorage.__init__(self)

    @classmethod
    def from_config_value(  # dagster-postgres's, making this class rather than its own
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> PooledPostgresStorage:
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )
