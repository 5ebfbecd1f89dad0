"""What templates are given: the helpers every page may call (may this user do that, the
page's query without its page number) and the filters that write dates and days in the
reader's language."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from crm.dates import format_when
from crm.db import today


def init_templates(app: Flask) -> None:
    from crm import models

    app.jinja_env.globals.update(
        models=models,
        may=_may,
        withheld=_withheld,
        stance_date=_stance_date,
        reauth_minutes=_reauth_minutes,
        query_without_page=query_without_page,
        RECOVERY_CODE_COUNT=_recovery_code_count(),
        Page=_page_enum(),
    )
    app.jinja_env.filters.update(
        local_datetime=local_datetime, fmt_date=fmt_date, month=fmt_month, days_ago=days_ago
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


# The template helpers ask about the request's user many times a page: they pass the user
# itself (Flask-Login loads it once a request), not the proxy, which looks it up again at
# every attribute the permission rules read.


def _may(action, target, state=None) -> bool:
    from crm.auth.permissions import may

    return may(current_user._get_current_object(), action, target, state=state)


def _withheld(target: Any) -> bool:
    from crm.auth.permissions import withheld

    return withheld(current_user._get_current_object(), target)


def _stance_date(representative: Any) -> Any:
    from crm.auth.permissions import stance_withheld

    reader = current_user._get_current_object()
    return representative.stance_date(withheld=stance_withheld(reader, representative))


def query_without_page(**route: Any) -> dict[str, Any]:
    """This page's query (its filters) without `page`, with the route's values: what the
    links to other pages of a list carry."""
    return {key: value for key, value in request.args.items() if key != "page"} | route


def _reauth_minutes() -> int:
    from crm.auth.reauth import max_age_minutes

    return max_age_minutes()


def _recovery_code_count() -> int:
    from crm.auth.mfa import RECOVERY_CODE_COUNT

    return RECOVERY_CODE_COUNT


def _page_enum():
    from crm.auth.permissions import Page

    return Page


def local_datetime(
    value: datetime | None, tz: str | None = None, fmt: str = "%d %b %Y %H:%M"
) -> str:
    """A UTC datetime shown in a state's time zone, with the zone's abbreviation."""
    if value is None:
        return ""
    zone = ZoneInfo(tz) if tz else ZoneInfo("UTC")
    local = value.astimezone(zone)
    return f"{format_when(local, fmt)} {local.tzname()}"


def fmt_date(value: date | datetime | None, fmt: str = "%d %b %Y") -> str:
    if value is None:
        return ""
    return format_when(value, fmt)


def fmt_month(value: date | datetime | None) -> str:
    """A date shown as its month only ("March 2026")."""
    if value is None:
        return ""
    return format_when(value, "%B %Y")


def days_ago(value: date | datetime | None) -> str:
    if value is None:
        return _("never")
    if isinstance(value, datetime):
        value = value.date()
    days = (today() - value).days
    if days == 0:
        return _("today")
    if days == 1:
        return _("yesterday")
    if days < 0:
        return ngettext("in %(num)d day", "in %(num)d days", -days)
    return ngettext("%(num)d day ago", "%(num)d days ago", days)
