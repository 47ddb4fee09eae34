"""marts.events_activity and its indicators on the fewest reports that show #31.6: a count of
events is what a source published, never a default; reports are the basis every source has."""

from __future__ import annotations

from datetime import date

import duckdb

from warehouse import ensure_schemas, sql_models

MODELS = {m.table: m for m in sql_models()}


def _events(*reports: tuple) -> duckdb.DuckDBPyConnection:
    """marts.events_activity over reports (territory, day, type, title, events_count)."""
    con = duckdb.connect()
    ensure_schemas(con)  # the warehouse's schemas, audit tables and macros
    con.execute(
        "insert into audit.source_files (file_id, dataset, path, sha256, status, landed_at) "
        "values ('f', 'eco_events', 'f.txt', 'f', 'loaded', '2026-01-01')"
    )
    con.execute(
        "create table core.regions as select * from (values ('KZ', 'Kazakhstan', 'Казахстан', "
        "'country', 'KZ'), ('RU-SPE', 'Saint Petersburg', 'Санкт-Петербург', 'region', 'RU')) "
        "as t(territory_id, name_en, name_ru, level, country_code)"
    )
    con.execute(
        """create table core.eco_events (
            territory_id varchar, year integer, period_start date, period_end date,
            file_id varchar, row_number integer, source_row_id varchar, source_confidence varchar,
            event_type varchar, title_key varchar, events_count bigint, participants bigint,
            quarter integer, reported_for_whole_year boolean, is_multi_day boolean)"""
    )
    for i, (territory, day, kind, title, count) in enumerate(reports, start=2):
        con.execute(
            "insert into core.eco_events values (?, ?, ?, ?, 'f', ?, 'f:' || ?, 'high', ?, ?, ?, "
            "null, ?, false, false)",
            [territory, day.year, day, day, i, i, kind, title, count, (day.month - 1) // 3 + 1],
        )
    con.execute(f"create table marts.events_activity as {MODELS['marts.events_activity'].sql}")
    return con


def test_a_report_without_a_count_adds_no_event_and_says_so() -> None:
    """Kazakhstan 2025 had 1 event by the contract's default (no count was published), Saint
    Petersburg 2025 136 sub-events of one day: not the same basis."""
    con = _events(
        ("KZ", date(2025, 9, 20), "clean_up", "world cleanup day", None),
        ("RU-SPE", date(2025, 10, 25), "clean_up", "субботник", 136),
    )
    got = dict(
        (t, (e, r, w, n))
        for t, e, r, w, n in con.execute(
            "select territory_id, events, reports, reports_without_count, note "
            "from marts.events_activity"
        ).fetchall()
    )
    assert got["RU-SPE"][:3] == (136, 1, 0)
    events, reports, without, note = got["KZ"]
    assert events is None and reports == 1 and without == 1
    assert "give no count of events" in note


def test_staging_assumes_no_count_of_events(units, territories) -> None:
    """The contract filled an empty count with 1: a report that gives no count became one
    event, and could not be told from a report that says one."""
    import polars as pl

    from assets.staging.validate import stage
    from contracts import load_contract

    raw = pl.DataFrame(
        {
            "row_number": [2, 3],
            "territory": ["Казахстан", "Санкт-Петербург"],
            "period": ["20.09.2025", "25.10.2025"],
            "event_type": ["субботник", "субботник"],
            "title": ["World Cleanup Day", "Общегородской субботник"],
            "events_count": [None, "136"],
        }
    )
    result = stage(raw, load_contract("eco_events"), units, territories)
    assert result.rows_rejected == 0
    assert result.rows.sort("row_number").get_column("events_count").to_list() == [None, 136]
