"""Headless Chromium for tests that look at a page as a person would (Debian's chromium package,
installed by `make test`; Playwright drives it and never downloads a browser of its own)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from warehouse.home import REPO_ROOT

ARTIFACTS = Path(os.environ.get("ECOSTAT_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts"))
# Without the background-networking flags Chromium calls home at start; nothing may leave here.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("ECOSTAT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(
            "Chromium not found: `make test` installs Debian's chromium package "
            "(or set ECOSTAT_CHROMIUM to a Chromium binary)"
        )
    return path


@dataclass
class PageVisit:
    page: object  # playwright.sync_api.Page
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def external_requests(self) -> list[str]:
        # blob: URLs are made in the page (a download built from its own data).
        return [u for u in self.requests if not u.startswith(("file:", "data:", "about:", "blob:"))]


@contextmanager
def open_page(path: Path, width: int = 1300, fragment: str = "") -> Iterator[PageVisit]:
    """Open a local HTML file (at ``#fragment``, when given); collect console errors, page
    errors and every request made."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900}, accept_downloads=True)
            visit = PageVisit(page)
            page.on("console", lambda m: m.type == "error" and visit.console_errors.append(m.text))
            page.on("pageerror", lambda e: visit.console_errors.append(str(e)))
            page.on("request", lambda r: visit.requests.append(r.url))
            page.goto(path.as_uri() + (f"#{fragment}" if fragment else ""), wait_until="load")
            yield visit
        finally:
            browser.close()


def screenshot(visit: PageVisit, name: str, full_page: bool = True) -> Path:
    """Keep a screenshot as a test artefact (test-artifacts/<name>.png): the whole page, or
    what the window shows."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / f"{name}.png"
    visit.page.screenshot(path=str(out), full_page=full_page)
    return out
