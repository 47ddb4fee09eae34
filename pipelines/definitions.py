"""The Dagster code location: `dagster dev` in the repository root loads `defs` from here
([tool.dagster] in pyproject.toml). The data home is ECOSTAT_HOME (default: the repository's data/ folder)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from assets.audit.assets import audit_assets
from assets.ingest.assets import raw_asset
from assets.publish.assets import dashboard, published_warehouse
from assets.reference.assets import reference_assets
from assets.sql.assets import sql_model_assets
from assets.staging.assets import staging_asset
from contracts import datasets, load_contract
from pipelines.jobs import daily_schedule, jobs, landing_sensor
from pipelines.progress import LOGGER, progress_logger
from warehouse.home import home_path
from warehouse.resources import HomeResource, Warehouse


def all_assets() -> list[dg.AssetsDefinition]:
    """Every asset; each checked one runs its checks in its own step (check specs)."""
    assets = reference_assets()
    for ds in datasets():
        contract = load_contract(ds)
        assets += [raw_asset(contract), staging_asset(contract)]
    assets += sql_model_assets()
    return assets + audit_assets(assets) + [dashboard, published_warehouse]


def build_definitions(home: str | None = None) -> dg.Definitions:
    root = home_path() if home is None else home_path({"ECOSTAT_HOME": home})
    return dg.Definitions(
        assets=all_assets(),
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
        # Dagster's own console log, and the bar `ecostat run` shows on a terminal (only runs
        # that name it in their run config use it).
        loggers={"console": dg.colored_console_logger, LOGGER: progress_logger},
    )


defs = build_definitions()
DEFS_HOME = home_path()  # the data home `defs` was built for


def definitions_for(root: Path) -> dg.Definitions:
    """The definitions for a data home: `defs` when it is the home they were built for at
    import (the usual `ecostat run`; building them again costs about 0.6 s), else new ones."""
    return defs if root.resolve() == DEFS_HOME.resolve() else build_definitions(str(root))
