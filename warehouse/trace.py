"""Provenance: from one row of a mart (or core table) back to the source rows behind it.

A row's ``source_row_ids`` (or ``source_row_id``) are ``file_id:row_number[:source_column]``.
The trace gives every file behind the row with the number of its rows, and for the first
source rows (20 unless asked) the file (path, sha256, sheet, header row, spec, encoding), the
cells as written (raw), the typed values (staging) and how each cell was read (header, unit, scale
factor); then the reference figures the mart used (population), the SQL that built the table and
the tables this row was built from (of all those the SQL reads), each derived value computed
from the row's own figures, which source row's figure was kept when sources disagree and by
which declared rule (a model's ``choice``), and the checks of the latest run on the tables the
row passed through. It reads each table once for all the
rows, so a figure resting on a hundred thousand rows traces as fast as one resting on one.

A row accepted from a narrative report (`ecostat extract --accept`) traces further, to the
sentence: the document, its paragraph or page, the offsets and the quote, read from the
document kept under the home by its SHA-256 (the caller passes the reader: the warehouse does
not read documents itself).

A finding (audit.findings) keeps a sample of its rows; its trace reads all of them from
audit.finding_cases.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import polars as pl

from contracts import datasets
from contracts.column_map import ColumnMap
from warehouse import SqlModel, run_query, sql_models

SYSTEM_COLUMNS = {"file_id", "row_number", "source_column", "extra", "overflow"}
# (sha256, start, end) -> the kept document's characters, or None when the home lacks it.
Quoter = Callable[[str, int, int], str | None]


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
    # Figures accepted from a narrative report: per cell, where it stands in the document and
    # the sentence quoted from the kept document (None when this home does not hold it).
    sentences: list[dict] = field(default_factory=list)


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
    source_rows_total: int = 0  # source rows named by the row; source_rows holds the first ones
    files: list[dict] = field(default_factory=list)  # every file behind the row, rows counted
    inputs: list[str] = field(default_factory=list)  # the tables this row was built from
    choice: list[str] = field(default_factory=list)  # how a figure was chosen among sources
    # What the choice lines are said under: sources that disagree, or a rule that always picks.
    choice_words: str = "sources disagree; the figure kept"
    computations: list[str] = field(default_factory=list)  # each derived value, computed

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


DETAIL_ROWS = 20  # source rows shown cell by cell; the others are counted by file


def trace_row(
    con: duckdb.DuckDBPyConnection,
    table: str,
    row: dict,
    detail_rows: int = DETAIL_ROWS,
    quote: Quoter | None = None,
) -> Trace:
    """The provenance of one row of ``table`` (as returned by ``find_rows``): every file behind
    it with its count of rows, and the first ``detail_rows`` source rows cell by cell."""
    return trace_rows(con, table, [row], detail_rows, quote=quote)[0]


def trace_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: list[dict],
    detail_rows: int = DETAIL_ROWS,
    with_checks: bool = True,
    quote: Quoter | None = None,
) -> list[Trace]:
    """The provenance of several rows of ``table``, one Trace each, in their order. A fixed
    number of queries whatever the number of rows and of source rows behind each (a country's
    figure may rest on thousands): the report traces a hundred figures at once. Without
    ``with_checks`` the traces list no checks (the report lists them once, in its own
    section). ``quote`` reads a sentence from a kept document (assets/extract/documents.py
    ``quotes_from``); without it a figure from a report shows where it stands, unquoted."""
    model = _model(table)
    ids = [_source_row_ids(con, table, model, row) for row in rows]
    files, sources = source_rows_of(con, ids, detail_rows, quote)
    runs = run_query(con, "trace_latest_run").fetchall()
    run_id = runs[0][0] if runs else None
    traces = []
    for n, row in enumerate(rows):
        row_datasets = _datasets(row, files[n])
        inputs = _inputs_of_row(model, row, row_datasets)
        checks = []
        if with_checks and run_id:
            # The tables this row passed through, and no other: its dataset's staging and core,
            # the tables it was built from and its own.
            tables = [table, *inputs]
            for ds in row_datasets:
                tables += [t for t in (f"core.{ds}", f"staging.{ds}") if t not in tables]
            checks = run_query(con, "trace_checks", run_id=run_id, tables=tables).pl().to_dicts()
        traces.append(
            Trace(
                table=table,
                row={k: v for k, v in row.items() if k != "source_row_ids"},
                built_by=f"warehouse/{model.layer}/{model.name}.sql" if model else None,
                built_from=list(model.deps) if model else [],
                source_rows=_chosen(sources[n], row),
                references=_references(con, row),
                checks=checks,
                run_id=run_id,
                source_rows_total=len(ids[n]),
                files=files[n],
                inputs=inputs,
                choice=_choice(model, inputs, row),
                choice_words=(
                    "the figure chosen among the records"
                    if model and model.always_chooses
                    else "sources disagree; the figure kept"
                ),
                computations=_computations(row),
            )
        )
    return traces


def _datasets(row: dict, files: list[dict]) -> list[str]:
    """The datasets a row comes from: its own column, or those of its source files."""
    if row.get("dataset") in datasets():
        return [row["dataset"]]
    return sorted({f["dataset"] for f in files if f.get("dataset")})


def _upstream(table: str) -> set[str]:
    """Every table a model's table is built from, directly or not."""
    models = {m.table: m for m in sql_models()}
    seen: set[str] = set()
    todo = [table]
    while todo:
        model = models.get(todo.pop())
        for dep in model.deps if model else []:
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


# Reference tables a row rests on whatever its dataset: the gazetteer for its names, and the
# population when it has a per-capita value.
_NAMES = "core.regions"
_POPULATION = "core.population_by_year"


def _inputs_of_row(model: SqlModel | None, row: dict, row_datasets: list[str]) -> list[str]:
    """The tables this row was built from, of all its model reads: those of its datasets (their
    core table, and the tables built from it), the gazetteer, and the population when the row
    has one. A mart of every dataset (region_year_indicators) reads all of them; one of its
    clean-up rows was built from clean-up tables only."""
    if model is None:
        return []
    ours = {f"core.{ds}" for ds in row_datasets}
    if not ours:
        return list(model.deps)
    has_population = row.get("population") is not None
    return [
        dep
        for dep in model.deps
        if dep in ours
        or ours & _upstream(dep)
        or dep == _NAMES
        or (dep == _POPULATION and has_population)
    ]


def _choice(model: SqlModel | None, inputs: list[str], row: dict) -> list[str]:
    """How the row's figure was chosen when its sources disagree: the declared rule of the
    model (for the row's dataset) and of the tables the row was built from."""
    if model is None or not model.disputed(row):
        return []
    models = {m.table: m for m in sql_models()}
    path = [model, *(models[t] for t in inputs if t in models)]
    rules = [(m.table, m.rule_for(row.get("dataset"))) for m in path]
    return [f"{table}: {rule}" for table, rule in rules if rule]


def _number(value: float) -> str:
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text or "0"


def _computations(row: dict) -> list[str]:
    """Each value the mart derived, with its computation from the row's own figures: the
    per-capita value from the value and the population."""
    out = []
    value, per_capita, population = (
        row.get("value"),
        row.get("per_capita_value"),
        row.get("population"),
    )
    if None not in (value, per_capita, population) and value and population:
        # The factor from the row itself (1 per inhabitant, 1,000 per 1,000, or a unit step
        # such as t -> kg): the computation shown is the one the numbers satisfy.
        factor = per_capita * population / value
        year = row.get("population_year") or row.get("year")
        out.append(
            f"per_capita_value {_number(per_capita)} {row.get('per_capita_unit') or ''} = "
            f"value {_number(value)} {row.get('unit') or ''} / population {population:,} "
            f"({year}) x {factor:,.6g}".replace("  ", " ")
        )
    return out


def _chosen(rows: list[SourceRow], row: dict) -> list[SourceRow]:
    """When the row's sources disagree, say of each source row whether its figure is the one
    kept: its staged value of the row's measure equals the row's value."""
    if not (row.get("conflicting_sources") and row.get("indicator") and row.get("dataset")):
        return rows
    measure = row["indicator"].removeprefix(f"{row['dataset']}_")
    for s in rows:
        if measure in s.typed and row.get("value") is not None:
            kept = abs(float(s.typed[measure]) - float(row["value"])) < 1e-9
            s.readings.insert(
                0,
                f"{measure} {s.typed[measure]!r}: "
                + ("the figure kept" if kept else "an alternative, not kept"),
            )
    return rows


def _source_row_ids(
    con: duckdb.DuckDBPyConnection, table: str, model: SqlModel | None, row: dict
) -> list[str]:
    """Every source row id behind one row: those it keeps, or all of them from its declared
    lineage when it keeps only the first ones."""
    if table == "audit.findings" and row.get("finding_id"):
        return [
            i
            for (i,) in run_query(con, "trace_finding_ids", finding_id=row["finding_id"]).fetchall()
        ]
    if "source_row_ids" in row:
        ids = list(row["source_row_ids"] or [])
        # The dataset's lineage (marts.region_year_indicators), else the table's own ("*").
        lineage = (
            model.lineage.get(row.get("dataset") or "") or model.lineage.get("*") if model else None
        )
        if lineage and (row.get("source_rows") or 0) > len(ids):
            ids = [
                i
                for (i,) in con.execute(
                    lineage["sql"], [row[c] for c in lineage["params"]]
                ).fetchall()
            ]
        return ids
    if "source_row_id" in row:
        return [row["source_row_id"]]
    # A row that keeps no ids (a territory-year of the clean-up comparison, a scorecard row):
    # its declared lineage ("*": any row) reads them from the tables it was built from.
    lineage = model.lineage.get("*") if model else None
    if lineage:
        return [
            i
            for (i,) in con.execute(lineage["sql"], [row[c] for c in lineage["params"]]).fetchall()
        ]
    raise TraceError(f"{table} does not keep source row ids (source_row_ids or source_row_id)")


def source_rows_of(
    con: duckdb.DuckDBPyConnection,
    ids: list[list[str]],
    detail_rows: int = DETAIL_ROWS,
    quote: Quoter | None = None,
) -> tuple[list[list[dict]], list[list[SourceRow]]]:
    """For each list of ids (one traced row's): the files behind it and its first
    ``detail_rows`` ids as SourceRows. Set-based: one query per table read, not per id or
    per traced row."""
    keys = pl.DataFrame(
        {
            "trace": [n for n, these in enumerate(ids) for _ in these],
            "position": [p for these in ids for p in range(len(these))],
            "source_row_id": [i for these in ids for i in these],
        },
        schema={"trace": pl.Int64, "position": pl.Int64, "source_row_id": pl.String},
    )
    con.register("_trace_ids", keys)
    try:
        run_query(con, "trace_parse_ids")
        files: list[list[dict]] = [[] for _ in ids]
        for f in run_query(con, "trace_files").pl().drop("first").to_dicts():
            files[f.pop("trace")].append(f)
        detail = run_query(con, "trace_detail", detail_rows=detail_rows).pl()
        con.register(
            "_trace_detail",
            detail.select("trace", "position", "file_id", "row_number", "source_column"),
        )
        cells: dict[str, dict[tuple[int, int], dict]] = {"raw": {}, "staging": {}}
        # The tables are named by identifier (a declared dataset's raw and staging tables); the
        # rows are joined on the registered ids, no value is spliced in.
        for dataset in detail["dataset"].drop_nulls().unique().sort():
            if dataset not in datasets():
                continue
            for layer in cells:
                frame = con.sql(
                    f"""select d.trace, d.position, t.* from _trace_detail as d
                        join {layer}.{dataset} as t using (file_id, row_number, source_column)"""
                ).pl()
                for r in frame.to_dicts():
                    cells[layer][(r.pop("trace"), r.pop("position"))] = r
    finally:
        con.execute("drop view if exists temp._trace_parsed")
        con.unregister("_trace_ids")
        con.unregister("_trace_detail")  # silent when it was never registered
    units = _unit_factors(con)
    out: list[list[SourceRow]] = [[] for _ in ids]
    for d in detail.to_dicts():
        s = SourceRow(
            d["source_row_id"],
            dataset=d["dataset"],
            path=d["path"],
            sha256=d["sha256"],
            sheet=d["sheet"],
            row_number=d["row_number"],
            source_column=d["source_column"],
            header_row=d["header_row"],
            source_spec=d["source_spec"],
            encoding=d["encoding"],
            file_status=d["status"],
            loaded_at=d["loaded_at"],
        )
        raw = cells["raw"].get((d["trace"], d["position"]))
        if raw:
            s.as_written = {
                k: v for k, v in raw.items() if k not in SYSTEM_COLUMNS and v not in (None, "")
            }
            s.sentences = _sentences(raw.get("extra"), quote)
        typed = cells["staging"].get((d["trace"], d["position"]))
        if typed:
            s.typed = {k: v for k, v in typed.items() if k not in SYSTEM_COLUMNS and v is not None}
            s.document = {
                k: str(s.typed[k])
                for k in ("source_title", "source_url", "source_confidence")
                if k in s.typed
            }
        s.readings = _readings(units, ColumnMap.from_json(d["column_map"]), s)
        out[d["trace"]].append(s)
    return files, out


def _sentences(extra: str | None, quote: Quoter | None) -> list[dict]:
    """Where each figure of a row accepted from a narrative report stands in its document, with
    the sentence quoted from the kept document (None, with a note, when the home lacks it)."""
    try:
        found = json.loads(json.loads(extra or "{}").get("extracted_from") or "null")
    except (ValueError, AttributeError):
        return []
    if not isinstance(found, dict):
        return []
    out = []
    for column, cell in (found.get("cells") or {}).items():
        sha = str(found.get("sha256") or "")
        sentence = quote(sha, cell["sentence_start"], cell["sentence_end"]) if quote else None
        figure = quote(sha, cell["start"], cell["end"]) if quote else None
        note = None
        if sentence is None:
            note = (
                f"the document {found.get('document')} is not in this home's documents/ "
                "folder: `ecostat extract` on it keeps it, and the quote shows"
            )
        elif figure != cell.get("as_written"):
            note = "the kept document's characters differ from the figure extracted"
        out.append(
            {
                "column": column,
                "document": found.get("document"),
                "sha256": sha,
                **{k: cell.get(k) for k in ("paragraph", "page", "start", "end")},
                "as_written": cell.get("as_written"),
                "quote": sentence.strip() if sentence else None,
                "rule": cell.get("rule"),
                "confidence": cell.get("confidence"),
                "ocr_confidence": cell.get("ocr_confidence"),  # a figure read from a scan
                "edited": cell.get("edited") or {},
                "note": note,
            }
        )
    return out


def _unit_factors(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, float]]:
    """Unit alias (lower case) -> (unit, factor to the base unit), from core.units."""
    try:
        rows = run_query(con, "trace_unit_factors").fetchall()
    except duckdb.CatalogException:
        return {}
    return {alias: (unit, factor) for alias, unit, factor in rows}


def _readings(
    units: dict[str, tuple[str, float]], column_map: ColumnMap, row: SourceRow
) -> list[str]:
    """How each non-empty cell of the row was read: header -> column, unit and its factor."""
    lines = []
    for header, target in column_map.columns.items():
        column, unit = target.column, target.unit
        if column not in row.as_written:
            continue
        line = f"{header!r} -> {column}"
        if unit:
            factor = units.get(unit.lower())
            line += f", unit {unit!r}" + (
                f" = {factor[0]} (x {factor[1]:g} to the base unit)" if factor else ""
            )
        lines.append(f"{line}: {row.as_written[column]!r} -> {_typed(row.typed, column)}")
    for column, value in column_map.constants.items():
        lines.append(f"{column} = {value!r} for every row (source spec {row.source_spec})")
    territory = row.as_written.get("territory")
    if territory is not None and "territory_id" in row.typed:
        lines.append(f"territory {territory!r} -> {row.typed['territory_id']} (gazetteer)")
    return lines


def _typed(typed: dict, column: str) -> str:
    """The staged value(s) a column became: itself, its unit column, or a period's dates."""
    if column in typed:
        value = typed[column]
        if isinstance(value, datetime):  # an instant: as ISO 8601 in UTC, not Python's repr
            return value.astimezone(UTC).isoformat().replace("+00:00", " UTC")
        return repr(value)
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
        found = run_query(
            con, "trace_population", territory_id=row["territory_id"], year=year
        ).fetchall()
        pop = found[0] if found else None
        if pop:
            out.append(
                f"population {pop[0]:,} of {row['territory_id']} on {pop[1]} ({pop[2]}; "
                "seeds/reference/population.csv)"
            )
    return out


def _sentence_lines(sentences: list[dict]) -> list[str]:
    """A report's figures: document, paragraph, page, offsets, the edit, and the quote."""
    lines = []
    for c in sentences:
        page = f", page {c['page']}" if c.get("page") else ""
        lines.append(
            f"     from the report {c['document']} (sha256 {c['sha256'][:12]}…), paragraph "
            f"{c['paragraph']}{page}, characters {c['start']}-{c['end']}: {c['column']} "
            f"“{c['as_written']}” ({c['rule']}, confidence {c['confidence']})"
        )
        for name, change in c["edited"].items():
            lines.append(f"       edited in review: {name} {change['from']!r} -> {change['to']!r}")
        if c["quote"]:
            lines.append(f"       quote: «{c['quote']}»")
        if c["note"]:
            lines.append(f"       {c['note']}")
    return lines


def format_trace(t: Trace) -> str:
    """The trace as text for a terminal."""
    key = ", ".join(
        f"{k}={v}" for k, v in t.row.items() if k in ("territory_id", "year", "indicator")
    )
    lines = [f"{t.table}: {key or t.row}"]
    for k in ("value", "unit", "per_capita_value", "per_capita_unit", "note", "message"):
        if t.row.get(k) is not None:
            lines.append(f"  {k}: {t.row[k]}")
    if t.built_by:
        lines.append(f"  built by {t.built_by}; this row from {', '.join(t.inputs) or '-'}")
    for ref in t.references:
        lines.append(f"  uses {ref}")
    for computation in t.computations:
        lines.append(f"  computed: {computation}")
    for rule in t.choice:
        lines.append(f"  {t.choice_words}, by {rule}")
    if len(t.files) > 1 or t.source_rows_total > len(t.source_rows):
        lines.append(f"Source files ({len(t.files)}), {t.source_rows_total:,} source rows:")
        for f in t.files:
            sheet = f", sheet {f['sheet']!r}" if f["sheet"] else ""
            lines.append(
                f"  landing/{f['dataset']}/{f['path']}{sheet}: {f['rows']:,} rows "
                f"(sha256 {f['sha256']}, {f['status']})"
            )
    shown = len(t.source_rows)
    more = f", the first {shown} of {t.source_rows_total:,}" if t.source_rows_total > shown else ""
    lines.append(f"Source rows ({shown}{more}):")
    for i, s in enumerate(t.source_rows, 1):
        where = f"row {s.row_number}" + (f", column {s.source_column!r}" if s.source_column else "")
        sheet = f", sheet {s.sheet!r}" if s.sheet else ""
        lines.append(f"  {i}. landing/{s.dataset}/{s.path}{sheet}, {where} ({s.source_row_id})")
        lines.append(
            f"     sha256 {s.sha256}; header row {s.header_row}; spec {s.source_spec}; "
            f"encoding {s.encoding}; {s.file_status} at {s.loaded_at}"
        )
        if s.document:
            lines.append("     document: " + "; ".join(f"{k}={v}" for k, v in s.document.items()))
        lines += _sentence_lines(s.sentences)
        for r in s.readings:
            lines.append(f"     read: {r}")
    if t.checks:
        failed = [c for c in t.checks if not c["passed"]]
        tables = sorted({c["target"] for c in t.checks})
        lines.append(
            f"Checks of run {t.run_id} on the tables this row passed through "
            f"({', '.join(tables)}): {len(t.checks)} run, {len(failed)} not passed"
        )
        for c in failed:
            kind = (
                "rows quarantined (other rows, rejected by this rule)"
                if c.get("engine") == "contract" and c["severity"] == "error"
                else c["severity"]
            )
            lines.append(
                f"  {kind}: {c['target']} {c['check_name']}: "
                f"{c['rows_failed']} of {c['rows_checked']} rows"
            )
    return "\n".join(lines)
