"""Territory names as written -> gazetteer ids; unknown names refused with a suggestion."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from contracts.territories import TerritoryIndex


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


def test_a_name_two_territories_share_is_refused_with_both(territories: TerritoryIndex) -> None:
    # "Altai Krai" and "Altai Republic" without their type words are both "Altai"; the
    # Estonian county and the parish of Saaremaa share their name.
    out = territories.resolve_column(pl.Series(["Altai region", "Altai Krai", "Altai Republic"]))
    assert out.get_column("territory_id").to_list() == ["RU-ALT", "RU-ALT", "RU-AL"]
    saaremaa = territories.resolve_column(pl.Series(["Saaremaa"]))
    assert saaremaa.item(0, "territory_id") is None
    assert "EE-74" in saaremaa.item(0, "message") and "EE-714" in saaremaa.item(0, "message")


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


def test_a_gazetteer_id_as_written_resolves(territories: TerritoryIndex) -> None:
    assert territories.resolve("KG-GB/leninsky") == "KG-GB/leninsky"
    assert territories.resolve("KZ/south-kazakhstan") == "KZ/south-kazakhstan"


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Карагандиская", "KZ-KAR"),  # one letter off, no "область", as offices write it
        ("Акмолинскя", "KZ-AKM"),
        ("Карагандиская область", "KZ-KAR"),
    ],
)
def test_a_bare_adjective_one_letter_off_gets_a_suggestion(
    territories: TerritoryIndex, written: str, meant: str
) -> None:
    """#30.11: the short form of a region's name got no "did you mean" while the long one did."""
    assert territories.resolve(written) is None
    for country in (None, "KZ"):
        hint = territories.suggest(written, country)
        assert hint is not None and hint.endswith(f"({meant})")
    assert territories.suggest("Карагандиская", "KG") is None  # never across the file's country
