"""Reference assets keep a table whose inputs have not changed since its last build, with the
same Dagster data version, and build every table again when any file of the reference set
changes."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from assets.reference.assets import reference_assets
from warehouse.resources import HomeResource, Warehouse


def _run(home: Path) -> dict[str, tuple[bool, str]]:
    """table -> (rebuilt, data version) of one materialisation of every reference asset."""
    result = dg.materialize(
        reference_assets(),
        resources={
            "warehouse": Warehouse(database=str(home / "warehouse.duckdb")),
            "home": HomeResource(root=str(home)),
        },
    )
    out = {}
    for event in result.get_asset_materialization_events():
        m = event.materialization
        out[m.asset_key.path[-1]] = (m.metadata["rebuilt"].value, m.tags["dagster/data_version"])
    return out


def test_unchanged_reference_is_kept_and_a_changed_overlay_builds_again(tmp_path: Path) -> None:
    first = _run(tmp_path)
    assert first and all(rebuilt for rebuilt, _ in first.values())

    second = _run(tmp_path)
    assert {t: v for t, (_, v) in second.items()} == {t: v for t, (_, v) in first.items()}
    assert not any(rebuilt for rebuilt, _ in second.values())

    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "territory_names.csv").write_text(
        "territory_id,name\nKG-GB,Бишкек-сити\n", encoding="utf-8"
    )
    third = _run(tmp_path)
    assert all(rebuilt for rebuilt, _ in third.values())  # names are checked against regions
    changed = {t for t in third if third[t][1] != second[t][1]}
    assert changed == {"territory_names"}  # only its content changed, so only its version
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute(
            "select count(*) from core.territory_names where name = 'Бишкек-сити'"
        ).fetchall() == [(1,)]
    finally:
        con.close()

    # A table dropped behind the pipeline's back is built again, whatever its record says.
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("drop table core.units")
    con.close()
    fourth = _run(tmp_path)
    assert fourth["units"][0] and not fourth["scales"][0]
