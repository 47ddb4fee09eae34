"""One writer at a time between `ecostat run` and the Dagster UI.

Runs started in the UI, by the sensor or by the schedule go through the instance's run queue
(<home>/dagster/dagster.yaml: one run at a time). `ecostat run` executes in its own process,
but it records its run in the same instance before its first step, so the queue counts it and
holds a UI run until it ends; and before it starts, `ecostat run` waits for any run the
instance has in progress, saying which. A run whose process is gone (killed) is not waited
for: a CLI run names its process (tags ecostat/host and ecostat/pid), and a run of this
machine whose process no longer exists is marked failed, with the reason, so that it blocks
nothing.
"""

from __future__ import annotations

import os
import socket
import time
import tomllib
from collections.abc import Callable
from functools import cache

import dagster as dg
from dagster._core.definitions.repository_definition.valid_definitions import (
    SINGLETON_REPOSITORY_NAME,
)
from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES, DagsterRun, RunsFilter
from dagster._core.storage.tags import REPOSITORY_LABEL_TAG

from warehouse.home import REPO_ROOT

PID_TAG = "ecostat/pid"
HOST_TAG = "ecostat/host"


@cache
def repository_label() -> str:
    """The label the Dagster UI gives this code location's repository ("__repository__@ecostat",
    from [tool.dagster] in pyproject.toml): the UI lists a job's runs by it."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return f"{SINGLETON_REPOSITORY_NAME}@{config['tool']['dagster']['code_location_name']}"


def run_tags() -> dict[str, str]:
    """Tags of a CLI run: the process that runs it, and the code location it belongs to, so
    that the UI lists it under its job (ecostat_all) as it lists runs it launched itself."""
    return {
        PID_TAG: str(os.getpid()),
        HOST_TAG: socket.gethostname(),
        REPOSITORY_LABEL_TAG: repository_label(),
    }


def _process_gone(run: DagsterRun) -> bool:
    """A CLI run of this machine whose process has ended (killed before it could say so)."""
    if run.tags.get(HOST_TAG) != socket.gethostname() or PID_TAG not in run.tags:
        return False
    try:
        os.kill(int(run.tags[PID_TAG]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def in_progress(instance: dg.DagsterInstance) -> list[DagsterRun]:
    """The runs the instance has in progress, less those whose process is gone (marked failed)."""
    runs = []
    for run in instance.get_runs(filters=RunsFilter(statuses=IN_PROGRESS_RUN_STATUSES)):
        if _process_gone(run):
            instance.report_run_failed(
                run,
                message="the ecostat process running it ended before the run did (killed); "
                "marked failed by the next `ecostat run`",
            )
        else:
            runs.append(run)
    return runs


def wait_for_other_runs(
    instance: dg.DagsterInstance,
    say: Callable[[str], None],
    limit_s: float = 3600.0,
    poll_s: float = 2.0,
) -> bool:
    """Wait until the instance has no run in progress, saying once which run is waited for.
    Returns False when ``limit_s`` passed first (the caller says what to do)."""
    deadline = time.monotonic() + limit_s
    told: set[str] = set()
    while True:
        runs = in_progress(instance)
        if not runs:
            return True
        for run in runs:
            if run.run_id not in told:
                told.add(run.run_id)
                say(
                    f"Waiting for run {run.run_id[:8]} ({run.job_name}, {run.status.value.lower()}"
                    f"{_where(run)}) to finish: the warehouse has one writer at a time."
                )
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll_s)


def describe(run: DagsterRun) -> str:
    """Who started a run, as a clause: ", `ecostat run` in process N" or ", started in the
    Dagster UI, by the sensor or by the schedule" (the sensor's own name when it says)."""
    sensor = run.tags.get("dagster/sensor_name")
    if sensor:
        return f", started by the sensor {sensor}"
    return _where(run)


def _where(run: DagsterRun) -> str:
    if PID_TAG in run.tags:
        return f", `ecostat run` in process {run.tags[PID_TAG]}"
    return ", started in the Dagster UI, by the sensor or by the schedule"
