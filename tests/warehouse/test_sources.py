"""#31.10: `n_sources` counts sources the same way for every dataset (a page, else a document,
else the file: source_key), never files for some and pages for others."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb

from warehouse import build_model, sql_models

MODEL = next(m for m in sql_models() if m.table == "marts.region_year_indicators")


def test_every_mart_counts_sources_by_one_key() -> None:
    for model in sql_models():
        assert "files_behind(" not in model.sql, model.table
        counted = re.findall(r"count\(distinct (coalesce\(source_url[^)]*\))", model.sql)
        assert not counted, f"{model.table}: count sources with source_key(), not {counted}"


def test_reports_of_one_file_by_two_pages_are_two_sources(seeded_home: Path, tmp_path) -> None:
    path = tmp_path / "w.duckdb"
    shutil.copy(seeded_home / "warehouse.duckdb", path)
    con = duckdb.connect(str(path))
    try:
        where = "territory_id = 'RU-KEM' and year = 2023 and indicator = 'eco_event_reports'"
        before = con.execute(
            f"select n_sources, source_row_ids from marts.region_year_indicators where {where}"
        ).fetchall()
        ((n, ids),) = before
        assert n == 1 and len(ids) > 2  # one council report, one file
        # Two of its reports cite pages of their own: three sources, still one file.
        for k, url in ((0, "https://a.example/1"), (1, "https://b.example/2")):
            con.execute(
                "update core.eco_events set source_url = ? where source_row_id = ?", [url, ids[k]]
            )
        build_model(con, MODEL)
        assert con.execute(
            f"select n_sources from marts.region_year_indicators where {where}"
        ).fetchall() == [(3,)]
    finally:
        con.close()
