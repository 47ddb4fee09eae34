"""Quarantine that can be released: rows rejected under one version of the rules load when the
rules change (an overlay adds the territory, a contract rule is relaxed, `ecostat reload`), from
raw, without the landing file; the audit keeps what was released, by which change, under which
fingerprints, and which rejections still stand."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

import contracts
from assets.staging import rules
from tests.conftest import run_pipeline

# A regional statistics table of Chuy region: one town the gazetteer does not know, and one
# pollutant the contract has no word for; two rows that load.
SUBMISSION = """\
Территория;Год;Загрязняющее вещество;Источники;Выбросы, тыс. т;Источник
Чуйская область;2021;загрязняющие вещества;стационарные;12,5;Chuy region statistics (test)
Кант;2021;загрязняющие вещества;стационарные;1,5;Chuy region statistics (test)
Чуйская область;2021;бенз(а)пирен;стационарные;0,001;Chuy region statistics (test)
Нарынская область;2021;загрязняющие вещества;стационарные;3,25;Chuy region statistics (test)
"""
OVERLAY = """\
territory_id,iso_code,level,place_type,parent_id,country_code,name_en,name_ru,name_local,valid_from,valid_to,status_note,source
KG-C/kant,,city,city,KG-C,KG,Kant,Кант,,,,,Chuy region administration (test)
"""
FILE = "chuy_emissions_2021.csv"


def _q(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _counts(home: Path) -> tuple:
    return _q(
        home,
        "select status, rows_read, rows_loaded, rows_rejected from audit.source_files where path = ?",
        [FILE],
    )[0]


@pytest.fixture
def relaxed_contracts(tmp_path: Path, monkeypatch) -> Path:
    """A copy of contracts/ in which the emissions contract knows benzo(a)pyrene, in force
    for the runs that follow (the repository's own files are left alone)."""
    copy = tmp_path / "contracts"
    shutil.copytree(contracts.CONTRACTS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    path = copy / "emissions" / "contract.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = '      pm10: ["PM10"]\n'
    assert anchor in text
    path.write_text(
        text.replace(anchor, anchor + '      bap: ["бенз(а)пирен", "benzo(a)pyrene"]\n'),
        encoding="utf-8",
    )
    return copy


def test_rows_rejected_under_old_rules_load_when_the_rules_change(
    tmp_path: Path, relaxed_contracts: Path, monkeypatch, capsys
) -> None:
    home = tmp_path / "home"
    (home / "landing" / "emissions").mkdir(parents=True)
    (home / "landing" / "emissions" / FILE).write_text(SUBMISSION, encoding="utf-8")

    assert run_pipeline(home)
    assert _counts(home) == ("loaded", 4, 2, 2)
    rules_before = {r for (r,) in _q(home, "select rule from audit.rejected_rows")}
    assert rules_before == {"known_territory", "allowed_value"}

    # 1. The data home's overlay adds the town; the landing file is gone by now (another file
    # stays, or the empty home would be seeded with the embedded default data).
    (home / "landing" / "emissions" / FILE).unlink()
    (home / "landing" / "emissions" / ".keep").touch()
    (home / "reference").mkdir()
    (home / "reference" / "regions.csv").write_text(OVERLAY, encoding="utf-8")
    capsys.readouterr()
    assert run_pipeline(home)
    printed = capsys.readouterr().out
    assert "Reference overlays in force: reference/regions.csv (1 rows)" in printed
    assert f"emissions/{FILE}: rules changed: core.regions" in printed
    assert "1 rows released, 0 newly rejected" in printed
    assert _counts(home) == ("loaded", 4, 3, 1)
    assert _q(
        home,
        "select territory_id, emissions_t from core.emissions where territory_as_written = 'Кант'",
    ) == [("KG-C/kant", 1500.0)]
    released = _q(
        home,
        "select row_number, rules, released_by, rejected_under, released_under from audit.released_rows",
    )
    assert len(released) == 1
    row, rule, by, before, after = released[0]
    assert (row, rule) == (3, "known_territory") and "core.regions" in by and before != after
    assert _q(home, "select rule, outcome from audit.rejection_history order by row_number") == [
        ("known_territory", "released"),
        ("allowed_value", "still_rejected"),
    ]
    assert _q(home, "select rule from audit.rejected_rows") == [("allowed_value",)]
    assert _q(home, "select origin from core.regions where territory_id = 'KG-C/kant'") == [
        ("reference/regions.csv",)
    ]

    # 2. The contract learns the pollutant: the last rejection is released too.
    monkeypatch.setattr(contracts, "CONTRACTS_DIR", relaxed_contracts)
    monkeypatch.setattr(rules, "CONTRACTS_DIR", relaxed_contracts)
    contracts.load_contract.cache_clear()
    try:
        assert run_pipeline(home)
    finally:
        contracts.load_contract.cache_clear()
    assert _counts(home) == ("loaded", 4, 4, 0)
    assert _q(home, "select pollutant from core.emissions where emissions_t = 1.0") == [("bap",)]
    by = _q(home, "select released_by from audit.released_rows where rules = 'allowed_value'")
    assert len(by) == 1 and "contract emissions" in by[0][0]
    passes = _q(
        home,
        "select reason, rows_released from audit.staging_passes where path = ? order by staged_at",
        [FILE],
    )
    assert passes == [("new file", None), ("rules changed", 1), ("rules changed", 1)]
    versions = _q(home, "select count(*) from audit.rule_versions where dataset = 'emissions'")
    assert versions == [(3,)]


def test_reload_stages_again_and_a_broken_overlay_stops_with_its_row(
    tmp_path: Path, capsys
) -> None:
    from pipelines.cli import main

    home = tmp_path / "home"
    (home / "landing" / "emissions").mkdir(parents=True)
    (home / "landing" / "emissions" / FILE).write_text(SUBMISSION, encoding="utf-8")
    assert run_pipeline(home)

    import os

    os.environ["ECOSTAT_HOME"] = str(home)
    try:
        capsys.readouterr()
        assert main(["reload", "--dataset", "emissions"]) == 0
        printed = capsys.readouterr().out
        assert "1 loaded files of emissions will be staged again from raw." in printed
        assert f"emissions/{FILE}: reload requested; 0 rows released, 0 newly rejected" in printed
        assert _counts(home) == ("loaded", 4, 2, 2)

        # An overlay naming a parent the gazetteer lacks: the run fails, saying file and row,
        # and stages nothing against it.
        (home / "reference").mkdir()
        (home / "reference" / "regions.csv").write_text(
            OVERLAY.replace(",KG-C,KG,", ",KG-CX,KG,"), encoding="utf-8"
        )
        assert main(["run"]) == 1
        printed = capsys.readouterr().out
        assert (
            "<home>/reference/regions.csv row 2: parent_id 'KG-CX' is not a regions row" in printed
        )
        assert _counts(home) == ("loaded", 4, 2, 2)
    finally:
        del os.environ["ECOSTAT_HOME"]
