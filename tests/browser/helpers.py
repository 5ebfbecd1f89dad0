"""What the browser tests share: Debian's Chromium, signing in, and the checks they make."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest

from tests.conftest import DEMO_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Browser tests elsewhere in the suite: `pytestmark = needs_chromium`. CI installs it.
needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed (CI installs it)"
)
# Without these, Chromium keeps trying to reach Google's services from a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

T = TypeVar("T")


class _SharedChromium:
    """One headless Chromium per test process, on a thread of its own: Playwright's sync API
    allows one instance per thread, and the thread's event loop goes with it (a test's
    database reads stay on the test's own thread). Launching takes most of a second."""

    def __init__(self) -> None:
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self.playwright: Any = None
        self.chromium: Any = None

    def run(self, work: Callable[[Any], T]) -> T:
        return self.thread.submit(self._run, work).result()

    def _run(self, work: Callable[[Any], T]) -> T:
        if self.playwright is None:
            from playwright.sync_api import sync_playwright

            self.playwright = sync_playwright().start()
        if self.chromium is None or not self.chromium.is_connected():
            # The first test, or one after a test that closed or crashed the browser.
            self.chromium = self.playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        try:
            return work(self.chromium)
        finally:
            # Each test starts from a browser with nothing open: no cookie, no page.
            if self.chromium.is_connected():
                for context in self.chromium.contexts:
                    context.close()

    def close(self) -> None:
        def stop() -> None:
            if self.chromium is not None:
                self.chromium.close()
            if self.playwright is not None:
                self.playwright.stop()
            self.chromium = self.playwright = None

        self.thread.submit(stop).result()
        self.thread.shutdown()


_shared: _SharedChromium | None = None


def in_browser(work: Callable[[Any], T]) -> T:
    """Run `work(chromium)` with the test process's headless Chromium (work opens contexts
    of its own; whatever it leaves open is closed after it)."""
    global _shared
    if _shared is None:
        _shared = _SharedChromium()
    return _shared.run(work)


def close_shared_browser() -> None:
    """Stop the process's Chromium, if a test started it (at the end of the session)."""
    global _shared
    if _shared is not None:
        _shared.close()
        _shared = None


def sign_in(page: Any, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form and wait until the browser has left the sign-in page: a
    check started earlier would quietly look at the sign-in page instead."""
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/login")


def sideways_overflow(page: Any) -> int:
    """How many pixels the page scrolls sideways (0 when it fits)."""
    # After a form post the next page may still be loading: measure the page that arrived.
    page.wait_for_load_state("load")
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def serious_violations(page: Any) -> list[tuple[str, list[Any]]]:
    """axe-core's serious and critical findings on the page: (rule, first elements)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@dataclass
class Watched:
    """What a page asked for and what its Content-Security-Policy blocked."""

    requested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def hosts(self) -> set[str]:
        return {urlsplit(u).netloc for u in self.requested if not u.startswith(("data:", "about:"))}


def watch(page: Any) -> Watched:
    """Start noting every request the page makes and every policy violation it reports."""
    watched = Watched()
    page.on("request", lambda request: watched.requested.append(request.url))
    page.on(
        "console",
        lambda message: (
            watched.blocked.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return watched
