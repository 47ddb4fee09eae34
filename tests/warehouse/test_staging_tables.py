"""staging.<dataset>_rows as older warehouses have it: a table, which becomes partitions."""

from __future__ import annotations

from pathlib import Path

import duckdb

from contracts import load_contract
from warehouse import ensure_dataset_tables, ensure_schemas
from warehouse.staged import staged_folder


def test_the_staging_table_of_an_older_warehouse_becomes_partitions(tmp_path: Path) -> None:
    """Warehouses made before #28 keep staged rows in a table (before 2026-12-06 with a primary
    key). The rows of each loaded file version become its partition; rows of a file whose
    staging never finished (not loaded) are not data and go with the table; the views read the
    partitions as they read the table."""
    contract = load_contract("cleanup")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_schemas(con)
    typed = ", ".join(
        f"{name} {kind}" + (" not null" if name == "territory_id" else "")
        for name, kind in contract.staged_columns()
    )
    con.execute(
        f"create table staging.cleanup_rows (file_id varchar not null, row_number integer not "
        f"null, source_column varchar not null default '', {typed}, "
        f"primary key (file_id, row_number, source_column))"
    )
    con.execute(
        "insert into staging.cleanup_rows (file_id, row_number, territory, territory_id, "
        "waste_collected_t) values ('a', 2, 'Бишкек', 'KG-GB', 1.5), ('a', 3, 'Ош', 'KG-GO', 2), "
        "('b', 2, 'Ош', 'KG-GO', 7)"
    )
    con.execute(
        "insert into audit.source_files (file_id, dataset, path, sha256, status) "
        "values ('a', 'cleanup', 'a.csv', 'x', 'loaded'), ('b', 'cleanup', 'b.csv', 'y', 'landed')"
    )
    before = con.sql("select * from staging.cleanup_rows where file_id = 'a' order by 2").pl()

    ensure_dataset_tables(con, contract)

    kind = con.sql(
        "select table_type from information_schema.tables "
        "where table_schema = 'staging' and table_name = 'cleanup_rows'"
    ).fetchall()
    assert kind == [("VIEW",)]
    assert con.sql("select * from staging.cleanup order by 2").pl().equals(before)
    ((name,),) = con.sql("select partition_name from staging.partitions").fetchall()
    assert name.startswith("a~") and (staged_folder(con, "cleanup") / name).exists()
    ensure_dataset_tables(con, contract)  # again: nothing to change
    assert con.sql("select count(*) from staging.cleanup_rows").fetchall() == [(2,)]
    con.close()
