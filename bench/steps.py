"""The measured steps of the benchmark, each run in a fresh child process by bench/run.py so that
its time and peak memory (RSS) are its own:

  limit        Polars reads the UTF-8 variant into typed columns, nothing else
  limit_duckdb DuckDB's own CSV reader reads it into a typed table (a value that is not of its
               column's type becomes null, as in the Polars limit), nothing else
  ecostat      the real pipeline path: landing file -> raw -> staging (contract rules, pandera,
               quarantine) -> core, through Dagster, with the assets' checks
  marts        then rebuilding the marts (and their checks) on those core tables; the seconds of
               each layer's steps (raw, staging, core, marts) from Dagster's event log
  alternative  pandas reads the UTF-8 variant, Great Expectations validates the same rules,
               failing rows are dropped, the rest written to DuckDB
  full_run     `ecostat run` on the embedded default plus the generated file: landing to the
               publication with findings, Great Expectations, report and dashboard
  cold_run     `ecostat run` on the embedded default, process start to finish
  limit_air    Polars reads the hourly air-quality network's file into typed columns
  air_run      `ecostat run` on the embedded default plus that file and its station register

`python -m bench.steps <step> <json args>` prints one JSON line: seconds, peak RSS and counts.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLEANUP_TYPES = {
    "Территория": "String",
    "Дата": "Date",
    "Мероприятие": "String",
    "Участники, чел.": "Int64",
    "Собрано всего, т": "Float64",
    "Пластик, т": "Float64",
    "Стекло, т": "Float64",
    "Источник": "String",
}


def _peak_rss_mb() -> float:
    """This process's peak RSS. Not ru_maxrss: Linux carries that across fork and exec, so a step
    started by bench.run, which has just generated ten million rows, would report bench.run's
    peak. VmHWM belongs to the address space, which exec makes anew."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def limit(path: str) -> dict:
    import polars as pl

    started = time.perf_counter()
    # Typed columns straight from the parser; a value that is not a number becomes null
    # (the 1% of bad rows), as a parse-only baseline should not stop on them.
    frame = pl.read_csv(
        path,
        schema={k: getattr(pl, v) for k, v in CLEANUP_TYPES.items()},
        ignore_errors=True,
    )
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": frame.height}


DUCKDB_TYPES = {"String": "varchar", "Date": "date", "Int64": "bigint", "Float64": "double"}


def limit_duckdb(path: str) -> dict:
    import duckdb

    con = duckdb.connect(":memory:")
    started = time.perf_counter()
    # Read as text, then each column cast with try_cast: a bad cell becomes null instead of
    # stopping the read or dropping the row, like the Polars limit's ignore_errors. The cast is
    # of nullif(...), not of the bare column: DuckDB pushes a bare column's try_cast into the
    # CSV reader, which then fails on the bad cell (duckdb/duckdb#23818, open).
    columns = ", ".join(
        f'try_cast(nullif("{name}", \'\') as {DUCKDB_TYPES[kind]}) as "{name}"'
        for name, kind in CLEANUP_TYPES.items()
    )
    text = "{" + ", ".join(f"'{name}': 'varchar'" for name in CLEANUP_TYPES) + "}"
    con.execute(
        f"create table cleanup as select {columns} from read_csv(?, header = true, columns = {text})",
        [path],
    )
    rows = con.execute("select count(*) from cleanup").fetchall()[0][0]
    seconds = time.perf_counter() - started
    con.close()
    return {"seconds": seconds, "rows": rows}


def _home_with(path: str, dataset: str) -> Path:
    home = Path(tempfile.mkdtemp(prefix="ecostat-bench-"))
    (home / "landing" / dataset).mkdir(parents=True)
    shutil.copy(path, home / "landing" / dataset / Path(path).name)
    return home


def ecostat(path: str, dataset: str = "cleanup", keep: bool = False) -> dict:
    """Landing file to core, then the marts, each timed; counts for the correctness check."""
    home = _home_with(path, dataset)
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    os.environ["ECOSTAT_HOME"] = str(home)
    from warehouse.home import ensure_home

    ensure_home(home)
    import dagster as dg
    import duckdb

    from pipelines.definitions import build_definitions
    from pipelines.jobs import ALL_JOB

    defs = build_definitions(str(home))
    job = defs.resolve_job_def(ALL_JOB)
    instance = dg.DagsterInstance.get()
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    from assets.reference.load import reference_tables

    ingest = [dg.AssetKey(["core", t]) for t in reference_tables()]
    ingest += [
        dg.AssetKey(["raw", dataset]),
        dg.AssetKey(["staging", dataset]),
        dg.AssetKey(["core", dataset]),
    ]
    started = time.perf_counter()
    result = job.execute_in_process(
        instance=instance, asset_selection=ingest, run_config=quiet, raise_on_error=False
    )
    ingest_s = time.perf_counter() - started
    # The mart of the dataset and what it reads beyond core.<dataset>.
    marts = [dg.AssetKey(["core", "population_by_year"]), dg.AssetKey(["core", "region_ancestors"])]
    if dataset == "cleanup":
        marts.append(dg.AssetKey(["marts", "cleanup_comparison"]))
    started = time.perf_counter()
    marts_result = job.execute_in_process(
        instance=instance, asset_selection=marts, run_config=quiet, raise_on_error=False
    )
    marts_s = time.perf_counter() - started
    layers = _layer_seconds(instance, [result.run_id, marts_result.run_id], dataset)
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        files = con.execute(
            "select status, rows_read, rows_loaded, rows_rejected, error from audit.source_files"
        ).fetchall()
        by_rule = dict(
            con.execute(
                "select rule, count(distinct (row_number, source_column)) from audit.rejected_rows group by rule"
            ).fetchall()
        )
        staged = con.execute(f"select count(*) from staging.{dataset}").fetchall()[0][0]
    finally:
        con.close()
    if not keep:
        shutil.rmtree(home, ignore_errors=True)
    (status, read, loaded, rejected, error) = files[0]
    return {
        "seconds": ingest_s,
        "marts_seconds": marts_s,
        "success": result.success and marts_result.success,
        "failed_steps": [
            e.step_key for r in (result, marts_result) for e in r.all_events if e.is_step_failure
        ],
        "status": status,
        "error": error,
        "rows_read": read,
        "rows_loaded": loaded,
        "rows_rejected": rejected,
        "rows_in_staging": staged,
        "rejected_by_rule": by_rule,
        "layers": layers,
    }


def _layer_seconds(instance, run_ids: list[str], dataset: str) -> dict[str, float]:
    """Seconds of each layer's step for the dataset (an asset's step runs its checks too), from
    Dagster's event log: raw, staging, core, marts."""
    steps: dict[str, float] = {}
    for run_id in run_ids:
        started = {}
        for record in instance.all_logs(run_id):
            event = record.dagster_event
            if event is None:
                continue
            if event.event_type_value == "STEP_START":
                started[event.step_key] = record.timestamp
            elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                steps[event.step_key] = record.timestamp - started.get(
                    event.step_key, record.timestamp
                )
    mart = "cleanup_comparison"
    layers = {
        "raw": (f"raw__{dataset}",),
        "staging": (f"staging__{dataset}",),
        "core": (f"core__{dataset}",),
        "marts": (f"marts__{mart}",) if dataset == "cleanup" else (),
    }
    return {
        layer: round(sum(steps.get(k, 0.0) for k in keys), 3)
        for layer, keys in layers.items()
        if keys
    }


def alternative(path: str, territories: list[str]) -> dict:
    """pandas + Great Expectations + DuckDB, the way such a script is usually written."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import duckdb
    import great_expectations as gx
    import great_expectations.expectations as gxe
    import pandas as pd
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # Timed from after the imports, like the ecostat step (whose Dagster import is not timed).
    started = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    typed = pd.DataFrame(
        {
            "territory": frame["Территория"],
            "date": pd.to_datetime(frame["Дата"], format="%Y-%m-%d", errors="coerce"),
            "participants": pd.to_numeric(frame["Участники, чел."], errors="coerce"),
            "total": pd.to_numeric(frame["Собрано всего, т"], errors="coerce"),
            "plastic": pd.to_numeric(frame["Пластик, т"], errors="coerce"),
            "glass": pd.to_numeric(frame["Стекло, т"], errors="coerce"),
        }
    )
    typed["fractions"] = typed["plastic"].fillna(0) + typed["glass"].fillna(0)
    typed["fraction_limit"] = typed["total"] * 1.005 + 0.001
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("bench")
        .add_dataframe_asset("cleanup")
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": typed})
    )
    suite = gx.ExpectationSuite(
        name="cleanup",
        expectations=[
            gxe.ExpectColumnValuesToBeInSet(column="territory", value_set=territories),
            gxe.ExpectColumnValuesToNotBeNull(column="date"),
            gxe.ExpectColumnValuesToNotBeNull(column="total"),
            gxe.ExpectColumnValuesToBeBetween(column="total", min_value=0),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="fraction_limit",
                column_B="fractions",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
        ],
    )
    results = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    bad: set[int] = set()
    for r in results.results:
        bad.update(r.result.get("unexpected_index_list") or [])
    good = typed.drop(index=list(bad)).drop(columns=["fractions", "fraction_limit"])
    con = duckdb.connect(":memory:")
    con.register("good", good)
    con.execute("create table cleanup as select * from good")
    loaded = con.execute("select count(*) from cleanup").fetchall()[0][0]
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows_read": len(frame),
        "rows_loaded": loaded,
        "rows_rejected": len(bad),
    }


def cold_run() -> dict:
    home = Path(tempfile.mkdtemp(prefix="ecostat-cold-"))
    env = {**os.environ, "ECOSTAT_HOME": str(home)}
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ecostat"), "run"],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(home, ignore_errors=True)
    return {
        "seconds": seconds,
        "success": done.returncode == 0,
        "child_peak_rss_mb": usage.ru_maxrss / 1024,
    }


# The next day's submission of full_run: two rows in the usual layout of the dataset.
NEXT_DAY = {
    "cleanup": (
        "territory,year,waste_collected_t,participants,source_title\n"
        "Bishkek,2024,12.5,300,Next day's submission (benchmark)\n"
        "Osh,2024,4.0,120,Next day's submission (benchmark)\n"
    ),
}


def _file_counts(con, path: str) -> tuple[int, int, int]:
    """Rows read, loaded and rejected of the loaded file named like ``path``, as the last
    publication accounts for them."""
    return con.execute(
        "select rows_read, rows_loaded, rows_rejected from audit.source_files "
        "where path = ? and status = 'loaded'",
        [Path(path).name],
    ).fetchall()[0]


def _ended(done: subprocess.CompletedProcess, seconds: float, usage) -> dict:
    """How a whole-job step's `ecostat run` ended: its time, success, the end of its output when
    it failed, and the peak RSS of the step's children (``usage``, taken right after it)."""
    return {
        "seconds": seconds,
        "success": done.returncode == 0,
        "error": None if done.returncode == 0 else done.stdout[-2000:] + done.stderr[-2000:],
        "child_peak_rss_mb": usage.ru_maxrss / 1024,
    }


def full_run(path: str, dataset: str = "cleanup") -> dict:
    """The whole job a data engineer runs: `ecostat run` on the embedded default data plus the
    generated file, landing to the publication in the lake (staging, core, marts, findings,
    Great Expectations, the report and the dashboard), process start to finish. The counts of
    the generated file are read back from that publication. Then the next day: a two-row file
    lands and the job runs again (``next_day_seconds``)."""
    from warehouse import lake
    from warehouse.home import Home
    from warehouse.query import connect_lake

    home = Path(tempfile.mkdtemp(prefix="ecostat-full-"))
    env = {**os.environ, "ECOSTAT_HOME": str(home)}
    ecostat_bin = str(Path(sys.executable).parent / "ecostat")
    subprocess.run([ecostat_bin, "init"], env=env, capture_output=True, check=True)
    shutil.copy(path, home / "landing" / dataset / Path(path).name)
    started = time.perf_counter()
    done = subprocess.run([ecostat_bin, "run"], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The next day: one small submission lands beside the large file, and the job runs again.
    # What it costs is the price of the warehouse's size for the usual day's work.
    (home / "landing" / dataset / "next_day.csv").write_text(NEXT_DAY[dataset], encoding="utf-8")
    started = time.perf_counter()
    next_day = subprocess.run([ecostat_bin, "run"], env=env, capture_output=True, text=True)
    next_day_seconds = time.perf_counter() - started
    counts: dict[str, object] = {}
    if lake.exists(lake.lake_of(Home(home))):
        con, _ = connect_lake(Home(home))
        try:
            read, loaded, rejected = _file_counts(con, path)
            findings, cases = con.execute(
                "select count(*), sum(cases) from audit.findings"
            ).fetchall()[0]
            next_day_loaded = con.execute(
                "select sum(rows_loaded) from audit.source_files "
                "where path = 'next_day.csv' and status = 'loaded'"
            ).fetchall()[0][0]
        finally:
            con.close()
        counts = {
            "rows_read": read,
            "rows_loaded": loaded,
            "rows_rejected": rejected,
            "findings": findings,
            "finding_cases": cases,
            "next_day_rows_loaded": next_day_loaded,
        }
    shutil.rmtree(home, ignore_errors=True)
    return {
        **_ended(done, seconds, usage),
        "next_day_seconds": next_day_seconds,
        "next_day_success": next_day.returncode == 0,
        **counts,
    }


AIR_TYPES = {
    "Город": "String",
    "Пост": "String",
    "Примесь": "String",
    "Дата и время": "Datetime",
    "Концентрация": "Float64",
    "Единица измерения": "String",
    "Флаг качества": "String",
}


def limit_air(path: str) -> dict:
    """The hourly network's parse limit: Polars reads the file into typed columns (the time
    as a datetime), nothing else."""
    import polars as pl

    started = time.perf_counter()
    frame = pl.read_csv(
        path,
        schema={k: getattr(pl, v) for k, v in AIR_TYPES.items()},
        ignore_errors=True,
    )
    return {"seconds": time.perf_counter() - started, "rows": frame.height}


def air_run(path: str, register: str) -> dict:
    """The whole job on the hourly network: `ecostat run` on a home whose landing folder holds
    the generated file and whose register overlay names its stations (the embedded default is
    seeded beside it), process start to finish; then the counts of the file and the marts."""
    from warehouse import lake
    from warehouse.home import Home
    from warehouse.query import connect_lake

    home = Path(tempfile.mkdtemp(prefix="ecostat-air-"))
    env = {**os.environ, "ECOSTAT_HOME": str(home)}
    ecostat_bin = str(Path(sys.executable).parent / "ecostat")
    subprocess.run([ecostat_bin, "init"], env=env, capture_output=True, check=True)
    (home / "reference").mkdir(exist_ok=True)
    shutil.copy(register, home / "reference" / "air_quality_stations.csv")
    (home / "landing" / "air_quality").mkdir(parents=True, exist_ok=True)
    shutil.copy(path, home / "landing" / "air_quality" / Path(path).name)
    started = time.perf_counter()
    done = subprocess.run([ecostat_bin, "run"], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    counts: dict[str, object] = {}
    if lake.exists(lake.lake_of(Home(home))):
        con, _ = connect_lake(Home(home))
        try:
            read, loaded, rejected = _file_counts(con, path)
            by_rule = dict(
                con.execute(
                    "select rule, count(distinct row_number) from audit.current_rejections "
                    "where dataset = 'air_quality' group by rule"
                ).fetchall()
            )
            days, years = con.execute(
                "select (select count(*) from marts.air_quality_daily), "
                "(select count(*) from marts.air_quality_annual)"
            ).fetchall()[0]
        finally:
            con.close()
        counts = {
            "rows_read": read,
            "rows_loaded": loaded,
            "rows_rejected": rejected,
            "rejected_by_rule": by_rule,
            "daily_rows": days,
            "annual_rows": years,
        }
    shutil.rmtree(home, ignore_errors=True)
    return {**_ended(done, seconds, usage), **counts}


STEPS = {
    "limit_air": limit_air,
    "air_run": air_run,
    "limit": limit,
    "limit_duckdb": limit_duckdb,
    "ecostat": ecostat,
    "alternative": alternative,
    "cold_run": cold_run,
    "full_run": full_run,
}

if __name__ == "__main__":
    step, args = sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    out = STEPS[step](**args)
    out["peak_rss_mb"] = out.pop("child_peak_rss_mb", None) or _peak_rss_mb()
    print(json.dumps(out, default=str))
