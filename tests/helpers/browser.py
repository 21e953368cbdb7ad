"""Headless Chromium for report tests, driven by Playwright's Python package.

Always the system browser (Debian's ``chromium``); Playwright never downloads one here. When
it is missing a test skips, except under ``CI=true`` where it fails: CI installs Chromium
(see ``scripts/test.sh``), so a missing browser there is a broken environment, not a reason
to pass silently.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = ["ARGS", "PageWatch", "chromium_path", "launch", "open_page", "require_chromium"]

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """``$EVALKIT_CHROMIUM``, else ``chromium`` on PATH, else ``/usr/bin/chromium``."""
    for candidate in (os.environ.get("EVALKIT_CHROMIUM"), shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def require_chromium() -> str:
    """The browser's path; skip the test without one (fail under ``CI=true``)."""
    path = chromium_path()
    why = None
    if path is None:
        why = "chromium not found (install Debian packages chromium and chromium-driver)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            why = "playwright (python) not installed (pip install -e '.[dev]')"
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests: {why}; CI must run them", pytrace=False)
        pytest.skip(why)
    assert path is not None
    return path


@contextmanager
def launch() -> Iterator[Any]:
    """A headless Chromium ``Browser`` (closed on exit)."""
    from playwright.sync_api import sync_playwright

    path = require_chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageWatch:
    """Everything a page did that a test may want to forbid."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    non_file_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (
            self.console_errors
            or self.page_errors
            or self.failed_requests
            or self.non_file_requests
            or self.dialogs
        )


def open_page(
    browser: Any, html_file: Path, *, width: int = 1280, height: int = 900
) -> tuple[Any, PageWatch]:
    """Open ``html_file`` in a fresh context, recording errors, requests and dialogs.

    Every request that does not go to ``file://`` is aborted and recorded, so a report that
    tries to reach the network fails its test instead of reaching it.
    """
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    watch = PageWatch()

    def console(m: Any) -> None:
        if m.type == "error":
            watch.console_errors.append(m.text)

    page.on("console", console)
    page.on("pageerror", lambda e: watch.page_errors.append(str(e)))
    page.on("requestfailed", lambda r: watch.failed_requests.append(r.url))

    def dialog(d: Any) -> None:
        watch.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("dialog", dialog)

    def route(r: Any) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            watch.non_file_requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(html_file.resolve().as_uri())
    page.wait_for_selector("body[data-ready='true']", timeout=15_000)
    return page, watch
