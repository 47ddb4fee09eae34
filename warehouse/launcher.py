"""The cluster profile's run launcher: dagster-celery's, which also sees a worker that is gone.

dagster-celery's CeleryRunLauncher judges a run's health by its Celery task's state. A worker
killed in mid-run (SIGKILL, out of memory, its machine lost) never says so: its task stays
"started" in Redis, the run stays started in Dagster, and with one run at a time it blocks the
queue for good. This launcher asks the live workers which tasks they run (Celery's `inspect
active`, an answer over the broker, from any machine) and reports a started task that none of
them holds, twice in a row, as a failed run worker. Dagster's run monitoring
(<home>/dagster/dagster.yaml, `run_monitoring`) then marks the run failed, and run retries
start it again on a worker that is alive.

Workers run with Celery's threads pool (`ecostat worker`), so that one busy with a run still
answers: a solo worker could not, and would be taken for gone.
"""

from __future__ import annotations

from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.dagster_run import DagsterRun
from dagster_celery.launcher import CeleryRunLauncher
from dagster_celery.tags import DAGSTER_CELERY_TASK_ID_TAG

# How long the live workers have to answer, and how many checks in a row must find no worker
# holding a started task before its run is failed: a worker slow to answer once is not gone.
INSPECT_TIMEOUT_S = 5.0
MISSES_BEFORE_FAILED = 2


class WatchedCeleryRunLauncher(CeleryRunLauncher):
    """CeleryRunLauncher whose health check also finds runs whose worker is gone."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._misses: dict[str, int] = {}  # run id -> checks in a row that found no worker

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        result = super().check_run_worker_health(run)
        if result.status != WorkerStatus.RUNNING:
            self._misses.pop(run.run_id, None)
            return result
        task_id = run.tags[DAGSTER_CELERY_TASK_ID_TAG]
        active = self.celery.control.inspect(timeout=INSPECT_TIMEOUT_S).active() or {}
        if any(task.get("id") == task_id for tasks in active.values() for task in tasks):
            self._misses.pop(run.run_id, None)
            return result
        misses = self._misses.get(run.run_id, 0) + 1
        self._misses[run.run_id] = misses
        if misses < MISSES_BEFORE_FAILED:
            return result
        self._misses.pop(run.run_id, None)
        workers = ", ".join(sorted(active)) or "none"
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"Celery task {task_id} is started but no live worker runs it (workers that "
            f"answered: {workers}): the worker that took it stopped (killed, out of memory, or "
            "its machine lost)",
        )
