"""Jobs, the landing sensor and the daily schedule."""

from __future__ import annotations

import hashlib
import json

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from contracts import datasets
from warehouse import lake, run_query
from warehouse.home import file_states
from warehouse.query import WarehouseUnavailable, connect_lake
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


def landing_versions(home: HomeResource, seen: dict[str, str]) -> dict[str, str]:
    """dataset/path -> "size:mtime:sha256" of every file in landing/. A file is read (hashed)
    only when its size or time differs from what ``seen`` (the sensor's cursor) says, so a tick
    over an unchanged folder reads no file."""
    out = {}
    for key, state in landing_signature(home).items():
        before = seen.get(key, "")
        if before.rpartition(":")[0] == state:
            out[key] = before
            continue
        with (home.home.landing / key).open("rb") as fh:  # in blocks: a file may be gigabytes
            out[key] = f"{state}:{hashlib.file_digest(fh, 'sha256').hexdigest()}"
    return out


def loaded_versions(home: HomeResource) -> set[tuple[str, str]] | None:
    """(dataset/path, sha256) of every file version the last publication has recorded; None
    when nothing has been published yet. The lake, not the live warehouse: a sensor is a reader
    and never waits for, or holds up, a run. Raises LakeError when the lake's catalog cannot be
    reached (its PostgreSQL down): that is not "nothing published"."""
    if not lake.exists(lake.lake_of(home.home)):
        return None
    try:
        con, _ = connect_lake(home.home)
    except WarehouseUnavailable:
        return None
    try:
        return {
            (f"{ds}/{path}", sha)
            for ds, path, sha in run_query(con, "loaded_file_versions").fetchall()
        }
    finally:
        con.close()


@dg.sensor(
    jobs=[ALL, *LOAD_JOBS.values()],
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Starts a load of a dataset when landing/<dataset>/ holds a file version (path and "
        "SHA-256) the warehouse has not recorded: a file loaded by an earlier run, from the CLI "
        "or the UI, never starts one. Before the first published warehouse, one run of "
        "everything instead."
    ),
)
def landing_sensor(context: dg.SensorEvaluationContext, home: HomeResource):
    seen = json.loads(context.cursor) if context.cursor else {}
    current = landing_versions(home, seen)
    context.update_cursor(json.dumps(current))
    try:
        recorded = loaded_versions(home)
    except lake.LakeError as e:
        return dg.SkipReason(f"nothing asked for: {e}")
    loaded = recorded or set()
    waiting = sorted(k for k, v in current.items() if (k, v.rpartition(":")[2]) not in loaded)
    if not waiting:
        return dg.SkipReason(
            "every file in landing/ is recorded in the warehouse (loaded, failed or superseded)"
        )

    def request(files: list[str], job_name: str) -> dg.RunRequest:
        # The run key names the file versions: Dagster never starts two runs for the same
        # ones, even before the first has loaded them.
        versions = {f: current[f].rpartition(":")[2] for f in files}
        run_key = hashlib.sha256(json.dumps(versions, sort_keys=True).encode()).hexdigest()[:16]
        return dg.RunRequest(
            run_key=run_key, job_name=job_name, tags={"ecostat/files": ", ".join(files)[:1000]}
        )

    if recorded is None:
        # No published warehouse yet: one run of everything. A dataset's load rebuilds the
        # marts, which read the other datasets' tables, and those do not exist before a first
        # whole run (each dataset's first load failed at the marts).
        return [request(waiting, ALL_JOB)]
    return [
        request([k for k in waiting if k.startswith(ds + "/")], load_job_name(ds))
        for ds in sorted({k.split("/", 1)[0] for k in waiting})
    ]


daily_schedule = dg.ScheduleDefinition(
    name="daily_full_run",
    job=ALL,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every day at 06:00 UTC: reference tables, new files of every dataset, core and marts.",
)
