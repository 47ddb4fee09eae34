"""How one landed file's headers were read: the column map ingest records and staging reads.

Grain: one per file version, kept as JSON in audit.source_files.column_map. Ingest writes it
(assets/ingest/read.py) from the header row it found and the source spec in force; staging
reads its options back (assets/staging/load.py), a run compares them with what the spec gives
now (``with_spec_options``, ``options_changed``: a changed option stages the file again), and
`ecostat check` and the summary show it. One model instead of a dict with magic keys read in
several places; the JSON is written exactly as before it (same keys, order and separators), so
warehouses written earlier read back the same.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field

from contracts import SourceSpec
from contracts.vocabulary import normalise_key


class MappedColumn(BaseModel):
    """The contract column a header was read into, and the unit its text or the spec gave."""

    model_config = ConfigDict(frozen=True)

    column: str
    unit: str | None = None


class ColumnMap(BaseModel):
    """A file's headers -> contract columns and units, and the source spec's staging options."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    source_spec: str | None = None
    # header as written -> column and unit; a wide table's value columns are one entry named
    # "<n> columns <first>..<last>"
    columns: dict[str, MappedColumn] = Field(default_factory=dict)
    constants: dict[str, str] = Field(default_factory=dict)  # column -> value for every row
    territories: dict[str, str] = Field(default_factory=dict)  # name as written -> territory id
    country: str | None = None
    unmapped: list[str] = Field(default_factory=list)  # headers kept in raw.<dataset>.extra
    decimal_separator: str = ","

    @classmethod
    def from_json(cls, text: str | None) -> ColumnMap:
        """The map as audit.source_files keeps it (an empty one for None)."""
        return cls.model_validate(json.loads(text)) if text else cls()

    def to_json(self) -> str:
        return json.dumps(self.model_dump(), ensure_ascii=False)

    @property
    def units(self) -> dict[str, str]:
        """Contract column -> the unit its header (or the spec) gave, where one did."""
        return {m.column: m.unit for m in self.columns.values() if m.unit}

    def with_spec_options(self, spec: SourceSpec | None) -> ColumnMap:
        """The staging options as the source spec gives them now: constants, its territory
        names, country and decimal separator, and the unit of every header the spec maps itself
        (headers read by the contract's aliases keep the unit their text gave)."""
        if spec is None:
            return self
        explicit = {normalise_key(h): m for h, m in spec.mapping().items()}
        columns = {}
        for header, mapped in self.columns.items():
            m = explicit.get(normalise_key(header))
            if m is not None and m.column == mapped.column:
                mapped = MappedColumn(column=m.column, unit=m.unit or mapped.unit)
            if spec.unpivot and mapped.column == spec.unpivot.value_to and " columns " in header:
                mapped = MappedColumn(column=mapped.column, unit=spec.unpivot.unit)
            columns[header] = mapped
        return self.model_copy(
            update={
                "columns": columns,
                "constants": spec.constants,
                "territories": spec.territories,
                "country": spec.country,
                "decimal_separator": spec.decimal_separator,
            }
        )

    def options_changed(self, spec: SourceSpec | None) -> list[str]:
        """The staging options (and header units) the source spec now gives otherwise."""
        if spec is None:
            return []
        now = self.with_spec_options(spec)
        return sorted(
            name
            for name in ("columns", "constants", "territories", "country", "decimal_separator")
            if getattr(now, name) != getattr(self, name)
        )
