"""Seeds (seeds/reference/*.csv) and a data home's overlays (<home>/reference/*.csv) ->
core.<name>: the reference tables, rebuilt by a run when any file of the reference set changed.

An overlay is a ministry's own rows (districts, municipalities, spellings, populations, unit
words) in a file with the seed's name and columns, kept in the data home so that the
repository is never edited. Its rows are added to the seed's; every row of the table says where
it came from (``origin``: ``seeds`` or the overlay's path inside the home). Before anything is
loaded, seeds and overlays are checked against the table's declaration in tables.yaml (key,
required columns, types, references to other reference tables, vocabularies): a row that breaks
one is refused with its file and row, the table's asset fails with that message, and what
depends on the table waits for the fix (staging for the gazetteer and units; the marts for
populations and rates), so that nothing is staged or published against half a reference.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb
import polars as pl
import yaml

from contracts.air import AirReference
from contracts.territories import TerritoryIndex
from contracts.vocabulary import Units
from warehouse import ensure_schemas, scalar, table_fingerprint, units_in
from warehouse.engine import connect
from warehouse.home import SEEDS_DIR
from warehouse.keys import replace_row

REFERENCE_DIR = SEEDS_DIR / "reference"
SEED_ORIGIN = "seeds"


class OverlayError(ValueError):
    """A reference file (a seed or a data home's overlay) breaks its table's declaration."""


def reference_tables(reference_dir: Path = REFERENCE_DIR) -> dict[str, dict]:
    """name -> {grain, description, source, types, key, ...} from seeds/reference/tables.yaml."""
    tables = yaml.safe_load((reference_dir / "tables.yaml").read_text(encoding="utf-8"))
    for name in tables:
        if not (reference_dir / f"{name}.csv").exists():
            raise FileNotFoundError(
                f"seeds/reference/tables.yaml declares {name} but {name}.csv is missing"
            )
    return tables


def _read_csv(path: Path) -> pl.DataFrame:
    # Ours and overlays alike are comma-separated UTF-8 with a header (a BOM, as Excel writes
    # it, is allowed); read as text rather than sniffed, since a sniffer can take a "%" or "$"
    # cell for something else.
    return pl.read_csv(path, infer_schema=False, encoding="utf8-lossy").rename(
        lambda c: c.lstrip("\ufeff").strip()
    )


def _files(name: str, reference_dir: Path, overlay_dir: Path | None) -> list[tuple[str, Path]]:
    """(origin, path) of the seed and, when there is one, the overlay of a table."""
    out = [(SEED_ORIGIN, reference_dir / f"{name}.csv")]
    overlay = overlay_dir / f"{name}.csv" if overlay_dir is not None else None
    if overlay is not None and overlay.is_file():
        out.append((f"reference/{name}.csv", overlay))
    return out


def _frames(
    name: str, reference_dir: Path, overlay_dir: Path | None
) -> list[tuple[str, Path, pl.DataFrame]]:
    """(origin, path, rows) of the seed and, when there is one, the overlay of a table."""
    return [
        (origin, path, _read_csv(path)) for origin, path in _files(name, reference_dir, overlay_dir)
    ]


def _castable(value: str, kind: str) -> bool:
    try:
        if kind == "date":
            date.fromisoformat(value)
        elif kind in ("integer", "bigint"):
            int(value)
        elif kind == "double":
            float(value)
    except ValueError:
        return False
    return True


def reference_frame(
    name: str,
    tables: dict[str, dict],
    reference_dir: Path = REFERENCE_DIR,
    overlay_dir: Path | None = None,
) -> pl.DataFrame:
    """The rows of one reference table, seeds then overlay, as text with their ``origin``.

    Raises OverlayError naming every broken row (file, row as a spreadsheet shows it, rule)."""
    meta = tables[name]
    types: dict[str, str] = meta.get("types", {})
    frames = _frames(name, reference_dir, overlay_dir)
    columns = frames[0][2].columns
    problems: list[str] = []
    seen: dict[tuple, str] = {}
    targets = {
        table: _keys(table, tables, reference_dir, overlay_dir)
        for table in set(meta.get("references", {}).values())
    }
    kept = []
    for origin, path, frame in frames:
        where = f"seeds/reference/{path.name}" if origin == SEED_ORIGIN else f"<home>/{origin}"
        unknown = [c for c in frame.columns if c not in columns]
        if unknown:
            problems.append(
                f"{where}: columns {unknown} are not columns of {name} (they are: {', '.join(columns)})"
            )
            continue
        frame = frame.with_columns(
            pl.lit(None, dtype=pl.String).alias(c) for c in columns if c not in frame.columns
        ).select(columns)
        for i, row in enumerate(frame.iter_rows(named=True), start=2):
            row = {
                k: (v.strip() if isinstance(v, str) and v.strip() else None) for k, v in row.items()
            }
            said = []
            for col in meta.get("required", []):
                if row[col] is None:
                    said.append(f"{col} is empty")
            for col, kind in types.items():
                if row.get(col) is not None and not _castable(row[col], kind):
                    said.append(f"{col} '{row[col]}' is not a {kind}")
            for col, allowed in meta.get("allowed", {}).items():
                if row.get(col) is not None and row[col] not in allowed:
                    said.append(f"{col} '{row[col]}' is not one of {', '.join(allowed)}")
            for col, table in meta.get("references", {}).items():
                if row.get(col) is not None and row[col] not in targets[table]:
                    said.append(f"{col} '{row[col]}' is not a {table} row (seeds or overlay)")
            key = tuple(row[c] for c in meta.get("key", []))
            if key and key in seen:
                said.append(
                    f"{', '.join(meta['key'])} {' / '.join(str(k) for k in key)} is already in "
                    f"{seen[key]}: an overlay adds rows, it does not replace them"
                )
            if key:
                seen.setdefault(key, f"{where} row {i}")
            start, end = row.get("valid_from"), row.get("valid_to")
            dated = start and end and _castable(start, "date") and _castable(end, "date")
            if dated and end < start:
                said.append(f"valid_to {end} is before valid_from {start}")
            problems += [f"{where} row {i}: {s}" for s in said]
        kept.append(frame.with_columns(origin=pl.lit(origin)))
    if problems:
        raise OverlayError(
            f"reference table {name}: "
            + "; ".join(problems[:20])
            + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
            + ". Fix these rows (or remove the overlay file) and run again."
        )
    return pl.concat(kept, how="vertical")


def _keys(
    table: str, tables: dict[str, dict], reference_dir: Path, overlay_dir: Path | None
) -> set[str]:
    """The first key column's values of a table, seeds and overlay: what a reference may name."""
    column = tables[table]["key"][0]
    return {
        v.strip()
        for _, _, frame in _frames(table, reference_dir, overlay_dir)
        if column in frame.columns
        for v in frame.get_column(column).drop_nulls()
    }


def load_reference_table(
    con: duckdb.DuckDBPyConnection,
    name: str,
    tables: dict[str, dict],
    reference_dir: Path = REFERENCE_DIR,
    overlay_dir: Path | None = None,
) -> int:
    """(Re)build core.<name> from its seed and overlay: text columns, the declared ones cast."""
    types: dict[str, str] = tables[name].get("types", {})
    frame = reference_frame(name, tables, reference_dir, overlay_dir)
    select = ", ".join(
        f"cast(nullif(trim({c}), '') as {types[c]}) as {c}"
        if c in types
        else f"nullif(trim({c}), '') as {c}"
        for c in frame.columns
    )
    con.register("_ecostat_seed", frame.to_arrow())
    try:
        con.execute(f"create or replace table core.{name} as select {select} from _ecostat_seed")
    finally:
        con.unregister("_ecostat_seed")
    return scalar(con, f"select count(*) from core.{name}")


def reference_inputs(
    tables: dict[str, dict],
    reference_dir: Path = REFERENCE_DIR,
    overlay_dir: Path | None = None,
) -> str:
    """One fingerprint of everything a reference table is built and checked from: every seed
    and overlay of the reference set (a table's rows are checked against the others': a
    territory name must name a gazetteer row), their declarations and this loader. Any change
    to any of them builds every reference table again; otherwise a run keeps them."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update((reference_dir / "tables.yaml").read_bytes())
    for name in sorted(tables):
        for _, path in _files(name, reference_dir, overlay_dir):
            h.update(f"\0{name}\0{path.name}\0".encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def built_from(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """The inputs fingerprint of core.<name>'s last build, when the table is still there."""
    found = con.execute(
        "select b.inputs_fingerprint from audit.reference_builds b "
        "join duckdb_tables() t on t.schema_name = 'core' and t.table_name = ? "
        "where b.table_name = 'core.' || ?",
        [name, name],
    ).fetchall()
    return found[0][0] if found else None


def record_build(
    con: duckdb.DuckDBPyConnection, name: str, inputs: str, content: str, rows: int, run_id: str
) -> None:
    replace_row(
        con,
        "audit.reference_builds",
        {
            "table_name": f"core.{name}",
            "inputs_fingerprint": inputs,
            "table_fingerprint": content,
            "rows_built": rows,
            "built_at": datetime.now(UTC).replace(tzinfo=None),
            "run_id": run_id,
        },
    )


def load_all(
    con: duckdb.DuckDBPyConnection,
    reference_dir: Path = REFERENCE_DIR,
    overlay_dir: Path | None = None,
) -> dict[str, int]:
    """Every reference table, as the reference assets build them (for tests and tools that
    work on a warehouse without Dagster). Returns the rows of each."""
    tables = reference_tables(reference_dir)
    return {
        name: load_reference_table(con, name, tables, reference_dir, overlay_dir) for name in tables
    }


class StagingReference(NamedTuple):
    """What staging reads from the reference tables."""

    units: Units
    territories: TerritoryIndex
    air: AirReference


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    return con.sql(sql).pl().to_dicts()


def air_reference(con: duckdb.DuckDBPyConnection) -> AirReference:
    """The station register and the conversion facts as loaded in the warehouse."""
    regions = _rows(con, "select territory_id, parent_id, country_code from core.regions")
    return AirReference.from_rows(
        _rows(con, "select * from core.air_quality_stations"),
        _rows(con, "select * from core.air_quality_station_names"),
        {r["territory_id"]: r["parent_id"] or None for r in regions},
        {r["territory_id"]: r["country_code"] for r in regions},
        _rows(con, "select * from core.air_quality_pollutants"),
        _rows(con, "select * from core.air_quality_conversion_bases"),
        _rows(con, "select * from core.air_quality_standards"),
    )


# The tables staging reads, and what was built from them last (by their content).
_STAGING_TABLES = (
    "core.units",
    "core.scales",
    "core.regions",
    "core.territory_names",
    "core.territory_codes",
    "core.air_quality_stations",
    "core.air_quality_station_names",
    "core.air_quality_pollutants",
    "core.air_quality_conversion_bases",
    "core.air_quality_standards",
)
_LAST: list[tuple[tuple, StagingReference]] = []


def reference(con: duckdb.DuckDBPyConnection) -> StagingReference:
    """The unit vocabulary, the gazetteer and the air-quality reference as loaded in the
    warehouse (core.units, core.scales, core.regions, core.territory_names,
    core.territory_codes, core.air_quality_*, seeds and overlays), so that staging uses
    exactly what the warehouse shows.

    Built once per content: each dataset's staging step of a run asks for it, and the
    gazetteer's index costs a quarter of a second to build. The tables' fingerprints (rows
    counted and hashed, milliseconds) say that they are what it was built from."""
    key = tuple(table_fingerprint(con, table) for table in _STAGING_TABLES)
    if _LAST and _LAST[0][0] == key:
        return _LAST[0][1]
    built = _reference(con)
    _LAST[:] = [(key, built)]
    return built


def _reference(con: duckdb.DuckDBPyConnection) -> StagingReference:
    units = units_in(con)
    territories = TerritoryIndex.from_rows(
        _rows(
            con,
            "select territory_id, iso_code, country_code, place_type, level, name_en, name_ru, "
            "name_local, valid_from, valid_to from core.regions",
        ),
        _rows(con, "select territory_id, name from core.territory_names"),
        _rows(con, "select territory_id, code from core.territory_codes"),
    )
    return StagingReference(units, territories, air_reference(con))


def reference_in_memory(overlay_dir: Path | None = None) -> StagingReference:
    """What staging reads, from the seeds and a home's overlays, built in an in-memory
    database: for commands that read files without a warehouse (check, extract)."""
    con = connect()  # nothing is written anywhere
    try:
        ensure_schemas(con)
        load_all(con, overlay_dir=overlay_dir)
        return reference(con)
    finally:
        con.close()
