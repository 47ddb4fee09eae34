"""What the extraction tests share: a document made of lines written in a test, and the
candidates the rules find in it (with the seeds' units and gazetteer)."""

from __future__ import annotations

import hashlib

import pytest

from assets.extract.candidates import Candidate, find_candidates
from assets.extract.documents import Document, from_pages


def text_document(*lines: str) -> Document:
    """A plain-text document of ``lines``, one paragraph each."""
    text = "\n".join(lines)
    return from_pages("d.txt", hashlib.sha256(text.encode()).hexdigest(), "text", [(1, text)])


@pytest.fixture(scope="module")
def find(territories, units):
    """Candidates of a document: given as lines of text, or already read."""

    def candidates(*lines: str | Document) -> list[Candidate]:
        document = lines[0] if isinstance(lines[0], Document) else text_document(*lines)
        return find_candidates(document, territories, units)

    return candidates
