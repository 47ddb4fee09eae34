"""The version of the rules a file is staged under: what counts as a change."""

from __future__ import annotations

import duckdb

from assets.reference.load import load_all
from assets.staging.rules import RulesVersion, rules_version
from contracts import SourceSpec, load_contract
from contracts.column_map import ColumnMap, MappedColumn
from warehouse import ensure_schemas

SPEC = SourceSpec(
    name="s",
    dataset="emissions",
    columns={"Выбросы": {"column": "emissions_t", "unit": "kt"}},
    constants={"scope": "stationary"},
)
# As an older warehouse may hold it: without "country" (read as none).
COLUMN_MAP = ColumnMap.from_json(
    """{"source_spec": "s", "columns": {"Выбросы": {"column": "emissions_t", "unit": "kt"},
    "Год": {"column": "period", "unit": null}}, "constants": {"scope": "stationary"},
    "territories": {}, "decimal_separator": ",", "unmapped": []}"""
)


def test_a_spec_that_gives_the_same_options_changes_nothing() -> None:
    assert COLUMN_MAP.options_changed(SPEC) == []
    assert COLUMN_MAP.options_changed(None) == []  # the detected layout has no options


def test_the_spec_options_that_changed_are_named() -> None:
    spec = SourceSpec.model_validate(
        SPEC.model_dump()
        | {
            "constants": {"scope": "total"},
            "country": "KG",
            "columns": {"Выбросы": {"column": "emissions_t", "unit": "t"}},
        }
    )
    assert COLUMN_MAP.options_changed(spec) == ["columns", "constants", "country"]
    now = COLUMN_MAP.with_spec_options(spec)
    assert now.columns["Выбросы"] == MappedColumn(column="emissions_t", unit="t")
    assert now.columns["Год"] == MappedColumn(column="period", unit=None)  # read by an alias


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


def test_the_column_map_is_stored_as_it_always_was() -> None:
    """The JSON audit.source_files keeps is the same text as before the model (keys, order,
    separators): warehouses written earlier read back the same, and digests do not move."""
    import json

    written = {
        "source_spec": "auto",
        "columns": {"Собрано, т": {"column": "waste_collected_t", "unit": "т"}},
        "constants": {},
        "territories": {},
        "country": None,
        "unmapped": ["Примечание"],
        "decimal_separator": ",",
    }
    text = json.dumps(written, ensure_ascii=False)
    assert ColumnMap.from_json(text).to_json() == text
    assert ColumnMap.from_json(None) == ColumnMap()
