"""Helpers for the tests of a representative's record: forms as a browser submits them."""

from __future__ import annotations

import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.extensions import db
from tests.conftest import csrf_token
from tests.conftest import sign_in as signed_in
from tests.world import World


def sign_in(client, world: World, who: str) -> None:
    signed_in(client, getattr(world, who).email)


def values_of(soup: BeautifulSoup) -> dict[str, str]:
    """The values a browser would submit from the page's POST form in <main>."""
    data: dict[str, str] = {}
    form = soup.select_one("main form[method=post]")
    assert form is not None, "no form on the page"
    for control in form.select("[name]"):
        name = control["name"]
        if control.name == "select":
            chosen = control.find("option", selected=True) or control.find("option")
            data[name] = chosen["value"] if chosen else ""
        elif control.name == "textarea":
            # Browsers drop the line break that follows <textarea>.
            data[name] = control.get_text().removeprefix("\r\n").removeprefix("\n")
        elif control.get("type") == "checkbox":
            if control.has_attr("checked"):
                data[name] = control.get("value", "y")
        elif control.name == "input" and control.get("type") != "submit":
            data[name] = control.get("value", "")
    return data


def form_values(client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return values_of(BeautifulSoup(response.get_data(as_text=True), "html.parser"))


def submit(client, url: str, changes: dict[str, str] | None = None):
    """Open the form at `url`, change some values, and submit it."""
    return client.post(url, data=form_values(client, url) | (changes or {}))


def post(client, url: str, data: dict[str, str] | None = None):
    """POST with a valid CSRF token but without opening the form (as a crafted request)."""
    token = csrf_token(client.get("/account").get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token})


def audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def field_error(response, field: str) -> str:
    """The message shown next to a field (asserting the field is marked invalid)."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    control = soup.find(attrs={"name": field})
    assert control is not None, f"no field {field}"
    assert control.get("aria-invalid") == "true", f"{field} is not marked invalid"
    message = soup.find(id=f"{control['id']}-error")
    assert message is not None, f"no message next to {field}"
    return message.get_text(" ", strip=True)


def page_text(response) -> str:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return " ".join(soup.get_text(" ").split())
