"""Materialisation metadata shared by all assets: previews and column schemas."""

from __future__ import annotations

import dagster as dg
import duckdb
import polars as pl


def markdown_table(frame: pl.DataFrame, limit: int = 10) -> str:
    """A Markdown table of the first ``limit`` rows (pipes in cells escaped)."""
    head = frame.head(limit)
    if head.width == 0:
        return "_no columns_"

    def cell(v: object) -> str:
        return "" if v is None else str(v).replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(head.columns) + " |",
        "|" + "---|" * head.width,
        *("| " + " | ".join(cell(v) for v in row) + " |" for row in head.iter_rows()),
    ]
    if frame.height > limit:
        lines.append(f"\n_{frame.height - limit} more rows_")
    return "\n".join(lines)


def preview(frame: pl.DataFrame, limit: int = 10) -> dg.MetadataValue:
    return dg.MetadataValue.md(markdown_table(frame, limit))


def _described(meta: dict) -> str:
    return (
        meta.get("description", "") + (f" Unit: {meta['unit']}." if meta.get("unit") else "")
    ).strip()


def column_schema(columns: dict[str, dict]) -> dg.TableSchema:
    """Dagster column schema from declared columns ({name: {description, unit, type}}), for an
    asset's definition; a column without a declared type shows none (its materialisation's
    schema, from the catalogue, has them all)."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name, type=meta.get("type", ""), description=_described(meta))
            for name, meta in columns.items()
        ]
    )


def catalog_schema(
    con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, dict] | None = None
) -> dg.TableSchema:
    """The column schema of a built table as DuckDB's catalogue has it: every column in order
    with its real type (BIGINT, DECIMAL(18,3), DATE, VARCHAR[]), described as ``columns``
    declares it. Reported with each materialisation, so Dagster shows the table as it is."""
    schema, name = table.split(".")
    declared = columns or {}
    rows = con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where schema_name = ? and table_name = ? order by column_index",
        [schema, name],
    ).fetchall()
    return dg.TableSchema(
        columns=[
            dg.TableColumn(column, type=data_type, description=_described(declared.get(column, {})))
            for column, data_type in rows
        ]
    )
