"""The declarations agree with each other: contract YAML, pandera model, source specs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts import SourceSpec, datasets, load_contract, load_source_specs, spec_for

REPO = Path(__file__).resolve().parents[2]


def test_every_dataset_has_a_contract_and_a_model() -> None:
    assert "cleanup" in datasets()
    for ds in datasets():
        contract = load_contract(ds)
        assert contract.grain and contract.schema() is not None


@pytest.mark.parametrize("ds", datasets())
def test_model_columns_are_the_contract_columns(ds: str) -> None:
    contract = load_contract(ds)
    model_cols = set(contract.schema().columns)
    assert model_cols == {name for name, _ in contract.staged_columns()}


@pytest.mark.parametrize("ds", datasets())
def test_every_rule_is_enforced_and_every_check_is_a_rule(ds: str) -> None:
    """A rule in the YAML that no code enforces would be a promise we do not keep."""
    contract = load_contract(ds)
    rules = {r.name for r in contract.rules}
    # Staging enforces the rules, with the vocabulary and territory rules below it.
    enforcing = [
        *(REPO / "assets" / "staging").glob("*.py"),
        *(
            REPO / "contracts" / name
            for name in ("vocabulary.py", "territories.py", "place_names.py", "schema.py")
        ),
    ]
    code = "\n".join(p.read_text(encoding="utf-8") for p in enforcing)
    code += (REPO / "contracts" / ds / "model.py").read_text(encoding="utf-8")
    enforced = set(re.findall(r'"([a-z_]+)"', code)) & rules
    assert enforced == rules, f"rules nothing enforces: {sorted(rules - enforced)}"
    checks = {c.name for col in contract.schema().columns.values() for c in col.checks}
    checks |= {c.name for c in contract.schema().checks}
    assert checks <= rules, f"model checks missing from the contract: {sorted(checks - rules)}"


def test_units_in_the_contract_are_known(units) -> None:
    for ds in datasets():
        for c in load_contract(ds).columns:
            if c.unit:
                assert c.unit in units.dimension_of, (
                    f"{ds}.{c.name}: unit {c.unit} not in units.csv"
                )


def test_source_specs_are_valid_and_match_files() -> None:
    specs = load_source_specs()
    assert {s.name for s in specs} >= {"kz_campaigns_en"}
    assert spec_for("cleanup", "kz_campaigns_2020_2025_en.csv", specs).name == "kz_campaigns_en"
    assert spec_for("cleanup", "KZ_CAMPAIGNS_2026_EN.CSV", specs).name == "kz_campaigns_en"
    assert spec_for("cleanup", "kg_report.csv", specs).name == "auto"


def test_a_spec_naming_an_unknown_column_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "name: bad\ndataset: cleanup\ncolumns:\n  Масса: tonnes_collected\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="unknown cleanup columns"):
        load_source_specs(sources_dir=tmp_path)


def test_a_spec_with_a_misspelt_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="delimeter"):
        SourceSpec.model_validate({"name": "x", "dataset": "cleanup", "delimeter": ";"})


def test_every_fraction_names_a_known_material_class() -> None:
    import csv

    from warehouse.home import SEEDS_DIR

    with (SEEDS_DIR / "reference" / "materials.csv").open(encoding="utf-8") as f:
        known = {r["material_code"] for r in csv.DictReader(f)}
    classes = {
        code
        for ds in datasets()
        for c in load_contract(ds).columns
        if c.material
        for code in c.material.split("+")
    }
    assert classes and classes <= known, classes - known


def test_a_series_joins_only_its_own_datasets_declared_indicators() -> None:
    """#31.3: a comparable series is declared, with its reason, by the dataset it belongs to."""
    from contracts import Contract, declared_series, load_contract

    series = declared_series()["water_use_payments_national"]
    assert all(i.startswith("water_fees_water_use_payments_total_") for i in series.indicators)
    assert series.why
    declared = load_contract("water_fees").model_dump()
    declared["series"][0]["indicators"].append("emissions_all_pollutants_total")
    with pytest.raises(ValueError, match="indicators of other datasets"):
        Contract.model_validate(declared)
