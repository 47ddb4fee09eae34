"""The floors of the house: every import looks down (docs/architecture.md, "Floors").

    0  contracts/      what data must look like, and the shared vocabulary (names, units)
    1  warehouse/      the DuckDB runtime, the data home, Dagster resources, SQL, the catalogue
    2  assets/<layer>/ pure transforms, in the order data moves: reference, ingest, extract,
                       staging, sql, audit, publish (a layer never reads a later layer's transforms)
    3  assets/<layer>/assets.py   when Dagster does it
    4  pipelines/      wiring: Definitions, jobs, sensors, the CLI

Imports inside functions count too: a deferred import is still an arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("contracts", "warehouse", "assets", "pipelines")
# The order data moves through the transforms of assets/; html, metadata and files (the
# per-file loop) serve them all.
STAGES = (
    "html",
    "metadata",
    "files",
    "reference",
    "ingest",
    "extract",
    "staging",
    "sql",
    "audit",
    "publish",
)


def floor(module: str) -> tuple[int, int] | None:
    """(floor, stage within the transforms) of a module of ours; None for anything else."""
    parts = module.split(".")
    top = parts[0]
    if top == "contracts":
        return (0, 0)
    if top == "warehouse":
        return (1, 0)
    if top == "pipelines":
        return (4, 0)
    if top != "assets":
        return None
    if len(parts) == 1 or parts[-1] == "assets":
        return (3, 0)
    return (2, STAGES.index(parts[1]))


def upward(importer: str, imported: str) -> bool:
    """An arrow that runs upwards: to a higher floor, or to a later stage's transform."""
    low, high = floor(importer), floor(imported)
    if low is None or high is None:
        return False
    if high[0] != low[0]:
        return high[0] > low[0]
    return low[0] == 2 and high[1] > low[1]


def _module(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> list[tuple[str, str, int]]:
    """(importer, imported, line) for every import in our packages."""
    out = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            module = _module(path)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    out += [(module, a.name, node.lineno) for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    # "from assets.staging import rules" imports assets.staging.rules
                    out += [(module, f"{node.module}.{a.name}", node.lineno) for a in node.names]
    return out


def _imported_module(name: str) -> str:
    """The module a dotted import name lands in (a name inside a module counts as the module)."""
    parts = name.split(".")
    while parts:
        path = REPO.joinpath(*parts)
        if path.with_suffix(".py").exists() or (path / "__init__.py").exists():
            return ".".join(parts)
        parts.pop()
    return name


def test_every_import_looks_down() -> None:
    wrong = [
        f"{importer} (line {line}) imports {_imported_module(name)}"
        for importer, name, line in imports()
        if upward(importer, _imported_module(name))
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("importer", "imported", "is_upward"),
    [
        ("assets.staging.assets", "pipelines.resources", True),  # the arrows this test removed
        ("warehouse.export", "pipelines.dictionary", True),
        ("contracts", "assets.staging.parse", True),
        ("assets.ingest.read", "assets.staging.parse", True),  # an earlier stage reads a later one
        ("assets.staging.validate", "contracts.vocabulary", False),
        ("assets.staging.assets", "assets.audit.checks", False),  # Dagster assets use any transform
        ("pipelines.definitions", "assets", False),
        ("warehouse.trace", "warehouse", False),
    ],
)
def test_the_floors_tell_up_from_down(importer: str, imported: str, is_upward: bool) -> None:
    assert upward(importer, imported) is is_upward
