"""Lineage read from the SQL itself: the tables a model reads, found by a SQL parser (sqlglot,
DuckDB dialect), never listed by hand.

A table is read when the SQL names it as ``schema.table`` in one of the warehouse's schemas. A
call of one of our macros (warehouse/ddl/macros.sql) reads what the macro's body reads, and a
table named as a string argument (``staged_rows('staging.cleanup')``).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import sqlglot
from sqlglot import exp

SCHEMAS = ("raw", "staging", "core", "marts", "audit")
MACROS_SQL = Path(__file__).parent / "ddl" / "macros.sql"
_MACRO = re.compile(r"create\s+or\s+replace\s+macro\s+(\w+)\s*\([^)]*\)\s+as\s+(table\s+)?", re.I)
_TABLE_NAME = re.compile(rf"^({'|'.join(SCHEMAS)})\.\w+$")


def _tables(tree: exp.Expression, macros: dict[str, tuple[str, ...]]) -> set[str]:
    found = set()
    for node in tree.find_all(exp.Table, exp.Func):
        if isinstance(node, exp.Table) and node.db in SCHEMAS:
            found.add(f"{node.db}.{node.name}")
        elif isinstance(node, exp.Anonymous) and node.name.lower() in macros:
            found.update(macros[node.name.lower()])
            found.update(
                a.this
                for a in node.expressions
                if isinstance(a, exp.Literal) and a.is_string and _TABLE_NAME.match(a.this)
            )
    return found


@cache
def macro_tables() -> dict[str, tuple[str, ...]]:
    """Macro name -> the tables its body reads."""
    text = MACROS_SQL.read_text(encoding="utf-8")
    heads = list(_MACRO.finditer(text))
    out: dict[str, tuple[str, ...]] = {}
    for head, following in zip(heads, [*heads[1:], None], strict=True):
        body = text[head.end() : following.start() if following else len(text)]
        body = body.strip().rstrip(";")
        # A table macro's body is a query; a scalar macro's is an expression.
        tree = sqlglot.parse_one(body if head.group(2) else f"select {body}", read="duckdb")
        out[head.group(1).lower()] = tuple(sorted(_tables(tree, {})))
    return out


def tables_read(sql: str) -> list[str]:
    """The warehouse tables one model's SQL reads, as schema.table, sorted."""
    return sorted(_tables(sqlglot.parse_one(sql, read="duckdb"), macro_tables()))
