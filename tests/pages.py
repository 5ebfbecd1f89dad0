"""Helpers for page tests: fetch a page, assert its status, and parse it."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from flask.testing import FlaskClient

_REP_LINK = re.compile(r"^/representatives/(\d+)$")


def page(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def representative_ids(soup: BeautifulSoup, within: str = "main table") -> list[int]:
    """The ids of the representatives linked from the page's tables, in order."""
    ids = []
    for table in soup.select(within):
        for link in table.find_all("a", href=True):
            match = _REP_LINK.match(link["href"])
            if match:
                ids.append(int(match.group(1)))
    return ids


def text(soup: BeautifulSoup) -> str:
    return " ".join(soup.get_text(" ").split())
