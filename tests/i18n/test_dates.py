"""Dates in the reader's language: the names of months and days come from the language
(CLDR, through Babel), in the order and with the digits our English formats give; English
stays exactly what strftime writes; a month on its own is named as a month, not as part of
a date (Russian "декабрь 2026", not "декабря"); "today", "3 days ago" are translated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.dates import format_when
from crm.db import today
from crm.extensions import db
from crm.i18n import LOCALES
from crm.templating import days_ago, fmt_date, fmt_month, local_datetime
from tests.conftest import sign_in
from tests.factories import StanceRecordFactory

FORMATS = (
    "%d %b %Y",
    "%d %B %Y",
    "%d %b",
    "%B %Y",
    "%a %d %b %Y, %H:%M",
    "%d %b %Y %H:%M",
    "%Y-%m-%d",
    "%H:%M",
)


# The app is only a context to format in: nothing of it changes between examples.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    when=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    fmt=st.sampled_from(FORMATS),
)
def test_english_is_what_strftime_writes(app, when, fmt):
    with app.test_request_context("/"), force_locale("en"):
        assert format_when(when.replace(tzinfo=UTC), fmt) == when.strftime(fmt)
        assert format_when(when.date(), fmt) == when.date().strftime(fmt)


@pytest.mark.parametrize(
    ("locale", "short", "month_alone", "in_a_date"),
    [
        ("fr", "04 déc. 2026", "décembre 2026", "04 décembre 2026"),
        ("es", "04 dic 2026", "diciembre 2026", "04 diciembre 2026"),
        ("pt", "04 dez. 2026", "dezembro 2026", "04 dezembro 2026"),
        ("ro", "04 dec. 2026", "decembrie 2026", "04 decembrie 2026"),
        ("ru", "04 дек. 2026", "декабрь 2026", "04 декабря 2026"),
        ("ar", "04 ديسمبر 2026", "ديسمبر 2026", "04 ديسمبر 2026"),
    ],
)
def test_months_are_named_in_the_readers_language(app, locale, short, month_alone, in_a_date):
    day = date(2026, 12, 4)
    with app.test_request_context("/"), force_locale(locale):
        assert fmt_date(day) == short
        assert fmt_month(day) == month_alone
        assert fmt_date(day, "%d %B %Y") == in_a_date


@pytest.mark.parametrize("locale", [code for code in LOCALES if code != "en"])
def test_times_keep_their_digits_and_zone_in_every_language(app, locale):
    when = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    with app.test_request_context("/"), force_locale(locale):
        shown = local_datetime(when, "Europe/Bucharest")
        assert shown.startswith("04 "), shown
        assert shown.endswith(" 2026 17:30 EET"), shown
        assert "Dec" not in shown
        # Formats without names of months or days are digits in every language.
        assert fmt_date(when, "%Y-%m-%d %H:%M") == "2026-12-04 15:30"


def test_how_long_ago_is_said_in_the_readers_language(app):
    with app.test_request_context("/"):
        with force_locale("en"):
            assert days_ago(today()) == "today"
            assert days_ago(today() - timedelta(days=1)) == "yesterday"
            assert days_ago(today() - timedelta(days=3)) == "3 days ago"
            assert days_ago(today() + timedelta(days=1)) == "in 1 day"
            assert days_ago(None) == "never"
        with force_locale("fr"):
            assert days_ago(today()) != "today"
            assert "days ago" not in days_ago(today() - timedelta(days=3))
            assert "3" in days_ago(today() - timedelta(days=3))


def test_a_representatives_stance_dates_show_in_the_readers_language(app, client, world):
    rep = world.home.reps[0]
    StanceRecordFactory(representative=rep, observed_on=date(2026, 3, 9))
    world.member.locale = "ru"
    db.session.commit()
    sign_in(client, world.member)
    page = BeautifulSoup(
        client.get(f"/representatives/{rep.id}").get_data(as_text=True), "html.parser"
    )
    observed = [th.get_text(strip=True) for th in page.select("th[scope=row]")]
    assert "09 мар. 2026" in observed, observed
    assert not [text for text in observed if "Mar" in text]
