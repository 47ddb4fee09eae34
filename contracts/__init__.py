"""Dataset contracts and source specs: what data must look like, and how a publisher's file maps
onto a dataset.

A dataset is declared by ``contracts/<dataset>/contract.yaml`` (grain, columns with unit,
description and header aliases, rules) and ``contracts/<dataset>/model.py`` (the pandera model
that enforces the rules on typed rows). A publisher's file layout is declared by one YAML file in
``contracts/sources/``. Nothing here does I/O beyond reading these declarations.
"""

from __future__ import annotations

import copy
import fnmatch
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.vocabulary import normalise_key

CONTRACTS_DIR = Path(__file__).parent
SOURCES_DIR = CONTRACTS_DIR / "sources"

ColumnType = Literal[
    "territory", "station", "period", "date", "timestamp", "text", "count", "quantity", "measure"
]

# DuckDB type of each staged column type (a measure adds <name>_unit, a territory territory_id).
_DUCK_TYPES = {
    "territory": "varchar",
    "station": "varchar",  # as written; station_id beside it
    "text": "varchar",
    "date": "date",
    "timestamp": "timestamptz",  # an instant, stored in UTC
    "count": "bigint",
    "quantity": "double",
    "measure": "double",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnSpec(_Strict):
    """One column of a dataset contract."""

    name: str
    type: ColumnType
    description: str
    unit: str | None = None
    required: bool = False
    default: str | None = None  # the value when a file has no such column or leaves it empty
    input_only: bool = False  # read from files but not stored (a period fills period_start/end)
    part_of: str | None = None  # a fraction of another quantity column
    material: str | None = None  # EWC-Stat class of a fraction
    dimensions: list[str] | None = None  # a measure: the unit dimensions it may hold ("money:*")
    unit_column: str | None = (
        None  # a measure: the text column giving the unit when cells have none
    )
    # A timestamp written in local time: the text column naming its IANA time zone
    # ("Asia/Bishkek"), from the file or a source spec's constant. The row's period is the
    # local day. A timestamp written with its UTC offset needs none.
    timezone_column: str | None = None
    # Cells that mean "no value" in a publisher's layout (AirNow's -999): the row is refused
    # with rule missing_value, and counted as such, never read as a number.
    missing_markers: list[str] = Field(default_factory=list)
    # Values of the vocabulary that refuse their row (a publisher's QC flag "invalid"): rule
    # refused_value, the row counted and kept in quarantine, never averaged.
    refuse: list[str] = Field(default_factory=list)
    # A day of the month (a wide bulletin's column header "1".."31") whose month is written in
    # the named column ("январь 2023", from the file's title): together they give the row's
    # day, and a timestamp column left empty is that day's local midnight.
    day_of: str | None = None
    # A fixed vocabulary: a list of values, or value -> the spellings submissions use for it.
    allowed: list[str] | dict[str, list[str]] | None = None
    aliases: list[str] = Field(default_factory=list)

    def vocabulary(self) -> dict[str, str]:
        """Normalised spelling -> canonical value, for a column with a fixed vocabulary."""
        if not self.allowed:
            return {}
        pairs = (
            self.allowed.items()
            if isinstance(self.allowed, dict)
            else ((v, []) for v in self.allowed)
        )
        return {
            normalise_key(spelling): value
            for value, spellings in pairs
            for spelling in [value, *spellings]
        }


class RuleSpec(_Strict):
    """A named rule. Extra numbers (tolerances) are read by the model that enforces the rule."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: str
    description: str


class SeriesSpec(_Strict):
    """Indicators of a dataset that one comparable series may join (#31.3): the same measure
    under one definition, declared with the reason. An indicator in no series stands alone."""

    name: str
    title: str
    indicators: list[str]
    why: str


class Contract(_Strict):
    """The declaration of one dataset."""

    dataset: str
    title: str
    grain: str
    description: str
    # A figure is expected every year (annual statistics): a year missing inside a territory's
    # series is a coverage gap worth a finding. Events and registers are not periodic: a year
    # without one is no gap.
    periodic: bool
    columns: list[ColumnSpec]
    rules: list[RuleSpec]
    # How many years a status record stands when no later record of the facility comes: a mart
    # that carries statuses forward (marts.waste_capacity) counts a status no longer than this.
    # Keys are values of the `status` column's vocabulary.
    status_horizon_years: dict[str, int] = Field(default_factory=dict)
    # Comparable series of this dataset's indicators (marts.region_year_indicators): a column
    # that follows a measure over territories and years (the scorecard's) shows one series, so
    # it never holds two definitions.
    series: list[SeriesSpec] = Field(default_factory=list)
    # The share of a territory's subdivisions a roll-up of this dataset must cover (have a
    # record in) for a per-capita value: a country's capacity from one plant is not the
    # country's (#31.5). None: every roll-up gets one.
    rollup_min_coverage: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _check(self) -> Contract:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.dataset}: duplicate column names")
        strays = [
            i for sr in self.series for i in sr.indicators if not i.startswith(f"{self.dataset}_")
        ]
        if strays:
            raise ValueError(f"{self.dataset}: series name indicators of other datasets: {strays}")
        if self.status_horizon_years:
            statuses = set(
                next((c for c in self.columns if c.name == "status"), None).vocabulary().values()
                if "status" in names
                else ()
            )
            unknown = sorted(set(self.status_horizon_years) - statuses)
            if unknown:
                raise ValueError(
                    f"{self.dataset}: status_horizon_years names statuses the status column "
                    f"does not allow: {unknown}"
                )
        for c in self.columns:
            if c.part_of and c.part_of not in names:
                raise ValueError(
                    f"{self.dataset}.{c.name}: part_of names unknown column {c.part_of}"
                )
            if c.type in ("quantity", "count") and not c.unit:
                raise ValueError(f"{self.dataset}.{c.name}: a {c.type} column needs a unit")
            if c.type == "measure" and not c.dimensions:
                raise ValueError(f"{self.dataset}.{c.name}: a measure column needs its dimensions")
            if c.timezone_column and c.timezone_column not in names:
                raise ValueError(
                    f"{self.dataset}.{c.name}: timezone_column names unknown column "
                    f"{c.timezone_column}"
                )
            if c.refuse and not set(c.refuse) <= set(c.vocabulary().values()):
                raise ValueError(
                    f"{self.dataset}.{c.name}: refuse names values its vocabulary does not allow"
                )
            if c.type == "station" and not any(o.type == "territory" for o in self.columns):
                raise ValueError(
                    f"{self.dataset}.{c.name}: a station is found within its territory: the "
                    "contract needs a territory column"
                )
            if c.day_of and c.day_of not in names:
                raise ValueError(f"{self.dataset}.{c.name}: day_of names unknown column {c.day_of}")
            if c.unit_column and c.unit_column not in names:
                raise ValueError(
                    f"{self.dataset}.{c.name}: unit_column names unknown column {c.unit_column}"
                )
        return self

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.dataset} has no column {name!r}")

    def rule(self, name: str) -> RuleSpec:
        for r in self.rules:
            if r.name == name:
                return r
        raise KeyError(f"{self.dataset} has no rule {name!r}")

    @property
    def stored_columns(self) -> list[ColumnSpec]:
        """Columns kept in staging and core (all but input-only ones)."""
        return [c for c in self.columns if not c.input_only]

    def staged_columns(self) -> list[tuple[str, str]]:
        """(name, DuckDB type) of staging.<dataset>'s value columns, in order: a territory adds
        territory_id after it, a station station_id, a measure <name>_unit."""
        out = []
        for c in self.stored_columns:
            out.append((c.name, _DUCK_TYPES[c.type]))
            if c.type == "territory":
                out.append(("territory_id", "varchar"))
            if c.type == "station":
                out.append(("station_id", "varchar"))
            if c.type == "measure":
                out.append((f"{c.name}_unit", "varchar"))
        return out

    @property
    def fractions(self) -> dict[str, list[str]]:
        """Total column -> its fraction columns."""
        out: dict[str, list[str]] = {}
        for c in self.columns:
            if c.part_of:
                out.setdefault(c.part_of, []).append(c.name)
        return out

    def schema(self) -> Any:
        """The pandera schema of this dataset's staged rows, generated from this contract and the
        dataset's own checks (contracts/schema.py)."""
        from contracts.schema import schema  # it reads this module's classes

        return schema(self)


class ColumnMapping(_Strict):
    """How one header of a source file maps onto a contract column."""

    column: str
    unit: str | None = None  # unit of the values when the cells carry none ("Собрано, кг")


class UnpivotSpec(_Strict):
    """Wide-to-long: columns whose header matches ``columns`` (a regular expression, such as the
    years "^(19|20)\\d{2}$") become one record each; the header goes to ``name_to`` and the cell
    to ``value_to``, in ``unit`` when the cells carry none."""

    columns: str
    name_to: str
    value_to: str
    unit: str | None = None


class SourceSpec(_Strict):
    """How one publisher's file layout maps onto a dataset (contracts/sources/*.yaml)."""

    name: str
    dataset: str  # or "*": a layout ecostat itself writes for every dataset (contract columns)
    description: str = ""
    match: str = "*"  # glob on the file name inside landing/<dataset>/
    encoding: str = "auto"  # auto: BOM, then UTF-8, then the Cyrillic code page that fits best
    delimiter: str = "auto"  # auto: the one of , ; tab | that splits the header best
    # "," (Russian style): spaces and points group thousands. ".": commas group thousands.
    decimal_separator: Literal[",", "."] = ","
    sheet: str | None = None  # Excel sheet name; default: the first sheet
    header_row: int | None = None  # 1-based; default: the first row where headers are recognised
    columns: dict[str, str | ColumnMapping] = Field(default_factory=dict)
    ignore: list[str] = Field(
        default_factory=list
    )  # headers left unused on purpose (kept in raw.extra)
    constants: dict[str, str] = Field(default_factory=dict)  # column -> value for every row
    unpivot: UnpivotSpec | None = None  # wide tables: one record per matching column
    # Values the title above the header gives every row (a bulletin's month): column -> a
    # regular expression searched in the text of the rows above the header; its first group
    # (or the whole match) is the value. A file whose title does not match is refused.
    from_title: dict[str, str] = Field(default_factory=dict)
    # Names this publisher uses for territories that should not become gazetteer aliases for
    # everyone (a district named like a town elsewhere): name as written -> territory id.
    territories: dict[str, str] = Field(default_factory=dict)
    # The country every row belongs to (ISO 3166-1 alpha-2), when the file does not say it:
    # it chooses between territories of several countries and bounds "did you mean".
    country: str | None = None
    priority: int = 0  # higher wins when several specs match a file

    @model_validator(mode="after")
    def _patterns(self) -> SourceSpec:
        """A pattern that is no regular expression is refused with the spec, not when a file
        is read."""
        for column, pattern in self.from_title.items():
            try:
                re.compile(pattern)
            except re.error as e:
                raise ValueError(
                    f"from_title {column}: {pattern!r} is no regular expression ({e})"
                ) from None
        return self

    def mapping(self) -> dict[str, ColumnMapping]:
        return {
            header: m if isinstance(m, ColumnMapping) else ColumnMapping(column=m)
            for header, m in self.columns.items()
        }

    def validate_against(self, contract: Contract) -> None:
        names = {c.name for c in contract.columns}
        unknown = {m.column for m in self.mapping().values()} | set(self.constants)
        unknown |= set(self.from_title)
        if self.unpivot:
            unknown |= {self.unpivot.name_to, self.unpivot.value_to}
        unknown -= names
        if unknown:
            import difflib

            guesses = {
                u: near[0]
                for u in sorted(unknown)
                if (near := difflib.get_close_matches(u, sorted(names), n=1, cutoff=0.6))
            }
            if len(unknown) == 1 and guesses:
                hint = f" (did you mean {next(iter(guesses.values()))}?)"
            elif guesses:
                hint = " (did you mean " + ", ".join(f"{g} for {u}" for u, g in guesses.items())
                hint += "?)"
            else:
                hint = ""
            raise ValueError(
                f"unknown {contract.dataset} columns {', '.join(sorted(unknown))}{hint}; the "
                f"contract's columns are {', '.join(c.name for c in contract.columns)}"
            )


# A declaration is a few kilobytes written by hand. These bounds refuse, in milliseconds and
# with the file and line, what no person writes: an "anchor bomb" (aliases of aliases that
# expand to billions of values when a message is built from them), a file of megabytes,
# nesting no contract has, and tags (!!python/object), which safe loading refuses with a
# traceback.
_YAML_MAX_BYTES = 1_000_000
_YAML_MAX_NODES = 100_000  # values once every alias is expanded
_YAML_MAX_DEPTH = 32
# libyaml's safe loader where PyYAML was built with it (its wheels are): 11 declarations read
# twice (events, then values) took 0.58 s in Python, a tenth of that in C.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DeclarationError(ValueError):
    """A YAML declaration refused before it is read: the message names the file and line."""


# Declarations already read, by path and text: a run reads seeds/reference/tables.yaml over a
# hundred times (each vocabulary, each macro) and every source spec once per step. The text is
# read each time (microseconds), so a file changed since is parsed and checked again.
_READ: dict[Path, tuple[str, Any]] = {}  # the last text read of each file, parsed


def _read_yaml(path: Path) -> Any:
    """A declaration's YAML, read safely and within the bounds above. Each caller gets its own
    copy, so that none can change what the next one reads."""
    size = path.stat().st_size
    if size > _YAML_MAX_BYTES:
        raise DeclarationError(
            f"{path}: {size:,} bytes, more than a declaration has ({_YAML_MAX_BYTES:,} at most)"
        )
    text = path.read_text(encoding="utf-8")
    seen = _READ.get(path)
    if seen is None or seen[0] != text:
        seen = _READ[path] = (text, _parse_yaml(path, text))
    return copy.deepcopy(seen[1])


def _parse_yaml(path: Path, text: str) -> Any:
    # The size of each anchored node once expanded, and of each collection being read.
    anchored: dict[str, int] = {}
    open_: list[tuple[str | None, int]] = [(None, 0)]
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            line = event.start_mark.line + 1
            tag = getattr(event, "tag", None)
            if (
                tag
                and tag not in ("!", "tag:yaml.org,2002:str")
                and (not tag.startswith("tag:yaml.org,2002:") or "python" in tag)
            ):
                raise DeclarationError(
                    f"{path} line {line}: tags are not allowed ({tag}); write plain values"
                )
            if isinstance(event, yaml.CollectionStartEvent):
                open_.append((event.anchor, 1))
                if len(open_) > _YAML_MAX_DEPTH:
                    raise DeclarationError(
                        f"{path} line {line}: nested more than {_YAML_MAX_DEPTH} levels deep"
                    )
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                anchor, nodes = open_.pop()
            elif isinstance(event, yaml.AliasEvent):
                anchor, nodes = None, anchored.get(event.anchor, 1)
            elif isinstance(event, yaml.ScalarEvent):
                anchor, nodes = event.anchor, 1
            else:
                continue
            if anchor is not None:
                anchored[anchor] = nodes
            parent_anchor, parent_nodes = open_[-1]
            open_[-1] = (parent_anchor, parent_nodes + nodes)
            if parent_nodes + nodes > _YAML_MAX_NODES:
                raise DeclarationError(
                    f"{path} line {line}: expands to more than {_YAML_MAX_NODES:,} values "
                    "(anchors and aliases repeated into each other): write the values out"
                )
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise DeclarationError(f"{path}{where}: not valid YAML ({problem})") from None


@cache
def load_contract(dataset: str) -> Contract:
    """The contract of ``dataset``, validated."""
    path = CONTRACTS_DIR / dataset / "contract.yaml"
    if not path.exists():
        raise KeyError(f"no contract for dataset {dataset!r} (looked for {path})")
    contract = Contract.model_validate(_read_yaml(path))
    if contract.dataset != dataset:
        raise ValueError(f"{path}: declares dataset {contract.dataset!r}, expected {dataset!r}")
    return contract


REFERENCE_DECLARATION = CONTRACTS_DIR.parent / "seeds" / "reference" / "tables.yaml"


@cache
def reference_vocabulary(name: str) -> tuple[str, ...]:
    """The values a reference table's column may take, in their declared order, as
    seeds/reference/tables.yaml declares them (``allowed``): ``reference_vocabulary(
    "regions.level")`` is country, region, city, municipality, district. The one declaration of
    such a vocabulary, from which every check and label list is made."""
    table, _, column = name.partition(".")
    values = (_reference_declaration(table).get("allowed") or {}).get(column)
    if not values:
        raise KeyError(f"seeds/reference/tables.yaml declares no allowed values for {name}")
    return tuple(values)


def _reference_declaration(table: str) -> dict:
    """What seeds/reference/tables.yaml declares of one reference table."""
    return (_read_yaml(REFERENCE_DECLARATION) or {}).get(table) or {}


def population_plausible_change() -> float:
    """The yearly change beyond which a population figure is a finding (seeds/reference/
    tables.yaml, population: plausible_change_per_year)."""
    return float(_reference_declaration("population")["plausible_change_per_year"])


def population_reach_years() -> int:
    """How many years from its own a per-capita figure may take its population from
    (seeds/reference/tables.yaml, population: nearest_year_within)."""
    return int(_reference_declaration("population")["nearest_year_within"])


def datasets() -> list[str]:
    """Every declared dataset, in name order."""
    return sorted(p.parent.name for p in CONTRACTS_DIR.glob("*/contract.yaml"))


@cache
def status_horizons() -> dict[tuple[str, str], int]:
    """(dataset, status) -> the years a status record stands, as the contracts declare them."""
    return {
        (ds, status): years
        for ds in datasets()
        for status, years in load_contract(ds).status_horizon_years.items()
    }


def declared_series() -> dict[str, SeriesSpec]:
    """Every dataset's comparable series, by name (a name is declared once)."""
    out: dict[str, SeriesSpec] = {}
    for ds in datasets():
        for series in load_contract(ds).series:
            if series.name in out:
                raise ValueError(f"series {series.name!r} is declared twice")
            out[series.name] = series
    return out


def periodic_datasets() -> tuple[str, ...]:
    """The datasets whose contracts declare them periodic (a figure expected every year)."""
    return tuple(ds for ds in datasets() if load_contract(ds).periodic)


ANY_DATASET = "*"  # a source spec's dataset: it applies in every landing/<dataset>/


@dataclass(frozen=True)
class SpecProblem:
    """A source spec that cannot be used, said in one line. ``dataset`` and ``match`` are what
    it declares, where it could be read that far: the files it matches are held back (failed,
    read again once it is fixed), and every other file goes on."""

    path: Path
    dataset: str | None
    match: str | None
    message: str

    def matches(self, dataset: str, file_name: str) -> bool:
        return self.dataset in (dataset, ANY_DATASET) and fnmatch.fnmatch(
            file_name.lower(), (self.match or "*").lower()
        )


def _problem(path: Path, error: Exception) -> SpecProblem:
    """What is wrong with a spec, in one line, with what it declares of its dataset and files."""
    from pydantic import ValidationError

    declared: dict = {}
    try:
        text = _read_yaml(path)
        declared = text if isinstance(text, dict) else {}
    except (DeclarationError, OSError, UnicodeDecodeError):
        pass
    if isinstance(error, DeclarationError):
        message = f"source spec {error}"
    elif isinstance(error, ValidationError):
        parts = [
            f"{'.'.join(str(x) for x in e['loc']) or 'the spec'}: {e['msg']}"
            for e in error.errors()[:5]
        ]
        message = f"source spec {path}: {'; '.join(parts)}"
    else:
        message = f"source spec {path}: {error}"
    dataset, match = declared.get("dataset"), declared.get("match", "*")
    return SpecProblem(
        path,
        dataset if isinstance(dataset, str) else None,
        match if isinstance(match, str) else None,
        message,
    )


def load_source_specs(
    *extra_dirs: Path,
    sources_dir: Path = SOURCES_DIR,
    problems: list[SpecProblem] | None = None,
) -> list[SourceSpec]:
    """Every source spec in ``sources_dir`` (the repository's) and in ``extra_dirs`` (a data home's
    sources/ folder, where a data engineer adds a layout without touching the code), each checked
    against its dataset's contract. Two specs with one name are an error.

    With ``problems``, a spec that cannot be used is left out and said there (a run then holds
    back only the files it matches); without, it raises."""
    specs: list[SourceSpec] = []
    for folder in (sources_dir, *extra_dirs):
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            try:
                spec = SourceSpec.model_validate(_read_yaml(path))
                for dataset in datasets() if spec.dataset == ANY_DATASET else [spec.dataset]:
                    spec.validate_against(load_contract(dataset))
            except (ValueError, KeyError) as e:  # DeclarationError and pydantic's are ValueErrors
                if problems is not None:
                    problems.append(_problem(path, e))
                    continue
                if isinstance(e, DeclarationError):
                    raise DeclarationError(f"source spec {e}") from None
                raise ValueError(f"source spec {path}: {e}") from e
            specs.append(spec)
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(
            f"source spec names must be unique: {sorted(n for n in set(names) if names.count(n) > 1)}"
        )
    return specs


def default_spec(dataset: str) -> SourceSpec:
    """The spec used when no source spec matches: everything detected, headers by contract aliases."""
    return SourceSpec(name="auto", dataset=dataset, description="detected layout")


def spec_for(dataset: str, file_name: str, specs: list[SourceSpec]) -> SourceSpec:
    """The source spec for a file landed in ``landing/<dataset>/``: the matching spec of highest
    priority (then the most specific pattern), else the detected layout."""
    matching = [
        s if s.dataset == dataset else s.model_copy(update={"dataset": dataset})
        for s in specs
        if s.dataset in (dataset, ANY_DATASET)
        and fnmatch.fnmatch(file_name.lower(), s.match.lower())
    ]
    if not matching:
        return default_spec(dataset)
    return max(matching, key=lambda s: (s.priority, len(s.match), s.name))
