"""The reference build: seeds/reference/{regions, territory_names, territory_codes, population,
fx_rates}.csv made from well-kept sources, so that the gazetteer is complete and nobody types
600 territories by hand. Run by `ecostat reference build`; `--check` tells whether the committed
files are what the sources give today (a test runs it).

Sources, lowest first (a later one adds names and codes, and our curated files correct):
- pycountry: ISO 3166-1 countries and every ISO 3166-2 subdivision of the 15 former Soviet
  states, with their current codes, types and parents, and the Russian and national-language
  names of its translations;
- ../shared/data/iso3166_2_kg_kz_ru_subdivisions.csv: the 2020 list of KG, KZ and RU (Russian
  and English names, Kazakhstan's letter codes, which stay the ids of its regions);
- ../shared/data/ru_federal_subjects_codes_dadata_2022.csv: Russian federal subjects as
  registries list them (OKATO, OKTMO, KLADR, the type words statistics tables use);
- seeds/curated/: our own files: territories ISO 3166-2 does not list (city districts, cities
  inside regions, territories that no longer exist), display names, status notes of disputed
  territories, further spellings and codes, and corrections to the sources, each with its
  reason; population figures published elsewhere;
- seeds/reference/territory_changes.csv (dated changes: validity dates come from it) and
  currencies.csv (which currency when, redenominations);
- World Bank population (15 countries, 2000-2024), Wikidata subnational population points,
  Kazakhstan's regional population of 1 January 2023, and the World Bank exchange rates of the
  15 countries (../shared/data).

Pure but for reading those files: ``build`` returns the tables; ``write``/``stale`` compare or
write them.
"""

from __future__ import annotations

import csv
import gettext
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pycountry

from contracts.place_names import clean
from contracts.territories import TerritoryIndex

COUNTRIES = (
    "AM",
    "AZ",
    "BY",
    "EE",
    "GE",
    "KG",
    "KZ",
    "LT",
    "LV",
    "MD",
    "RU",
    "TJ",
    "TM",
    "UA",
    "UZ",
)
# The national language of each country whose pycountry translations hold its names.
NATIONAL_LANGUAGE = {
    "AZ": "az",
    "BY": "be",
    "EE": "et",
    "GE": "ka",
    "KG": "ky",
    "LT": "lt",
    "LV": "lv",
    "MD": "ro",
    "UA": "uk",
}

GENERATED = ("regions", "territory_names", "territory_codes", "population", "fx_rates")

ISO_2020 = "iso3166_2_kg_kz_ru_subdivisions.csv"
DADATA = "ru_federal_subjects_codes_dadata_2022.csv"
WB_POPULATION = "wb_population_post_soviet_2000_2024.csv"
WD_POPULATION = "wikidata_subnational_population_ru_kz_kg.csv"
KZ_POPULATION = "kz_population_by_region_2023-01-01.csv"
WB_FX = "wdi_fx_lcu_per_usd_post_soviet_2000_2025.csv"

SOURCE_PYCOUNTRY = f"ISO 3166-2 via pycountry {pycountry.__version__}"
SOURCE_ISO_2020 = "ISO 3166-2 (2020 list) via Open-Earth-Foundation/OpenClimate"
SOURCE_DADATA = "hflabs/region (DaData.ru, 2022-12-19)"
WB_POP_SOURCE = "World Bank WDI SP.POP.TOTL (mid-year), via datasets/population"
WB_POP_URL = "https://data.worldbank.org/indicator/SP.POP.TOTL"
WD_POP_SOURCE = "Wikidata subnational population (OEF:WD:subnational-population:20240322)"
WD_POP_URL = "https://github.com/Open-Earth-Foundation/OpenClimate"
KZ_POP_SOURCE = (
    "Bureau of National Statistics of Kazakhstan, population by region on 1 January 2023"
)
KZ_POP_URL = "https://github.com/open-data-kazakhstan/city-population"
FX_SOURCE = "World Bank WDI PA.NUS.FCRF, official exchange rate, period average"
FX_URL = "https://data.worldbank.org/indicator/PA.NUS.FCRF"

# pycountry's subdivision type, per country where it differs -> (level of a first-order
# subdivision, place type). A second-order subdivision (with a parent) is a municipality,
# unless it is a city.
_TYPES = {
    "City": "city",
    "Autonomous city": "city",
    "State city": "city",
    "City municipality": "city",
    "Capital territory": "city",
    "Region": "region",
    "Oblast": "region",
    "Administrative region": "region",
    "Administrative territory": "krai",
    "Republic": "republic",
    "Autonomous republic": "republic",
    "Autonomous district": "autonomous_okrug",
    "Autonomous region": "autonomous_oblast",
    "County": "county",
    "Rayon": "rayon",
    "District": "rayon",
    "Municipality": "municipality",
    "Rural municipality": "municipality",
    "Urban municipality": "municipality",
    "District municipality": "municipality",
    "Autonomous territorial unit": "territorial_unit",
    "Territorial unit": "territorial_unit",
    "Districts under republic administration": "territorial_unit",
}
_TYPES_BY_COUNTRY = {("AZ", "Municipality"): "city"}

REGION_COLUMNS = [
    "territory_id",
    "iso_code",
    "level",
    "place_type",
    "parent_id",
    "country_code",
    "name_en",
    "name_ru",
    "name_local",
    "valid_from",
    "valid_to",
    "status_note",
    "source",
]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def _translations(domain: str, language: str):
    try:
        return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language]).gettext
    except FileNotFoundError:
        return None


class _Gazetteer:
    """Territories, names and codes as they are collected, before they become frames."""

    def __init__(self) -> None:
        self.regions: dict[str, dict[str, str]] = {}
        self.names: dict[tuple[str, str], dict[str, str]] = {}
        self.codes: dict[tuple[str, str], dict[str, str]] = {}

    def territory(self, tid: str, **fields: str) -> None:
        row = self.regions.setdefault(
            tid, dict.fromkeys(REGION_COLUMNS, "") | {"territory_id": tid}
        )
        for k, v in fields.items():
            if v and not row[k]:
                row[k] = v

    def override(self, tid: str, **fields: str) -> None:
        if tid not in self.regions:
            self.territory(tid)
        for k, v in fields.items():
            if v:
                self.regions[tid][k] = v

    def name(self, tid: str, name: str, language: str, source: str) -> None:
        if not name:
            return
        key = (tid, clean(name))
        self.names.setdefault(
            key, {"territory_id": tid, "name": name, "language": language, "source": source}
        )

    def code(self, tid: str, system: str, code: str, source: str) -> None:
        if not code or code == tid:
            return
        self.codes.setdefault(
            (system, code),
            {"territory_id": tid, "code_system": system, "code": code, "source": source},
        )


def build(shared: Path, curated: Path, reference: Path) -> dict[str, pl.DataFrame]:
    """Every generated reference table, from the sources above."""
    g = _Gazetteer()
    ru = _translations("iso3166-2", "ru")
    ru_countries = _translations("iso3166-1", "ru")
    iso_2020 = {r["iso_2020"]: r for r in _legacy_ids(shared / ISO_2020)}

    for cc in COUNTRIES:
        country = pycountry.countries.get(alpha_2=cc)
        g.territory(
            cc,
            iso_code=cc,
            level="country",
            place_type="country",
            country_code=cc,
            name_en=getattr(country, "common_name", None) or country.name,
            name_ru=ru_countries(country.name) if ru_countries else "",
            source="ISO 3166-1 via pycountry",
        )
        g.name(cc, country.name, "en", "ISO 3166-1")
        g.name(cc, getattr(country, "official_name", ""), "en", "ISO 3166-1 (official name)")
        g.code(cc, "iso3166_1_alpha3", country.alpha_3, "ISO 3166-1")
        local = _translations("iso3166-1", NATIONAL_LANGUAGE.get(cc, ""))
        if local:
            g.name(cc, local(country.name), NATIONAL_LANGUAGE[cc], "ISO 3166-1 via pycountry")

    # ISO 3166-2: a subdivision keeps the id it had in the 2020 list (Kazakhstan's letter codes,
    # which submissions and the warehouse already use); its current code is its iso_code.
    current_to_id = {r["current"]: r["iso_2020"] for r in iso_2020.values()}
    subdivisions = [s for cc in COUNTRIES for s in pycountry.subdivisions.get(country_code=cc)]
    for s in subdivisions:
        tid = current_to_id.get(s.code, s.code)
        parent = (
            current_to_id.get(s.parent_code, s.parent_code) if s.parent_code else s.country_code
        )
        place_type = _TYPES_BY_COUNTRY.get((s.country_code, s.type), _TYPES[s.type])
        level = "city" if place_type == "city" else ("municipality" if s.parent_code else "region")
        local_language = NATIONAL_LANGUAGE.get(s.country_code)
        local = _translations("iso3166-2", local_language) if local_language else None
        name_ru = ru(s.name) if ru and ru(s.name) != s.name else ""
        name_local = local(s.name) if local and local(s.name) != s.name else ""
        g.territory(
            tid,
            iso_code=s.code,
            level=level,
            place_type=place_type,
            parent_id=parent,
            country_code=s.country_code,
            name_en=s.name,
            name_ru=name_ru,
            name_local=name_local,
            source=SOURCE_PYCOUNTRY,
        )
        g.name(tid, s.name, "latn", SOURCE_PYCOUNTRY)
        g.name(tid, name_ru, "ru", SOURCE_PYCOUNTRY)
        g.name(tid, name_local, local_language or "", SOURCE_PYCOUNTRY)
        g.code(tid, "iso3166_2", s.code, SOURCE_PYCOUNTRY)

    corrections = {
        (c["iso_code"], c["column"], c["value"]): c["territory_id"]
        for c in _read(curated / "corrections.csv")
        if c["source"] == ISO_2020
    }
    for code, r in iso_2020.items():
        tid = code
        for column, language in (("iso_name", "latn"), ("name_en", "en"), ("name_ru", "ru")):
            value = r[column]
            owner = corrections.get((code, column, value), tid)
            g.name(owner, value, language, SOURCE_ISO_2020)
        g.override(tid, source=f"{SOURCE_ISO_2020}; {g.regions[tid]['source']}")
        if r["current"] != code:
            g.code(tid, "iso3166_2_2020", code, SOURCE_ISO_2020)
        # Display names: the 2020 list's English names of Russian subjects (pycountry's are
        # romanised Russian: "Kemerovskaya oblast'") and its Russian names (pycountry has none
        # for RU, KZ and KG); seeds/curated/territories.csv may still override both.
        en, ru_name = r["name_en"], r["name_ru"]
        if corrections.get((code, "name_en", en), tid) == tid and r["country"] == "RU":
            g.override(tid, name_en=en)
        if corrections.get((code, "name_ru", ru_name), tid) == tid:
            g.override(tid, name_ru=ru_name)

    for t in _read(curated / "territories.csv"):
        tid = t.pop("territory_id")
        if tid in g.regions:
            g.override(tid, **t)
        else:
            g.territory(tid, **t)
        for column, language in (("name_en", "en"), ("name_ru", "ru")):
            g.name(tid, t[column], language, t["source"] or "seeds/curated/territories.csv")
        if t["iso_code"] and t["iso_code"] != tid:
            g.code(tid, "iso3166_2_former", t["iso_code"], t["source"])

    _apply_changes(g, _read(reference / "territory_changes.csv"))

    # Russian federal subjects as registries write them: names with their type words, codes.
    by_iso = {
        r["iso_code"]: tid for tid, r in g.regions.items() if r["iso_code"] and not r["valid_to"]
    }
    for r in _read(shared / DADATA):
        tid = by_iso.get(r["iso_code"]) or _dadata_only(g, r)
        for name in (r["name"], r["name_with_type"], f"{r['name']} {r['type']}"):
            g.name(tid, name, "ru", SOURCE_DADATA)
        g.name(tid, r["geoname_name"], "en", f"{SOURCE_DADATA}, GeoNames name")
        for system in ("okato", "oktmo", "kladr_id"):
            g.code(tid, system.removesuffix("_id"), r[system], SOURCE_DADATA)
        if r["iso_code"] not in by_iso:
            g.code(tid, "dadata", r["iso_code"], SOURCE_DADATA)

    for n in _read(curated / "names.csv"):
        g.name(n["territory_id"], n["name"], n["language"], n["source"])
    for c in _read(curated / "codes.csv"):
        g.code(c["territory_id"], c["code_system"], c["code"], c["source"])

    regions = pl.DataFrame(
        sorted(g.regions.values(), key=lambda r: _order(r["territory_id"])),
        schema=dict.fromkeys(REGION_COLUMNS, pl.String),
    )
    names = pl.DataFrame(
        sorted(g.names.values(), key=lambda r: (_order(r["territory_id"]), r["name"])),
        schema={
            "territory_id": pl.String,
            "name": pl.String,
            "language": pl.String,
            "source": pl.String,
        },
    )
    codes = pl.DataFrame(
        sorted(
            g.codes.values(), key=lambda r: (_order(r["territory_id"]), r["code_system"], r["code"])
        ),
        schema={
            "territory_id": pl.String,
            "code_system": pl.String,
            "code": pl.String,
            "source": pl.String,
        },
    )
    _check_references(regions, names, codes)
    index = TerritoryIndex.from_rows(regions.to_dicts(), names.to_dicts(), codes.to_dicts())
    return {
        "regions": regions,
        "territory_names": names,
        "territory_codes": codes,
        "population": _population(shared, curated, index),
        "fx_rates": _fx_rates(shared, curated, reference),
    }


def _legacy_ids(path: Path) -> list[dict[str, str]]:
    """The 2020 list's rows with the current code of each (the same, or Kazakhstan's numeric
    code), matched on the ISO name, else the English name, within the country."""
    current: dict[tuple[str, str], str] = {}
    for cc in ("KG", "KZ", "RU"):
        for s in pycountry.subdivisions.get(country_code=cc):
            current[(cc, clean(s.name))] = s.code
    out = []
    for r in _read(path):
        code = r["iso_3166_2"]
        found = pycountry.subdivisions.get(code=code)
        if found is None:
            found_code = current.get((r["country"], clean(r["iso_name"]))) or current.get(
                (r["country"], clean(r["name_en"]))
            )
        else:
            found_code = found.code
        if not found_code:
            raise ValueError(f"{path.name}: {code} matches no current ISO 3166-2 subdivision")
        out.append(r | {"iso_2020": code, "current": found_code})
    return out


def _dadata_only(g: _Gazetteer, r: dict[str, str]) -> str:
    """A territory of the registry list that ISO 3166-2 does not know (Baikonur): it must be in
    seeds/curated/territories.csv, found by its Russian name."""
    for tid, region in g.regions.items():
        if clean(region["name_ru"]) == clean(r["name"]):
            return tid
    raise ValueError(
        f"{DADATA}: {r['name_with_type']} ({r['iso_code']}) is in no source of the gazetteer; "
        "add it to seeds/curated/territories.csv"
    )


def _apply_changes(g: _Gazetteer, changes: Iterable[dict[str, str]]) -> None:
    """Validity dates from the dated changes: a territory formed on a day exists from it; one
    abolished or merged into another on a day existed until the day before."""
    for c in changes:
        tid = c["territory_id"]
        if tid not in g.regions:
            raise ValueError(f"territory_changes.csv: {tid} is not a territory of the gazetteer")
        day = date.fromisoformat(c["change_date"])
        if c["change"] == "formed":
            g.override(tid, valid_from=day.isoformat())
        elif c["change"] in ("abolished", "merged_into"):
            g.override(tid, valid_to=(day - timedelta(days=1)).isoformat())


def _order(tid: str) -> tuple[int, str]:
    """Countries in the order of COUNTRIES, each followed by its territories by id."""
    country = tid[:2]
    return (COUNTRIES.index(country) if country in COUNTRIES else len(COUNTRIES), tid)


def _check_references(regions: pl.DataFrame, names: pl.DataFrame, codes: pl.DataFrame) -> None:
    ids = set(regions.get_column("territory_id"))
    problems = [
        f"parent {p} of {t}"
        for t, p in regions.select("territory_id", "parent_id").iter_rows()
        if p and p not in ids
    ]
    problems += [f"name of {t}" for t in names.get_column("territory_id") if t not in ids]
    problems += [f"code of {t}" for t in codes.get_column("territory_id") if t not in ids]
    if problems:
        raise ValueError(
            "the reference build refers to unknown territories: " + "; ".join(sorted(set(problems)))
        )


def _population(shared: Path, curated: Path, index: TerritoryIndex) -> pl.DataFrame:
    """One figure per territory and year: our cited figures first, then Kazakhstan's 2023
    regional figures, Wikidata's subnational points; for the countries, the World Bank's
    mid-year series (one definition for all 15)."""
    alpha3 = {pycountry.countries.get(alpha_2=cc).alpha_3: cc for cc in COUNTRIES}
    rows: dict[tuple[str, int], dict[str, str]] = {}

    def add(
        tid: str, year: int, population: str, reference_date: str, source: str, url: str
    ) -> None:
        rows.setdefault(
            (tid, year),
            {
                "territory_id": tid,
                "year": str(year),
                "population": str(int(float(population))),
                "reference_date": reference_date,
                "source": source,
                "source_url": url,
            },
        )

    for r in _read(curated / "population.csv"):
        add(
            r["territory_id"],
            int(r["year"]),
            r["population"],
            r["reference_date"],
            r["source"],
            r["source_url"],
        )
    for r in _read(shared / KZ_POPULATION):
        tid = index.resolve(r["Region"].removeprefix("The "), country="KZ")
        if tid is None:
            raise ValueError(
                f"{KZ_POPULATION}: '{r['Region']}' names no territory of the gazetteer"
            )
        if tid == "KZ":
            continue  # a country's figures are the World Bank's, one definition for all 15
        add(tid, 2023, r["Total"], "2023-01-01", KZ_POP_SOURCE, KZ_POP_URL)
    for r in _read(shared / WD_POPULATION):
        tid = index.resolve(r["iso_3166_2"])
        if tid is None:
            raise ValueError(
                f"{WD_POPULATION}: {r['iso_3166_2']} names no territory of the gazetteer"
            )
        add(tid, int(r["year"]), r["population"], f"{r['year']}-01-01", WD_POP_SOURCE, WD_POP_URL)
    for r in _read(shared / WB_POPULATION):
        add(
            alpha3[r["Country Code"]],
            int(r["Year"]),
            r["Value"],
            f"{r['Year']}-07-01",
            WB_POP_SOURCE,
            WB_POP_URL,
        )
    return pl.DataFrame(
        sorted(rows.values(), key=lambda r: (_order(r["territory_id"]), int(r["year"]))),
        schema={
            c: pl.String
            for c in (
                "territory_id",
                "year",
                "population",
                "reference_date",
                "source",
                "source_url",
            )
        },
    )


def _fx_rates(shared: Path, curated: Path, reference: Path) -> pl.DataFrame:
    """Local currency units per US dollar, one row per currency and year: the World Bank's
    series in the unit it is expressed in (today's unit, but for the euro adopters before the
    euro and Turkmenistan 2000-2001), the euro area's for EUR, and for a currency replaced by a
    redenomination its rate in the years it was in use, derived from its successor's."""
    alpha3 = {pycountry.countries.get(alpha_2=cc).alpha_3: cc for cc in COUNTRIES}
    currencies = _read(reference / "currencies.csv")
    today = {
        c["country_code"]: c["currency"]
        for c in currencies
        if c["country_code"] and not c["valid_to"]
    }
    units = _read(curated / "wdi_fx_units.csv")
    rates: dict[tuple[str, int], dict[str, str]] = {}

    def unit_of(cc: str, year: int) -> str:
        for u in units:
            if u["country_code"] == cc and int(u["first_year"]) <= year <= int(u["last_year"]):
                return u["currency"]
        return today[cc]

    for r in _read(shared / WB_FX):
        if not r["Value"]:
            continue
        year = int(r["Year"])
        currency = "EUR" if r["Country Code"] == "EMU" else unit_of(alpha3[r["Country Code"]], year)
        if currency == "EUR" and r["Country Code"] != "EMU":
            continue  # the euro adopters' series after the euro is the euro area's
        rates[(currency, year)] = {
            "currency": currency,
            "year": str(year),
            "lcu_per_usd": repr(float(r["Value"])),
            "source": FX_SOURCE,
            "source_url": FX_URL,
            "note": "",
        }
    # A redenomination: the old unit's rate is the new one's times the factor in the years the
    # old unit was in use, and the new unit's is the old one's divided by it where the series
    # gives only the old unit (Turkmenistan 2000-2001).
    for c in currencies:
        old, new = c["replaces"], c["currency"]
        if not old or not c["old_per_new"]:
            continue
        factor, changed = float(c["old_per_new"]), date.fromisoformat(c["valid_from"])
        for (currency, year), row in list(rates.items()):
            rate = float(row["lcu_per_usd"])
            if currency == new and date(year, 1, 1) < changed and (old, year) not in rates:
                target, value, how = old, rate * factor, f"the {new} rate x {c['old_per_new']}"
            elif currency == old and (new, year) not in rates:
                target, value, how = new, rate / factor, f"the {old} rate / {c['old_per_new']}"
            else:
                continue
            rates[(target, year)] = row | {
                "currency": target,
                "lcu_per_usd": repr(value),
                "note": f"derived by ecostat: {how} ({c['old_per_new']} {old} = 1 {new} from {changed})",
            }
    rows = sorted(rates.values(), key=lambda r: (r["currency"], int(r["year"])))
    rows.append(
        {
            "currency": "USD",
            "year": "",
            "lcu_per_usd": "1.0",
            "source": "by definition",
            "source_url": "",
            "note": "",
        }
    )
    return pl.DataFrame(
        rows,
        schema={
            c: pl.String
            for c in ("currency", "year", "lcu_per_usd", "source", "source_url", "note")
        },
    )


def write(tables: dict[str, pl.DataFrame], reference: Path) -> list[Path]:
    paths = []
    for name, frame in tables.items():
        path = reference / f"{name}.csv"
        frame.write_csv(path)
        paths.append(path)
    return paths


def stale(tables: dict[str, pl.DataFrame], reference: Path) -> list[str]:
    """The generated tables whose committed CSV differs from what the sources give now."""
    out = []
    for name, frame in tables.items():
        path = reference / f"{name}.csv"
        if not path.exists() or path.read_text(encoding="utf-8") != frame.write_csv():
            out.append(name)
    return out
