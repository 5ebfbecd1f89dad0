"""Factories and helpers for the event tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import factory
from bs4 import BeautifulSoup

from crm.events.models import Invitation, Rsvp
from tests.factories import Base, EventFactory, RepresentativeFactory


class InvitationFactory(Base):
    class Meta:
        model = Invitation

    event = factory.SubFactory(EventFactory)
    representative = factory.SubFactory(
        RepresentativeFactory, state=factory.SelfAttribute("..event.state")
    )
    rsvp = Rsvp.PENDING


def local(timezone: str, *args: int) -> datetime:
    """An aware datetime given as wall-clock time in a zone: local("Pacific/Palau", 2026, 3, 1)."""
    return datetime(*args, tzinfo=ZoneInfo(timezone))  # type: ignore[misc]


def form_values(html: str, selector: str = "main form[method=post]") -> dict[str, str]:
    """The values of the first matching form, as a browser would submit them."""
    soup = BeautifulSoup(html, "html.parser")
    form = soup.select_one(selector)
    assert form is not None, f"no {selector} on the page"
    data: dict[str, str] = {}
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
        elif control.get("type") != "submit" and control.name != "button":
            data[name] = control.get("value", "")
    return data
