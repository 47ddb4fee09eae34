"""The data home's profile: `local` (the default) or `cluster`, and the Dagster configuration
each gives.

- **local**: Dagster's instance in SQLite under <home>/dagster/, runs executed by the process
  that starts them (`ecostat run`, `dagster dev`); nothing to install or start.
- **cluster**: the home holds ``cluster.yaml``, the ecostat settings file::

      postgres_url: postgresql+psycopg2://ecostat@db.example:5432/dagster
      redis_url: redis://queue.example:6379/0
      lake_catalog_url: postgresql://ecostat@db.example:5432/ecostat_lake   # optional

  Dagster's instance (runs, events, schedules, sensors) is in that PostgreSQL database
  (dagster-postgres); runs go through the instance's queue and are launched as Celery tasks on
  that Redis (dagster-celery's CeleryRunLauncher, which warehouse/launcher.py extends to see a
  worker that is gone), so that any machine with the code, the home's path and these two
  servers runs them (`ecostat worker`). docs/cluster.md says how.

Both profiles run the same code: only <home>/dagster/dagster.yaml differs, written by every
`ecostat` command from this module (warehouse/home.py: ensure_home), and, in the cluster profile,
<home>/dagster/celery.yaml, the workers' settings.

The published lake (warehouse/lake.py) keeps its catalog in the PostgreSQL database
``lake_catalog_url`` names, when it names one; without it, in ``<home>/lake/catalog.sqlite``.

The warehouse a run writes is still one DuckDB file with one writer, so a cluster runs one run
at a time (``max_concurrent_runs: 1``); the runs queue, on whichever worker takes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

SETTINGS_FILE = "cluster.yaml"
CELERY_YAML = "celery.yaml"

_HEADER = "# Written by ecostat (warehouse/cluster.py); rewritten by every ecostat command.\n"

# The local profile: telemetry off (no network at run time), and runs started in the UI, by the
# sensor or by the schedule queue behind each other, since DuckDB has one writer at a time.
_LOCAL = {
    "telemetry": {"enabled": False},
    "concurrency": {"runs": {"max_concurrent_runs": 1}},
}


class SettingsError(ValueError):
    """A cluster.yaml that cannot be used: the message says what to write."""


@dataclass(frozen=True)
class ClusterSettings:
    """What <home>/cluster.yaml declares: where Dagster's instance and the run queue live."""

    postgres_url: str
    redis_url: str
    lake_catalog_url: str | None = None

    def dagster_yaml(self) -> str:
        """The instance's dagster.yaml: PostgreSQL storage, queued runs, Celery launcher."""
        config = {
            **_LOCAL,
            # The daemon looks at the queue every second, not every 5: with one run at a time,
            # the wait between two runs was 3.5 s of each 11 (make bench-cluster).
            "run_queue": {"dequeue_interval_seconds": 1},
            # dagster-postgres's storage, its connections pooled (warehouse/pg_storage.py).
            "storage": {
                "custom": {
                    "module": "warehouse.pg_storage",
                    "class": "PooledPostgresStorage",
                    "config": {"postgres_url": self.postgres_url},
                }
            },
            "run_launcher": {
                "module": "warehouse.launcher",
                "class": "WatchedCeleryRunLauncher",
                "config": {"broker": self.redis_url, "backend": self.redis_url},
            },
            # A run whose worker is gone is failed (warehouse/launcher.py), then started again
            # once; a run that failed on its data is not.
            "run_monitoring": {"enabled": True, "poll_interval_seconds": 10},
            "run_retries": {
                "enabled": True,
                "max_retries": 1,
                "retry_on_asset_or_op_failure": False,
            },
        }
        return _HEADER + yaml.safe_dump(config, sort_keys=False)

    def celery_yaml(self) -> str:
        """The workers' settings, in the executor's form (``execution: config:``), which is the
        form `dagster-celery worker start -y` reads; any other form makes a worker fall back,
        without a word, to a RabbitMQ broker on localhost."""
        config = {"execution": {"config": {"broker": self.redis_url, "backend": self.redis_url}}}
        return _HEADER + yaml.safe_dump(config, sort_keys=False)


_KEYS = {
    "postgres_url": "the PostgreSQL database of Dagster's instance, "
    "postgresql+psycopg2://USER[:PASSWORD]@HOST:PORT/DATABASE",
    "redis_url": "the Redis the runs queue on, redis://HOST:PORT/DB",
}
# Optional: without it, the published lake's catalog is a SQLite file in the home.
_OPTIONAL = {
    "lake_catalog_url": "the PostgreSQL database of the published lake's catalog, "
    "postgresql://USER[:PASSWORD]@HOST:PORT/DATABASE",
}


def read_settings(root: Path) -> ClusterSettings | None:
    """The home's cluster settings, or None when it has no cluster.yaml (the local profile).
    Raises SettingsError, saying what to write, when the file cannot be used."""
    path = root / SETTINGS_FILE
    if not path.exists():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise SettingsError(f"{path} cannot be read ({e}); {_what_to_write()}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path} holds no settings; {_what_to_write()}")
    unknown = sorted(set(data) - set(_KEYS) - set(_OPTIONAL))
    missing = [k for k in _KEYS if not isinstance(data.get(k), str) or not data[k].strip()]
    if unknown or missing:
        said = "; ".join(
            ([f"unknown key {', '.join(unknown)}"] if unknown else [])
            + ([f"no {', '.join(missing)}"] if missing else [])
        )
        raise SettingsError(f"{path}: {said}; {_what_to_write()}")
    postgres, redis = data["postgres_url"].strip(), data["redis_url"].strip()
    scheme, sep, rest = postgres.partition("://")
    if not sep or scheme not in ("postgresql", "postgres", "postgresql+psycopg2"):
        raise SettingsError(
            f"{path}: postgres_url {postgres!r} is not a PostgreSQL URL; write "
            f"{_KEYS['postgres_url']} (docs/cluster.md)"
        )
    # SQLAlchemy 2.1 takes a bare postgresql:// to mean psycopg 3, which is not installed:
    # the driver ecostat installs (psycopg2) is named.
    postgres = f"postgresql+psycopg2://{rest}"
    if not redis.startswith(("redis://", "rediss://")):
        raise SettingsError(
            f"{path}: redis_url {redis!r} is not a Redis URL; write {_KEYS['redis_url']} "
            "(docs/cluster.md)"
        )
    lake = data.get("lake_catalog_url")
    if lake is not None:
        scheme, sep, rest = str(lake).strip().partition("://")
        if not sep or scheme not in ("postgresql", "postgres", "postgresql+psycopg2") or not rest:
            raise SettingsError(
                f"{path}: lake_catalog_url {lake!r} is not a PostgreSQL URL; write "
                f"{_OPTIONAL['lake_catalog_url']}, or leave it out to keep the catalog in the "
                "home (docs/cluster.md)"
            )
        # libpq, which DuckLake's catalog connects through, reads postgresql:// alone.
        lake = f"postgresql://{rest}"
    return ClusterSettings(postgres_url=postgres, redis_url=redis, lake_catalog_url=lake)


def _what_to_write() -> str:
    keys = "; ".join(f"{k}: {v}" for k, v in _KEYS.items())
    return f"write {keys} (docs/cluster.md), or delete the file for the local profile"


def write_dagster_config(root: Path, dagster_dir: Path) -> ClusterSettings | None:
    """Write the instance's dagster.yaml for the home's profile (and celery.yaml in the cluster
    profile). Returns the cluster settings, None in the local profile."""
    settings = read_settings(root)
    if settings is None:
        local = {
            **_LOCAL,
            # Dagster's SQLite event log, in the folder its default uses, its connections
            # kept open between events (warehouse/sqlite_storage.py).
            "event_log_storage": {
                "module": "warehouse.sqlite_storage",
                "class": "KeptSqliteEventLogStorage",
                "config": {"base_dir": str(dagster_dir.resolve() / "history" / "runs")},
            },
        }
        (dagster_dir / "dagster.yaml").write_text(
            _HEADER + yaml.safe_dump(local, sort_keys=False), encoding="utf-8"
        )
        (dagster_dir / CELERY_YAML).unlink(missing_ok=True)
        return None
    (dagster_dir / "dagster.yaml").write_text(settings.dagster_yaml(), encoding="utf-8")
    (dagster_dir / CELERY_YAML).write_text(settings.celery_yaml(), encoding="utf-8")
    return settings
