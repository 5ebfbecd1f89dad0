"""Crawl every page a user can reach and check what it shows them.

Restricted content (tests/world.py marks it with RESTRICTED_MARK) must never appear for
staff or another state's section, on any page; it must appear to those allowed; and no
page may fail.
"""

from __future__ import annotations

from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest

from tests.conftest import login, sign_in
from tests.factories import PASSWORD
from tests.world import RESTRICTED_MARK

START = ["/dashboard", "/states", "/representatives", "/account"]
# The campaign's week: refused to staff and sections today, and never a leak if opened.
ACTIVITY = ["/activity", "/activity/overdue"]
# Never followed: they end the session, or are files checked elsewhere.
SKIP_PREFIXES = ("/logout", "/static/")
SKIP_SUFFIXES = (".pdf", ".ics", ".csv", ".json")
MAX_PAGES = 400


class _Links(HTMLParser):
    """The targets of a page's links (the standard library's parser, without building the
    tree a crawl of hundreds of pages does not need)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href is not None:
                self.hrefs.append(href)


def crawl(
    client, start: list[str], *, variants_per_path: int | None = None, max_pages: int = MAX_PAGES
) -> dict[str, tuple[int, str]]:
    """GET every same-site link reachable from `start` (with `variants_per_path`, at most
    that many query strings of one path: calendars link month to month without end);
    returns url → (status, html)."""
    seen: dict[str, tuple[int, str]] = {}
    per_path: Counter[str] = Counter()
    queue = deque(start)
    while queue and len(seen) < max_pages:
        url = queue.popleft()
        path = urlsplit(url).path
        limited = variants_per_path is not None and url not in start
        if url in seen or (limited and per_path[path] >= (variants_per_path or 0)):
            continue
        per_path[path] += 1
        response = client.get(url)
        html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        seen[url] = (response.status_code, html)
        if response.status_code != 200 or not html:
            continue
        for target in _Links(html).hrefs:
            href, _ = urldefrag(target)
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/"):
                continue
            if href.startswith(SKIP_PREFIXES) or parts.path.endswith(SKIP_SUFFIXES):
                continue
            if href not in seen:
                queue.append(href)
    return seen


@pytest.mark.parametrize("who", ["staff", "other_member"])
def test_restricted_content_never_reaches_those_not_allowed(client, world, who):
    login(client, getattr(world, who).email, PASSWORD)
    # Start also from the home state's own pages, where its restricted contacts are listed.
    home = world.home
    start = [*START, *ACTIVITY, f"/states/{home.state.iso2}", f"/representatives/{home.reps[1].id}"]
    pages = crawl(client, start)
    assert all(pages[url][0] == 403 for url in ACTIVITY)
    assert len(pages) > 10
    failed = {url: status for url, (status, _) in pages.items() if status >= 500}
    assert failed == {}
    leaks = [url for url, (_, html) in pages.items() if f"{RESTRICTED_MARK}Home" in html]
    assert leaks == []


@pytest.mark.parametrize("who", ["member", "coordinator", "admin"])
def test_restricted_content_reaches_those_allowed(client, world, who):
    login(client, getattr(world, who).email, PASSWORD)
    home = world.home
    start = [f"/states/{home.state.iso2}", f"/representatives/{home.reps[1].id}"]
    if who != "member":
        start += ACTIVITY
    pages = crawl(client, start)
    shown = [url for url, (_, html) in pages.items() if f"{RESTRICTED_MARK}Home" in html]
    assert shown, "the home state's restricted contact is shown to its own section"
    if who != "member":
        assert "/activity" in shown
    failed = {url: status for url, (status, _) in pages.items() if status >= 500}
    assert failed == {}


def test_other_states_restricted_content_stays_hidden_from_a_section_member(client, world):
    sign_in(client, world.member.email)
    other = world.other
    pages = crawl(client, [f"/states/{other.state.iso2}", f"/representatives/{other.reps[1].id}"])
    leaks = [url for url, (_, html) in pages.items() if f"{RESTRICTED_MARK}Other" in html]
    assert leaks == []
