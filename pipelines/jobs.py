"""Jobs, the landing sensor and the daily schedule."""

from __future__ import annotations

import hashlib
import json

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from contracts import datasets
from warehouse.home import file_states
from warehouse.resources import HomeResource

ALL_JOB = "ecostat_all"


def load_job_name(dataset: str) -> str:
    return f"load_{dataset}"


def _load_job(dataset: str) -> UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        load_job_name(dataset),
        selection=dg.AssetSelection.groups("reference")
        | dg.AssetSelection.assets(dg.AssetKey(["raw", dataset])).downstream(),
        description=f"Load new files of landing/{dataset}/ and rebuild what depends on them.",
    )


ALL = dg.define_asset_job(
    ALL_JOB,
    selection=dg.AssetSelection.all(),
    description="Everything: reference tables, every dataset's new files, core and marts.",
)
LOAD_JOBS = {ds: _load_job(ds) for ds in datasets()}


def jobs() -> list[UnresolvedAssetJobDefinition]:
    return [ALL, *LOAD_JOBS.values()]


def landing_signature(home: HomeResource) -> dict[str, str]:
    """dataset/path -> size and modification time of every file in landing/ (no file is read)."""
    landing = home.home.landing
    return {
        f"{ds}/{rel}": state
        for ds in datasets()
        for rel, state in file_states(landing / ds, visible_only=True).items()
    }


@dg.sensor(
    jobs=list(LOAD_JOBS.values()),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a load of a dataset when files in landing/<dataset>/ are new or changed.",
)
def landing_sensor(context: dg.SensorEvaluationContext, home: HomeResource):
    current = landing_signature(home)
    previous = json.loads(context.cursor) if context.cursor else {}
    changed = sorted(k for k, v in current.items() if previous.get(k) != v)
    context.update_cursor(json.dumps(current))
    if not changed:
        return dg.SkipReason("no new or changed files in landing/")
    requests = []
    for ds in sorted({k.split("/", 1)[0] for k in changed}):
        files = [k for k in changed if k.startswith(ds + "/")]
        run_key = hashlib.sha256(json.dumps({f: current[f] for f in files}).encode()).hexdigest()[
            :16
        ]
        requests.append(
            dg.RunRequest(
                run_key=run_key,
                job_name=load_job_name(ds),
                tags={"ecostat/files": ", ".join(files)[:1000]},
            )
        )
    return requests


daily_schedule = dg.ScheduleDefinition(
    name="daily_full_run",
    job=ALL,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every day at 06:00 UTC: reference tables, new files of every dataset, core and marts.",
)
