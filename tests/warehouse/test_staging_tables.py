"""staging.<dataset>_rows, the table staging writes, as older warehouses have it."""

from __future__ import annotations

from pathlib import Path

import duckdb

from contracts import load_contract
from warehouse import ensure_dataset_tables, ensure_schemas


def test_a_keyed_staging_table_of_an_older_warehouse_loses_its_key_not_its_rows(
    tmp_path: Path,
) -> None:
    """Warehouses made before 2026-12-06 have a primary key on staging.<dataset>_rows; it goes
    (its index cost 40% of a large insert), the rows stay, and the view reads them as before."""
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
        "insert into staging.cleanup_rows (file_id, row_number, territory, territory_id) "
        "values ('a', 2, 'Бишкек', 'KG-GB'), ('a', 3, 'Ош', 'KG-GO')"
    )
    con.execute(
        "insert into audit.source_files (file_id, dataset, path, sha256, status) "
        "values ('a', 'cleanup', 'a.csv', 'x', 'loaded')"
    )

    ensure_dataset_tables(con, contract)

    keys = con.execute(
        "select count(*) from duckdb_constraints() where schema_name = 'staging' "
        "and table_name = 'cleanup_rows' and constraint_type = 'PRIMARY KEY'"
    ).fetchall()
    assert keys == [(0,)]
    got = con.sql("select file_id, row_number, territory_id from staging.cleanup order by 2")
    assert got.fetchall() == [("a", 2, "KG-GB"), ("a", 3, "KG-GO")]
    # The same row twice is not refused by the table any more: core's suite expects the key
    # unique (warehouse/core/cleanup.yaml), and staging writes a file's rows once per pass.
    con.execute(
        "insert into staging.cleanup_rows (file_id, row_number, territory_id) values ('a', 2, 'KG-GB')"
    )
    ensure_dataset_tables(con, contract)  # again: nothing to change
    assert con.sql("select count(*) from staging.cleanup_rows").fetchall() == [(3,)]
    con.close()
