"""`make bench-cluster`: the cluster profile (docs/cluster.md) loading N generated files of M rows
each, with 1 and then 2 Celery workers, from the first queued run to the last one ended.

Each configuration gets a new data home in the cluster profile, its PostgreSQL and Redis
started by `ecostat servers start`, a first `ecostat run` of the embedded default (not timed),
then the daemon and the workers. The files are landed at once and one `load_cleanup` run per
file is queued with `dagster job launch` (the landing sensor would group the files it finds in
one tick into one run: one run per file is the case of files arriving apart). Printed per
configuration: the wall time, the rows per second, a run's mean time in its worker and the mean
gap between one run's end and the next one's start, how many runs each worker took, and the
correctness checks (every run succeeded; every file version read once; rows read = loaded +
rejected; rejected = the bad rows injected; no staged row twice).

The `Cluster` class is what tests/pipelines/test_cluster.py drives too.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.generate import write
from warehouse.home import REPO_ROOT, Home

BIN = Path(sys.executable).parent


class Cluster:
    """A data home in the cluster profile on this machine: its servers, a daemon, workers."""

    def __init__(self, root: Path) -> None:
        self.home = Home(root)
        self.logs = root.parent / f"{root.name}-logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.workers: dict[str, subprocess.Popen] = {}
        self.daemon: subprocess.Popen | None = None
        self._instance = None

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "ECOSTAT_HOME": str(self.home.root),
            "DAGSTER_HOME": str(self.home.dagster),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }

    def ecostat(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "ecostat"), *args],
            env=self.env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def dagster(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "dagster"), *args, "-m", "pipelines.definitions"],
            env=self.env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    @property
    def instance(self):
        if self._instance is None:
            import dagster as dg

            self._instance = dg.DagsterInstance.from_config(str(self.home.dagster))
        return self._instance

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def tails(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.logs.glob("*.log"))
        )

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        return subprocess.Popen(
            args,
            env=self.env,
            cwd=REPO_ROOT,
            stdout=(self.logs / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stopped with its children (dagster-celery starts celery)
        )

    def start_servers(self) -> None:
        done = self.ecostat("servers", "start", timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"ecostat servers start: {done.stderr.strip()}")

    def start_daemon(self, sensor: bool = False) -> None:
        """The daemon (run queue, run monitoring and retries; the landing sensor only when
        ``sensor``: stopped, the runs are those queued by hand)."""
        if not sensor:
            done = self.dagster("sensor", "stop", "landing_sensor")
            if done.returncode != 0:
                raise RuntimeError(f"dagster sensor stop: {done.stderr.strip()[-500:]}")
        self.daemon = self._start(
            "daemon", [str(BIN / "dagster-daemon"), "run", "-m", "pipelines.definitions"]
        )

    def start_workers(self, names: list[str], limit_s: float = 120) -> None:
        for name in names:
            self.workers[name] = self._start(
                name, [str(BIN / "ecostat"), "worker", "--name", name, "--loglevel", "INFO"]
            )
        for name in names:
            self.wait_for(
                lambda n=name: f"{n}@" in self.log(n) and " ready." in self.log(n),
                f"worker {name} ready",
                limit_s,
            )

    def wait_for(self, condition: Callable[[], object], what: str, limit_s: float) -> None:
        deadline = time.monotonic() + limit_s
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: not within {limit_s:g} s\n{self.tails()}")
            time.sleep(0.5)

    def launch(self, job: str = "ecostat_all") -> str:
        """Queue a run of ``job``, as the UI or the sensor would; returns its id."""
        before = {r.run_id for r in self.instance.get_runs()}
        done = self.dagster("job", "launch", "-j", job)
        if done.returncode != 0:
            raise RuntimeError(f"dagster job launch: {done.stderr.strip()[-500:]}")
        (new,) = [r.run_id for r in self.instance.get_runs() if r.run_id not in before]
        return new

    def finished(self, run_id: str, limit_s: float = 600):
        self.wait_for(
            lambda: self.instance.get_run_by_id(run_id).is_finished,
            f"run {run_id[:8]} finished",
            limit_s,
        )
        return self.instance.get_run_by_id(run_id)

    def holder(self, run_id: str) -> str | None:
        """The worker whose log says it received the run's Celery task."""
        task = self.instance.get_run_by_id(run_id).tags.get("dagster-celery/task_id")
        held = [n for n in self.workers if f"execute_job[{task}] received" in self.log(n)]
        return held[0] if len(held) == 1 else None

    def kill(self, name: str) -> None:
        """SIGKILL a worker and its children, as a lost machine would end them."""
        os.killpg(self.workers[name].pid, signal.SIGKILL)

    def stop(self) -> None:
        for process in [*self.workers.values(), *([self.daemon] if self.daemon else [])]:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        from pipelines import servers

        running = servers.status(self.home)
        servers.stop(self.home)
        if running is not None and os.geteuid() == 0:
            shutil.rmtree(running.postgres_data, ignore_errors=True)


def measure(workers: int, files: int, rows: int, scratch: Path) -> dict:
    """One configuration: ``files`` generated files of ``rows`` rows through ``workers``."""
    cluster = Cluster(scratch / f"home-{workers}w")
    try:
        cluster.start_servers()
        first = cluster.ecostat("run")
        if first.returncode != 0:
            raise RuntimeError(f"the first ecostat run failed:\n{first.stdout[-2000:]}")
        cluster.start_daemon()
        names = [f"w{i + 1}" for i in range(workers)]
        cluster.start_workers(names)
        injected = 0
        for i in range(files):
            written = write(
                "cleanup",
                rows,
                "utf8",
                cluster.home.landing / "cleanup" / f"bench_{i:02d}.csv",
                seed=20261207 + i,
            )
            injected += sum(written["bad_rows"].values())
        started = time.perf_counter()
        runs = [cluster.launch("load_cleanup") for _ in range(files)]
        statuses = [cluster.finished(r).status.value for r in runs]
        seconds = time.perf_counter() - started
        records = [cluster.instance.get_run_record_by_id(r) for r in runs]
        # Each run's time in its worker, and before it: queued behind the others, then waiting
        # for the daemon's next look at the queue and for a worker to take it.
        in_worker = [r.end_time - r.start_time for r in records]
        gaps = [b.start_time - a.end_time for a, b in itertools.pairwise(records)]
        taken = {
            n: sum(
                "execute_job[" in line and "succeeded" in line
                for line in cluster.log(n).splitlines()
            )
            for n in names
        }
        return {
            "workers": workers,
            "files": files,
            "rows_per_file": rows,
            "seconds": round(seconds, 2),
            "rows_per_s": round(files * rows / seconds),
            "runs": statuses,
            "run_seconds_mean": round(sum(in_worker) / len(in_worker), 2),
            "gap_seconds_mean": round(sum(gaps) / len(gaps), 2) if gaps else None,
            "taken": taken,
            **_checks(cluster.home, files, rows, injected),
        }
    finally:
        cluster.stop()


def _checks(home: Home, files: int, rows: int, injected: int) -> dict:
    from warehouse.query import connect_lake

    con, _ = connect_lake(home)
    try:
        versions = con.execute(
            "select count(*), count(distinct path), sum(rows_read), sum(rows_loaded), "
            "sum(rows_rejected), count(*) filter (where rows_read <> rows_loaded + rows_rejected) "
            "from audit.source_files where dataset = 'cleanup' and path like 'bench_%'"
        ).fetchone()
        twice = con.execute(
            "select count(*) from (select file_id, row_number from staging.cleanup "
            "group by all having count(*) > 1)"
        ).fetchone()[0]
    finally:
        con.close()
    count, distinct, read, loaded, rejected, unbalanced = versions
    return {
        "file_versions": count,
        "rows_read": read,
        "rows_loaded": loaded,
        "rows_rejected": rejected,
        "correct": count == distinct == files
        and read == files * rows
        and rejected == injected
        and unbalanced == 0
        and twice == 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=6)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="ecostat-bench-cluster-"))
    results = []
    try:
        for workers in args.workers:
            print(f"{args.files} files x {args.rows:,} rows, {workers} worker(s) ...", flush=True)
            results.append(measure(workers, args.files, args.rows, scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(
        f"{'workers':>7} {'seconds':>8} {'rows/s':>8} {'run s':>6} {'gap s':>6}  "
        "runs taken      correct"
    )
    for r in results:
        taken = ", ".join(f"{k} {v}" for k, v in r["taken"].items())
        print(
            f"{r['workers']:>7} {r['seconds']:>8.1f} {r['rows_per_s']:>8,} "
            f"{r['run_seconds_mean']:>6.1f} {r['gap_seconds_mean'] or 0:>6.1f}  "
            f"{taken:<15} {r['correct']}"
        )
    out = (
        REPO_ROOT
        / "bench"
        / "results"
        / f"cluster-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"results: {out}")
    if not all(r["correct"] and set(r["runs"]) == {"SUCCESS"} for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
