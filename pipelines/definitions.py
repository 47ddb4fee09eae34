"""The Dagster code location: `dagster dev` in the repository root loads `defs` from here
([tool.dagster] in pyproject.toml). The data home is ECOSTAT_HOME (default ./data)."""

from __future__ import annotations

import os

import dagster as dg

from assets import all_assets
from pipelines.jobs import daily_schedule, jobs, landing_sensor
from warehouse.home import home_path
from warehouse.resources import HomeResource, Warehouse


def build_definitions(home: str | None = None) -> dg.Definitions:
    root = home_path() if home is None else home_path({"ECOSTAT_HOME": home})
    assets, checks = all_assets()
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=jobs(),
        sensors=[landing_sensor],
        schedules=[daily_schedule],
        resources={
            "warehouse": Warehouse(
                database=str(root / "warehouse.duckdb"),
                memory_limit=os.environ.get("ECOSTAT_DUCKDB_MEMORY", "2GB"),
            ),
            "home": HomeResource(root=str(root)),
        },
        # One process runs a run's steps one after another: a single writer of the warehouse.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
