"""Seeds (seeds/reference/*.csv) -> core.<name>: the reference tables, rebuilt on every run."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import yaml

from pipelines.home import SEEDS_DIR
from warehouse import scalar

REFERENCE_DIR = SEEDS_DIR / "reference"


def reference_tables(reference_dir: Path = REFERENCE_DIR) -> dict[str, dict]:
    """name -> {grain, description, source, types} from seeds/reference/tables.yaml."""
    tables = yaml.safe_load((reference_dir / "tables.yaml").read_text(encoding="utf-8"))
    for name in tables:
        if not (reference_dir / f"{name}.csv").exists():
            raise FileNotFoundError(
                f"seeds/reference/tables.yaml declares {name} but {name}.csv is missing"
            )
    return tables


def load_reference_table(
    con: duckdb.DuckDBPyConnection,
    name: str,
    types: dict[str, str],
    reference_dir: Path = REFERENCE_DIR,
) -> int:
    """(Re)build core.<name> from its CSV: text columns, with the declared columns cast.

    The file is ours and always comma-separated UTF-8 with a header, so it is read as such
    rather than sniffed (a sniffer can take a "%" or "$" cell for something else)."""
    frame = pl.read_csv(reference_dir / f"{name}.csv", infer_schema=False, encoding="utf8")
    select = ", ".join(
        f"cast(nullif({c}, '') as {types[c]}) as {c}" if c in types else f"nullif({c}, '') as {c}"
        for c in frame.columns
    )
    con.register("_ecostat_seed", frame.to_arrow())
    try:
        con.execute(f"create or replace table core.{name} as select {select} from _ecostat_seed")
    finally:
        con.unregister("_ecostat_seed")
    return scalar(con, f"select count(*) from core.{name}")
