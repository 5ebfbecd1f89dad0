"""The test process's one Chromium (tests/browser/helpers.py): each test starts with nothing
open, and a test that closes or crashes the browser does not take the next ones with it."""

from __future__ import annotations

from tests.browser.helpers import in_browser


def test_each_test_starts_with_nothing_open():
    def leave_open(chromium) -> None:
        context = chromium.new_context()
        context.add_cookies([{"name": "left", "value": "1", "url": "http://127.0.0.1/"}])
        context.new_page()
        chromium.new_page()  # a context of its own, made implicitly

    in_browser(leave_open)

    assert in_browser(lambda chromium: len(chromium.contexts)) == 0


def test_a_closed_browser_is_launched_again():
    in_browser(lambda chromium: chromium.close())

    assert in_browser(lambda chromium: chromium.new_page().evaluate("1 + 1")) == 2
