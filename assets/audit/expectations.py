"""Great Expectations suites for the marts: built from each mart's YAML, run after the marts are
built, results returned as CheckResult rows and Data Docs written for offline reading.

A suite is not written twice: its expectations come from what the YAML already declares (the
ordered columns, the key, the non-negative columns) plus an ``expectations`` list there for rules
only Great Expectations states (a value set, a range). Great Expectations is imported inside
``run_suites`` only, so that nothing else pays its start-up time.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import polars as pl

from warehouse import SqlModel
from warehouse.results import CheckResult

SUITE_PREFIX = "ecostat"


def suite_spec(model: SqlModel) -> list[dict]:
    """The expectations of one mart: [{type, kwargs, severity}] (severity error or warning)."""
    spec: list[dict] = [
        {
            "type": "expect_table_columns_to_match_ordered_list",
            "kwargs": {"column_list": list(model.columns)},
        }
    ]
    for column in model.key:
        spec.append({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": column}})
    if len(model.key) > 1:
        spec.append(
            {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": model.key}}
        )
    elif model.key:
        spec.append(
            {"type": "expect_column_values_to_be_unique", "kwargs": {"column": model.key[0]}}
        )
    for column in model.non_negative:
        spec.append(
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": column, "min_value": 0},
            }
        )
    for declared in model.expectations:
        spec.append(
            {
                "type": declared["type"],
                "kwargs": declared.get("kwargs", {}),
                "severity": "warning" if declared.get("severity") == "warn" else "error",
                "description": declared.get("description"),
            }
        )
    for item in spec:
        item.setdefault("severity", "error")
    return spec


def check_name(expectation: dict) -> str:
    """A readable, unique name: the expectation type and what it looks at."""
    kwargs = expectation["kwargs"]
    on = kwargs.get("column") or ",".join(kwargs.get("column_list", [])[:4])
    if expectation["type"] == "expect_table_columns_to_match_ordered_list":
        on = "table"
    if "min_value" in kwargs or "max_value" in kwargs:
        # The same column can have a generated range (>= 0) and a declared one (0..1).
        on += f", {kwargs.get('min_value', '')}..{kwargs.get('max_value', '')}"
    return f"gx:{expectation['type']}({on})"


def run_suites(
    frames: dict[str, pl.DataFrame], models: dict[str, SqlModel], docs_dir: Path | None
) -> list[CheckResult]:
    """Validate each mart frame (by table name) against its suite; write Data Docs to
    ``docs_dir`` (replacing what was there) when given. Returns one result per expectation."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.registry import get_expectation_impl

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # no bars in run logs
    if docs_dir is not None:
        shutil.rmtree(docs_dir, ignore_errors=True)
        context.add_data_docs_site(
            "ecostat",
            {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    source = context.data_sources.add_pandas("warehouse")
    results: list[CheckResult] = []
    batches = {}
    for table, frame in frames.items():
        model = models[table]
        spec = suite_spec(model)
        names = [check_name(item) for item in spec]
        if len(set(names)) != len(names):
            raise ValueError(f"{table}: two expectations share a name: {sorted(names)}")
        suite = context.suites.add(gx.ExpectationSuite(name=f"{SUITE_PREFIX}.{table}"))
        for item in spec:
            added = suite.add_expectation(get_expectation_impl(item["type"])(**item["kwargs"]))
            item["id"] = added.id  # results are matched back to the spec by this id
        batch = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("all")
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=table, data=batch, suite=suite)
        )
        # List columns (source row ids) are not compared by any expectation; pandas gets them
        # as text so that Great Expectations' profiling of the batch cannot trip on them.
        pandas_frame = frame.with_columns(
            pl.col(c).cast(pl.List(pl.String)).list.join(" ")
            for c, t in frame.schema.items()
            if isinstance(t, pl.List)
        ).to_pandas()
        batches[table] = (pandas_frame, spec, validation)
    for table, (pandas_frame, spec, validation) in batches.items():
        outcome = validation.run(batch_parameters={"dataframe": pandas_frame})
        by_id = {r.expectation_config.id: r for r in outcome.results}
        for item in spec:
            r = by_id[item["id"]]
            detail = r.result or {}
            unexpected = detail.get("partial_unexpected_list") or []
            if item["type"] == "expect_table_columns_to_match_ordered_list" and not r.success:
                unexpected = [{"observed": detail.get("observed_value")}]
            results.append(
                CheckResult(
                    target=table,
                    check_name=check_name(item),
                    engine="great_expectations",
                    severity=item["severity"],
                    passed=bool(r.success),
                    rows_checked=detail.get("element_count", len(pandas_frame)),
                    rows_failed=detail.get("unexpected_count", 0 if r.success else None),
                    description=item.get("description") or _describe(item),
                    sample=pl.DataFrame({"unexpected": [str(u) for u in unexpected]})
                    if unexpected
                    else None,
                )
            )
    if docs_dir is not None:
        context.build_data_docs(site_names=["ecostat"])
        make_offline(docs_dir)
        write_index(docs_dir, results)
    return results


def write_index(docs_dir: Path, results: list[CheckResult]) -> Path:
    """Replace the Data Docs index, which lists its pages from scripts, with a static one: per
    mart, expectations met, and links to its suite and validation pages."""
    from html import escape

    rows = []
    for table in sorted({r.target for r in results}):
        mine = [r for r in results if r.target == table]
        failed = [r for r in mine if not r.passed]
        schema, name = table.split(".")
        suite = docs_dir / "expectations" / SUITE_PREFIX / schema / f"{name}.html"
        validations = sorted(
            (docs_dir / "validations" / SUITE_PREFIX / schema / name).rglob("*.html")
        )
        links = [f'<a href="{escape(suite.relative_to(docs_dir).as_posix())}">suite</a>']
        links += [
            f'<a href="{escape(v.relative_to(docs_dir).as_posix())}">validation</a>'
            for v in validations
        ]
        status = (
            "passed"
            if not failed
            else f"{len(failed)} not met: " + ", ".join(r.check_name for r in failed)
        )
        rows.append(
            f"<tr><td>{escape(table)}</td><td>{len(mine) - len(failed)} of {len(mine)}</td>"
            f'<td class="{"ok" if not failed else "bad"}">{escape(status)}</td>'
            f"<td>{' · '.join(links)}</td></tr>"
        )
    page = docs_dir / "index.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>ecostat: Great Expectations Data Docs of the marts</title>"
        + _OFFLINE_STYLE
        + "<style>.ok{color:#137333}.bad{color:#b00020}</style></head><body>"
        "<h1>Great Expectations: the marts' suites</h1>"
        "<p>Written by the last run (audit/expectations). The same results are in "
        "audit.validation_results (engine great_expectations) and the validation report.</p>"
        "<table><thead><tr><th>mart</th><th>expectations met</th><th>result</th><th>pages</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></body></html>",
        encoding="utf-8",
    )
    return page


def _describe(item: dict) -> str:
    words = item["type"].removeprefix("expect_").replace("_", " ")
    args = ", ".join(f"{k}={v}" for k, v in item["kwargs"].items())
    return f"Expect {words} ({args})."


# Data Docs pages link stylesheets, scripts and a logo from CDNs. Reports must open offline and
# fetch nothing, so those tags are removed and a small inline style is put in their place; the
# content (expectations and results) is plain HTML and reads the same without them.
_EXTERNAL_TAG = re.compile(
    r"<(script|link|img)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//[^>]*>(?:\s*</script>)?",
    re.IGNORECASE,
)
# Links out (the vendor's newsletter and guides) are made plain text: a report is a record.
_EXTERNAL_HREF = re.compile(r"""\s(?:href|action)\s*=\s*["']https?://[^"']*["']""", re.IGNORECASE)
# Validation pages link the favicon one folder too high; a missing file is a console error.
_FAVICON = re.compile(r"<link\b[^>]*favicon[^>]*>", re.IGNORECASE)
_INLINE_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.IGNORECASE | re.DOTALL)
_OFFLINE_STYLE = """<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:1rem 2rem;color:#1d2330}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccd;padding:.25rem .5rem;vertical-align:top}
.text-danger,.fa-times{color:#b00020}.text-success,.fa-check-circle{color:#137333}
nav,.navbar,.modal{display:none}code{background:#f3f4f7;padding:0 .2rem}
</style>"""


def make_offline(docs_dir: Path) -> int:
    """Strip external resources and scripts from every Data Docs page. Returns pages changed."""
    changed = 0
    for page in docs_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        offline = _EXTERNAL_HREF.sub("", _INLINE_SCRIPT.sub("", _EXTERNAL_TAG.sub("", text)))
        offline = _FAVICON.sub("", offline)
        offline = offline.replace("</head>", _OFFLINE_STYLE + "</head>", 1)
        if offline != text:
            page.write_text(offline, encoding="utf-8")
            changed += 1
    return changed
