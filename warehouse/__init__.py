"""The DuckDB warehouse: SQL by layer (ddl/, core/, marts/) and the helpers that run it.

Layers are schemas of one DuckDB file: raw (as landed, text), staging (typed, validated),
core (harmonised), marts (analyst-facing), audit (load log and rejections). Table DDL of raw and
staging is derived from the dataset contracts; core and marts are SQL files, one table per file,
each with a YAML beside it that states the grain, the columns and the checks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import polars as pl
import yaml

from contracts import (
    Contract,
    datasets,
    declared_series,
    load_contract,
    periodic_datasets,
    population_plausible_change,
    population_reach_years,
    status_horizons,
)
from contracts.vocabulary import Units
from warehouse.home import as_of_date
from warehouse.raw import ensure_raw
from warehouse.staged import ensure_partitions_table, migrate_table, refresh_views

SQL_DIR = Path(__file__).parent
MODEL_LAYERS = ("core", "marts", "audit")  # built from SQL files, in this order


def table_fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The content of a table as one value: its rows counted and every row hashed, summed (the
    order of the rows does not matter, a changed, added or removed row does)."""
    rows, total = con.execute(
        f"select count(*), coalesce(sum(hash(t)), 0) from {table} as t"
    ).fetchall()[0]
    return f"{rows}:{total}"


def _schema_statements() -> list[str]:
    """The statements that create the layer schemas, audit tables and shared macros if they are
    missing; and the macros made from the contracts' declarations (``periodic_datasets()``: the datasets whose
    contracts declare a figure every year, for the findings' coverage gaps;
    ``status_horizon_years(dataset, status)``, ``series_indicators(name)``,
    ``population_reach_years()``) and the run's date
    (``run_as_of()``)."""
    out: list[str] = []
    # How far a population may be from its figure's year (seeds/reference/tables.yaml); before
    # macros.sql, whose population_note() says it.
    out.append(f"create or replace macro population_reach_years() as {population_reach_years():d}")
    out.append(
        "create or replace macro population_plausible_change() as "
        f"{population_plausible_change():f}"
    )
    for name in ("audit.sql", "macros.sql"):
        out.append((SQL_DIR / "ddl" / name).read_text(encoding="utf-8"))
    # A macro cannot take parameters: the names are the contracts' folder names, quoted.
    names = ", ".join("'" + ds.replace("'", "''") + "'" for ds in periodic_datasets())
    out.append(f"create or replace macro periodic_datasets() as [{names}]::varchar[]")

    # How long a status stands (the contracts' status_horizon_years): NULL for a status that
    # has no horizon. The words are the contracts' own, quoted; the years integers.
    def quoted(word: str) -> str:
        return "'" + word.replace("'", "''") + "'"

    cases = " ".join(
        f"when ds = {quoted(ds)} and st = {quoted(status)} then {int(years)}"
        for (ds, status), years in status_horizons().items()
    )
    out.append(
        "create or replace macro status_horizon_years(ds, st) as "
        + (f"case {cases} end" if cases else "null::integer")
    )
    # The indicators of a declared comparable series (contracts' series:), by its name.
    series = " ".join(
        f"when name = {quoted(n)} then [{', '.join(quoted(i) for i in spec.indicators)}]"
        for n, spec in declared_series().items()
    )
    out.append(
        "create or replace macro series_indicators(name) as "
        + (f"case {series} end" if series else "null::varchar[]")
    )
    # The coverage a roll-up of a dataset needs for a per-capita value (contracts'
    # rollup_min_coverage): NULL when the contract declares none.
    coverage = " ".join(
        f"when ds = {quoted(ds)} then {float(load_contract(ds).rollup_min_coverage)}"
        for ds in datasets()
        if load_contract(ds).rollup_min_coverage is not None
    )
    out.append(
        "create or replace macro rollup_min_coverage(ds) as "
        + (f"case {coverage} end" if coverage else "null::double")
    )
    # The date a run reports as of: no year after it is shown as a fact (#31.4).
    out.append(f"create or replace macro run_as_of() as date '{as_of_date().isoformat()}'")
    return out


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Create or update the layer schemas, audit tables and shared macros
    (``_schema_statements``). Every step of a run calls it; a warehouse that already holds
    these statements' result (their fingerprint in audit.schema_version) is left as it is:
    running them again cost 35 ms a step, over a second of a run."""
    statements = _schema_statements()
    fingerprint = hashlib.sha256("\n;\n".join(statements).encode()).hexdigest()
    known = con.execute(
        "select 1 from duckdb_tables() where schema_name = 'audit' and table_name = 'schema_version'"
    ).fetchall()
    if known and con.execute("select fingerprint from audit.schema_version").fetchall() == [
        (fingerprint,)
    ]:
        return
    # One transaction: all or nothing, and one commit (on a DuckLake every statement outside a
    # transaction is a commit to its catalog: 2.5 s for these, 0.08 s in one).
    with transaction(con):
        for statement in statements:
            con.execute(statement)
        con.execute(
            "create table if not exists audit.schema_version "
            "(fingerprint varchar, applied_at timestamp)"
        )
        con.execute("delete from audit.schema_version")
        con.execute(
            "insert into audit.schema_version values (?, current_timestamp::timestamp)",
            [fingerprint],
        )


def ensure_dataset_tables(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """Create raw.<dataset> (a view of the file versions' snapshots, every column as text; see
    warehouse/raw.py) and staging.<dataset> (typed: a view of the file versions' staged
    partitions, see warehouse/staged.py) from the contract."""
    ds = contract.dataset
    ensure_raw(con, contract)
    ensure_partitions_table(con)
    # Warehouses made when staging.<dataset> was the table itself: it became <dataset>_rows,
    # and the table's rows become partitions.
    kind = first_row(
        con,
        "select table_type from information_schema.tables where table_schema = 'staging' and table_name = ?",
        [ds],
    )
    if kind and kind[0] == "BASE TABLE":
        con.execute(f"alter table staging.{ds} rename to {ds}_rows")
    migrate_table(con, contract)
    refresh_views(con, contract)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run a block in one transaction: committed if it ends normally, rolled back if it raises."""
    con.execute("begin transaction")
    try:
        yield
        con.execute("commit")
    except BaseException:
        # A commit that failed has ended the transaction already; the error worth reporting is
        # the original one, not "no transaction is active".
        with suppress(duckdb.TransactionException):
            con.execute("rollback")
        raise


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Append a Polars frame to a table, matching columns by name. Returns the rows written."""
    if frame.height == 0:
        return 0
    con.register("_ecostat_frame", frame.to_arrow())
    try:
        con.execute(f"insert into {table} by name select * from _ecostat_frame")
    finally:
        con.unregister("_ecostat_frame")
    return frame.height


@dataclass(frozen=True)
class SqlModel:
    """A table built by one SQL file (warehouse/<layer>/<name>.sql) and declared by its YAML."""

    layer: str
    name: str
    description: str
    grain: str
    deps: list[str]  # tables read, as schema.table: read from the SQL (warehouse/lineage.py)
    key: list[str] = field(default_factory=list)
    # "warn" for a table a person reviews rather than one others build on (audit.findings): its
    # generated expectations (columns, key, non-negative) are checked but never stop what
    # depends on it.
    key_severity: str = "error"
    non_negative: list[str] = field(default_factory=list)
    columns: dict[str, dict] = field(default_factory=dict)
    # Rules: {name, description, sql, severity (error by default, or warn)}; the SQL selects the
    # rows that break the rule.
    checks: list[dict] = field(default_factory=list)
    # Great Expectations rules beyond those the key and columns imply: {type, kwargs, severity,
    # description} (see warehouse/expectations.py).
    expectations: list[dict] = field(default_factory=list)
    # A query whose result is shown with each materialisation (counts by kind, say).
    summary: str | None = None
    # Where all the source rows of a row are when its source_row_ids keeps only the first ones:
    # {dataset: {sql, params}}, params naming the row's columns bound in order (see trace.py).
    lineage: dict[str, dict] = field(default_factory=dict)
    # "view" for a table computed when read rather than stored (audit.finding_cases: as many rows
    # as the source, read by a trace of one finding; the findings aggregate it in one pass).
    materialized: str = "table"
    # How a figure is chosen when sources disagree, in words: `ecostat trace` and the report
    # show it beside a row whose sources disagree. Either the rule itself (shown when the row's
    # conflicting_sources is true) or {when: column(s) that say the sources disagree, rule: the
    # rule, or {dataset: rule} for a table of several datasets' figures}.
    choice: str | dict | None = None
    # What its per-capita figures are compared within, {by: [columns], columns: [per-capita
    # columns], note: the column that says why (note unless given), also_cleared: [columns
    # emptied with them]}, declared by every model that calls per_inhabitants() (#31.13): one
    # population basis per such group (#31.9). The SQL that holds it (one_basis_ctes), the
    # check one_population_basis_per_comparison and the dictionary's per_capita_basis are
    # generated from it.
    per_capita_comparison: dict | None = None
    # "file_version" for a core table whose every row comes from one staged row: its rows are
    # kept per file version and only those of new or changed file versions are built and
    # validated (warehouse/by_file.py, #28.4).
    partitioned_by: str | None = None

    def disputed(self, row: dict) -> bool:
        """Whether this row's sources disagree, by the columns its choice names."""
        when = (self.choice or {}).get("when") if isinstance(self.choice, dict) else None
        if when == []:  # a rule that chooses in every row (the latest record of a facility)
            return True
        columns = [when] if isinstance(when, str) else when or ["conflicting_sources"]
        return any(bool(row.get(c)) for c in columns)

    @property
    def always_chooses(self) -> bool:
        """A rule that picks among records in every row (``when: []``), not only when sources
        disagree: the latest record of a facility, one report of an event."""
        return isinstance(self.choice, dict) and self.choice.get("when") == []

    def rule_for(self, dataset: str | None) -> str | None:
        """The declared rule that chose a figure of ``dataset`` among its sources."""
        rule = self.choice.get("rule") if isinstance(self.choice, dict) else self.choice
        if isinstance(rule, dict):
            return rule.get(dataset or "")
        return rule

    @property
    def table(self) -> str:
        return f"{self.layer}.{self.name}"

    @property
    def per_capita_basis(self) -> str | None:
        """What a per-capita figure of this table divides by, in words (the dictionary's)."""
        if not self.per_capita_comparison:
            return None
        return (
            "The population of the same territory and year from core.population_by_year, else "
            f"of the nearest year within {population_reach_years()} years (flagged): the World "
            "Bank's mid-year figure for a country, a statistics office's or Wikidata's 1 "
            "January figure (or a census's own day) below it. population_basis names it beside "
            "every per-capita figure, and the per-capita figures of one "
            f"{_compared(self.per_capita_comparison['by'])} divide by populations of one basis: "
            "the one most of them have (a figure counted on another day keeps its value, not "
            "its per-capita one)."
        )

    @property
    def sql(self) -> str:
        text = (SQL_DIR / self.layer / f"{self.name}.sql").read_text(encoding="utf-8")
        return expand_sql(text, self.per_capita_comparison, self.table)


@cache
def sql_models() -> tuple[SqlModel, ...]:
    """Every SQL model: core, then marts, then audit (findings read the marts)."""
    # The SQL parser is imported here: `ecostat check` and the readers need no model's lineage.
    from warehouse.lineage import tables_read

    out = []
    for layer in MODEL_LAYERS:
        for path in sorted((SQL_DIR / layer).glob("*.yaml")):
            meta = yaml.safe_load(path.read_text(encoding="utf-8"))
            if meta.get("name") != path.stem:
                raise ValueError(f"{path}: name must be {path.stem!r}")
            if not (path.with_suffix(".sql")).exists():
                raise ValueError(f"{path}: no {path.stem}.sql beside it")
            for column, spec in (meta.get("columns") or {}).items():
                # A comma in an unquoted flow mapping ({description: a, b}) silently makes keys.
                if not isinstance(spec, dict) or set(spec) - {"description", "unit"}:
                    raise ValueError(
                        f"{path}: column {column} must be {{description, unit}}; quote text "
                        f"that holds a comma (got {spec!r})"
                    )
            if "deps" in meta:
                raise ValueError(f"{path}: deps are read from the SQL; remove deps:")
            if meta.get("per_capita_comparison"):
                meta["checks"] = [
                    *(meta.get("checks") or []),
                    one_basis_check(f"{layer}.{path.stem}", meta["per_capita_comparison"]),
                ]
            sql = expand_sql(
                path.with_suffix(".sql").read_text(encoding="utf-8"),
                meta.get("per_capita_comparison"),
                f"{layer}.{path.stem}",
            )
            out.append(SqlModel(layer=layer, deps=tables_read(sql), **meta))
    from warehouse.by_file import check_declaration

    for model in out:
        check_declaration(model)
    return tuple(out)


def _compared(by: list[str]) -> str:
    """The columns a comparison is within, in words: "facility type, status, year and level"."""
    words = [c.replace("_", " ") for c in by]
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]


# Where a mart's SQL takes the generated one-basis CTEs (after its CTE ``final``, before its
# ``select * from one_basis``).
ONE_BASIS_MARK = "-- one_population_basis:"


def expand_sql(sql: str, comparison: dict | None, table: str) -> str:
    """A model's SQL as it runs: a mart that declares ``per_capita_comparison`` has the CTEs
    that hold it to one population basis per comparison written in at its mark."""
    if not comparison:
        return sql
    if ONE_BASIS_MARK not in sql:
        raise ValueError(
            f"{table} declares per_capita_comparison; its SQL needs the line "
            f"'{ONE_BASIS_MARK} ...' after its CTE final, then 'select * from one_basis'"
        )
    head, tail = sql.split(ONE_BASIS_MARK, 1)
    return head + one_basis_ctes(comparison) + "\n" + ONE_BASIS_MARK + tail


def one_basis_ctes(comparison: dict) -> str:
    """One population basis per comparison (#31.9; docs/methodology.md, Population 1): of the
    per-capita figures of one group (``by``) of CTE ``final``, the basis most have is kept
    (comparison_basis_rank); a figure counted on another day keeps its value, its per-capita
    ``columns`` (and ``also_cleared``) become NULL, and its ``note`` column says why."""
    by = ", ".join(comparison["by"])
    columns = list(comparison["columns"])
    note = comparison.get("note", "note")
    any_value = " or ".join(f"{c} is not null" for c in columns)
    cleared = ",\n".join(
        f"            case when other_basis then null else f.{c} end as {c}"
        for c in [*columns, *comparison.get("also_cleared", [])]
    )
    return f"""comparison_basis as (
    select {by},
           arg_max(population_basis, comparison_basis_rank(population_basis, n))
               as comparison_basis
    from (
        select {by}, population_basis, count(*) as n
        from final
        where {any_value}
        group by all
    )
    group by all
),

flagged as (
    select
        f.*,
        ({" or ".join(f"f.{c} is not null" for c in columns)})
            and f.population_basis is distinct from b.comparison_basis as other_basis,
        b.comparison_basis
    from final as f
    left join comparison_basis as b using ({by})
),

one_basis as (
    select
        f.* exclude (other_basis, comparison_basis) replace (
{cleared},
            case when other_basis
                then concat_ws('; ', f.{note}, other_basis_note(
                    f.population_basis, f.comparison_basis, '{_compared(comparison["by"])}'))
                else f.{note}
            end as {note}
        )
    from flagged as f
)
"""


def one_basis_check(table: str, comparison: dict) -> dict:
    """The check that a mart's per-capita figures compared side by side (``comparison``: by,
    columns) divide by populations of one basis (#31.9)."""
    by, columns = list(comparison["by"]), list(comparison["columns"])
    compared = _compared(by)
    return {
        "name": "one_population_basis_per_comparison",
        "description": (
            f"Per-capita figures of one {compared} divide by populations of one basis: "
            "mid-year, 1 January, or one census day (#31.9). The mart keeps the basis most of "
            "them have and drops the others' per-capita values, so this holds by "
            "construction; an error here is a bug."
        ),
        "sql": (
            f"select {', '.join(by)}, list(distinct population_basis) as bases from {table} "
            f"where {' or '.join(f'{c} is not null' for c in columns)} "
            "group by all having count(distinct population_basis) > 1"
        ),
    }


def build_model(con: duckdb.DuckDBPyConnection, model: SqlModel) -> int | None:
    """(Re)build one model's table (or view) from its SQL, atomically. Returns the table's row
    count; None for a view, whose rows are computed when it is read."""
    if model.materialized not in ("table", "view"):
        raise ValueError(f"{model.table}: materialized must be table or view")
    ensure_schemas(con)
    if model.partitioned_by:
        from warehouse.by_file import build

        return build(con, model).rows
    schema, name = model.table.split(".")
    views = scalar(
        con,
        "select count(*) from duckdb_views() where schema_name = ? and view_name = ?",
        [schema, name],
    )
    with transaction(con):
        # An older version may have stored it the other way.
        if model.materialized == "view":
            if not views:
                con.execute(f"drop table if exists {model.table}")
            con.execute(f"create or replace view {model.table} as\n{model.sql}")
            return None
        if views:
            con.execute(f"drop view {model.table}")
        con.execute(f"create or replace table {model.table} as\n{model.sql}")
    return scalar(con, f"select count(*) from {model.table}")


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """The first row of a query, or None. Fetches the whole result: DuckDB 2 refuses further work
    on a connection whose last result was not read to the end."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> object:
    """The single value of a one-row, one-column query."""
    row = first_row(con, sql, params)
    return None if row is None else row[0]


def units_in(con: duckdb.DuckDBPyConnection) -> Units:
    """The unit vocabulary as loaded in the warehouse (core.units, core.scales)."""
    return Units.from_rows(
        con.sql("select alias, unit, dimension, factor_to_base from core.units").pl().to_dicts(),
        con.sql("select word, factor from core.scales").pl().to_dicts(),
    )


QUERIES_DIR = SQL_DIR / "queries"


@cache
def query_text(name: str) -> str:
    """The SQL of warehouse/queries/<name>.sql: a read whose values are bound as $parameters."""
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run_query(
    con: duckdb.DuckDBPyConnection, name: str, **params: object
) -> duckdb.DuckDBPyRelation:
    """Run warehouse/queries/<name>.sql with its $parameters bound."""
    return con.sql(query_text(name), params=params or None)
