"""Dagster assets by layer: reference (seeds), raw (landing), staging (typed, validated),
core and marts (SQL models, checked by their Great Expectations suites and SQL rules), audit
(findings, the validation report), publish (the dashboard and the copy of the warehouse analysts read).
Every asset is built from a declaration: a dataset contract, a seed table in
seeds/reference/tables.yaml, or a SQL model's YAML."""

from __future__ import annotations

import dagster as dg

from assets.audit.assets import audit_assets
from assets.ingest.assets import raw_asset
from assets.publish.assets import dashboard, published_warehouse
from assets.reference.assets import reference_assets
from assets.sql.assets import sql_model_assets
from assets.staging.assets import staging_asset, staging_checks
from contracts import datasets, load_contract


def all_assets() -> tuple[list[dg.AssetsDefinition], list[dg.AssetChecksDefinition]]:
    assets = reference_assets()
    checks: list[dg.AssetChecksDefinition] = []
    for ds in datasets():
        contract = load_contract(ds)
        assets += [raw_asset(contract), staging_asset(contract)]
        checks += staging_checks(contract)
    model_assets, model_checks = sql_model_assets()
    assets += model_assets
    return assets + audit_assets(assets) + [dashboard, published_warehouse], checks + model_checks
