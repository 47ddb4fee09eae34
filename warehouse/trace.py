"""Provenance: from one row of a mart (or core table) back to the source rows behind it.

A row's ``source_row_ids`` (or ``source_row_id``) are ``file_id:row_number[:source_column]``.
For each, the trace gives the file (path, sha256, sheet, header row, spec, encoding), the cells
as written (raw), the typed values (staging) and how each cell was read (header, unit, scale
factor); then the reference figures the mart used (population), the SQL that built the table and
the checks of the latest run on every table along the way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import duckdb

from warehouse import SqlModel, first_row, sql_models

SYSTEM_COLUMNS = {"file_id", "row_number", "source_column", "extra", "overflow"}


class TraceError(ValueError):
    """The table or row to trace does not exist, or the table holds no source row ids."""


@dataclass
class SourceRow:
    source_row_id: str
    dataset: str | None = None
    path: str | None = None
    sha256: str | None = None
    sheet: str | None = None
    row_number: int | None = None
    source_column: str = ""
    header_row: int | None = None
    source_spec: str | None = None
    encoding: str | None = None
    file_status: str | None = None
    loaded_at: str | None = None
    as_written: dict[str, str] = field(default_factory=dict)  # contract column -> cell text
    typed: dict[str, object] = field(default_factory=dict)  # staged values
    readings: list[str] = field(default_factory=list)  # how each cell was read
    document: dict[str, str] = field(default_factory=dict)  # source title, url, confidence


@dataclass
class Trace:
    table: str
    row: dict[str, object]
    built_by: str | None
    built_from: list[str]
    source_rows: list[SourceRow]
    references: list[str]
    checks: list[dict]
    run_id: str | None

    def to_dict(self) -> dict:
        return json.loads(json.dumps(self, default=_plain))


def _plain(o: object) -> object:
    if hasattr(o, "__dataclass_fields__"):
        return o.__dict__
    return str(o)


def _model(table: str) -> SqlModel | None:
    return next((m for m in sql_models() if m.table == table), None)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".", 1)
    rows = con.execute(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
        "order by column_index",
        [schema, name],
    ).fetchall()
    return [r[0] for r in rows]


def find_rows(
    con: duckdb.DuckDBPyConnection, table: str, where: dict[str, str], limit: int = 50
) -> list[dict]:
    """Rows of ``table`` whose columns equal the given values (compared as text)."""
    columns = _columns(con, table)
    if not columns:
        raise TraceError(f"no table {table} in the warehouse")
    unknown = sorted(set(where) - set(columns))
    if unknown:
        raise TraceError(
            f"{table} has no column {', '.join(unknown)}; columns: {', '.join(columns)}"
        )
    condition = " and ".join(f'"{c}"::varchar = ?' for c in where) or "true"
    frame = con.sql(
        f"select * from {table} where {condition} limit {limit}", params=list(where.values())
    ).pl()
    return frame.to_dicts()


def trace_row(con: duckdb.DuckDBPyConnection, table: str, row: dict) -> Trace:
    """The provenance of one row of ``table`` (as returned by ``find_rows``)."""
    if "source_row_ids" in row:
        ids = list(row["source_row_ids"] or [])
    elif "source_row_id" in row:
        ids = [row["source_row_id"]]
    else:
        raise TraceError(f"{table} does not keep source row ids (source_row_ids or source_row_id)")
    model = _model(table)
    sources = [_source_row(con, i) for i in ids]
    run = first_row(
        con, "select run_id from audit.validation_results order by checked_at desc limit 1"
    )
    run_id = run[0] if run else None
    tables = [table, *sorted({f"staging.{s.dataset}" for s in sources if s.dataset})]
    if model:
        tables += [d for d in model.deps if d not in tables]
    checks = (
        con.sql(
            f"""select target, check_name, engine, severity, passed, rows_checked, rows_failed
                from audit.validation_results
                where run_id = ? and target in ({", ".join("?" * len(tables))})
                order by target, passed, check_name""",
            params=[run_id, *tables],
        )
        .pl()
        .to_dicts()
        if run_id
        else []
    )
    return Trace(
        table=table,
        row={k: v for k, v in row.items() if k != "source_row_ids"},
        built_by=f"warehouse/{model.layer}/{model.name}.sql" if model else None,
        built_from=list(model.deps) if model else [],
        source_rows=sources,
        references=_references(con, row),
        checks=checks,
        run_id=run_id,
    )


def _source_row(con: duckdb.DuckDBPyConnection, source_row_id: str) -> SourceRow:
    file_id, row_number, *rest = source_row_id.split(":", 2)
    out = SourceRow(
        source_row_id, row_number=int(row_number), source_column=rest[0] if rest else ""
    )
    f = con.sql(
        """select dataset, path, sha256, sheet, header_row, source_spec, encoding, status,
                  loaded_at::varchar as loaded_at, column_map
           from audit.source_files where file_id = ?""",
        params=[file_id],
    ).pl()
    if f.height == 0:
        return out
    meta = f.row(0, named=True)
    out.dataset, out.path, out.sha256 = meta["dataset"], meta["path"], meta["sha256"]
    out.sheet, out.header_row, out.source_spec = (
        meta["sheet"],
        meta["header_row"],
        meta["source_spec"],
    )
    out.encoding, out.file_status, out.loaded_at = (
        meta["encoding"],
        meta["status"],
        meta["loaded_at"],
    )
    key = [file_id, out.row_number, out.source_column]
    where = "file_id = ? and row_number = ? and source_column = ?"
    raw = con.sql(f"select * from raw.{out.dataset} where {where}", params=key).pl().to_dicts()
    if raw:
        out.as_written = {
            k: v for k, v in raw[0].items() if k not in SYSTEM_COLUMNS and v not in (None, "")
        }
    typed = (
        con.sql(f"select * from staging.{out.dataset} where {where}", params=key).pl().to_dicts()
    )
    if typed:
        out.typed = {k: v for k, v in typed[0].items() if k not in SYSTEM_COLUMNS and v is not None}
        out.document = {
            k: str(out.typed[k])
            for k in ("source_title", "source_url", "source_confidence")
            if k in out.typed
        }
    out.readings = _readings(con, json.loads(meta["column_map"] or "{}"), out)
    return out


def _readings(con: duckdb.DuckDBPyConnection, column_map: dict, row: SourceRow) -> list[str]:
    """How each non-empty cell of the row was read: header -> column, unit and its factor."""
    lines = []
    for header, target in (column_map.get("columns") or {}).items():
        column, unit = target.get("column"), target.get("unit")
        if column not in row.as_written:
            continue
        line = f"{header!r} -> {column}"
        if unit:
            factor = first_row(
                con,
                "select unit, factor_to_base from core.units where lower(alias) = lower(?)",
                [unit],
            )
            line += f", unit {unit!r}" + (
                f" = {factor[0]} (x {factor[1]:g} to the base unit)" if factor else ""
            )
        lines.append(f"{line}: {row.as_written[column]!r} -> {_typed(row.typed, column)}")
    for column, value in (column_map.get("constants") or {}).items():
        lines.append(f"{column} = {value!r} for every row (source spec {row.source_spec})")
    territory = row.as_written.get("territory")
    if territory is not None and "territory_id" in row.typed:
        lines.append(f"territory {territory!r} -> {row.typed['territory_id']} (gazetteer)")
    return lines


def _typed(typed: dict, column: str) -> str:
    """The staged value(s) a column became: itself, its unit column, or a period's dates."""
    if column in typed:
        return repr(typed[column])
    if column == "period" and "period_start" in typed:
        return f"{typed['period_start']} .. {typed.get('period_end')}"
    for suffix in ("_unit", "_currency"):
        unit_of = [k for k in typed if k.endswith(suffix)]
        if unit_of:
            return ", ".join(f"{k} {typed[k]!r}" for k in unit_of)
    return "(not stored)"


def _references(con: duckdb.DuckDBPyConnection, row: dict) -> list[str]:
    """Reference figures a row rests on: the population it was divided by."""
    out = []
    if row.get("population") is not None and row.get("territory_id"):
        year = row.get("population_year") or row.get("year")
        pop = first_row(
            con,
            "select population, reference_date::varchar, source from core.population "
            "where territory_id = ? and year = ?",
            [row["territory_id"], year],
        )
        if pop:
            out.append(
                f"population {pop[0]:,} of {row['territory_id']} on {pop[1]} ({pop[2]}; "
                "seeds/reference/population.csv)"
            )
    return out


def format_trace(t: Trace) -> str:
    """The trace as text for a terminal."""
    key = ", ".join(
        f"{k}={v}" for k, v in t.row.items() if k in ("territory_id", "year", "indicator")
    )
    lines = [f"{t.table}: {key or t.row}"]
    for k in ("value", "unit", "per_capita_value", "per_capita_unit", "note"):
        if t.row.get(k) is not None:
            lines.append(f"  {k}: {t.row[k]}")
    if t.built_by:
        lines.append(f"  built by {t.built_by} from {', '.join(t.built_from)}")
    for ref in t.references:
        lines.append(f"  uses {ref}")
    lines.append(f"Source rows ({len(t.source_rows)}):")
    for i, s in enumerate(t.source_rows, 1):
        where = f"row {s.row_number}" + (f", column {s.source_column!r}" if s.source_column else "")
        sheet = f", sheet {s.sheet!r}" if s.sheet else ""
        lines.append(f"  {i}. {s.source_row_id}: landing/{s.dataset}/{s.path}{sheet}, {where}")
        lines.append(
            f"     sha256 {s.sha256}; header row {s.header_row}; spec {s.source_spec}; "
            f"encoding {s.encoding}; {s.file_status} at {s.loaded_at}"
        )
        if s.document:
            lines.append("     document: " + "; ".join(f"{k}={v}" for k, v in s.document.items()))
        for r in s.readings:
            lines.append(f"     read: {r}")
    if t.checks:
        failed = [c for c in t.checks if not c["passed"]]
        lines.append(
            f"Checks of run {t.run_id} on these tables: {len(t.checks)} run, {len(failed)} not passed"
        )
        for c in failed:
            lines.append(
                f"  {c['severity']}: {c['target']} {c['check_name']}: "
                f"{c['rows_failed']} of {c['rows_checked']} rows"
            )
    return "\n".join(lines)
