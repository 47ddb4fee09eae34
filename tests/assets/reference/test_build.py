"""The reference build: the committed seeds are what pycountry, ../shared/data and our curated
files give; ids, validity dates and currencies as the issue of the gazetteer asks."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from assets.reference.build import build, stale
from warehouse.home import SEEDS_DIR


@pytest.fixture(scope="module")
def tables(shared_data: Path) -> dict[str, pl.DataFrame]:
    return build(shared_data, SEEDS_DIR / "curated", SEEDS_DIR / "reference")


def test_the_committed_seeds_are_what_the_sources_give(tables) -> None:
    assert stale(tables, SEEDS_DIR / "reference") == [], "run `ecostat reference build`"


def test_every_id_is_unique_and_the_old_ids_stay(tables) -> None:
    regions = tables["regions"]
    assert regions.get_column("territory_id").is_unique().all()
    by_id = {r["territory_id"]: r for r in regions.to_dicts()}
    # Kazakhstan's regions keep their 2020 letter codes as ids; their current code is iso_code.
    assert by_id["KZ-ATY"]["iso_code"] == "KZ-23"
    assert "KZ-23" not in by_id
    assert by_id["RU-KEM"]["iso_code"] == "RU-KEM" and by_id["KG-GB"]["level"] == "city"
    # Validity dates come from the dated changes.
    assert (by_id["KZ/south-kazakhstan"]["valid_to"], by_id["KZ-YUZ"]["valid_from"]) == (
        "2018-06-18",
        "2018-06-19",
    )
    assert by_id["RU-CHI"]["valid_to"] == "2008-02-29" and not by_id["RU-ZAB"]["valid_from"]
    assert by_id["UA-43"]["parent_id"] == "UA" and "disputed" in by_id["UA-43"]["status_note"]
    assert by_id["KZ-KZY/baikonur"]["parent_id"] == "KZ-KZY"


def test_cities_of_republican_or_federal_significance_are_territories(tables) -> None:
    by_id = {r["territory_id"]: r for r in tables["regions"].to_dicts()}
    for tid, parent in [
        ("KG-GB", "KG"),
        ("KG-GO", "KG"),
        ("KZ-AST", "KZ"),
        ("KZ-ALA", "KZ"),
        ("KZ-SHY", "KZ"),
        ("RU-MOW", "RU"),
        ("RU-SPE", "RU"),
        ("UA-40", "UA"),
    ]:
        assert (by_id[tid]["place_type"], by_id[tid]["parent_id"]) == ("city", parent)


def test_names_and_codes_name_territories_of_the_gazetteer(tables) -> None:
    ids = set(tables["regions"].get_column("territory_id"))
    assert set(tables["territory_names"].get_column("territory_id")) <= ids
    assert set(tables["territory_codes"].get_column("territory_id")) <= ids
    systems = set(tables["territory_codes"].get_column("code_system"))
    assert {"okato", "oktmo", "kladr", "iso3166_1_alpha3", "iso3166_2"} <= systems
