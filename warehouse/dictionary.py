"""The data dictionary, generated from the declarations (never written twice): dataset contracts
(staging), SQL model YAML (core, marts, audit) and seeds/reference/tables.yaml (reference).

The same entries feed docs/data_dictionary.md (`ecostat docs`), the codebook of `ecostat export`,
the dashboard's dictionary and the Dagster asset descriptions and column schemas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import yaml

from contracts import datasets, load_contract
from warehouse import sql_models
from warehouse.home import REPO_ROOT, SEEDS_DIR

DICTIONARY_PATH = REPO_ROOT / "docs" / "data_dictionary.md"
SUBMISSIONS_LICENCE = (
    "Figures from the submissions are published facts; each row names its publisher "
    "(source_title, source_url): cite them when you reuse a figure."
)


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    description: str
    unit: str | None = None


@dataclass(frozen=True)
class TableDoc:
    table: str  # schema.table
    layer: str
    description: str
    grain: str
    defined_in: str
    reads: list[str] = field(default_factory=list)  # tables it is built from
    sources: list[str] = field(default_factory=list)  # datasets and reference sources behind it
    licence: list[str] = field(default_factory=list)
    columns: list[ColumnDoc] = field(default_factory=list)
    # How a figure is chosen among its sources (the model's `choice`), per dataset when the
    # table holds several datasets' figures ("" for one rule).
    choice: dict[str, str] = field(default_factory=dict)
    per_capita_basis: str | None = None  # what its per-capita figures divide by


def _reference() -> dict[str, dict]:
    return yaml.safe_load((SEEDS_DIR / "reference" / "tables.yaml").read_text(encoding="utf-8"))


def _upstream(table: str, deps: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(deps.get(table, []))
    while todo:
        t = todo.pop()
        if t not in seen:
            seen.add(t)
            todo += deps.get(t, [])
    return seen


def table_docs() -> list[TableDoc]:
    """Every table of the warehouse an analyst or auditor reads, by layer."""
    reference = _reference()
    models = sql_models()
    deps = {m.table: list(m.deps) for m in models}
    docs = []
    for name, meta in reference.items():
        docs.append(
            TableDoc(
                table=f"core.{name}",
                layer="reference",
                description=meta["description"].strip(),
                grain=meta["grain"],
                defined_in=f"seeds/reference/{name}.csv",
                sources=[meta["source"]],
                licence=[meta.get("licence", "not stated")],
            )
        )
    for ds in datasets():
        c = load_contract(ds)
        docs.append(
            TableDoc(
                table=f"staging.{ds}",
                layer="staging",
                description=f"{c.title}. {c.description.strip()}",
                grain=c.grain.strip(),
                defined_in=f"contracts/{ds}/contract.yaml",
                reads=[f"raw.{ds}"],
                sources=[f"submissions in landing/{ds}/"],
                licence=[SUBMISSIONS_LICENCE],
                columns=[
                    ColumnDoc(col.name, col.description.strip(), col.unit)
                    for col in c.stored_columns
                ],
            )
        )
    for m in models:
        upstream = _upstream(m.table, deps)
        used_reference = sorted(
            n for n in reference if f"core.{n}" in upstream or f"core.{n}" == m.table
        )
        dataset_sources = sorted(
            {t.split(".")[1] for t in upstream if t.split(".")[1] in datasets()}
        )
        docs.append(
            TableDoc(
                table=m.table,
                layer=m.layer,
                description=m.description.strip(),
                grain=m.grain.strip(),
                defined_in=f"warehouse/{m.layer}/{m.name}.sql",
                reads=list(m.deps),
                sources=[f"dataset {d}" for d in dataset_sources]
                + [f"core.{n}: {reference[n]['source']}" for n in used_reference],
                licence=([SUBMISSIONS_LICENCE] if dataset_sources else [])
                + [
                    f"core.{n}: {reference[n].get('licence', 'not stated')}" for n in used_reference
                ],
                columns=[
                    ColumnDoc(name, str(meta.get("description", "")).strip(), meta.get("unit"))
                    for name, meta in m.columns.items()
                ],
                choice=_choice_of(m.choice),
                per_capita_basis=" ".join(m.per_capita_basis.split())
                if m.per_capita_basis
                else None,
            )
        )
    return docs


def _choice_of(choice: str | dict | None) -> dict[str, str]:
    """A model's declared choice as {dataset or "": rule}."""
    rule = choice.get("rule") if isinstance(choice, dict) else choice
    if isinstance(rule, dict):
        return {k: " ".join(str(v).split()) for k, v in rule.items()}
    return {"": " ".join(rule.split())} if rule else {}


def _cell(text: object) -> str:
    return "" if text is None else str(text).replace("|", "\\|").replace("\n", " ")


# What a layer's tables share, said once above them.
LAYER_NOTES = {
    "reference": [
        "Rebuilt on every run from `seeds/reference/<table>.csv` and, when a data home has one,",
        "its overlay `<home>/reference/<table>.csv` (same columns): overlay rows are added to the",
        "seed's after they are checked against `seeds/reference/tables.yaml` (key, required",
        "columns, types, references, vocabularies); a broken row stops the run with its file and",
        "row. Every row has `origin`: `seeds` or the overlay's path. Tables marked generated in",
        "tables.yaml are written by `ecostat reference build` from their sources.",
    ],
    "audit": [
        "Besides the findings below, ingest and staging write the audit log itself",
        "(`warehouse/ddl/audit.sql`): `audit.source_files` (one landed file version, with the",
        "fingerprint of the rules it was staged under), `audit.rejected_rows` (the rejections",
        "that stand), `audit.rule_versions` (one version of a dataset's rules: fingerprints of",
        "the contract, the reference tables staging reads and the parsers), `audit.staging_passes`",
        "(one staging of a file: why, what changed, rows read, loaded, rejected, released and",
        "newly rejected), `audit.rejection_history` (every rejection a later staging replaced,",
        "with its outcome: released, still_rejected, rejected_otherwise), the view",
        "`audit.released_rows` (one row per released source row: the rules that had rejected it,",
        "the change that released it) and `audit.validation_results` (every check of every run).",
    ],
}


def markdown(docs: list[TableDoc] | None = None) -> str:
    """The dictionary as Markdown: per table its grain, description, sources, licence notes and
    columns with description and unit."""
    docs = table_docs() if docs is None else docs
    lines = [
        "# ecostat data dictionary",
        "",
        "Generated by `ecostat docs` from the contracts (`contracts/*/contract.yaml`), the SQL",
        "models' YAML (`warehouse/*/*.yaml`) and `seeds/reference/tables.yaml`. Do not edit by",
        "hand: change the declaration and run `ecostat docs`.",
        "",
    ]
    for layer in ("marts", "core", "staging", "reference", "audit"):
        mine = [d for d in docs if d.layer == layer]
        if not mine:
            continue
        lines += [f"## {layer}", ""]
        if layer in LAYER_NOTES:
            lines += [*LAYER_NOTES[layer], ""]
        lines += [f"- [`{d.table}`](#{d.table.replace('.', '')})" for d in mine]
        lines.append("")
        for d in mine:
            lines += [f"### {d.table}", "", d.description, "", f"**Grain:** {d.grain}", ""]
            lines.append(
                f"**Defined in:** `{d.defined_in}`"
                + (f"; reads {', '.join(f'`{r}`' for r in d.reads)}" if d.reads else "")
            )
            lines.append("")
            if d.sources:
                lines += ["**Sources:**", "", *(f"- {s}" for s in d.sources), ""]
            if d.licence:
                lines += ["**Licence notes:**", "", *(f"- {s}" for s in d.licence), ""]
            if d.per_capita_basis:
                lines += [f"**Per-capita figures divide by:** {d.per_capita_basis}", ""]
            if list(d.choice) == [""]:
                lines += [f"**How a figure is chosen among its sources:** {d.choice['']}", ""]
            elif d.choice:
                lines += ["**How a figure is chosen among its sources:**", ""]
                lines += [f"- {k}: {v}" for k, v in d.choice.items()] + [""]
            if d.columns:
                lines += ["| column | unit | description |", "|---|---|---|"]
                lines += [
                    f"| `{c.name}` | {_cell(c.unit)} | {_cell(c.description)} |" for c in d.columns
                ]
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def codebook(docs: list[TableDoc], types: dict[tuple[str, str], str]) -> pl.DataFrame:
    """One row per column of the given tables: table, grain, column, type, unit, description."""
    return pl.DataFrame(
        [
            {
                "table": d.table,
                "table_grain": d.grain,
                "column": c.name,
                "type": types.get((d.table, c.name)),
                "unit": c.unit,
                "description": c.description,
            }
            for d in docs
            for c in d.columns
        ],
        schema={
            k: pl.String for k in ("table", "table_grain", "column", "type", "unit", "description")
        },
    )


def write_dictionary(path: Path = DICTIONARY_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(), encoding="utf-8")
    return path
