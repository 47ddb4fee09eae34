"""The reads of the report and the summary live in warehouse/queries/*.sql, values bound as
$parameters; every file is used, and every file parses."""

from __future__ import annotations

from pathlib import Path

import sqlglot

from warehouse import QUERIES_DIR

REPO = Path(__file__).resolve().parents[2]


def test_every_query_file_parses_and_is_used() -> None:
    code = "\n".join(
        p.read_text(encoding="utf-8")
        for folder in ("assets", "pipelines", "warehouse")
        for p in (REPO / folder).rglob("*.py")
    )
    files = sorted(QUERIES_DIR.glob("*.sql"))
    assert files
    for path in files:
        sqlglot.parse_one(path.read_text(encoding="utf-8"), read="duckdb")
        assert f'"{path.stem}"' in code, f"{path.name} is used nowhere"
