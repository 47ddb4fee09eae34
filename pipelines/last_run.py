"""Whether a run has anything to do: the inputs of the last good run against today's.

A run reads the landing folder, the home's source specs and reference overlays, and the code
and declarations it runs (contracts, SQL, seeds, transforms). After a run that succeeded and
published, their state (path, size, modification time) is written to ``<home>/last_run.json``,
together with the warehouse's and the published copy's. When none of it has changed since, a
new run would load no file, rebuild the same tables and publish the same copy, so
``ecostat run`` says so and stops (``--force`` runs anyway).

Anything else that writes the warehouse (a run started from the Dagster UI, ``ecostat
reload``) changes its state, so the next run is a real one; the record is removed when a run
starts, so an interrupted or failed run is never taken for a good one. Files are not read, only
their size and time looked at: a file touched but unchanged makes a real run, never a missed
one. Grain: one record per data home.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warehouse.home import REPO_ROOT, Home, file_states

# What a run executes besides the data home: the declarations, SQL, seeds and transforms, and
# the pinned dependencies (an upgrade is a reason to run again).
CODE = (
    "assets",
    "contracts",
    "pipelines",
    "warehouse",
    "seeds",
    "pyproject.toml",
    "constraints.txt",
)


def inputs(home: Home, code_root: Path = REPO_ROOT) -> dict[str, str]:
    """Every input of a run and the warehouse it writes, by name -> size:mtime."""
    out = {}
    for name, root in (
        ("landing", home.landing),
        ("sources", home.sources),
        ("reference", home.reference),
    ):
        out |= {f"{name}/{rel}": state for rel, state in file_states(root).items()}
    for name in CODE:
        root = code_root / name
        prefix = f"code/{name}" if root.is_dir() else "code"
        out |= {f"{prefix}/{rel}": state for rel, state in file_states(root).items()}
    for name, p in (("warehouse", home.warehouse), ("published", home.published)):
        out[name] = next(iter(file_states(p).values())) if p.exists() else "missing"
    return out


@dataclass(frozen=True)
class LastRun:
    run_id: str
    finished_at: str
    inputs: dict[str, str]

    def changes(self, now: dict[str, str]) -> list[str]:
        """What differs from ``now``: "landing/cleanup/a.csv (new)", "... (changed)", "...
        (removed)", in name order."""
        out = []
        for name in sorted(set(self.inputs) | set(now)):
            if name not in self.inputs:
                out.append(f"{name} (new)")
            elif name not in now:
                out.append(f"{name} (removed)")
            elif self.inputs[name] != now[name]:
                out.append(f"{name} (changed)")
        return out


def _path(home: Home) -> Path:
    return home.root / "last_run.json"


def read(home: Home) -> LastRun | None:
    """The record of the last good run, or None (none yet, or one that cannot be read)."""
    try:
        data = json.loads(_path(home).read_text(encoding="utf-8"))
        return LastRun(data["run_id"], data["finished_at"], dict(data["inputs"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def forget(home: Home) -> None:
    """Remove the record: a run has started, and until it ends well nothing is known."""
    _path(home).unlink(missing_ok=True)


def record(home: Home, run_id: str) -> None:
    """Write the record of a run that succeeded and published, with the inputs as they are now."""
    data = {
        "run_id": run_id,
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "inputs": inputs(home),
    }
    tmp = _path(home).with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(_path(home))  # whole or not at all
