"""The code location loads, and its graph is what we expect (a change to it shows here)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.jobs import landing_sensor
from warehouse import sql_models
from warehouse.expectations import suite_spec
from warehouse.resources import HomeResource

DATASETS = (
    "air_monitoring",
    "air_quality",
    "cleanup",
    "coal_usage",
    "eco_events",
    "emissions",
    "waste_facilities",
    "water_fees",
)
REFERENCE = (
    "regions",
    "territory_names",
    "territory_codes",
    "territory_changes",
    "population",
    "units",
    "scales",
    "currencies",
    "fx_rates",
    "coal_factors",
    "materials",
    "air_quality_standards",
    "air_quality_completeness",
    "heating_seasons",
    "air_quality_stations",
    "air_quality_station_names",
    "air_quality_pollutants",
    "air_quality_conversion_bases",
)
CORE_MODELS = (
    "air_monitoring",
    "air_quality",
    "cleanup",
    "coal_usage",
    "eco_events",
    "emissions",
    "population_by_year",
    "region_ancestors",
    "waste_facilities",
    "water_fees",
)
MARTS = (
    "air_quality_annual",
    "air_quality_daily",
    "air_quality_monthly",
    "cleanup_comparison",
    "coal_and_emissions",
    "coal_by_period",
    "events_activity",
    "region_scorecard",
    "region_year_indicators",
    "waste_capacity",
    "water_fee_revenue",
)

EXPECTED_ASSETS = (
    {f"core/{t}": "reference" for t in REFERENCE}
    | {f"raw/{d}": "raw" for d in DATASETS}
    | {f"staging/{d}": "staging" for d in DATASETS}
    | {f"core/{m}": "core" for m in CORE_MODELS}
    | {f"marts/{m}": "marts" for m in MARTS}
    | {
        "audit/finding_cases": "audit",
        "audit/findings": "audit",
        "audit/validation_report": "audit",
    }
    | {"publish/dashboard": "publish", "publish/warehouse": "publish"}
)
EXPECTED_CHECKS = (
    {
        f"staging/{ds}:{check}"
        for ds in DATASETS
        for check in ("contract", "files_balance", "no_rejected_rows", "no_failed_files")
    }
    # Each SQL model's Great Expectations suite, one check: its columns, key and non-negative
    # columns, as its YAML declares them, and the expectations it declares.
    | {f"{m.table.replace('.', '/')}:expectations" for m in sql_models() if suite_spec(m)}
    | {
        "marts/region_year_indicators:per_capita_only_with_population",
        "marts/region_year_indicators:nearest_year_population_is_noted",
        "marts/region_year_indicators:every_figure_has_a_unit_and_sources",
        # #31.9: generated from each mart's per_capita_comparison
        "marts/region_year_indicators:one_population_basis_per_comparison",
        "marts/cleanup_comparison:one_population_basis_per_comparison",
        "marts/coal_and_emissions:one_population_basis_per_comparison",
        "marts/waste_capacity:one_population_basis_per_comparison",
        "marts/water_fee_revenue:one_population_basis_per_comparison",
        "marts/water_fee_revenue:usd_only_at_the_same_years_rate",
        "marts/water_fee_revenue:partial_periods_never_compared",
        "marts/coal_and_emissions:estimates_say_how",
        "marts/waste_capacity:derived_capacity_is_flagged",
        "marts/cleanup_comparison:volume_never_in_tonnes",
        "marts/air_quality_daily:a_mean_only_for_a_complete_day",
        "audit/findings:no_warnings",
    }
)


def test_definitions_load_with_the_expected_graph(tmp_path: Path) -> None:
    defs = build_definitions(str(tmp_path))
    graph = defs.resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == EXPECTED_ASSETS
    checks = {f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys}
    assert checks == EXPECTED_CHECKS
    upstream = {
        k.to_user_string()
        for k in graph.get(dg.AssetKey(["marts", "cleanup_comparison"])).parent_keys
    }
    assert upstream == {"core/cleanup", "core/regions", "core/population_by_year"}
    assert {j.name for j in defs.resolve_all_job_defs()} >= {
        "ecostat_all",
        "load_cleanup",
        "load_emissions",
    }
    assert defs.resolve_schedule_def("daily_full_run").cron_schedule == "0 6 * * *"


def test_the_report_comes_after_every_checked_asset_and_its_checks(tmp_path: Path) -> None:
    """The report reads the run's check results: it must depend on every asset with checks, and
    every check must be blocking (so that Dagster runs it before anything downstream)."""
    graph = build_definitions(str(tmp_path)).resolve_asset_graph()
    report = graph.get(dg.AssetKey(["audit", "validation_report"]))
    checked = {k.asset_key for k in graph.asset_check_keys}
    assert checked <= set(report.parent_keys)
    for key in graph.asset_check_keys:
        assert graph.get_check_spec(key).blocking, key


def test_every_asset_states_its_grain(tmp_path: Path) -> None:
    graph = build_definitions(str(tmp_path)).resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert "grain" in (node.description or "").lower() or "grain" in node.metadata, key


def test_the_module_level_defs_load() -> None:
    os.environ.setdefault("ECOSTAT_HOME", "/tmp/ecostat-test-home")
    import pipelines.definitions

    assert pipelines.definitions.defs.resolve_asset_graph().get_all_asset_keys()


def test_sensor_requests_a_load_for_new_or_changed_files_only(tmp_path: Path) -> None:
    (tmp_path / "landing" / "cleanup").mkdir(parents=True)
    f = tmp_path / "landing" / "cleanup" / "a.csv"
    f.write_text("Территория;Дата\nКР;2023\n", encoding="utf-8")
    (tmp_path / "landing" / "cleanup" / "~$a.xlsx").write_bytes(b"lock")  # Excel lock file
    home = HomeResource(root=str(tmp_path))

    ctx = dg.build_sensor_context(resources={"home": home})
    first = landing_sensor(ctx)
    # No published warehouse yet: one run of everything, since a dataset's load rebuilds
    # marts that read the other datasets' tables, which a first run has not made.
    assert [r.job_name for r in first] == ["ecostat_all"]
    assert first[0].tags["ecostat/files"] == "cleanup/a.csv"

    # Not loaded yet (no warehouse): asked for again under the same run key, which Dagster
    # never starts twice.
    ctx2 = dg.build_sensor_context(cursor=ctx.cursor, resources={"home": home})
    assert [r.run_key for r in landing_sensor(ctx2)] == [first[0].run_key]

    f.write_text("Территория;Дата\nКР;2024\n", encoding="utf-8")
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 1_000_000_000))
    ctx3 = dg.build_sensor_context(cursor=ctx2.cursor, resources={"home": home})
    changed = landing_sensor(ctx3)
    assert [r.tags["ecostat/files"] for r in changed] == ["cleanup/a.csv"]
    assert changed[0].run_key != first[0].run_key
    assert set(json.loads(ctx3.cursor)) == {"cleanup/a.csv"}


def test_a_sensor_started_after_cli_runs_asks_only_for_files_the_warehouse_has_not_seen(
    seeded_home: Path, tmp_path: Path
) -> None:
    """The Dagster UI started after `ecostat run`: its sensor has no cursor, and every file in
    landing/ is already recorded in the lake's last publication. It starts nothing; a new file, or
    new bytes under a loaded file's name, start one load of that dataset."""
    home = tmp_path / "home"
    shutil.copytree(seeded_home / "landing", home / "landing")
    shutil.copytree(seeded_home / "lake", home / "lake")
    resource = HomeResource(root=str(home))

    ctx = dg.build_sensor_context(resources={"home": resource})
    skipped = landing_sensor(ctx)
    assert isinstance(skipped, dg.SkipReason), skipped
    assert len(json.loads(ctx.cursor)) == len(list((home / "landing").rglob("*.*")))

    (home / "landing" / "water_fees" / "new.csv").write_text(
        "Территория;Год;Сумма\nБишкек;2024;100\n", encoding="utf-8"
    )
    ctx2 = dg.build_sensor_context(cursor=ctx.cursor, resources={"home": resource})
    (request,) = landing_sensor(ctx2)
    assert (request.job_name, request.tags["ecostat/files"]) == (
        "load_water_fees",
        "water_fees/new.csv",
    )


def test_a_sensor_whose_lake_cannot_be_reached_asks_for_nothing(tmp_path: Path) -> None:
    """A lake whose PostgreSQL catalog is down is not "nothing published": the sensor skips the
    tick, saying why, instead of asking for a run of everything."""
    home = tmp_path / "home"
    (home / "landing" / "cleanup").mkdir(parents=True)
    (home / "landing" / "cleanup" / "a.csv").write_text("Территория;Год\nКР;2020\n")
    (home / "cluster.yaml").write_text(
        "postgres_url: postgresql://u@127.0.0.1:1/dagster\nredis_url: redis://127.0.0.1:1/0\n"
        "lake_catalog_url: postgresql://u@127.0.0.1:1/ecostat_lake\n"
    )
    ctx = dg.build_sensor_context(resources={"home": HomeResource(root=str(home))})
    skipped = landing_sensor(ctx)
    assert isinstance(skipped, dg.SkipReason), skipped
    assert (
        "cannot be reached" in skipped.skip_message and "lake_catalog_url" in skipped.skip_message
    )
