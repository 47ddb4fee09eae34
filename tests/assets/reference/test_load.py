"""Reference overlays: a data home's rows are added to the seeds after they are checked; a row
that breaks its table's declaration is refused with its file and row."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from assets.reference.load import OverlayError, load_all, reference_frame, reference_tables
from warehouse import ensure_schemas

HEADER = "territory_id,iso_code,level,place_type,parent_id,country_code,name_en,name_ru,name_local,valid_from,valid_to,status_note,source\n"


def _overlay(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "reference"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_an_overlay_adds_rows_with_their_origin(tmp_path: Path) -> None:
    overlay = _overlay(
        tmp_path,
        "regions",
        HEADER + "KG-C/kant,,city,city,KG-C,KG,Kant,Кант,,,,,test\n",
    )
    _overlay(tmp_path, "territory_names", "territory_id,name\nKG-C/kant,Кантский\n")
    con = duckdb.connect()
    ensure_schemas(con)
    rows = load_all(con, overlay_dir=overlay)
    assert rows["regions"] > 500
    assert con.execute(
        "select origin from core.regions where territory_id = 'KG-C/kant'"
    ).fetchall() == [("reference/regions.csv",)]
    # An overlay may leave columns out: they are empty.
    assert con.execute(
        "select language, origin from core.territory_names where name = 'Кантский'"
    ).fetchall() == [(None, "reference/territory_names.csv")]


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        (
            "regions",
            HEADER + "KG-C/x,,city,city,KG-CX,KG,X,Х,,,,,t\n",
            "<home>/reference/regions.csv row 2: parent_id 'KG-CX' is not a regions row",
        ),
        (
            "regions",
            HEADER + "KG-GB,,city,city,KG,KG,Bishkek,Бишкек,,,,,t\n",
            "territory_id KG-GB is already in seeds/reference/regions.csv row",
        ),
        (
            "regions",
            HEADER + "KG-C/x,,town,city,KG-C,KG,X,Х,,2020-01-01,2019-01-01,,t\n",
            "level 'town' is not one of country, region, city",
        ),
        (
            "regions",
            HEADER + "KG-C/x,,city,city,KG-C,KG,X,Х,,2020-01-01,2019-01-01,,t\n",
            "valid_to 2019-01-01 is before valid_from 2020-01-01",
        ),
        (
            "population",
            "territory_id,year,population,reference_date,source\nKG-GB,2031,lots,2031-01-01,t\n",
            "row 2: population 'lots' is not a bigint",
        ),
        (
            "population",
            "territory_id,year,population,reference_date,source\nKG,2020,1,2020-01-01,t\n",
            "territory_id, year KG / 2020 is already in seeds/reference/population.csv",
        ),
        (
            "units",
            "alias,unit,dimension,factor\nпуд,pood,mass,16.38\n",
            "columns ['factor'] are not columns of units",
        ),
    ],
)
def test_a_broken_overlay_row_is_refused_with_file_and_row(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    overlay = _overlay(tmp_path, name, text)
    with pytest.raises(OverlayError) as e:
        reference_frame(name, reference_tables(), overlay_dir=overlay)
    assert problem in str(e.value)
    assert "run again" in str(e.value)


def test_what_staging_reads_is_built_once_and_again_when_a_table_changes(tmp_path: Path) -> None:
    """assets.reference.load.reference: each staging step of a run asks for it; the same
    tables give the same index, built once, and a changed row (an alias loaded from an
    overlay meanwhile) gives a new one that knows it."""
    from assets.reference.load import reference

    con = duckdb.connect()
    ensure_schemas(con)
    load_all(con)
    first = reference(con)
    assert reference(con) is first
    assert first.territories.resolve("Кантский район-центр") is None
    con.execute(
        "insert into core.territory_names (territory_id, name, origin) "
        "values ('KG-C', 'Кантский район-центр', 'test')"
    )
    second = reference(con)
    assert second is not first
    assert second.territories.resolve("Кантский район-центр") == "KG-C"
