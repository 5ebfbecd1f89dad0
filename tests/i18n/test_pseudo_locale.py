"""Every word of the pages translated so far comes through the catalogs: rendered in the
pseudo-locale (tests/i18n/pseudo.py), nothing a reader sees or hears is left outside the
markers but data. The list of pages grows as features are marked, until it is the crawl."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, sign_in
from tests.i18n.pseudo import OPEN, pseudo, unmarked


@pytest.fixture
def wrapped():
    with pseudo():
        yield


def _assert_marked(response, *data: str) -> None:
    html = response.get_data(as_text=True)
    assert OPEN in html, "the pseudo-locale is not in use"
    assert unmarked(html, data) == []


def test_the_sign_in_page_and_its_refusal(app, client, wrapped):
    page = client.get("/login")
    _assert_marked(page)
    refused = client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert refused.status_code == 422
    _assert_marked(refused)


def test_please_sign_in_and_the_error_pages(app, client, wrapped):
    sent_back = client.get("/states")
    _assert_marked(client.get(sent_back.headers["Location"]))
    _assert_marked(client.get("/nothing-here"))
    _assert_marked(client.delete("/login"))


def test_the_language_page(app, client, world, wrapped):
    sign_in(client, world.member)
    # The frame names who is signed in and their role: the role's label is still English
    # (enum labels are marked with their features), so it is data here for now.
    data = (world.member.name, world.member.email, world.member.role.label)
    page = client.get("/account/language")
    _assert_marked(page, *data)
    token = csrf_token(page.get_data(as_text=True))
    refused = client.post("/account/language", data={"locale": "xx", "csrf_token": token})
    assert refused.status_code == 422
    _assert_marked(refused, *data)


def test_the_check_finds_words_that_were_not_marked(app, client):
    """Without the pseudo-locale nothing is marked: the check must say so."""
    html = client.get("/login").get_data(as_text=True)
    assert "Sign in" in " ".join(unmarked(html))
