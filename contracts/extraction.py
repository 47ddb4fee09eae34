"""How each dataset's figures are recognised in narrative reports (#18): the rules declared in
``contracts/<dataset>/extract.yaml``, beside the contract, read by ``ecostat extract``.

A rule says which paragraphs are about the dataset (``topic``), and for each column a figure
can fill, the words that name it before or after the number (``before``, ``after``), or the
pattern that captures a text value (``text``). Units come from the contract: a tonnes column
takes numbers written with a mass unit, a count takes bare numbers. Phrases are written once
in their dictionary form and found in any case form ("государственное учреждение" finds
"2 государственных учреждения"). A new kind of sentence is a line of YAML, not code.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

from pydantic import Field, model_validator

from contracts import CONTRACTS_DIR, Contract, _read_yaml, _Strict, load_contract


class FigureRule(_Strict):
    """One column a figure in prose can fill."""

    column: str
    before: list[str] = Field(default_factory=list)  # phrases in the number's clause, before it
    after: list[str] = Field(default_factory=list)  # phrases in the few words after it
    # A text value instead of a number: a regular expression whose group "value" is the value,
    # searched in the paragraph after its period (an event's title after its date).
    text: str | None = None
    set: dict[str, str] = Field(default_factory=dict)  # values this figure's row gets


class ExtractRules(_Strict):
    """The extraction rules of one dataset."""

    dataset: str
    description: str = ""
    topic: list[str]  # a paragraph about this dataset names one of these phrases
    # A topic named this many paragraphs earlier still counts: a heading or a title above,
    # the lines of a list.
    reach: int = 2
    # Where a figure's territory comes from: the sentence around it (else the document's), or
    # always the document's (national networks listed city by city).
    territory: Literal["sentence", "document"] = "sentence"
    # Text columns whose value may be named in an earlier paragraph within reach (a list's
    # heading line: "2 государственных учреждения:").
    inherit: list[str] = Field(default_factory=list)
    # A paragraph must start with its period (rows of a table of events, one per line).
    period_first: bool = False
    defaults: dict[str, str] = Field(default_factory=dict)  # values every proposed row gets
    # Values captured from the paragraph: column -> regular expression with a group "value".
    capture: dict[str, str] = Field(default_factory=dict)
    figures: list[FigureRule]

    @model_validator(mode="after")
    def _check(self) -> ExtractRules:
        for pattern in [*self.capture.values(), *(f.text for f in self.figures if f.text)]:
            if "(?P<value>" not in pattern:
                raise ValueError(f"the pattern {pattern!r} needs a group (?P<value>...)")
            re.compile(pattern)
        return self

    def validate_against(self, contract: Contract) -> None:
        names = {c.name for c in contract.columns}
        used = (
            {f.column for f in self.figures}
            | {k for f in self.figures for k in f.set}
            | set(self.defaults)
            | set(self.capture)
            | set(self.inherit)
        )
        unknown = sorted(used - names)
        if unknown:
            raise ValueError(f"columns not in the {contract.dataset} contract: {unknown}")


@cache
def load_extract_rules(dataset: str) -> ExtractRules | None:
    """The extraction rules of ``dataset``, checked against its contract; None when the dataset
    declares none (its figures are not looked for in prose)."""
    path = CONTRACTS_DIR / dataset / "extract.yaml"
    if not path.exists():
        return None
    try:
        rules = ExtractRules.model_validate(_read_yaml(path))
        if rules.dataset != dataset:
            raise ValueError(f"declares dataset {rules.dataset!r}, expected {dataset!r}")
        rules.validate_against(load_contract(dataset))
    except ValueError as e:
        raise ValueError(f"extraction rules {path}: {e}") from e
    return rules
