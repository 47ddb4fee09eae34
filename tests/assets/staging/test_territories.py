"""Territory names as written -> gazetteer ids; unknown names refused with a suggestion."""

from __future__ import annotations

import csv
from datetime import date

import polars as pl
import pytest

from assets.staging.territories import TerritoryIndex


@pytest.mark.parametrize(
    ("name", "territory_id"),
    [
        ("Кемеровская область – Кузбасс", "RU-KEM"),  # en dash, as DOMAIN.md writes it
        ("Кемеровская область - Кузбасс", "RU-KEM"),
        ("Кузбасс", "RU-KEM"),
        ("Kemerovo oblast", "RU-KEM"),
        ("RU-KEM", "RU-KEM"),
        ("ru-kem", "RU-KEM"),
        ("г. Бишкек", "KG-GB"),
        ("Бишкек", "KG-GB"),
        ("Bishkek", "KG-GB"),
        ("город Бишкек", "KG-GB"),
        ("Кыргызская Республика", "KG"),
        ("КР", "KG"),
        ("Atyrau region", "KZ-ATY"),
        ("Atyrau city", "KZ-ATY/atyrau"),
        ("г. Атырау", "KZ-ATY/atyrau"),
        ("Санкт-Петербург", "RU-SPE"),
        ("Южно-Казахстанская область", "KZ/south-kazakhstan"),  # until 2018: not Turkistan region
        ("Южно-Казахстанская", "KZ/south-kazakhstan"),  # statistics tables drop "область"
        ("Туркестанская", "KZ-YUZ"),
        ("Атырауская", "KZ-ATY"),
        ("г.Шымкент", "KZ-SHY"),
        ("Ұлытау", "KZ-62"),
        ("Ош", "KG-GO"),
        ("Ошская область", "KG-O"),
        ("Бишкек - Ленинский район", "KG-GB/leninsky"),
    ],
)
def test_known_spellings_resolve(territories: TerritoryIndex, name: str, territory_id: str) -> None:
    assert territories.resolve(name) == territory_id


def test_unknown_territory_suggests_the_closest_alias(territories: TerritoryIndex) -> None:
    out = territories.resolve_column(pl.Series(["Кузбас", "Бишкек", None, "Atlantis"]))
    assert out.get_column("territory_id").to_list() == [None, "KG-GB", None, None]
    assert "did you mean 'Кузбасс' (RU-KEM)?" in out.item(0, "message")
    assert out.item(1, "message") is None and out.item(2, "message") is None
    assert "unknown territory 'Atlantis'" in out.item(3, "message")


def test_a_bare_district_name_is_not_guessed(territories: TerritoryIndex) -> None:
    # Almost every ex-Soviet city has a Leninsky district: without the city it names none.
    assert territories.resolve("Ленинский район") is None


def test_ambiguous_aliases_are_a_gazetteer_error() -> None:
    rows = [
        {
            "territory_id": "KG-GO",
            "iso_code": "KG-GO",
            "name_en": "Osh",
            "name_ru": "Ош",
            "aliases": "",
        },
        {
            "territory_id": "KG-O",
            "iso_code": "KG-O",
            "name_en": "Osh",
            "name_ru": "Ошская область",
            "aliases": "",
        },
    ]
    with pytest.raises(ValueError, match="'Osh' names both KG-GO and KG-O"):
        TerritoryIndex.from_rows(rows)


def test_gazetteer_covers_the_iso_subdivisions_of_kg_and_kz(
    shared_data, territories: TerritoryIndex
) -> None:
    """Every 2020 ISO 3166-2 subdivision of KG and KZ resolves to itself, by code and by its
    Russian name where the ISO list gives one (real data from ../shared/data)."""
    with (shared_data / "iso3166_2_kg_kz_ru_subdivisions.csv").open(encoding="utf-8") as f:
        iso = [r for r in csv.DictReader(f) if r["country"] in ("KG", "KZ")]
    assert len(iso) >= 25
    for r in iso:
        assert territories.resolve(r["iso_3166_2"]) == r["iso_3166_2"]
        if r["name_ru"]:
            # South Kazakhstan keeps its ISO code but is a territory of its own until 2018.
            assert territories.iso[territories.resolve(r["name_ru"])] == r["iso_3166_2"], r[
                "name_ru"
            ]


@pytest.mark.parametrize(
    ("territory_id", "start", "end", "problem"),
    [
        ("KZ-YUZ", date(2005, 1, 1), date(2005, 12, 31), "exists from 2018-06-19"),
        ("KZ/south-kazakhstan", date(2019, 1, 1), date(2019, 12, 31), "existed until 2018-06-18"),
        (
            "KZ-10",
            date(2022, 1, 1),
            date(2022, 12, 31),
            None,
        ),  # annual figure of a region formed mid-year
        ("KZ/south-kazakhstan", date(2018, 1, 1), date(2018, 12, 31), None),
        ("KG", date(1990, 1, 1), date(1990, 12, 31), None),
    ],
)
def test_periods_outside_a_territorys_existence(
    territories, territory_id, start, end, problem
) -> None:
    why = territories.outside_validity(territory_id, start, end)
    assert (why is None) if problem is None else (problem in why)


def test_a_source_specs_own_names_come_first(territories: TerritoryIndex) -> None:
    out = territories.resolve_column(
        pl.Series(["Ленинский район", "Центр", "Кузбасс"]),
        {"Ленинский район": "KG-GB/leninsky", "Центр": "XX-NOWHERE"},
    )
    assert out.get_column("territory_id").to_list() == ["KG-GB/leninsky", None, "RU-KEM"]
    assert "not in the gazetteer" in out.item(1, "message")
