"""The raw layer as snapshots: one immutable Parquet file per landed file version, read through
the view raw.<dataset>; a warehouse whose raw layer was a table is turned into snapshots."""

from __future__ import annotations

import stat
from pathlib import Path

import duckdb
import polars as pl

from contracts import load_contract
from warehouse import ensure_dataset_tables, ensure_schemas
from warehouse.raw import refresh_view, snapshot_path, write_snapshot

# raw.cleanup as a table, as warehouses made before 2026-12-02 have it.
OLD_RAW = """create table raw.cleanup (
    file_id varchar not null, row_number integer not null, source_column varchar default '',
    {columns}, extra json, overflow json, read_error varchar)"""


def _record(con: duckdb.DuckDBPyConnection, file_id: str) -> None:
    con.execute(
        "insert into audit.source_files (file_id, dataset, path, sha256, status) "
        "values (?, 'cleanup', ?, 'x', 'landed')",
        [file_id, f"{file_id}.csv"],
    )


def test_a_raw_table_of_an_older_warehouse_becomes_snapshots(tmp_path: Path) -> None:
    contract = load_contract("cleanup")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_schemas(con)
    con.execute(OLD_RAW.format(columns=", ".join(f"{c.name} varchar" for c in contract.columns)))
    con.execute(
        """insert into raw.cleanup (file_id, row_number, source_column, territory, period, extra)
           values ('a', 2, '', 'Бишкек', '2019', '{"Примечание": "x"}'),
                  ('a', 3, '', 'Ош', '2020', null), ('b', 5, 'y2021', 'KZ', '2021', null)"""
    )
    for f in ("a", "b"):
        _record(con, f)
    before = con.sql("select * from raw.cleanup order by file_id, row_number").fetchall()

    ensure_dataset_tables(con, contract)

    kind = con.execute(
        "select table_type from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'cleanup'"
    ).fetchall()
    assert kind == [("VIEW",)]
    assert con.sql("select * from raw.cleanup order by file_id, row_number").fetchall() == before
    for f in ("a", "b"):
        path = snapshot_path(con, "cleanup", f)
        assert path == tmp_path / "raw" / "cleanup" / f"{f}.parquet"
        assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    ensure_dataset_tables(con, contract)  # again: nothing to turn, the same rows
    assert con.sql("select * from raw.cleanup order by file_id, row_number").fetchall() == before
    con.close()


def test_only_recorded_file_versions_are_seen(tmp_path: Path) -> None:
    """A snapshot written by a run killed before its record committed is not in raw.<dataset>;
    the next run writes it again, whole (written under another name, then renamed)."""
    contract = load_contract("cleanup")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_schemas(con)
    ensure_dataset_tables(con, contract)
    assert con.sql("select count(*) from raw.cleanup").fetchall() == [(0,)]
    rows = pl.DataFrame(
        {"row_number": [2, 3], "territory": ["Бишкек", "Ош"], "source_column": ["", ""]}
    )
    write_snapshot(con, "cleanup", "kept", rows)
    write_snapshot(con, "cleanup", "killed", rows)
    _record(con, "kept")
    refresh_view(con, contract)
    got = con.sql(
        "select file_id, row_number, territory, period from raw.cleanup order by 2"
    ).fetchall()
    assert got == [("kept", 2, "Бишкек", None), ("kept", 3, "Ош", None)]
    write_snapshot(con, "cleanup", "killed", rows.head(1))  # the next run: replaced whole
    assert pl.read_parquet(snapshot_path(con, "cleanup", "killed")).height == 1
    assert not list((tmp_path / "raw" / "cleanup").glob("*.partial"))
    con.close()


def test_a_chunk_of_a_snapshot_is_read_as_the_view_gives_it_and_filtered_in_the_scan(
    tmp_path: Path,
) -> None:
    """Staging reads a file version's snapshot a chunk of rows at a time with Polars (#28). The
    chunk holds what raw.<dataset> holds for those rows, and its row range is applied in the
    Parquet scan, where the row groups outside it are skipped by their statistics: filtered
    after the casts, every chunk read the whole file (50 chunks of a 10M-row file took 25 s)."""
    from warehouse.raw import rows_sql, snapshot_rows

    contract = load_contract("cleanup")
    snapshot = tmp_path / "f.parquet"
    pl.DataFrame(
        {
            "row_number": range(2, 1_002),
            "territory": [f"t{i}" for i in range(1_000)],
            "waste_collected_t": ["1,5"] * 1_000,
            "source_column": [None] * 1_000,
        },
        schema_overrides={"row_number": pl.Int64, "source_column": pl.String},
    ).write_parquet(snapshot, row_group_size=100)
    chunk = snapshot_rows(contract, snapshot, (300, 499))
    assert "SELECTION" in chunk.explain().split("Parquet SCAN", 1)[1]
    got = chunk.sort("row_number").collect()
    want = (
        duckdb.connect()
        .sql(
            f"select * exclude (file_id) from ({rows_sql(contract, [snapshot])}) as r "
            "where row_number between 300 and 499 order by row_number"
        )
        .pl()
    )
    assert got.height == 200 and got.equals(want)
