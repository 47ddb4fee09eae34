"""Whether a run has anything to do: the inputs of the last good run against today's.

A run reads the landing folder, the home's source specs and reference overlays, and the code
and declarations it runs (contracts, SQL, seeds, transforms). After a run that succeeded and
published, ``<home>/last_run.json`` records what it read, never what was there when it ended:

- each file of ``landing/<dataset>/`` as the run read it (size and modification time before
  the read, SHA-256 of the bytes read: audit.file_reads). A file dropped or rewritten during
  the run, or left for the next run (still settling, changing while read), is new next time;
- the source specs, reference overlays and code as they were when the run started (a spec
  edited during the run is a change next time);
- the warehouse and the published lake as the run left them.

When none of it has changed since, a new run would load no file, rebuild the same tables and
publish the same tables, so ``ecostat run`` says so and stops (``--force`` runs anyway). A
landing file whose size and time are as recorded is hashed and its SHA-256 compared, so a
correction copied over with its time kept (same size, same time) is a change too.

Anything else that writes the warehouse (a run started from the Dagster UI, ``ecostat
reload``) changes its state, so the next run is a real one; the record is removed when a run
starts, so an interrupted or failed run is never taken for a good one. Grain: one record per
data home.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warehouse import lake
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
    p = home.warehouse
    out["warehouse"] = next(iter(file_states(p).values())) if p.exists() else "missing"
    out["published"] = lake.state(lake.lake_of(home))  # its last snapshot
    return out


@dataclass(frozen=True)
class LastRun:
    run_id: str
    finished_at: str
    inputs: dict[str, str]

    def changes(
        self, now: dict[str, str], sha256_of: Callable[[str], str | None] = lambda name: None
    ) -> list[str]:
        """What differs from ``now``: "landing/cleanup/a.csv (new)", "... (changed)", "...
        (removed)", in name order. A recorded state with a SHA-256 (size:mtime:sha256) whose
        size and time are as now is compared by ``sha256_of(name)`` too."""
        out = []
        for name in sorted(set(self.inputs) | set(now)):
            if name not in self.inputs:
                out.append(f"{name} (new)")
            elif name not in now:
                out.append(f"{name} (removed)")
            else:
                recorded = self.inputs[name].split(":")
                size_time = ":".join(recorded[:2])
                sha256 = recorded[2] if len(recorded) > 2 else None
                if size_time != now[name] or (sha256 is not None and sha256_of(name) != sha256):
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


def landing_sha256(home: Home) -> Callable[[str], str | None]:
    """``sha256_of`` for LastRun.changes: the SHA-256 of a landing file named as in inputs()."""

    def sha256_of(name: str) -> str | None:
        if not name.startswith("landing/"):
            return None
        try:
            with (home.landing / name.removeprefix("landing/")).open("rb") as fh:
                return hashlib.file_digest(fh, "sha256").hexdigest()
        except OSError:
            return None

    return sha256_of


def changed_datasets(changes: list[str]) -> list[str] | None:
    """The datasets whose landing folders hold every change (``LastRun.changes``), when that
    is all that changed: a run then need only load those and rebuild what depends on them. None
    when anything else changed (a spec, an overlay, the code, the warehouse, a file outside
    the datasets' folders), or when nothing did: then everything runs."""
    from contracts import datasets

    known = set(datasets())
    out = set()
    for change in changes:
        name = change.rsplit(" (", 1)[0]
        parts = name.split("/")
        if len(parts) < 3 or parts[0] != "landing" or parts[1] not in known:
            return None
        out.add(parts[1])
    return sorted(out) or None


def record(
    home: Home,
    run_id: str,
    started: dict[str, str],
    reads: dict[str, str],
    unread: LastRun | None = None,
    read_datasets: list[str] | None = None,
) -> None:
    """Write the record of a run that succeeded and published: ``started``, the inputs() taken
    when it started, with every file of a dataset's landing folder replaced by ``reads`` (what
    the run read of it: name -> size:mtime:sha256), and the warehouse's and the published lake's
    state as they are now. A run that loaded only ``read_datasets`` (nothing had changed in the
    others' folders) keeps the record ``unread`` has of the other folders' files."""
    from contracts import datasets

    folders = tuple(f"landing/{ds}/" for ds in datasets())
    loaded = folders
    carried: dict[str, str] = {}
    if read_datasets is not None and unread is not None:
        loaded = tuple(f"landing/{ds}/" for ds in read_datasets)
        carried = {
            name: state
            for name, state in unread.inputs.items()
            if name.startswith(folders) and not name.startswith(loaded)
        }
    kept = {
        name: state
        for name, state in started.items()
        if not name.startswith(folders) and name not in ("warehouse", "published")
    }
    now = inputs(home)
    data = {
        "run_id": run_id,
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "inputs": kept
        | carried
        | {name: state for name, state in reads.items() if name.startswith(loaded)}
        | {name: now[name] for name in ("warehouse", "published")},
    }
    tmp = _path(home).with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(_path(home))  # whole or not at all
