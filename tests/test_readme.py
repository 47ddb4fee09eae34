"""The README's tree names every module of ours, and every file it names exists."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Modules whose folder's line in the tree says what they hold as a whole.
_BY_FOLDER = {"__init__.py", "assets.py"}
# Files the tree names that a run writes into the data home, not the repository.
_WRITTEN = {"dagster.yaml"}


def _tree() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## The tree", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def test_the_tree_names_every_module_and_each_name_exists() -> None:
    tree = _tree()
    named = set(re.findall(r"[\w-]+\.(?:py|sql|yaml|j2|md)\b", tree))
    modules = {
        p.name
        for folder in ("assets", "contracts", "warehouse", "pipelines")
        for p in (REPO / folder).rglob("*.py")
        if p.name not in _BY_FOLDER
    }
    # Each dataset folder's model.py is named once, as <dataset>/model.py.
    missing = sorted(modules - named)
    assert not missing, f"modules the README's tree does not name: {missing}"
    every_file = {p.name for p in REPO.rglob("*") if ".venv" not in p.parts}
    stale = sorted(n for n in named - _WRITTEN if n not in every_file)
    assert not stale, f"files the README's tree names that do not exist: {stale}"
