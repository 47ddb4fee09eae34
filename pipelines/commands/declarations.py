"""`ecostat docs` and `reference build`: what is generated from the declarations and sources."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipelines.commands.common import Exit, fail


def cmd_docs(args: argparse.Namespace) -> int:
    from warehouse.dictionary import write_dictionary

    print(f"Wrote {write_dictionary()}")
    return Exit.OK


def cmd_reference(args: argparse.Namespace) -> int:
    from assets.reference.build import build, stale, write
    from warehouse.home import SEEDS_DIR

    shared = Path(args.shared)
    if not shared.is_dir():
        return fail(
            "reference build",
            f"the source files are read from {shared}, which is not a folder; give it with "
            "--shared",
        )
    reference = SEEDS_DIR / "reference"
    tables = build(shared, SEEDS_DIR / "curated", reference)
    if args.check:
        out_of_date = stale(tables, reference)
        if out_of_date:
            print(
                "Out of date in seeds/reference/: "
                + ", ".join(f"{name}.csv" for name in out_of_date)
                + " (run `ecostat reference build`)"
            )
            return Exit.FOUND
        print("seeds/reference/ is what its sources give.")
        return Exit.OK
    for path in write(tables, reference):
        print(f"Wrote {path.relative_to(SEEDS_DIR.parent)} ({tables[path.stem].height} rows)")
    return Exit.OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add docs and reference to the `ecostat` parser."""
    sub.add_parser("docs", help="regenerate docs/data_dictionary.md").set_defaults(func=cmd_docs)
    reference = sub.add_parser(
        "reference",
        help="rebuild the generated reference tables from their sources",
        description="Rebuilds seeds/reference/{regions, territory_names, territory_codes, "
        "population, fx_rates}.csv from pycountry, the public files in ../shared/data and our "
        "own seeds/curated/ (see assets/reference/build.py).",
    )
    reference.add_argument("action", choices=["build"])
    reference.add_argument(
        "--shared",
        default=str(Path(__file__).resolve().parents[3] / "shared" / "data"),
        help="folder of the public source files (default: ../shared/data beside the repository)",
    )
    reference.add_argument(
        "--check", action="store_true", help="only say whether the committed files are current"
    )
    reference.set_defaults(func=cmd_reference)
