"""Materialisation metadata shared by all assets: previews and column schemas."""

from __future__ import annotations

import dagster as dg
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


def column_schema(columns: dict[str, dict]) -> dg.TableSchema:
    """Dagster column schema from declared columns ({name: {description, unit}})."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name,
                description=(
                    meta.get("description", "")
                    + (f" Unit: {meta['unit']}." if meta.get("unit") else "")
                ).strip(),
            )
            for name, meta in columns.items()
        ]
    )
