"""The cluster profile (warehouse/cluster.py, pipelines/servers.py, `ecostat servers`,
`ecostat worker`): Dagster's instance on PostgreSQL, runs queued and launched on Celery
workers over Redis, both servers started by the project from Debian's packages."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from bench.cluster import Cluster
from tests.conftest import read_published
from warehouse.cluster import SettingsError, read_settings
from warehouse.home import ensure_home
from warehouse.lake import lake_of

BIN = Path(sys.executable).parent


def test_a_home_is_local_until_it_has_cluster_settings(tmp_path: Path) -> None:
    home, _ = ensure_home(tmp_path / "home")
    config = yaml.safe_load((home.dagster / "dagster.yaml").read_text())
    assert "storage" not in config and "run_launcher" not in config
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == 1
    assert not (home.dagster / "celery.yaml").exists()

    # A bare postgresql:// would make SQLAlchemy 2.1 want psycopg 3: the installed driver is named.
    (home.root / "cluster.yaml").write_text(
        "postgres_url: postgresql://u@db:5432/dagster\nredis_url: redis://q:6379/0\n"
    )
    ensure_home(home.root)
    config = yaml.safe_load((home.dagster / "dagster.yaml").read_text())
    storage = config["storage"]["custom"]  # dagster-postgres's, pooled (warehouse/pg_storage.py)
    assert (storage["module"], storage["class"]) == (
        "warehouse.pg_storage",
        "PooledPostgresStorage",
    )
    assert storage["config"]["postgres_url"] == "postgresql+psycopg2://u@db:5432/dagster"
    assert config["run_launcher"]["class"] == "WatchedCeleryRunLauncher"
    assert config["run_monitoring"]["enabled"] is True
    assert config["run_retries"]["retry_on_asset_or_op_failure"] is False
    assert config["run_launcher"]["config"] == {
        "broker": "redis://q:6379/0",
        "backend": "redis://q:6379/0",
    }
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == 1  # one DuckDB writer
    # The workers' settings in the executor's form, the one `dagster-celery worker -y` reads.
    celery = yaml.safe_load((home.dagster / "celery.yaml").read_text())
    assert celery == {
        "execution": {"config": {"broker": "redis://q:6379/0", "backend": "redis://q:6379/0"}}
    }

    # The published lake's catalog: in the home unless the settings name a PostgreSQL database,
    # which libpq (DuckLake's catalog) reads as postgresql://.
    assert read_settings(home.root).lake_catalog_url is None
    (home.root / "cluster.yaml").write_text(
        "postgres_url: postgresql://u@db:5432/dagster\nredis_url: redis://q:6379/0\n"
        "lake_catalog_url: postgresql+psycopg2://u:secret@db:5432/lake\n"
    )
    lake = lake_of(home)
    assert lake.catalog == "postgres:postgresql://u:secret@db:5432/lake"
    assert "secret" not in str(lake) and "secret" not in lake.scrub(f"at {lake.catalog_url}")

    (home.root / "cluster.yaml").unlink()
    ensure_home(home.root)
    assert "storage" not in yaml.safe_load((home.dagster / "dagster.yaml").read_text())
    assert not (home.dagster / "celery.yaml").exists()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("postgres_url: postgresql://u@db/dagster\n", "no redis_url"),
        ("postgres_url: mysql://u@db/x\nredis_url: redis://q/0\n", "is not a PostgreSQL URL"),
        ("postgres_url: postgresql://u@db/x\nredis_url: amqp://q//\n", "is not a Redis URL"),
        ("postgres_url: postgresql://u@db/x\nredis_url: redis://q/0\nworkers: 3\n", "unknown key"),
        ("[not, a, mapping]\n", "holds no settings"),
        (
            "postgres_url: postgresql://u@db/x\nredis_url: redis://q/0\nlake_catalog_url: lake.db\n",
            "lake_catalog_url 'lake.db' is not a PostgreSQL URL",
        ),
    ],
)
def test_settings_that_cannot_be_used_say_what_to_write(
    tmp_path: Path, text: str, said: str
) -> None:
    (tmp_path / "cluster.yaml").write_text(text)
    with pytest.raises(SettingsError, match=said) as e:
        read_settings(tmp_path)
    assert "docs/cluster.md" in str(e.value)


def test_commands_on_a_home_with_unusable_settings_fail_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "cluster.yaml").write_text("postgres_url: postgresql://u@db/x\n")
    done = Cluster(tmp_path).ecostat("init")
    assert done.returncode == 2
    assert done.stderr.startswith("ecostat init: ") and "no redis_url" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_cluster_instance_holds_its_postgresql_connections_in_a_pool() -> None:
    """dagster-postgres opens a connection per statement outside the webserver; the cluster's
    storage (warehouse/pg_storage.py) pools those of runs and events, and lets them go when
    the instance is disposed. (No server is reached: tables are not created here.)"""
    from dagster_postgres import DagsterPostgresStorage

    from warehouse.pg_storage import PooledPostgresStorage

    url = "postgresql+psycopg2://u@127.0.0.1:1/none"
    plain = DagsterPostgresStorage(url, should_autocreate_tables=False)
    assert type(plain.event_log_storage._engine.pool).__name__ == "NullPool"
    pooled = PooledPostgresStorage(url, should_autocreate_tables=False)
    for storage in (pooled.run_storage, pooled.event_log_storage):
        assert type(storage._engine.pool).__name__ == "QueuePool"
        assert storage._engine.pool.size() == 1
        storage.dispose()  # closes what the pool holds; nothing was opened


def test_a_worker_needs_the_cluster_profile(tmp_path: Path) -> None:
    done = Cluster(tmp_path).ecostat("worker")
    assert done.returncode == 2
    assert "local profile" in done.stderr and "ecostat servers start" in done.stderr


# --- the real servers ---------------------------------------------------------------------


HEADER = (
    "Region,Date,Campaign,Participants,Events,Waste collected (t),Glass (t),Plastic (t),"
    "Rubber (t),Paper (t),Metal (t),Volume (m3),Source,URL,Confidence\n"
)
BASE = 'Kyrgyzstan,2022-09-17,World Cleanup Day,"50,000",,"1,000",,,,,,,"test",,high\n'
ROWS = [
    'Kazakhstan,2021-09-18,World Cleanup Day,"100,000",,"5,000",,,,,,,"test",,high\n',
    'Atlantis,2021-09-18,World Cleanup Day,"10",,"5",,,,,,,"test",,high\n',
    'Kazakhstan,2023-09-16,World Cleanup Day,"120,000",,"5,500",,,,,,,"test",,high\n',
]


def test_queued_runs_go_to_celery_workers_a_killed_one_is_retried_and_every_row_loads_once(
    tmp_path: Path,
) -> None:
    """PostgreSQL and Redis from `ecostat servers start`; a first run from the CLI; then the
    daemon and two workers (bench/cluster.py: Cluster), and runs queued as the UI would.

    The landing holds two small files rather than the embedded default: a run goes through
    every step all the same, in less time (this is the suite's longest test). One queued run
    supersedes a file the CLI's run loaded: a worker goes on from what another process left."""
    import dagster as dg

    cluster = Cluster(tmp_path / "home")
    landing = cluster.home.landing / "cleanup"
    landing.mkdir(parents=True)
    (landing / "kg_base.csv").write_text(HEADER + BASE, encoding="utf-8")
    # A new file: one row loads, one is rejected.
    (landing / "kz_extra.csv").write_text(HEADER + ROWS[0] + ROWS[1], encoding="utf-8")
    try:
        cluster.start_servers()
        # The first run in the process of `ecostat run`: the cluster profile keeps the CLI's
        # way, its run recorded in PostgreSQL.
        first = cluster.ecostat("run")
        assert first.returncode == 0, first.stdout + first.stderr
        instance = cluster.instance
        assert type(instance.run_storage).__name__ == "PooledPostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PooledPostgresEventLogStorage"
        assert type(instance.run_launcher).__name__ == "WatchedCeleryRunLauncher"
        assert len(instance.get_runs()) == 1

        # The landing sensor stopped: the runs are those the test queues.
        cluster.start_daemon(sensor=False)
        cluster.start_workers(["w1", "w2"])
        # The file's second version supersedes the first.
        (landing / "kz_extra.csv").write_text(
            HEADER + ROWS[0] + ROWS[1] + ROWS[2], encoding="utf-8"
        )
        run_ids = [cluster.launch()]
        status = cluster.finished(run_ids[-1], 300).status
        assert status == dg.DagsterRunStatus.SUCCESS, cluster.tails()
        # The run went through the queue to a Celery task that a worker ran. (Which worker
        # takes a task is the broker's choice: the killed run below makes both take one.)
        assert all(cluster.holder(r) for r in run_ids), cluster.tails()

        # A worker killed in mid-run: the run is failed (no live worker holds its task), then
        # retried on the other worker, which loads the new file once.
        (landing / "kz_more.csv").write_text(HEADER + ROWS[2] + ROWS[1], encoding="utf-8")
        killed_run = cluster.launch()
        cluster.wait_for(
            lambda: (
                instance.get_run_by_id(killed_run).status == dg.DagsterRunStatus.STARTED
                and instance.get_records_for_run(
                    killed_run, of_type=dg.DagsterEventType.STEP_START
                ).records
            ),
            f"run {killed_run[:8]} started",
            300,
        )
        holder = cluster.holder(killed_run)
        assert holder is not None, cluster.tails()
        cluster.kill(holder)
        assert cluster.finished(killed_run, 300).status == dg.DagsterRunStatus.FAILURE

        def retries() -> list[str]:
            return [
                r.run_id
                for r in instance.get_runs()
                if r.tags.get("dagster/parent_run_id") == killed_run
            ]

        cluster.wait_for(retries, "the retry of the killed run", 120)
        (retry,) = retries()
        status = cluster.finished(retry, 300).status
        assert status == dg.DagsterRunStatus.SUCCESS, cluster.tails()
        assert cluster.holder(retry) == ("w2" if holder == "w1" else "w1")

        # Read through the lake, whose catalog is in the servers' PostgreSQL: its last
        # publication is the retried run's.
        assert not (cluster.home.lake / "catalog.sqlite").exists()
        con = read_published(cluster.home.root)
        try:
            published = con.execute(
                "select run_id from audit.publications order by published_at desc limit 1"
            ).fetchone()
            assert published == (retry,)
            files = con.execute(
                "select status, rows_read, rows_loaded, rows_rejected from audit.source_files "
                "where dataset = 'cleanup' and path like '%kz_extra.csv' order by landed_at"
            ).fetchall()
            # Two versions, each read once: the first loaded then superseded, the second current.
            assert files == [("superseded", 2, 1, 1), ("loaded", 3, 2, 1)]
            more = con.execute(
                "select status, rows_read, rows_loaded, rows_rejected from audit.source_files "
                "where dataset = 'cleanup' and path like '%kz_more.csv'"
            ).fetchall()
            assert more == [("loaded", 2, 1, 1)]  # loaded once, though its first run was killed
            unaccounted = con.execute(
                "select count(*) from audit.source_files "
                "where rows_read is not null and rows_read <> rows_loaded + rows_rejected"
            ).fetchone()[0]
            assert unaccounted == 0
            twice = con.execute(
                "select count(*) from (select file_id, row_number from staging.cleanup "
                "group by all having count(*) > 1)"
            ).fetchone()[0]
            assert twice == 0
        finally:
            con.close()
    finally:
        cluster.stop()


def test_a_started_run_that_no_live_worker_holds_is_failed_after_two_checks(monkeypatch) -> None:
    """The launcher's health check (warehouse/launcher.py), the Celery answers faked: a started
    task held by a live worker is running; one no worker holds is failed the second time in a
    row, never the first (a worker slow to answer once is not gone)."""
    from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
    from dagster_celery.launcher import CeleryRunLauncher

    from warehouse.launcher import WatchedCeleryRunLauncher

    launcher = WatchedCeleryRunLauncher(
        default_queue="dagster", broker="redis://127.0.0.1:1/0", backend="redis://127.0.0.1:1/0"
    )
    monkeypatch.setattr(
        CeleryRunLauncher,
        "check_run_worker_health",
        lambda self, run: CheckRunHealthResult(WorkerStatus.RUNNING),
    )
    answers: dict = {"celery@w1": [{"id": "task-1"}]}

    class Inspect:
        def active(self):
            return answers

    monkeypatch.setattr(launcher.celery.control, "inspect", lambda timeout: Inspect())

    from types import SimpleNamespace

    # What the check reads of a DagsterRun.
    def Run() -> SimpleNamespace:
        return SimpleNamespace(run_id="run-1", tags={"dagster-celery/task_id": "task-1"})

    assert launcher.check_run_worker_health(Run()).status == WorkerStatus.RUNNING
    answers = {"celery@w2": []}
    assert launcher.check_run_worker_health(Run()).status == WorkerStatus.RUNNING
    answers = {"celery@w1": [{"id": "task-1"}]}  # it answered after all: the count starts again
    assert launcher.check_run_worker_health(Run()).status == WorkerStatus.RUNNING
    answers = {"celery@w2": []}
    assert launcher.check_run_worker_health(Run()).status == WorkerStatus.RUNNING
    failed = launcher.check_run_worker_health(Run())
    assert failed.status == WorkerStatus.FAILED
    assert "no live worker runs it" in failed.msg and "celery@w2" in failed.msg
