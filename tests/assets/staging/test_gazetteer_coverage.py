"""The gazetteer against the real lists in ../shared/data: every name and code of the Russian
registry and of the 2020 ISO 3166-2 list resolves to the right territory; names as statistics
tables write them; suggestions that never cross a border."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from contracts.territories import STRONG, TerritoryIndex


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _current_id(territories: TerritoryIndex, iso_code: str) -> str:
    """The id of the current territory with this ISO 3166-2 code."""
    (tid,) = [t for t, s in territories.codes[iso_code].items() if s == STRONG]
    return tid


def test_every_name_and_code_of_the_russian_registry_resolves(
    shared_data: Path, territories: TerritoryIndex
) -> None:
    """Every name, name with type, ISO code, OKATO, OKTMO and KLADR code of the 85 federal
    subjects (and Baikonur) as Russian registries list them, and the codes as a spreadsheet
    writes them without their leading zero: 100%."""
    rows = _rows(shared_data / "ru_federal_subjects_codes_dadata_2022.csv")
    assert len(rows) == 86
    wrong = []
    for r in rows:
        if r["iso_code"] == "KZ-BAY":  # not an ISO code: DaData's own for Baikonur
            want = "KZ-KZY/baikonur"
        else:
            want = _current_id(territories, r["iso_code"])
        cells = [r["name"], r["name_with_type"], f"{r['name']} {r['type']}", r["geoname_name"]]
        cells += [r["iso_code"], r["okato"], r["oktmo"], r["kladr_id"]]
        cells += [r["okato"].lstrip("0"), r["oktmo"].lstrip("0"), r["kladr_id"].lstrip("0")]
        wrong += [(cell, want) for cell in cells if territories.resolve(cell) != want]
    assert wrong == []
    assert _current_id(territories, "UA-43") == "UA-43"  # Crimea keeps its ISO id


def test_every_code_and_name_of_the_2020_iso_list_resolves(
    shared_data: Path, territories: TerritoryIndex
) -> None:
    """Codes, ISO names, English and Russian names of KG, KZ and RU, each to its territory.

    Two cells of the list name two territories, and the test says which one it takes: the
    KZ-YUZ row carries South Kazakhstan's English and Russian names (the region KZ-YUZ denoted
    until 2018, a territory of its own here); and "Osh" is both the English name of Osh city
    and the ISO name of Osh region: a bare "Osh" is the city, by the rule that a bare name a
    city and a region share is the city's."""
    rows = _rows(shared_data / "iso3166_2_kg_kz_ru_subdivisions.csv")
    assert len(rows) == 109
    wrong = []
    for r in rows:
        for column in ("iso_3166_2", "iso_name", "name_en", "name_ru"):
            cell = r[column]
            if not cell:
                continue
            want = r["iso_3166_2"]
            if want == "KZ-YUZ" and column in ("name_en", "name_ru"):
                want = "KZ/south-kazakhstan"
            if cell == "Osh":
                want = "KG-GO"
            if territories.resolve(cell) != want:
                wrong.append((column, cell, want, territories.resolve(cell)))
    assert wrong == []
    assert territories.resolve("Osh Shaary") == "KG-GO"
    assert territories.resolve("Osh Province") == territories.resolve("Osh oblast") == "KG-O"


def test_the_fifteen_countries_and_their_subdivisions_are_in(territories: TerritoryIndex) -> None:
    import pycountry

    from assets.reference.build import COUNTRIES as countries

    current = {t for t, s in territories.codes.items() if STRONG in s.values()}
    missing = [
        s.code
        for cc in countries
        for s in pycountry.subdivisions.get(country_code=cc)
        if s.code not in current
    ]
    assert missing == [] and all(cc in territories.territories for cc in countries)
    assert len([s for cc in countries for s in pycountry.subdivisions.get(country_code=cc)]) > 500
    cities = ["KG-GB", "KG-GO", "KZ-AST", "KZ-ALA", "KZ-SHY", "RU-MOW", "RU-SPE", "UA-40"]
    assert {territories.territories[t].place_type for t in cities} == {"city"}


@pytest.mark.parametrize(
    ("cell", "territory_id"),
    [
        ("Респ Адыгея", "RU-AD"),
        ("Республика Адыгея (Адыгея)", "RU-AD"),
        ("Адыгея, Респ.", "RU-AD"),
        ("Adygeya, Respublika", "RU-AD"),
        ("Кемеровская обл.", "RU-KEM"),
        ("Кемеровская обл. - Кузбасс", "RU-KEM"),
        ("Kemerovskaya oblast'", "RU-KEM"),
        ("Kemerovo Oblast", "RU-KEM"),
        ("Kemerovo region", "RU-KEM"),
        ("Ханты-Мансийский автономный округ - Югра", "RU-KHM"),
        ("Ханты-Мансийский АО — Югра", "RU-KHM"),
        ("г. Москва", "RU-MOW"),
        ("Москва г", "RU-MOW"),
        ("Город федерального значения Севастополь", "UA-40"),
        ("Еврейская автономная обл.", "RU-YEV"),
        ("Республика Саха (Якутия)", "RU-SA"),
        ("Чувашская Республика - Чувашия", "RU-CU"),
        ("Республика Северная Осетия – Алания", "RU-SE"),
        ("Ставропольский  край ", "RU-STA"),
        ("Stavropol'skiy kray", "RU-STA"),
        ("Čeljabinskaja oblast'", "RU-CHE"),
        ("Атырауская", "KZ-ATY"),
        ("Атырау облысы", "KZ-ATY"),
        ("Атырауская область\u00a0", "KZ-ATY"),
        ("Ақмола облысы", "KZ-AKM"),
        ("Маңғыстау облысы", "KZ-MAN"),
        ("Шығыс Қазақстан облысы", "KZ-VOS"),
        ("Жетісу облысы", "KZ-33"),
        ("Алматы қаласы", "KZ-ALA"),
        ("Нур-Султан", "KZ-AST"),
        ("KZ-23", "KZ-ATY"),
        ("kz-23", "KZ-ATY"),
        ("KZ-75", "KZ-ALA"),
        ("Бишкек шаары", "KG-GB"),
        ("Ысык-Көл облусу", "KG-Y"),
        ("Ош облусу", "KG-O"),
        ("KGZ", "KG"),
        ("Республика Крым", "UA-43"),
        ("RU-CRI", "UA-43"),
        ("Харківська область", "UA-63"),
        ("Мінская вобласць", "BY-MI"),
        ("Минская область", "BY-MI"),
        ("Toshkent viloyati", "UZ-TO"),
        ("Toshkent shahri", "UZ-TK"),
        ("Ташкент", "UZ-TK"),
        ("Ереван", "AM-ER"),
        ("Кишинёв", "MD-CU"),
        ("Ашхабад", "TM-S"),
    ],
)
def test_names_as_statistics_tables_write_them(
    territories: TerritoryIndex, cell: str, territory_id: str
) -> None:
    assert territories.resolve(cell) == territory_id


def test_a_code_or_name_of_a_former_territory_depends_on_the_period(
    territories: TerritoryIndex,
) -> None:
    # KZ-YUZ was South Kazakhstan until 2018, Turkistan region since; Perm oblast existed until
    # 2005, and Perm krai (RU-PER) covers its area since (and, in current borders, before).
    y2003, y2010, y2020 = ((date(y, 1, 1), date(y, 12, 31)) for y in (2003, 2010, 2020))
    assert territories.resolve("KZ-YUZ", *y2010) == "KZ/south-kazakhstan"
    assert territories.resolve("KZ-YUZ", *y2020) == "KZ-YUZ"
    assert territories.resolve("Пермская область", *y2003) == "RU/perm-oblast"
    assert territories.resolve("RU-PER", *y2003) == "RU-PER"
    out = territories.resolve_column(
        pl.Series(["KZ-YUZ", "KZ-YUZ", "Пермская область"]),
        starts=pl.Series([y2010[0], y2020[0], y2010[0]]),
        ends=pl.Series([y2010[1], y2020[1], y2010[1]]),
    )
    assert out.get_column("territory_id").to_list() == ["KZ/south-kazakhstan", "KZ-YUZ", None]
    assert out.item(2, "rule") == "territory_valid_for_period"
    assert "existed until 2005-11-30" in out.item(2, "message")


def test_the_files_country(territories: TerritoryIndex) -> None:
    assert territories.file_country(["Бишкек", "Ошская область", "Чуйская область"]) == "KG"
    assert territories.file_country(["Бишкек", "Москва"]) is None


def _all_codes(shared_data: Path) -> list[tuple[str, str]]:
    """(code, its country) of every ISO 3166-2 code in the two shared lists."""
    iso = _rows(shared_data / "iso3166_2_kg_kz_ru_subdivisions.csv")
    dadata = _rows(shared_data / "ru_federal_subjects_codes_dadata_2022.csv")
    codes = {(r["iso_3166_2"], r["country"]) for r in iso}
    codes |= {(r["iso_code"], r["iso_code"][:2]) for r in dadata}
    return sorted(codes)


def test_no_suggestion_names_a_territory_of_another_country(
    shared_data: Path, territories: TerritoryIndex
) -> None:
    """Every code of the two lists with one letter dropped (RU-KEM -> RU-EM, RU-KM, RU-KE): a
    suggestion, when there is one, is of the code's own country; a code is never matched
    against names (once, 'RU-CHU' was offered 'Chuy', a Kyrgyz region)."""
    hints = 0
    for code, country in _all_codes(shared_data):
        body = code.split("-", 1)[1]
        for i in range(len(body)):
            broken = f"{code[:2]}-{body[:i]}{body[i + 1 :]}"
            if territories.candidates(broken):
                continue  # dropping a letter can give another real code (RU-KC from RU-KCH)
            hint = territories.suggest(broken)
            if hint is None:
                continue
            hints += 1
            tid = hint.rsplit("(", 1)[1].rstrip(")")
            assert territories.territories[tid].country_code == country, (broken, hint)
    assert hints > 0  # otherwise the test would pass with suggestions switched off


@pytest.mark.parametrize("code", ["PL-MZ", "US-CA", "CN-XJ", "DE-BY", "TR-34", "MN-1", "IR-12"])
def test_codes_of_other_countries_get_no_suggestion(territories: TerritoryIndex, code: str) -> None:
    assert territories.candidates(code) == {}
    assert territories.suggest(code) is None


def test_a_suggestion_stays_within_the_files_country(territories: TerritoryIndex) -> None:
    assert territories.suggest("Кузбас", country="RU") == "'Кузбасс' (RU-KEM)"
    assert territories.suggest("Кузбас", country="KG") is None
    message = territories.resolve_column(pl.Series(["Кузбас"]), country="KZ").item(0, "message")
    assert "did you mean" not in message
