"""`make bench`: ecostat against the limit (Polars parse-only) and the usual alternative
(pandas + Great Expectations + DuckDB), at several sizes, each step in its own process, several
repetitions, medians reported. Writes bench/results/<UTC time>.json (not committed).

    python -m bench.run [--sizes 100000 1000000 10000000] [--reps 3] [--smoke]

Each size measures, side by side: Polars parse-only (the limit) and DuckDB's read_csv into a
typed table (a second limit), ecostat landing -> core and the
marts rebuild, pandas + GX + DuckDB, and the whole job (`ecostat run` on the embedded default
plus the generated file, to the publication with findings, report and dashboard), whose peak
memory must stay under DuckDB's memory limit + 1 GB, and the next day's run of that home when
a two-row file lands beside the large one.

Then the hourly case (#33): a generated national air-quality network (--air-stations 100 x
--air-years 5 x 3 pollutants, about 13 million hourly rows, with its station register) through
the whole job, against the Polars parse of its file.

--smoke runs one small size once (and a network of 2 stations for a year) and checks
correctness only (rows loaded + rejected = rows generated, rejected = injected, the whole job
succeeds); `make test` runs it. Timing is never asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.generate import territories, write, write_air_quality

BENCH_DIR = Path(__file__).parent
DATA_DIR = BENCH_DIR / "data"  # generated inputs, git-ignored
RESULTS_DIR = BENCH_DIR / "results"


def _megabytes(size: str) -> float:
    """A DuckDB memory size ("2GB", "1500MB", "2GiB") in MB."""
    number, unit = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]I?B)\s*", size.upper()).groups()
    return float(number) * {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024**2}[unit[0]]


# The whole job's memory bound: DuckDB's memory limit (ECOSTAT_DUCKDB_MEMORY, 2GB unless set)
# plus 1 GB for Python, Dagster, Great Expectations and the report.
MEMORY_BOUND_MB = _megabytes(os.environ.get("ECOSTAT_DUCKDB_MEMORY", "2GB")) + 1024


def step(name: str, **args: object) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.steps", name, json.dumps(args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench step {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def check(result: dict, generated: dict) -> list[str]:
    """Correctness inside the benchmark: every row accounted for, exactly the bad rows rejected."""
    problems = []
    injected = sum(generated["bad_rows"].values())
    if "rows_read" not in result:
        return ["no counts: the file was not loaded"]
    if result["rows_read"] != generated["rows"]:
        problems.append(f"read {result['rows_read']} of {generated['rows']} rows")
    if result["rows_loaded"] + result["rows_rejected"] != generated["rows"]:
        problems.append(
            f"loaded {result['rows_loaded']} + rejected {result['rows_rejected']} != {generated['rows']}"
        )
    if result["rows_rejected"] != injected:
        problems.append(f"rejected {result['rows_rejected']}, injected {injected}")
    for rule, n in generated["bad_rows"].items():
        if "rejected_by_rule" in result and result["rejected_by_rule"].get(rule, 0) < n:
            problems.append(
                f"rule {rule}: {result['rejected_by_rule'].get(rule, 0)} rejected, {n} injected"
            )
    return problems


def inputs(rows: int) -> dict[str, dict]:
    out = {}
    for dataset in ("cleanup", "emissions"):
        for variant in ("utf8", "ru"):
            path = DATA_DIR / f"{dataset}_{rows}_{variant}.csv"
            out[f"{dataset}_{variant}"] = write(dataset, rows, variant, path)
    return out


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def measure(rows: int, reps: int) -> dict:
    files = inputs(rows)
    names = territories()
    out: dict[str, object] = {"rows": rows, "reps": reps, "problems": []}
    runs: dict[str, list[dict]] = {
        k: []
        for k in (
            "limit",
            "limit_duckdb",
            "ecostat",
            "ecostat_ru",
            "emissions_ru",
            "alternative",
            "full_run",
        )
    }
    for _ in range(reps):
        # Side by side: each repetition runs every step once, in turn.
        runs["limit"].append(step("limit", path=files["cleanup_utf8"]["path"]))
        runs["limit_duckdb"].append(step("limit_duckdb", path=files["cleanup_utf8"]["path"]))
        runs["ecostat"].append(step("ecostat", path=files["cleanup_utf8"]["path"]))
        runs["ecostat_ru"].append(step("ecostat", path=files["cleanup_ru"]["path"]))
        runs["emissions_ru"].append(
            step("ecostat", path=files["emissions_ru"]["path"], dataset="emissions")
        )
        runs["alternative"].append(
            step("alternative", path=files["cleanup_utf8"]["path"], territories=names)
        )
        # The whole job: `ecostat run`, landing to the publication, report and dashboard.
        runs["full_run"].append(step("full_run", path=files["cleanup_ru"]["path"]))
    for key, generated in (
        ("ecostat", files["cleanup_utf8"]),
        ("ecostat_ru", files["cleanup_ru"]),
        ("emissions_ru", files["emissions_ru"]),
        ("alternative", files["cleanup_utf8"]),
        ("full_run", files["cleanup_ru"]),
    ):
        for r in runs[key]:
            out["problems"] += [f"{key}: {p}" for p in check(r, generated)]
            if key == "full_run" and not r["success"]:
                out["problems"].append(f"full_run: `ecostat run` failed: {r['error']}")
            if key == "full_run" and not r["next_day_success"]:
                out["problems"].append("full_run: the next day's `ecostat run` failed")
            if key == "full_run" and r["peak_rss_mb"] > MEMORY_BOUND_MB:
                out["problems"].append(
                    f"full_run: peak RSS {r['peak_rss_mb']:,.0f} MB over the bound "
                    f"{MEMORY_BOUND_MB:,.0f} MB (DuckDB's memory limit + 1 GB)"
                )
    for key, rs in runs.items():
        out[key] = {
            "seconds": median(rs, "seconds"),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in rs),
            "runs": rs,
        }
        if key.startswith(("ecostat", "emissions")):
            out[key]["marts_seconds"] = median(rs, "marts_seconds")
            out[key]["layers"] = {
                layer: statistics.median(r["layers"][layer] for r in rs)
                for layer in rs[0]["layers"]
            }
    out["ratio_ecostat_to_limit"] = out["ecostat"]["seconds"] / out["limit"]["seconds"]
    out["ratio_ecostat_to_limit_duckdb"] = (
        out["ecostat"]["seconds"] / out["limit_duckdb"]["seconds"]
    )
    out["ratio_alternative_to_ecostat"] = out["alternative"]["seconds"] / out["ecostat"]["seconds"]
    out["ratio_full_run_to_limit"] = out["full_run"]["seconds"] / out["limit"]["seconds"]
    out["full_run"]["next_day_seconds"] = median(runs["full_run"], "next_day_seconds")
    out["memory_bound_mb"] = MEMORY_BOUND_MB
    return out


def table(results: list[dict], cold: dict | None) -> str:
    lines = [
        f"{'rows':>10} {'step':<34} {'median s':>9} {'rows/s':>12} {'peak RSS MB':>12}",
    ]
    for r in results:
        n = r["rows"]
        for key, label in (
            ("limit", "limit: Polars parse (UTF-8)"),
            ("limit_duckdb", "limit: DuckDB read_csv (UTF-8)"),
            ("ecostat", "ecostat to core (UTF-8)"),
            ("ecostat_ru", "ecostat to core (cp1251, ';', ',')"),
            ("emissions_ru", "ecostat emissions (cp1251)"),
            ("alternative", "pandas + GX + DuckDB (UTF-8)"),
            ("full_run", "whole job: `ecostat run` (cp1251)"),
        ):
            s = r[key]["seconds"]
            lines.append(
                f"{n:>10} {label:<34} {s:>9.2f} {n / s:>12,.0f} {r[key]['peak_rss_mb']:>12,.0f}"
            )
        lines.append(
            f"{n:>10} {'next day: +2 rows, `ecostat run`':<34} "
            f"{r['full_run']['next_day_seconds']:>9.2f}"
        )
        lines.append(
            f"{n:>10} {'marts rebuild (cleanup_comparison)':<34} {r['ecostat']['marts_seconds']:>9.2f}"
        )
        layers = r["ecostat"].get("layers", {})
        lines.append(
            f"{'':>10} by layer (UTF-8, each with its checks): "
            + ", ".join(f"{layer} {seconds:.2f} s" for layer, seconds in layers.items())
        )
        lines.append(
            f"{'':>10} ecostat/limit = {r['ratio_ecostat_to_limit']:.1f}x "
            f"(DuckDB limit {r['ratio_ecostat_to_limit_duckdb']:.1f}x); "
            f"alternative/ecostat = {r['ratio_alternative_to_ecostat']:.2f}x; "
            f"whole job/limit = {r['ratio_full_run_to_limit']:.1f}x, peak RSS "
            f"{r['full_run']['peak_rss_mb']:,.0f} of {r['memory_bound_mb']:,.0f} MB allowed; "
            f"correctness: {'ok' if not r['problems'] else '; '.join(r['problems'][:5])}"
        )
    if cold:
        lines.append(
            f"cold `ecostat run` on the embedded default: {cold['seconds']:.1f} s (median), "
            f"peak RSS {cold['peak_rss_mb']:,.0f} MB"
        )
    return "\n".join(lines)


def measure_air(stations: int, years: int, reps: int) -> dict:
    """The hourly case (#33): a generated national network, ``stations`` x ``years`` years x 3
    pollutants of hourly rows, through the whole job, beside the Polars parse of its file."""
    generated = write_air_quality(stations, years, DATA_DIR / f"air_quality_{stations}x{years}.csv")
    rows = generated["rows"]
    print(f"measuring the hourly network: {rows:,} rows x {reps} ...", file=sys.stderr, flush=True)
    limits, runs = [], []
    for _ in range(reps):
        limits.append(step("limit_air", path=generated["path"]))
        runs.append(step("air_run", path=generated["path"], register=generated["register"]))
    problems = []
    injected = sum(generated["bad_rows"].values())
    for r in runs:
        if not r["success"]:
            problems.append(f"air_run: `ecostat run` failed: {r['error']}")
            continue
        if (r["rows_read"], r["rows_loaded"] + r["rows_rejected"]) != (rows, rows):
            problems.append(f"air_run: read {r['rows_read']}, loaded + rejected differ from {rows}")
        if r["rows_rejected"] != injected or r["rejected_by_rule"] != generated["bad_rows"]:
            problems.append(
                f"air_run: rejected {r['rejected_by_rule']}, injected {generated['bad_rows']}"
            )
        if r["peak_rss_mb"] > MEMORY_BOUND_MB:
            problems.append(
                f"air_run: peak RSS {r['peak_rss_mb']:,.0f} MB over {MEMORY_BOUND_MB:,.0f} MB"
            )
    limit = {"seconds": median(limits, "seconds"), "runs": limits}
    whole = {
        "seconds": median(runs, "seconds"),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "runs": runs,
    }
    return {
        "stations": stations,
        "years": years,
        "rows": rows,
        "limit": limit,
        "whole_job": whole,
        "ratio_whole_job_to_limit": whole["seconds"] / limit["seconds"],
        "problems": problems,
    }


def air_table(air: dict) -> str:
    n, whole, limit = air["rows"], air["whole_job"], air["limit"]
    return (
        f"hourly network ({air['stations']} stations x {air['years']} years x 3 pollutants, "
        f"{n:,} rows): Polars parse {limit['seconds']:.2f} s; whole job `ecostat run` "
        f"{whole['seconds']:.1f} s ({n / whole['seconds']:,.0f} rows/s, peak RSS "
        f"{whole['peak_rss_mb']:,.0f} MB) = {air['ratio_whole_job_to_limit']:.1f}x the parse; "
        f"correctness: {'ok' if not air['problems'] else '; '.join(air['problems'][:3])}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--smoke", action="store_true", help="one small size, once, correctness only"
    )
    parser.add_argument(
        "--air-stations",
        type=int,
        default=100,
        help="stations of the generated hourly air-quality network (0: no hourly case)",
    )
    parser.add_argument("--air-years", type=int, default=5)
    args = parser.parse_args(argv)
    if args.smoke:
        args.sizes, args.reps = [2_000], 1
        args.air_stations, args.air_years = 2, 1
    results = []
    for rows in args.sizes:
        print(f"measuring {rows:,} rows x {args.reps} ...", file=sys.stderr, flush=True)
        results.append(measure(rows, args.reps))
    cold = None
    if not args.smoke:
        colds = [step("cold_run") for _ in range(args.reps)]
        cold = {
            "seconds": median(colds, "seconds"),
            "peak_rss_mb": max(c["peak_rss_mb"] for c in colds),
            "runs": colds,
        }
    air = measure_air(args.air_stations, args.air_years, args.reps) if args.air_stations else None
    print(table(results, cold))
    if air:
        print(air_table(air))
    if not args.smoke:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
        path.write_text(
            json.dumps({"sizes": results, "cold_run": cold, "air": air}, indent=2, default=str)
        )
        print(f"results: {path}")
    return 1 if any(r["problems"] for r in results) or (air and air["problems"]) else 0


if __name__ == "__main__":
    sys.exit(main())
