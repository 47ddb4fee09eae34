"""Checking one file without loading it: read, parse and validate it exactly as a run would
(the same reader, source spec, contract and reference data, overlays included), write nothing,
and say what would load, what would be rejected and why.

Grain: one report per file. For a data engineer onboarding a new layout: an answer in about a
second instead of a whole run (`ecostat check FILE`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from assets.ingest.read import column_map_of, read_submission
from assets.reference.load import reference_in_memory
from assets.staging.load import file_options
from assets.staging.validate import stage
from contracts import Contract, SourceSpec
from contracts.column_map import ColumnMap

EXAMPLES = 3  # rejected rows shown per rule


@dataclass
class FileCheck:
    """What a run would do with one file."""

    path: Path
    dataset: str
    spec: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    column_map: ColumnMap = field(default_factory=ColumnMap)
    by_rule: pl.DataFrame | None = None  # rule, rows, failures
    examples: pl.DataFrame | None = None  # up to EXAMPLES rows per rule
    html_removed: dict[str, int] = field(default_factory=dict)
    digits_read: dict[str, int] = field(default_factory=dict)


def check_file(
    path: Path,
    contract: Contract,
    spec: SourceSpec,
    overlay_dir: Path | None = None,
    reported_by: date | None = None,
) -> FileCheck:
    """Read and validate ``path``; raises SubmissionError for a file that is not a table."""
    units, territories, air = reference_in_memory(overlay_dir)  # nothing is written anywhere
    sub = read_submission(path, contract, spec, units)
    column_map = column_map_of(sub, spec)
    options = file_options(
        column_map,
        contract,
        territories,
        lambda column: (
            sub.rows.get_column(column).drop_nulls() if column in sub.rows.columns else []
        ),
        reported_by or date.today(),
    )
    result = stage(sub.rows, contract, units, territories, options, air)
    rejections = result.rejections
    by_rule = (
        rejections.group_by("rule")
        .agg(
            rows=pl.struct("row_number", "source_column").n_unique(),
            failures=pl.len(),
        )
        .sort("rows", "rule", descending=[True, False])
    )
    examples = (
        rejections.sort("row_number")
        .group_by("rule", maintain_order=True)
        .head(EXAMPLES)
        .select("rule", "row_number", "source_column", "column_name", "value", "message")
    )
    return FileCheck(
        path=path,
        dataset=contract.dataset,
        spec=spec.name,
        rows_read=result.rows_read,
        rows_loaded=result.rows_loaded,
        rows_rejected=result.rows_rejected,
        column_map=column_map,
        by_rule=by_rule,
        examples=examples,
        html_removed=result.html_removed,
        digits_read=result.digits_read,
    )


def format_check(c: FileCheck) -> str:
    """The check as text for a terminal: the header mapping, the counts, the rules broken."""
    lines = [f"{c.path} ({c.dataset}, source spec {c.spec})", "Headers read:"]
    for header, target in c.column_map.columns.items():
        unit = f", unit {target.unit!r}" if target.unit else ""
        lines.append(f"  {header!r} -> {target.column}{unit}")
    for column, value in c.column_map.constants.items():
        lines.append(f"  (constant) {column} = {value!r}")
    unmapped = c.column_map.unmapped
    if unmapped:
        lines.append(
            "  not mapped (kept in raw.extra; add aliases or a source spec to load them): "
            + ", ".join(repr(h) for h in unmapped)
        )
    lines.append(
        f"Rows: {c.rows_read} read, {c.rows_loaded} would load, {c.rows_rejected} would be rejected"
    )
    for column, n in c.html_removed.items():
        lines.append(f"  HTML would be taken out of {n} cell(s) of {column}")
    for column, n in c.digits_read.items():
        lines.append(f"  digits of another script would be read as 0-9 in {n} cell(s) of {column}")
    if c.by_rule is not None and c.by_rule.height:
        lines.append("Rejected, by rule:")
        for rule, rows, _ in c.by_rule.iter_rows():
            lines.append(f"  {rule}: {rows} row(s)")
            for ex in c.examples.filter(pl.col("rule") == rule).iter_rows(named=True):
                where = f"row {ex['row_number']}" + (
                    f", column {ex['source_column']!r}" if ex["source_column"] else ""
                )
                lines.append(f"    {where}, {ex['column_name']} = {ex['value']!r}: {ex['message']}")
    return "\n".join(lines)
