"""`ecostat check` and `extract`: one file read as a run would, and figures found in reports.

Neither loads anything: check writes nothing at all, extract keeps the documents it read and
writes a review workbook, and lands only what a person accepted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.commands.common import Exit, fail
from warehouse.home import Home, home_path


def cmd_check(args: argparse.Namespace) -> int:
    import fnmatch

    from assets.ingest.decode import SubmissionError
    from assets.reference.load import OverlayError
    from assets.staging.check import check_file, format_check
    from contracts import (
        ANY_DATASET,
        SpecProblem,
        datasets,
        load_contract,
        load_source_specs,
        spec_for,
    )

    path = Path(args.file)
    if not path.is_file():
        return fail("check", f"no file {path}", Exit.NOT_DONE)
    home = Home(home_path())  # read, never created: check writes nothing
    problems: list[SpecProblem] = []
    specs = load_source_specs(home.sources, problems=problems)
    # The dataset: given, else the landing/<dataset>/ folder the file is in, else the one
    # dataset whose own source specs (not the catch-all "*") match its name.
    by_match = sorted(
        {
            s.dataset
            for s in specs
            if s.dataset != ANY_DATASET
            and s.match != "*"
            and fnmatch.fnmatch(path.name.lower(), s.match.lower())
        }
    )
    dataset = (
        args.dataset
        or next((p.name for p in path.resolve().parents if p.name in datasets()), None)
        or (by_match[0] if len(by_match) == 1 else None)
    )
    if dataset not in datasets():
        return fail(
            "check",
            f"which dataset is {path.name}? Give --dataset "
            f"({', '.join(datasets())}), or check it inside landing/<dataset>/",
            Exit.NOT_DONE,
        )
    held = next((p for p in problems if p.matches(dataset, path.name)), None)
    if held is not None:  # a run would hold this file back too
        return fail("check", held.message, Exit.DECLARATION)
    for problem in problems:
        print(f"ecostat check: (another spec) {problem.message}", file=sys.stderr)
    if args.spec:
        spec = next((s for s in specs if s.name == args.spec), None)
        if spec is None or spec.dataset not in (dataset, ANY_DATASET):
            names = (
                ", ".join(s.name for s in specs if s.dataset in (dataset, ANY_DATASET)) or "none"
            )
            return fail(
                "check",
                f"no source spec {args.spec!r} for {dataset} (there are: {names})",
                Exit.NOT_DONE,
            )
    else:
        spec = spec_for(dataset, path.name, specs)
    overlays = home.reference if home.reference.is_dir() else None
    try:
        result = check_file(path, load_contract(dataset), spec, overlays)
    except SubmissionError as e:
        return fail(
            "check",
            f"{path} ({dataset}, source spec {spec.name}) cannot be read: {e}",
            Exit.UNREADABLE,
        )
    except OverlayError as e:  # a run would stop on it too
        return fail("check", str(e), Exit.DECLARATION)
    print(format_check(result))
    return Exit.FOUND if result.rows_rejected else Exit.OK


def cmd_extract(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from assets.extract.review import ReviewError, accept
    from contracts import datasets

    home = Home(home_path())
    if args.accept:
        try:
            done = accept(Path(args.accept), home.extractions, home.landing)
        except ReviewError as e:
            return fail("extract", str(e), Exit.NOT_DONE)
        print(
            f"Accepted {done.accepted + done.edited} figure(s) ({done.edited} edited), "
            f"rejected {done.rejected}; {done.not_reviewed} not reviewed (not loaded)."
        )
        for line in done.edits:
            print(f"  edited: {line}")
        for path in done.files:
            print(f"  wrote {path}")
        for line in done.warnings:
            print(f"  warning: {line}")
        if done.files:
            print("Next: `ecostat run` validates and loads them like any submission.")
        else:
            print("Nothing to load: no row is marked accept or edit.")
        return Exit.OK
    if not args.documents:
        return fail(
            "extract",
            "name one or more documents, or --accept REVIEW.xlsx",
            Exit.NOT_DONE,
        )
    unknown = sorted(set(args.dataset or []) - set(datasets()))
    if unknown:
        return fail(
            "extract",
            f"no dataset {', '.join(unknown)} (there are: {', '.join(datasets())})",
            Exit.NOT_DONE,
        )
    from assets.extract.candidates import find_candidates
    from assets.extract.documents import DocumentError, read_document, store_document
    from assets.extract.review import save_candidates, write_review
    from assets.reference.load import OverlayError, reference_in_memory

    try:
        units, territories, _ = reference_in_memory(
            home.reference if home.reference.is_dir() else None
        )
    except OverlayError as e:
        return fail("extract", str(e), Exit.NOT_DONE)
    found, failed = [], 0
    for name in args.documents:
        path = Path(name)
        if not path.is_file():
            print(f"{name}: no such file", file=sys.stderr)
            failed += 1
            continue
        try:
            document = read_document(path)
        except DocumentError as e:
            print(str(e), file=sys.stderr)
            failed += 1
            continue
        kept = store_document(home.documents, path, document.sha256)
        candidates = find_candidates(document, territories, units, args.dataset or None)
        save_candidates(home.extractions, document.sha256, candidates)
        found += candidates
        if candidates:
            by_dataset: dict[str, int] = {}
            for c in candidates:
                by_dataset[c.dataset] = by_dataset.get(c.dataset, 0) + 1
            counts = ", ".join(f"{d} {n}" for d, n in sorted(by_dataset.items()))
            print(f"{path.name}: {len(candidates)} candidate figure(s) ({counts}); kept as {kept}")
        else:
            print(
                f"{path.name}: no figure any dataset's rules recognise "
                f"({len(document.paragraphs)} paragraphs read); nothing to review. Kept as {kept}"
            )
    if found:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = Path(args.out) if args.out else home.extractions / f"review-{stamp}.xlsx"
        xlsx, csv_path = write_review(found, out)
        print(f"Review workbook: {xlsx} (and {csv_path.name})")
        print(
            "Mark each row accept, edit or reject in its 'decision' column (blank rows are not "
            f"loaded), then: ecostat extract --accept {xlsx}"
        )
    return Exit.FOUND if failed else Exit.OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add check and extract to the `ecostat` parser."""
    check = sub.add_parser(
        "check",
        help="read and validate one file as a run would; write nothing",
        description="Reads FILE with its source spec (the one that matches its name, or --spec) "
        "and validates it against its dataset's contract and the reference data with this data "
        "home's overlays, exactly as a run would, and writes nothing. Prints the header "
        "mapping, the units read, the rows that would load and those that would be rejected, "
        "grouped by rule with examples. Exit 0: every row would load; 1: some would be "
        "rejected; 2: no such file, or its dataset or --spec is unknown; 3: the file cannot "
        "be read as a table; 4: a source spec that matches it, or a reference overlay, cannot "
        "be used.",
    )
    check.add_argument("file", help="a CSV, TXT, TSV or Excel file")
    check.add_argument(
        "--dataset",
        help="its dataset (default: the landing/<dataset>/ folder it is in, else the dataset "
        "whose source spec matches its name)",
    )
    check.add_argument("--spec", help="the source spec to read it with (default: as a run picks)")
    check.set_defaults(func=cmd_check)
    extract = sub.add_parser(
        "extract",
        help="find candidate figures in narrative reports and write a review workbook",
        description="Reads each DOC (.txt, .md, .html, .docx, .pdf, or a scan as .pdf, .png, "
        ".jpg or .tif, read by OCR with Tesseract: `make ocr` installs it), "
        "keeps it in <home>/documents/ by its SHA-256, and finds the figures each dataset's "
        "rules recognise (contracts/<dataset>/extract.yaml): value as written and as read, "
        "unit, territory, period and the sentence it stands in. Writes a review workbook "
        "(.xlsx and .csv) with one row per candidate. Nothing is loaded until a person marks "
        "rows accept or edit and runs `ecostat extract --accept REVIEW`, which writes "
        "landing/<dataset>/extracted_<sha256>.csv for the next run. Exit 1 when a document "
        "could not be read (the others are still read).",
    )
    extract.add_argument("documents", nargs="*", metavar="DOC", help="documents to read")
    extract.add_argument("--out", help="the review workbook to write (default <home>/extractions/)")
    extract.add_argument(
        "--dataset", action="append", help="only this dataset's figures (repeatable)"
    )
    extract.add_argument(
        "--accept", metavar="REVIEW", help="land the accepted and edited rows of a review"
    )
    extract.set_defaults(func=cmd_extract)
