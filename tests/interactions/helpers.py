"""Helpers for the interaction tests: read a form as a browser would submit it."""

from __future__ import annotations

from bs4 import BeautifulSoup
from flask.testing import FlaskClient


def form_values(soup: BeautifulSoup) -> dict[str, list[str]]:
    """The values of the page's POST form, as a browser would submit them (no button)."""
    data: dict[str, list[str]] = {}
    form = soup.select_one("main form[method=post]")
    assert form is not None, "no POST form on the page"
    for control in form.select("[name]"):
        name = control["name"]
        if control.name == "select":
            chosen = control.find_all("option", selected=True) or control.find_all("option")[:1]
            values = [option.get("value", option.get_text()) for option in chosen]
        elif control.name == "textarea":
            # Browsers drop the line break that follows <textarea>.
            values = [control.get_text().removeprefix("\r\n").removeprefix("\n")]
        elif control.name == "button" or control.get("type") == "submit":
            continue
        elif control.get("type") in ("checkbox", "radio"):
            if not control.has_attr("checked"):
                continue
            values = [control.get("value", "on")]
        else:
            values = [control.get("value", "")]
        data.setdefault(name, []).extend(values)
    return data


def get_form(client: FlaskClient, url: str) -> dict[str, list[str]]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return form_values(BeautifulSoup(response.get_data(as_text=True), "html.parser"))


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")
