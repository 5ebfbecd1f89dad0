"""A real browser (Debian's Chromium, driven by Playwright) against the app on a real port
(`live_server`, in tests/conftest.py)."""

from __future__ import annotations

import shutil

import pytest

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS


def pytest_collection_modifyitems(items):
    if shutil.which("chromium") is None:
        skip = pytest.mark.skip(reason="Debian's chromium is not installed (CI installs it)")
        for item in items:
            if "browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture
def browser():
    # One Playwright per test, closed with it: a Playwright left running keeps an event loop
    # in this thread, and every later sync_playwright() here would refuse to start.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
