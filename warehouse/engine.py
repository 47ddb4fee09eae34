"""DuckDB as ecostat opens it: never an extension from the network, extensions from the package
registry, and what to say of a warehouse file written in a newer storage format.

The lowest layer of the warehouse runtime: it imports DuckDB, the standard library and
warehouse/convert_home.py (which imports nothing else).

- **No downloads.** DuckDB installs a known extension from its own server the first time a query
  needs it (``autoinstall_known_extensions``). Nothing may reach the network at run time, so
  every connection ecostat opens turns that off: a query that needs an extension ecostat did not
  load fails at once, with DuckDB's message, instead of trying. ``core_functions``, ``icu``,
  ``json`` and ``parquet`` are linked into DuckDB's Python package.
- **Extensions from the package registry.** DuckLake (``ducklake``) and PostgreSQL
  (``postgres_scanner``) come as Python packages (``duckdb-extension-<name>``) holding DuckDB's
  own signed binaries; :func:`load_extension` loads one by its path, with DuckDB's signature
  check on (``allow_unsigned_extensions`` stays false). A binary loads only into the DuckDB it
  was built for, which is why pyproject.toml pins DuckDB.
- **Storage format.** DuckDB 2.0 writes files (storage version number 999) that 1.5 cannot open.
  A home whose warehouse was written before the pin is converted once by ``make convert-home``
  (warehouse/convert_home.py); :func:`newer_format_message` tells a user who has not yet done so.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb

# The header reader lives in the conversion script, which must run with DuckDB alone.
from warehouse.convert_home import V15, storage_version

# Every connection ecostat opens: an extension is never installed from the network.
NO_DOWNLOADS: dict[str, object] = {"autoinstall_known_extensions": False}


class ExtensionMissing(RuntimeError):
    """An extension's package is not installed, or holds no binary for this DuckDB."""


def connect(
    database: str | Path = ":memory:", read_only: bool = False, config: dict | None = None
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` with :data:`NO_DOWNLOADS` under ``config``."""
    return duckdb.connect(
        str(database), read_only=read_only, config={**NO_DOWNLOADS, **(config or {})}
    )


def extension_path(name: str) -> Path:
    """The binary of extension ``name`` for this DuckDB, from package duckdb-extension-<name>."""
    package = f"duckdb_extension_{name}"
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionMissing(
            f"DuckDB's {name} extension is not installed (package "
            f"duckdb-extension-{name.replace('_', '-')}); run `make run` to build the environment"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    path = folder / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        found = sorted(p.name for p in (folder / "extensions").glob("v*"))
        raise ExtensionMissing(
            f"the package of DuckDB's {name} extension holds binaries for {', '.join(found)}, "
            f"not for DuckDB {duckdb.__version__}; pyproject.toml pins both to one version: "
            "rebuild the environment (`make run`)"
        )
    return path


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load extension ``name`` from its package, signature checked; a no-op when loaded."""
    loaded = con.execute(
        "select loaded from duckdb_extensions() where extension_name = ?", [name]
    ).fetchone()
    if loaded and loaded[0]:
        return
    con.execute(f"load '{extension_path(name)}'")


def newer_format_message(path: str | Path) -> str | None:
    """What to say when ``path`` is a DuckDB file this DuckDB cannot read because a newer one
    wrote it; None when that is not why."""
    version = storage_version(path)
    if version is None or version in V15:
        return None
    folder = Path(path).resolve().parent
    home = folder.parent if folder.name == "published" else folder
    return (
        f"{path} was written by a newer DuckDB (storage version {version}; this ecostat uses "
        f"DuckDB {duckdb.__version__}, the newest whose DuckLake extension installs from the "
        "package registry). Convert the home once, keeping the old files beside it: "
        f"`make convert-home ECOSTAT_HOME={home}` in ecostat's folder (docs/data-home.md)"
    )
