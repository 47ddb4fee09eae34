"""Review before use (#18): candidate figures go to a workbook a person marks accept, edit or
reject; accepted rows become a submission in landing/<dataset>/ that the pipeline validates
like any file. Nothing loads without a person's mark.

- ``save_candidates`` keeps what ``ecostat extract`` found in a document as JSON under the
  home (<home>/extractions/<sha256>.json): where each figure stands, its rule and confidence.
  Accepting reads positions from there, never from the workbook's cells, so an edit changes a
  value but not where it came from.
- ``write_review`` writes the workbook (.xlsx, one row per candidate, sorted by dataset, the
  quote beside the proposed values, a decision column with a drop-down) and the same rows as
  CSV.
- ``accept`` reads a reviewed workbook (or its CSV) and writes, per dataset and document,
  ``landing/<dataset>/extracted_<sha256 first 12>.csv`` in the contract's own columns, read by
  the built-in source spec contracts/sources/extracted_figures.yaml. Its ``extracted_from``
  column holds, per figure, the document, paragraph, page, offsets, rule, confidence, and the
  edits made (field, from, to); staging keeps it in raw.<dataset>.extra, and trace quotes it.

Grain of a submission row: one record (the figures of one paragraph with one territory,
period and set of fixed values), as ``find_candidates`` grouped them.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assets.extract.candidates import Candidate
from contracts import load_contract

DECISIONS = {
    "accept": "accept",
    "принять": "accept",
    "edit": "edit",
    "исправить": "edit",
    "reject": "reject",
    "отклонить": "reject",
}
# The workbook's columns, in order: what the reviewer decides and may edit first, then the
# quote, then where the figure stands (not editable in effect: accept reads it from the JSON).
EDITABLE = ["value", "territory_id", "period", "other_values"]
COLUMNS = [
    "decision",
    "dataset",
    "column",
    *EDITABLE,
    "unit",
    "as_written",
    "quote",
    "territory_as_written",
    "confidence",
    "ocr_confidence",
    "rule",
    "record",
    "document",
    "paragraph",
    "page",
    "start",
    "end",
    "candidate_id",
    "sha256",
]
SHEET = "candidates"
HOW_TO = [
    "How to review",
    "One row per figure found in the documents. Read the quote; compare the proposed value,",
    "territory (its gazetteer id) and period. In the column 'decision' write:",
    "  accept  - load the figure as proposed;",
    "  edit    - change value, territory_id, period or other_values (column=value; ...) and load",
    "            it as edited; the edit is recorded with what it replaced;",
    "  reject  - do not load it.",
    "A row left blank is not loaded. Rows of one 'record' become one row of the dataset.",
    "Then: ecostat extract --accept <this workbook>",
]


class ReviewError(ValueError):
    """A review workbook ecostat cannot accept; the message says which rows and what to do."""


def save_candidates(extractions_dir: Path, sha256: str, candidates: list[Candidate]) -> Path:
    """Keep a document's candidates as JSON (<home>/extractions/<sha256>.json)."""
    extractions_dir.mkdir(parents=True, exist_ok=True)
    path = extractions_dir / f"{sha256}.json"
    _write_atomic(
        path,
        json.dumps([asdict(c) for c in candidates], ensure_ascii=False, indent=1),
    )
    return path


def load_candidates(extractions_dir: Path, sha256: str) -> dict[str, Candidate]:
    path = extractions_dir / f"{sha256}.json"
    if not path.exists():
        raise ReviewError(
            f"no extraction of document {sha256[:12]}… in {extractions_dir}: run "
            "`ecostat extract` on the document in this data home first"
        )
    return {c["candidate_id"]: Candidate(**c) for c in json.loads(path.read_text(encoding="utf-8"))}


def _other_values(values: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in values.items())


def _parse_other_values(text: str, row: int) -> dict[str, str]:
    out = {}
    for part in (p.strip() for p in (text or "").split(";")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise ReviewError(
                f"row {row}: other_values must be written column=value; column=value, got {part!r}"
            )
        out[name.strip()] = value.strip()
    return out


def review_rows(candidates: list[Candidate]) -> list[dict[str, object]]:
    """One row per candidate, sorted by dataset, then document, then position."""
    ordered = sorted(candidates, key=lambda c: (c.dataset, c.document, c.start))
    return [
        {
            "decision": "",
            "dataset": c.dataset,
            "column": c.column,
            "value": c.value,
            "territory_id": c.territory_id,
            "period": c.period,
            "other_values": _other_values(c.values),
            "unit": c.unit,
            "as_written": c.as_written,
            "quote": c.quote,
            "territory_as_written": c.territory,
            "confidence": c.confidence,
            "ocr_confidence": c.ocr_confidence,
            "rule": c.rule,
            "record": c.record,
            "document": c.document,
            "paragraph": c.paragraph,
            "page": c.page,
            "start": c.start,
            "end": c.end,
            "candidate_id": c.candidate_id,
            "sha256": c.sha256,
        }
        for c in ordered
    ]


def write_review(candidates: list[Candidate], xlsx: Path) -> tuple[Path, Path]:
    """The review workbook and its CSV twin (same name, .csv)."""
    from xlsxwriter import Workbook

    rows = review_rows(candidates)
    xlsx.parent.mkdir(parents=True, exist_ok=True)
    with Workbook(str(xlsx), {"strings_to_formulas": False, "strings_to_urls": False}) as book:
        sheet = book.add_worksheet(SHEET)
        bold = book.add_format({"bold": True, "bg_color": "#eeeeee"})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        top = book.add_format({"valign": "top"})
        editable = book.add_format({"valign": "top", "bg_color": "#fff8dc"})
        widths = {"quote": 80, "value": 18, "other_values": 36, "rule": 30, "document": 24}
        for j, name in enumerate(COLUMNS):
            sheet.write_string(0, j, name, bold)
            fmt = wrap if name == "quote" else editable if name in EDITABLE else top
            sheet.set_column(j, j, widths.get(name, 12), fmt)
        for i, row in enumerate(rows, start=1):
            for j, name in enumerate(COLUMNS):
                value = row[name]
                if value is None or value == "":
                    continue
                if isinstance(value, int | float) and name not in ("value",):
                    sheet.write_number(i, j, value)
                else:
                    sheet.write_string(i, j, str(value))
        if rows:
            sheet.data_validation(
                1, 0, len(rows), 0,
                {"validate": "list", "source": ["accept", "edit", "reject"],
                 "error_type": "warning"},
            )  # fmt: skip
        sheet.autofilter(0, 0, max(len(rows), 1), len(COLUMNS) - 1)
        sheet.freeze_panes(1, 1)
        help_sheet = book.add_worksheet("how to review")
        for i, line in enumerate(HOW_TO):
            help_sheet.write_string(i, 0, line, bold if i == 0 else None)
        help_sheet.set_column(0, 0, 100)
    csv_path = xlsx.with_suffix(".csv")
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
    return xlsx, csv_path


def read_review(path: Path) -> list[dict[str, str]]:
    """The rows of a review workbook (.xlsx, sheet "candidates") or its CSV, as text, each with
    its row number in the file."""
    if not path.is_file():
        raise ReviewError(f"no review file {path}")
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = [dict(r) for r in csv.DictReader(f)]
    elif path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception:  # openpyxl raises many types for a damaged workbook
            raise ReviewError(
                f"{path.name} is not a readable Excel workbook: save it again from Excel as "
                ".xlsx, or accept its CSV twin"
            ) from None
        if SHEET not in book.sheetnames:
            raise ReviewError(f"{path.name} has no sheet {SHEET!r}: is it a review workbook?")
        values = list(book[SHEET].iter_rows(values_only=True))
        book.close()
        header = [str(h or "") for h in values[0]] if values else []
        rows = [
            {h: "" if v is None else _cell_text(v) for h, v in zip(header, r, strict=False)}
            for r in values[1:]
        ]
    else:
        raise ReviewError(f"{path.name}: a review is an .xlsx workbook or its .csv twin")
    missing = {"decision", "candidate_id", "sha256", *EDITABLE} - set(rows[0] if rows else [])
    if rows and missing:
        raise ReviewError(f"{path.name} lacks the columns {sorted(missing)}: is it a review?")
    for n, r in enumerate(rows, start=2):
        r["_row"] = str(n)
    return [r for r in rows if any(v for k, v in r.items() if k != "_row")]


def _cell_text(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


@dataclass
class Accepted:
    """What one accept did."""

    files: list[Path] = field(default_factory=list)
    accepted: int = 0
    edited: int = 0
    rejected: int = 0
    not_reviewed: int = 0
    rows: int = 0  # submission rows written
    edits: list[str] = field(default_factory=list)  # one line per edited field
    # Rows the run will reject as they stand (a required column left empty), said now.
    warnings: list[str] = field(default_factory=list)


def accept(review: Path, extractions_dir: Path, landing: Path) -> Accepted:
    """Turn the accepted and edited rows of ``review`` into submissions in ``landing``; raise
    ReviewError (nothing written) when any row cannot be accepted as marked."""
    rows = read_review(review)
    outcome = Accepted()
    problems: list[str] = []
    chosen: list[tuple[Candidate, dict[str, str], dict[str, tuple[str, str]]]] = []
    stored: dict[str, dict[str, Candidate]] = {}
    for r in rows:
        mark = (r.get("decision") or "").strip().lower()
        if not mark:
            outcome.not_reviewed += 1
            continue
        decision = DECISIONS.get(mark)
        if decision is None:
            problems.append(
                f"row {r['_row']}: decision {r['decision']!r}; write accept, edit or reject "
                "(or leave it blank to decide later)"
            )
            continue
        if decision == "reject":
            outcome.rejected += 1
            continue
        sha = (r.get("sha256") or "").strip()
        try:
            if sha not in stored:
                stored[sha] = load_candidates(extractions_dir, sha)
        except ReviewError as e:
            problems.append(f"row {r['_row']}: {e}")
            continue
        candidate = stored[sha].get((r.get("candidate_id") or "").strip())
        if candidate is None:
            problems.append(
                f"row {r['_row']}: candidate {r.get('candidate_id')!r} is not in the extraction "
                f"of {sha[:12]}…; run `ecostat extract` again and review the new workbook"
            )
            continue
        try:
            values = _parse_other_values(r.get("other_values", ""), int(r["_row"]))
        except ReviewError as e:
            problems.append(str(e))
            continue
        edited_to = {
            "value": (r.get("value") or "").strip(),
            "territory_id": (r.get("territory_id") or "").strip(),
            "period": (r.get("period") or "").strip(),
        }
        edits = {
            name: (str(getattr(candidate, name)), new)
            for name, new in edited_to.items()
            if new != str(getattr(candidate, name))
        }
        edits |= {
            f"other_values.{k}": (candidate.values.get(k, ""), v)
            for k, v in values.items()
            if v != candidate.values.get(k, "")
        }
        edits |= {
            f"other_values.{k}": (v, "") for k, v in candidate.values.items() if k not in values
        }
        if not edited_to["value"]:
            problems.append(f"row {r['_row']}: the value is empty; write one, or reject the row")
            continue
        outcome.edited += bool(edits)
        outcome.accepted += not edits
        for name, (old, new) in edits.items():
            outcome.edits.append(
                f"{candidate.dataset}.{candidate.column} ({candidate.document}, paragraph "
                f"{candidate.paragraph}): {name} {old!r} -> {new!r}"
            )
        chosen.append((candidate, edited_to | {"values": json.dumps(values)}, edits))
    if problems:
        raise ReviewError(
            f"{review.name}: nothing accepted, {len(problems)} row(s) to fix:\n  "
            + "\n  ".join(problems)
        )
    outcome.files, outcome.rows, outcome.warnings = _write_submissions(chosen, landing)
    return outcome


def _write_submissions(
    chosen: list[tuple[Candidate, dict[str, str], dict[str, tuple[str, str]]]], landing: Path
) -> tuple[list[Path], int, list[str]]:
    """One CSV per dataset and document; one row per record. Also says which rows lack a
    value the contract requires (the run will reject them, with the same rule)."""
    records: dict[tuple[str, str], dict[str, dict]] = {}
    for candidate, cell, edits in chosen:
        by_record = records.setdefault((candidate.dataset, candidate.sha256), {})
        row = by_record.setdefault(
            candidate.record,
            {
                "territory": cell["territory_id"],
                "period": cell["period"],
                "source_title": candidate.document,
                "values": json.loads(cell["values"]),
                "figures": {},
                "cells": {},
            },
        )
        for name, key in (("territory", "territory_id"), ("period", "period")):
            if row[name] != cell[key]:
                raise ReviewError(
                    f"record {candidate.record}: its rows give different {key}s "
                    f"({row[name]!r}, {cell[key]!r}); edit them alike, they make one row"
                )
        row["values"] |= json.loads(cell["values"])
        if candidate.column in row["figures"]:
            raise ReviewError(
                f"record {candidate.record}: two rows fill {candidate.column}; reject one"
            )
        row["figures"][candidate.column] = cell["value"]
        row["cells"][candidate.column] = {
            "candidate": candidate.candidate_id,
            "paragraph": candidate.paragraph,
            "page": candidate.page,
            "start": candidate.start,
            "end": candidate.end,
            "sentence_start": candidate.sentence_start,
            "sentence_end": candidate.sentence_end,
            "as_written": candidate.as_written,
            "rule": candidate.rule,
            "confidence": candidate.confidence,
            "ocr_confidence": candidate.ocr_confidence,
            "edited": {k: {"from": a, "to": b} for k, (a, b) in edits.items()},
        }
    files, written, warnings = [], 0, []
    for (dataset, sha), by_record in sorted(records.items()):
        contract = load_contract(dataset)
        names = {c.name for c in contract.columns}
        required = [c.name for c in contract.columns if c.required]
        rows = []
        for record, row in by_record.items():
            out = {"territory": row["territory"], "period": row["period"]}
            out |= {k: v for k, v in row["values"].items() if k in names}
            out |= row["figures"]
            out["source_title"] = row["source_title"]
            out["extracted_from"] = json.dumps(
                {"document": row["source_title"], "sha256": sha, "cells": row["cells"]},
                ensure_ascii=False,
            )
            rows.append(out)
            for name in (n for n in [*required, "period"] if not out.get(n)):
                warnings.append(
                    f"{dataset} record {record} has no {name}: the run will reject the row; "
                    f"give it in other_values ({name}=...) or in its column, and accept again"
                )
        header = [c.name for c in contract.columns if any(c.name in r for r in rows)]
        header.append("extracted_from")
        folder = landing / dataset
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"extracted_{sha[:12]}.csv"
        text = _csv_text(header, rows)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            _write_atomic(path, text)  # the same review accepted again lands nothing new
        files.append(path)
        written += len(rows)
    return files, written, warnings


def _csv_text(header: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: r.get(k, "") for k in header} for r in rows)
    return buffer.getvalue()


def _write_atomic(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
