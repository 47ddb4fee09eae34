"""`ecostat export`: every mart as CSV, Parquet and one Excel workbook, with a codebook and a
README, in one folder. Read from the last publication (the lake), or an earlier one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from warehouse.dictionary import codebook, table_docs
from warehouse.query import spreadsheet_safe, write_excel


def export_marts(con: duckdb.DuckDBPyConnection, out: Path, source: str) -> dict[str, object]:
    """Write the marts into ``out``: csv/<mart>.csv, parquet/<mart>.parquet, marts.xlsx (a sheet
    per mart and one for the codebook), codebook.csv, codebook.md and README.md."""
    docs = [d for d in table_docs() if d.layer == "marts"]
    types = {
        (f"{schema}.{table}", column): dtype
        for schema, table, column, dtype in con.execute(
            "select schema_name, table_name, column_name, data_type from duckdb_columns() "
            "where schema_name = 'marts'"
        ).fetchall()
    }
    (out / "csv").mkdir(parents=True, exist_ok=True)
    (out / "parquet").mkdir(parents=True, exist_ok=True)
    frames: dict[str, pl.DataFrame] = {}
    for d in docs:
        name = d.table.split(".")[1]
        frame = con.sql(f"select * from {d.table}").pl()
        frames[name] = frame
        frame.write_parquet(out / "parquet" / f"{name}.parquet")
        spreadsheet_safe(frame).write_csv(out / "csv" / f"{name}.csv", include_bom=True)
    book = codebook(docs, types)
    book.write_csv(out / "codebook.csv", include_bom=True)
    write_excel({**frames, "codebook": book}, out / "marts.xlsx")
    (out / "codebook.md").write_text(_codebook_md(docs, types), encoding="utf-8")
    (out / "README.md").write_text(_readme(docs, frames, source), encoding="utf-8")
    return {"folder": out, "tables": {n: f.height for n, f in frames.items()}}


def _codebook_md(docs, types) -> str:
    lines = ["# Codebook", ""]
    for d in docs:
        lines += [f"## {d.table.split('.')[1]}", "", d.description, "", f"**Grain:** {d.grain}", ""]
        lines += ["**Sources:**", *(f"- {s}" for s in d.sources), ""]
        lines += ["**Licence notes:**", *(f"- {s}" for s in d.licence), ""]
        lines += ["| column | type | unit | description |", "|---|---|---|---|"]
        for c in d.columns:
            desc = c.description.replace("|", "\\|")
            lines.append(
                f"| {c.name} | {types.get((d.table, c.name), '')} | {c.unit or ''} | {desc} |"
            )
        lines.append("")
    return "\n".join(lines)


def _readme(docs, frames: dict[str, pl.DataFrame], source: str) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = "\n".join(
        f"| {d.table.split('.')[1]} | {frames[d.table.split('.')[1]].height} | {d.grain} |"
        for d in docs
    )
    return f"""# ecostat export

Written {when} by `ecostat export` from `{source}`.

| table | rows | one row is |
|---|---|---|
{rows}

- `csv/<table>.csv`: UTF-8 with a byte-order mark (Excel opens Cyrillic correctly), comma-separated,
  decimal point. Lists of source row ids are space-separated.
- `parquet/<table>.parquet`: the same tables with their types (lists stay lists).
- `marts.xlsx`: one sheet per table, and the codebook.
- `codebook.csv`, `codebook.md`: every column's type, unit and description; every table's grain,
  sources and licence notes.

Territories have their English and Russian names (`territory_name_en`, `territory_name_ru`).
Per-capita values use the same year's population or the nearest year within 5 years (flagged in
`population_is_nearest_year`); missing inputs are empty, never 0.

Text that a spreadsheet would take for a formula (a cell starting with =, +, -, @) starts with an
apostrophe in the CSV and Excel files, so that opening them runs nothing; the Parquet files keep
the text as it is. Numbers are never changed.

Where a figure came from: `ecostat trace marts.<table> column=value ...`, or the source_row_ids
column (file_id:row_number, see the validation report).
"""
