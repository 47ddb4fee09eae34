"""The README and docs/ stay true: the README is a front door (under 250 lines), every link of
the README and of docs/ leads somewhere, every `ecostat` command line they show parses, every
`make` target they name exists, and the tree in docs/architecture.md names every module."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", REPO / "seeds" / "README.md", *sorted((REPO / "docs").glob("*.md"))]
# Modules whose folder's line in the tree says what they hold as a whole.
_BY_FOLDER = {"__init__.py", "assets.py"}
# Files the tree names that a run writes into the data home, not the repository.
_WRITTEN = {"dagster.yaml"}


def _tree() -> str:
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
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
    assert not missing, f"modules the tree in docs/architecture.md does not name: {missing}"
    every_file = {p.name for p in REPO.rglob("*") if ".venv" not in p.parts}
    stale = sorted(n for n in named - _WRITTEN if n not in every_file)
    assert not stale, f"files the tree in docs/architecture.md names that do not exist: {stale}"


def test_the_readme_is_a_front_door() -> None:
    """#30.10: what it is, the two commands, a tour per user and a map of docs/, under 250
    lines; the rest lives in docs/, and every page of docs/ is on the map."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 250
    for heading in ("## Two commands", "### For a data engineer", "### For an analyst"):
        assert heading in text
    assert "### For an auditor" in text and "## The documentation" in text
    mapped = set(re.findall(r"\]\(docs/([\w-]+\.md)\)", text))
    pages = {p.name for p in (REPO / "docs").glob("*.md")}
    assert pages <= mapped, f"pages of docs/ the README's map leaves out: {sorted(pages - mapped)}"


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"(?ms)^```.*?^```", "", page.read_text(encoding="utf-8"))
    return {_slug(h) for h in re.findall(r"(?m)^#{1,6} (.+)$", text)}


def _links(page: Path) -> list[str]:
    text = re.sub(r"(?ms)^```.*?^```", "", page.read_text(encoding="utf-8"))
    return re.findall(r"\]\(([^)\s]+)\)", text)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_link_leads_somewhere(page: Path) -> None:
    broken = []
    for link in _links(page):
        if re.match(r"^[a-z]+:", link):  # http:, https:, mailto: (none is fetched)
            continue
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        if not path.exists():
            broken.append(f"{link}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{link}: no heading #{anchor} in {path.name}")
    assert not broken, f"{page.relative_to(REPO)}: {broken}"


def _command_lines(page: Path) -> list[str]:
    """The `ecostat ...` command lines of a page's shell blocks and "$ " prompts, as a shell
    would join them."""
    lines = []
    text = page.read_text(encoding="utf-8")
    for fence, block in re.findall(r"(?ms)^```([a-z]*)\n(.*?)^```", text):
        pending = ""
        for line in block.splitlines():
            if fence != "sh" and not (pending or line.startswith("$ ")):
                continue  # a run's output, not a command: only sh blocks and "$ " prompts
            line = (pending + "\n" + line) if pending else line
            try:
                words = shlex.split(line, comments=True)
            except ValueError:  # a quote still open: the statement goes on
                pending = line
                continue
            pending = ""
            words = [w.removeprefix("$") for w in words if w != "$"]
            while words and words[0] == "":
                words = words[1:]
            if words and words[-1] == "&":  # started in the background
                words = words[:-1]
            if (
                words
                and words[0].endswith("ecostat")
                and "/" not in words[0].removesuffix(".venv/bin/ecostat")
                and not any(c in words[0] for c in "=$(")  # VAR=$(ecostat home): not a command
            ):
                lines.append(shlex.join(words[1:]))
    return lines


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_command_line_shown_parses(page: Path) -> None:
    from pipelines.cli import parser

    shown = _command_lines(page)
    for line in shown:
        words = shlex.split(line)
        try:
            parser().parse_args(words)
        except SystemExit:
            pytest.fail(f"{page.relative_to(REPO)}: `ecostat {line}` does not parse")


def test_the_pages_show_command_lines() -> None:
    """The test above reads something: the README's tour alone shows six."""
    assert len(_command_lines(REPO / "README.md")) >= 6


def _options_named(page: Path) -> list[tuple[str, str]]:
    """(command, option) for each `ecostat <command> ... --option` in inline code or tables."""
    out = []
    for code in re.findall(r"`(ecostat [^`]+)`", page.read_text(encoding="utf-8")):
        words = code.split()
        if len(words) < 2:
            continue
        out += [(words[1], w.split("=")[0]) for w in words[2:] if re.fullmatch(r"\[?--[\w-]+", w)]
        out.append((words[1], ""))
    return out


def test_every_command_and_option_named_exists() -> None:
    from pipelines.cli import parser

    subparsers = parser()._subparsers._group_actions[0].choices
    wrong = []
    for page in PAGES:
        for command, option in _options_named(page):
            if command.startswith(("<", "-")):
                continue
            if command not in subparsers:
                wrong.append(f"{page.name}: ecostat {command}")
            elif option and option.lstrip("[") not in subparsers[command]._option_string_actions:
                wrong.append(f"{page.name}: ecostat {command} {option.lstrip('[')}")
    assert not wrong, f"commands or options the docs name that do not exist: {sorted(set(wrong))}"


def test_every_make_target_named_exists() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"(?m)^([\w-]+):", makefile))
    named = {
        (page.name, t)
        for page in PAGES
        for t in re.findall(r"(?m)(?:`|^)make ([a-z][\w-]*)", page.read_text(encoding="utf-8"))
    }
    assert len(named) > 5
    unknown = sorted((p, t) for p, t in named if t not in targets)
    assert not unknown, f"make targets the docs name that the Makefile lacks: {unknown}"
