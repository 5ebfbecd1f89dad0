"""A date format is read once, not once for each date shown (issue 14: a page of a hundred
dates in another language than English was a few per cent slower for reading its formats
again, and having Babel read the pattern made from it and look up the names of months and
days again): what the pattern holds besides the format, the zone's name (%Z) and the
language's word for "at", still follows each date and each request, and every date is
written exactly as Babel writes it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_datetime
from flask_babel import force_locale, get_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.dates import _cldr, _fields, _pattern, format_when
from crm.i18n import LOCALES
from tests.i18n.pseudo import pseudo

OTHERS = [code for code in LOCALES if code != "en"]
# Every directive format_when knows, in the formats the pages use and a few more.
FORMATS = (
    "%d %b %Y",
    "%d %B %Y",
    "%d %b",
    "%B %Y",
    "%a %d %b %Y, %H:%M",
    "%d %b %Y %H:%M",
    "%a %d %b %Y, %H:%M %Z",
    "%d %B %Y at %H:%M",
    "%A %-d %B %Y, %H:%M:%S",
    "%d/%m/%y %a",
    "%b %y",
)
ZONES = (None, "UTC", "Europe/Bucharest", "Asia/Kathmandu", "America/Sao_Paulo")


def babel_writes(value: date, fmt: str) -> str:
    """`value` as format_when wrote it before issue 14: Babel formatting `_pattern`."""
    pattern, locale = _pattern(fmt, value), get_locale()
    if isinstance(value, datetime):
        return format_datetime(value, pattern, tzinfo=value.tzinfo, locale=locale)
    if "%H" in fmt or "%M" in fmt:
        return format_datetime(datetime.combine(value, time()), pattern, locale=locale)
    return format_date(value, pattern, locale=locale)


@pytest.mark.parametrize("locale", OTHERS)
def test_every_day_of_two_years_is_written_as_babel_writes_it(app, locale):
    """Each month and each day of the week, at the end of a day, named and numbered."""
    zone = ZoneInfo("Europe/Bucharest")
    with app.test_request_context("/"), force_locale(locale):
        for n in range(2 * 365):
            day = date(2026, 1, 1) + timedelta(days=n)
            when = datetime.combine(day, time(23, 59, 58), tzinfo=zone)
            for fmt in FORMATS:
                assert format_when(day, fmt) == babel_writes(day, fmt), (fmt, day)
                assert format_when(when, fmt) == babel_writes(when, fmt), (fmt, when)


# The app is only a context to format in: nothing of it changes between examples.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    when=st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),
    zone=st.sampled_from(ZONES),
    day_only=st.booleans(),
    fmt=st.sampled_from(FORMATS),
    locale=st.sampled_from(OTHERS),
)
def test_any_date_is_written_as_babel_writes_it(app, when, zone, day_only, fmt, locale):
    value: date = when
    if day_only:
        value = when.date()
    elif zone is not None:
        value = when.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
    with app.test_request_context("/"), force_locale(locale):
        assert format_when(value, fmt) == babel_writes(value, fmt)


def test_a_format_is_read_once_for_many_dates(app):
    with app.test_request_context("/"), force_locale("fr"):
        format_when(date(2026, 1, 1), "%d %b %Y")
        before = (_cldr.cache_info(), _fields.cache_info())
        shown = [format_when(date(2026, 1, 1) + timedelta(days=n), "%d %b %Y") for n in range(60)]
        after = (_cldr.cache_info(), _fields.cache_info())
    for read_before, read_after in zip(before, after, strict=True):
        assert read_after.misses == read_before.misses
        assert read_after.hits == read_before.hits + 60
    assert shown[0] == "01 janv. 2026"
    assert shown[59] == "01 mars 2026"


def test_the_zones_name_is_each_dates_own(app):
    """Bucharest is EET in winter and EEST in summer, in the same format."""
    zone = ZoneInfo("Europe/Bucharest")
    winter = datetime(2026, 12, 4, 15, 30, tzinfo=UTC).astimezone(zone)
    summer = datetime(2026, 7, 4, 15, 30, tzinfo=UTC).astimezone(zone)
    fmt = "%a %d %b %Y, %H:%M %Z"
    with app.test_request_context("/"), force_locale("fr"):
        for _ in range(2):
            shown = format_when(winter, fmt)
            assert shown.startswith("ven. 04 déc. 2026, 17:30 "), shown
            assert shown.endswith("EET"), shown
            shown = format_when(summer, fmt)
            assert shown.startswith("sam. 04 juil. 2026, 18:30 "), shown
            assert shown.endswith("EEST"), shown


@pytest.mark.parametrize(
    ("locale", "shown"), [("fr", "04 décembre 2026 à 15:30"), ("ro", "04 decembrie 2026 la 15:30")]
)
def test_at_is_said_in_each_requests_language(app, locale, shown):
    when = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    fmt = "%d %B %Y at %H:%M"
    # Each request in an app context of its own, as a server's are (Flask-Babel keeps the
    # catalogs it hands out in `g`).
    with app.app_context(), app.test_request_context("/"), force_locale(locale):
        assert format_when(when, fmt) == shown
    # The word comes from the catalog each time: the pseudo-locale's marks show it.
    with pseudo(), app.app_context(), app.test_request_context("/"), force_locale(locale):
        assert format_when(when, fmt) == shown.replace(shown.split()[3], "⟦at⟧")
    with app.app_context(), app.test_request_context("/"), force_locale(locale):
        assert format_when(when, fmt) == shown


def test_a_format_without_a_pattern_is_refused_each_time(app):
    with app.test_request_context("/"), force_locale("fr"):
        for _ in range(2):
            with pytest.raises(ValueError, match="No CLDR pattern for %j"):
                format_when(date(2026, 12, 4), "%j %B")


@pytest.mark.parametrize("locale", OTHERS)
def test_a_zone_after_a_time_is_written_as_its_name(app, locale):
    """A zone's name after a time reads "17:30 EET", never "17:30 'EET": the space and the
    name are quoted as one run of words (two quoted runs side by side read as a quoted
    apostrophe)."""
    when = datetime(2026, 12, 4, 17, 30, tzinfo=ZoneInfo("Europe/Bucharest"))
    with app.test_request_context("/"), force_locale(locale):
        written = format_when(when, "%a %d %b %Y, %H:%M %Z")
    assert written.endswith("17:30 EET"), written
    assert "'" not in written.replace("’", ""), written
