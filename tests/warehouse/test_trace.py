"""The trace is set-based: a figure resting on thousands of source rows traces in the same
number of queries as one resting on one row, names every file with its count of rows, and
shows a bounded number of rows cell by cell (defect #14.2: the report traced row by row, over
15 minutes for a file of 3 million rows)."""

from __future__ import annotations

import duckdb

from warehouse.trace import format_trace, trace_row


class CountingConnection:
    """A DuckDB connection that counts the statements run through it."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.statements = 0

    def sql(self, *args, **kwargs):
        self.statements += 1
        return self._con.sql(*args, **kwargs)

    def execute(self, *args, **kwargs):
        self.statements += 1
        return self._con.execute(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def test_a_trace_costs_the_same_queries_for_five_thousand_rows_as_for_one(warehouse) -> None:
    ids = [
        i
        for (i,) in warehouse.execute(
            "select source_row_id from core.cleanup order by 1"
        ).fetchall()
    ]
    one, many = ids[:1], ids * (5_000 // len(ids) + 1)
    counted = []
    traces = []
    for rows in (one, many):
        con = CountingConnection(warehouse)
        traces.append(trace_row(con, "core.cleanup", {"territory_id": "x", "source_row_ids": rows}))
        counted.append(con.statements)
    assert counted[0] == counted[1]
    small, large = traces
    assert small.source_rows_total == 1 and len(small.source_rows) == 1
    assert large.source_rows_total == len(many) and len(large.source_rows) == 20
    assert sum(f["rows"] for f in large.files) == len(many)
    files = {f["path"] for f in large.files}
    assert files == set(
        p for (p,) in warehouse.execute("select distinct source_path from core.cleanup").fetchall()
    )
    # The detailed rows are read as a run reads them: cells as written, typed values, readings.
    assert all(s.as_written and s.typed and s.readings for s in large.source_rows)
    text = format_trace(large)
    assert f"the first 20 of {len(many):,}" in text and f"Source files ({len(files)})" in text


def test_a_finding_traces_every_row_of_its_cases(warehouse) -> None:
    """A finding keeps a sample of its rows; its trace reads them all from audit.finding_cases."""
    (finding_id,), *_ = warehouse.execute(
        "select finding_id from audit.findings where finding_type = 'sub_territories_vs_territory'"
    ).fetchall()
    row = (
        warehouse.sql("select * from audit.findings where finding_id = ?", params=[finding_id])
        .pl()
        .to_dicts()[0]
    )
    row["source_row_ids"] = row["source_row_ids"][:1]  # as if the sample were short
    trace = trace_row(warehouse, "audit.findings", row)
    assert trace.source_rows_total == 5  # the city's row and the four districts'


def test_a_figure_on_more_than_a_thousand_rows_keeps_a_thousand_ids_and_traces_all(
    seeded_home, tmp_path
) -> None:
    """Defect #14.2: every clean-up indicator of a territory-year copied the ids of all its
    rows; ten million rows made fifty million ids and the mart ran out of memory. A figure keeps
    its first 1,000 ids and the count; the trace reads them all through the declared lineage."""
    import shutil

    from warehouse import build_model, sql_models

    copy = tmp_path / "w.duckdb"
    shutil.copy(seeded_home / "warehouse.duckdb", copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute(
            """insert into core.cleanup
               select c.* replace (c.row_number + 10000 * i as row_number,
                                   c.source_row_id || '-' || i::varchar as source_row_id)
               from core.cleanup as c, range(1, 1500) as r(i)
               where c.territory_id = 'KG' and c.year = 2023"""
        )
        model = next(m for m in sql_models() if m.table == "marts.region_year_indicators")
        build_model(con, model)
        row = (
            con.sql(
                """select * from marts.region_year_indicators
                   where territory_id = 'KG' and year = 2023
                     and indicator = 'cleanup_waste_collected_t'"""
            )
            .pl()
            .to_dicts()[0]
        )
        assert row["source_rows"] == 1500 and len(row["source_row_ids"]) == 1000
        trace = trace_row(con, model.table, row)
        assert trace.source_rows_total == 1500
        assert sum(f["rows"] for f in trace.files) == 1500
    finally:
        con.close()


def test_many_rows_trace_at_once_as_each_would_alone(warehouse) -> None:
    """The report traces every country figure at once: the same traces as one by one, in a
    number of queries that does not grow with the rows traced (but for the population each
    per-capita figure names)."""
    from warehouse.trace import find_rows, trace_rows

    table = "marts.region_year_indicators"
    rows = find_rows(warehouse, table, {"level": "country"}, limit=1000)
    assert len(rows) > 20
    alone = [trace_row(warehouse, table, row, 3).to_dict() for row in rows]
    con = CountingConnection(warehouse)
    together = [t.to_dict() for t in trace_rows(con, table, rows, 3)]
    assert together == alone
    with_population = sum(1 for r in rows if r.get("population") is not None)
    con = CountingConnection(warehouse)
    trace_rows(con, table, rows, 3, with_checks=False)
    from contracts import datasets

    # Fixed: the ids parsed, files, detail, latest run, unit factors, clean-up; raw and staging
    # of each dataset. Not per traced row (94 here).
    assert con.statements - with_population <= 8 + 2 * len(datasets())
