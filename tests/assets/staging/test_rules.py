"""The version of the rules a file is staged under: what counts as a change."""

from __future__ import annotations

import duckdb

from assets.reference.load import load_all
from assets.staging.rules import RulesVersion, options_changed, rules_version, staging_options
from contracts import SourceSpec, load_contract
from warehouse import ensure_schemas

SPEC = SourceSpec(
    name="s",
    dataset="emissions",
    columns={"Выбросы": {"column": "emissions_t", "unit": "kt"}},
    constants={"scope": "stationary"},
)
COLUMN_MAP = {
    "source_spec": "s",
    "columns": {
        "Выбросы": {"column": "emissions_t", "unit": "kt"},
        "Год": {"column": "period", "unit": None},
    },
    "constants": {"scope": "stationary"},
    "territories": {},
    "decimal_separator": ",",
    "unmapped": [],
}


def test_a_spec_that_gives_the_same_options_changes_nothing() -> None:
    assert options_changed(COLUMN_MAP, SPEC) == []
    assert options_changed(COLUMN_MAP, None) == []  # the detected layout has no options


def test_the_spec_options_that_changed_are_named() -> None:
    spec = SourceSpec.model_validate(
        SPEC.model_dump()
        | {
            "constants": {"scope": "total"},
            "country": "KG",
            "columns": {"Выбросы": {"column": "emissions_t", "unit": "t"}},
        }
    )
    assert options_changed(COLUMN_MAP, spec) == ["columns", "constants", "country"]
    now = staging_options(COLUMN_MAP, spec)
    assert now["columns"]["Выбросы"] == {"column": "emissions_t", "unit": "t"}
    assert now["columns"]["Год"] == {"column": "period", "unit": None}  # read by an alias


def test_the_rules_version_names_what_changed() -> None:
    con = duckdb.connect()
    ensure_schemas(con)
    load_all(con)
    before = rules_version(con, load_contract("emissions"))
    assert rules_version(con, load_contract("emissions")).fingerprint == before.fingerprint
    con.execute("insert into core.units values ('пуд', 'pood', 'mass', 0.01638, null, 'seeds')")
    after = rules_version(con, load_contract("emissions"))
    assert after.fingerprint != before.fingerprint
    assert after.changed_since(before.components) == ["core.units"]
    assert RulesVersion("emissions", {"a": "1"}).changed_since(None) == ["a"]
