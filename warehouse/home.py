"""The data home (ECOSTAT_HOME, default data/ of the repository): landing folder, warehouse, reports, Dagster instance.

<home>/landing/<dataset>/   submissions waiting to be loaded (and kept after loading)
<home>/sources/             source specs for this home's own publishers' layouts (YAML)
<home>/reference/           overlays: this home's own reference rows (districts, spellings,
                            populations, unit words), same files and columns as seeds/reference
<home>/warehouse.duckdb     the warehouse (schemas raw, staging, core, marts, audit)
<home>/raw/<dataset>/       one Parquet snapshot per landed file version (<file_id>.parquet,
                            read-only), which the views raw.<dataset> read (warehouse/raw.py);
                            damaged/ holds snapshots set aside as unreadable
<home>/lake/                what analysts read: a DuckLake (catalog.sqlite, data/*.parquet) into
                            which each run that passed its checks publishes one snapshot
                            (warehouse/lake.py); earlier ones stay readable with --as-of; a
                            damaged warehouse is made again from it (`ecostat restore`)
<home>/published/           warehouse.duckdb, in a home from before the lake: the whole-file copy
                            readers read until its next run publishes into the lake and removes it
<home>/reports/             validation report, dashboard
<home>/last_run.json        what the last good run read (pipelines/last_run.py): a run with
                            nothing new says so and stops
<home>/exports/             `ecostat export` folders
<home>/cache/               what a run can make again but need not (the dashboard's Vega bundle)
<home>/documents/           narrative reports `ecostat extract` read, kept by SHA-256 (read-only):
                            the quotes of a trace are read from them
<home>/extractions/         each document's candidate figures (<sha256>.json) and the review
                            workbooks `ecostat extract` writes
<home>/tmp/                 a run's temporary files (removed when it ends, or by the next run)
<home>/logs/                the trace of a command's unexpected error, one file each (named in
                            the one line the command prints)
<home>/dagster/             the Dagster instance (run history, logs); its dagster.yaml turns
                            telemetry off and lets one run at a time write the warehouse
<home>/cluster.yaml         present in the cluster profile only: the PostgreSQL of Dagster's
                            instance and the Redis its runs queue on (warehouse/cluster.py)
<home>/servers/             PostgreSQL and Redis that `ecostat servers start` runs for this
                            home, to try the cluster profile on one machine
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from warehouse.cluster import write_dagster_config

REPO_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = REPO_ROOT / "seeds"


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def sources(self) -> Path:
        """Source specs of this home's own publishers (same format as contracts/sources/)."""
        return self.root / "sources"

    @property
    def reference(self) -> Path:
        """Reference overlays: rows added to seeds/reference/<name>.csv for this home only."""
        return self.root / "reference"

    @property
    def spill(self) -> Path:
        """Temporary files of a run (a large file's rows on their way into raw); a killed run's
        are removed by the next."""
        return self.root / "tmp"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def dagster(self) -> Path:
        return self.root / "dagster"

    @property
    def lake(self) -> Path:
        """The published warehouse analysts read: a DuckLake, one snapshot per run whose checks
        passed (warehouse/lake.py), so that readers never hold a lock on the warehouse a run
        writes and never see half of a run."""
        return self.root / "lake"

    @property
    def published(self) -> Path:
        """The whole-file copy of the warehouse that homes published before the lake: read until
        the home's next run publishes into the lake, which removes it."""
        return self.root / "published" / "warehouse.duckdb"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def documents(self) -> Path:
        """Narrative reports read by `ecostat extract`, by SHA-256, written once, read-only."""
        return self.root / "documents"

    @property
    def extractions(self) -> Path:
        """Candidate figures found in each document, and review workbooks."""
        return self.root / "extractions"

    @property
    def logs(self) -> Path:
        """The trace of a command's unexpected error, one file each: the user sees one line."""
        return self.root / "logs"

    @property
    def servers(self) -> Path:
        """PostgreSQL and Redis started for this home by `ecostat servers start` (one machine)."""
        return self.root / "servers"

    @property
    def cache(self) -> Path:
        """What a run can make again but need not (the dashboard's Vega bundle, by version)."""
        return self.root / "cache"


def process_alive(pid: int) -> bool:
    """Whether a process runs: the owner of a spill folder or a half-made copy, say."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def refuse_output_inside(home: Home, out: Path) -> str | None:
    """Why ``out`` may not be written by a query or an export, or None. Nothing but a run writes
    inside the data home (a raw snapshot overwritten by `ecostat query --out` was published with
    0 rows: mode 444 does not stop root), except ``exports/``, which is theirs."""
    target = out.expanduser().resolve()
    root = home.root.resolve()
    if target.is_relative_to(root) and not target.is_relative_to(home.exports.resolve()):
        return (
            f"{out} is inside the data home {root}, which only runs write: write it elsewhere, "
            f"or under {home.exports}"
        )
    return None


DEFAULT_HOME = REPO_ROOT / "data"


def home_path(environ: dict[str, str] | None = None) -> Path:
    """ECOSTAT_HOME when it is set (a relative path is taken from the current directory);
    otherwise the repository's data/ folder, the same whatever the current directory, so a run
    from another folder never makes a new, empty home."""
    env = os.environ if environ is None else environ
    return Path(env.get("ECOSTAT_HOME") or DEFAULT_HOME).expanduser().resolve()


def as_of_date(environ: dict[str, str] | None = None) -> date:
    """The date a run reports as of: no year after it is shown as a fact. ECOSTAT_AS_OF
    (YYYY-MM-DD) when set, to reproduce a run of another day (the tests' digest of the embedded
    default is pinned so), else today in UTC."""
    env = os.environ if environ is None else environ
    given = env.get("ECOSTAT_AS_OF")
    if not given:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(given)
    except ValueError:
        raise ValueError(
            f"ECOSTAT_AS_OF must be a date written YYYY-MM-DD, not {given!r}"
        ) from None


def ensure_home(root: Path, seeds_dir: Path = SEEDS_DIR) -> tuple[Home, list[str]]:
    """Create the home's folders and Dagster config. An empty landing folder is seeded with the
    embedded default submissions (seeds/landing). Returns the home and the seeded files."""
    home = Home(root)
    for d in (home.root, home.reports, home.dagster, home.sources):
        d.mkdir(parents=True, exist_ok=True)
    write_dagster_config(home.root, home.dagster)
    seeded: list[str] = []
    if not home.landing.exists() or not any(p.is_file() for p in home.landing.rglob("*")):
        for src in sorted((seeds_dir / "landing").rglob("*")):
            if src.is_file() and not src.name.startswith("."):
                rel = src.relative_to(seeds_dir / "landing")
                dst = home.landing / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
                seeded.append(rel.as_posix())
    home.landing.mkdir(parents=True, exist_ok=True)
    return home, seeded


def file_states(root: Path, visible_only: bool = False) -> dict[str, str]:
    """Relative path -> "size:mtime_ns" of every file under ``root`` (sub-folders included,
    compiled Python left out); with ``visible_only``, hidden files and spreadsheet lock files
    (~$book.xlsx) too. No file is read: what a sensor or a run compares to see whether
    anything changed."""
    if root.is_file():
        st = root.stat()
        return {root.name: f"{st.st_size}:{st.st_mtime_ns}"}
    out = {}
    for p in sorted(root.rglob("*")) if root.is_dir() else []:
        rel = p.relative_to(root)
        if "__pycache__" in rel.parts or p.suffix == ".pyc" or not p.is_file():
            continue
        if visible_only and any(part.startswith((".", "~$")) for part in rel.parts):
            continue
        st = p.stat()
        out[rel.as_posix()] = f"{st.st_size}:{st.st_mtime_ns}"
    return out
