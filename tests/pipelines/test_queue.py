"""`ecostat run` and runs of the Dagster UI share one writer: a CLI run waits, visibly, for a
run the instance has in progress, and a run whose process was killed blocks nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus, RunsFilter
from dagster._core.storage.tags import REPOSITORY_LABEL_TAG
from dagster._core.utils import make_new_run_id

from pipelines import queue
from pipelines.cli import main
from warehouse.home import REPO_ROOT


def _instance(home: Path) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home / "dagster")))


def _started_run(instance: dg.DagsterInstance, tags: dict[str, str]) -> DagsterRun:
    """A run the instance records as in progress, as one launched from the UI is."""
    return instance.add_run(
        DagsterRun(
            job_name="load_cleanup",
            run_id=make_new_run_id(),
            tags=tags,
            status=DagsterRunStatus.STARTED,
        )
    )


def test_a_cli_run_waits_for_a_ui_run_and_says_so(
    seeded_home: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    home = tmp_path / "home"
    shutil.copytree(seeded_home, home, ignore=shutil.ignore_patterns("last_run.json"))
    instance = _instance(home)
    ui_run = _started_run(instance, {})
    assert ui_run.status == DagsterRunStatus.STARTED

    said: list[str] = []
    waited = threading.Thread(
        target=lambda: said.append(
            str(queue.wait_for_other_runs(instance, said.append, limit_s=60, poll_s=0.1))
        )
    )
    waited.start()
    time.sleep(1.0)
    assert waited.is_alive()  # still waiting for the UI's run
    assert said and said[0].startswith(f"Waiting for run {ui_run.run_id[:8]} (load_cleanup")
    assert "started in the Dagster UI" in said[0]
    instance.report_run_failed(ui_run, message="ended")  # the UI's run ends
    waited.join(timeout=10)
    assert said[-1] == "True" and len(said) == 2  # said once, then went on

    # Given up after its limit, `ecostat run` says what to do and runs nothing.
    other = _started_run(instance, {})
    monkeypatch.setenv("ECOSTAT_HOME", str(home))
    assert main(["run", "--force", "--wait-for-runs", "0.5"]) == 2
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert f"Waiting for run {other.run_id[:8]}" in out
    assert "still waiting after 0.5 s; nothing was run" in out
    instance.report_run_failed(other, message="ended")
    instance.dispose()


def test_a_killed_cli_run_blocks_nothing(tmp_path: Path) -> None:
    (tmp_path / "dagster").mkdir()
    instance = _instance(tmp_path)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
    )
    tags = {queue.PID_TAG: gone.stdout.strip(), queue.HOST_TAG: queue.run_tags()[queue.HOST_TAG]}
    killed = _started_run(instance, tags)
    alive = _started_run(instance, queue.run_tags())  # this very process: still running

    assert [r.run_id for r in queue.in_progress(instance)] == [alive.run_id]
    assert instance.get_run_by_id(killed.run_id).status == DagsterRunStatus.FAILURE
    instance.report_run_failed(alive, message="ended")
    assert queue.in_progress(instance) == []
    instance.dispose()


def test_cli_runs_are_listed_under_their_job_in_the_ui(seeded_home: Path) -> None:
    """The UI lists a job's runs by job name and repository label; a CLI run carries the label
    of the code location pyproject.toml names, as a run the UI launched does."""
    assert queue.repository_label() == "__repository__@ecostat"
    instance = _instance(seeded_home)
    runs = instance.get_runs(
        filters=RunsFilter(
            job_name="ecostat_all", tags={REPOSITORY_LABEL_TAG: queue.repository_label()}
        )
    )
    assert runs and all(r.tags[queue.PID_TAG] for r in runs)
    instance.dispose()


def test_a_run_that_waited_says_what_the_other_run_did_with_the_file(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """#30.6: started with the sensor's run, `ecostat run` said "Changed ... (new)" and then
    "This run: no new files". It now says that the other run loaded the file, and which."""
    import pipelines.commands.run as cli
    from pipelines.definitions import definitions_for
    from pipelines.jobs import ALL_JOB
    from tests.faults.test_files_that_change import _csv, _run

    home = tmp_path / "home"
    _csv(home / "landing" / "cleanup" / "first.csv", "Бишкек;2023-04-01;10")
    assert _run(home, capsys)[0] == 0
    _csv(home / "landing" / "cleanup" / "new.csv", "Ош;2023-04-01;7")
    real = cli._warehouse_problem

    def the_sensors_run_first(h, limit_s, out):
        # While this run waits, the sensor's run lands the new file.
        job = definitions_for(h.root).resolve_job_def(ALL_JOB)
        assert job.execute_in_process(
            instance=dg.DagsterInstance.get(), tags={"dagster/sensor_name": "landing_sensor"}
        ).success
        return real(h, limit_s, out)

    monkeypatch.setattr(cli, "_warehouse_problem", the_sensors_run_first)
    code, out = _run(home, capsys)
    assert code == 0, out
    assert "landing/cleanup/new.csv (new)" in out and "This run: no new files" in out
    line = next(x for x in out.splitlines() if x.startswith("cleanup/new.csv:"))
    assert line.startswith("cleanup/new.csv: loaded 1 of 1 rows, by run ")
    assert "started by the sensor landing_sensor), while this run waited" in line
