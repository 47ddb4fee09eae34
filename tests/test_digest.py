"""Every table's content on the embedded default is what tests/digests/embedded_default.json
says: a refactor changes no figure, no rejection and no audit row. A change meant to alter them
rewrites the file with `make digest`, and its diff names the tables."""

from __future__ import annotations

import json

import duckdb

from warehouse.digest import compare, table_digests
from warehouse.home import REPO_ROOT

GOLDEN = REPO_ROOT / "tests" / "digests" / "embedded_default.json"


def test_every_table_is_unchanged_on_the_embedded_default(warehouse) -> None:
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    differences = compare(expected, table_digests(warehouse))
    assert not differences, "tables changed (run `make digest` if meant):\n" + "\n".join(
        differences
    )


def test_the_digest_sees_one_changed_cell(tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts")
    con.execute(
        "create table marts.t (territory_id varchar, value double, run_id varchar, loaded_at timestamp)"
    )
    con.execute("insert into marts.t values ('KG', 1.5, 'r1', now()), ('KZ', null, 'r1', now())")
    before = table_digests(con)
    # Another run at another moment: the same content.
    con.execute("update marts.t set run_id = 'r2', loaded_at = now() + interval 1 hour")
    assert table_digests(con) == before
    con.execute("update marts.t set value = 1.6 where territory_id = 'KG'")
    assert compare(before, table_digests(con)) == [
        f"marts.t: {before['marts.t']} -> {table_digests(con)['marts.t']}"
    ]
    con.execute("update marts.t set value = 1.5 where territory_id = 'KG'")
    con.execute("update marts.t set value = 0 where territory_id = 'KZ'")  # null is not 0
    assert table_digests(con) != before
