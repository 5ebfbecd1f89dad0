"""Times are entered and shown in the state's zone and stored in UTC; the calendar follows."""

from __future__ import annotations

import calendar as cal
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.errors import ValidationFailed
from crm.events.models import Event
from crm.events.services import ambiguous_options, local_to_utc
from crm.extensions import db
from tests.events.factories import form_values, local
from tests.factories import EventFactory, StateFactory
from tests.pages import page, text

BUCHAREST = "Europe/Bucharest"
YEAR = date.today().year + 1


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, cal.monthrange(year, month)[1])
    return last.replace(day=last.day - (last.weekday() + 1) % 7)


# Romania moves its clocks at 03:00 local time on the last Sundays of March and October.
SPRING = _last_sunday(YEAR, 3)  # 03:00 EET → 04:00 EEST: 03:30 does not exist
AUTUMN = _last_sunday(YEAR, 10)  # 04:00 EEST → 03:00 EET: 03:30 happens twice


@pytest.mark.parametrize(
    ("wall", "utc"),
    [
        (datetime(YEAR, 1, 15, 18, 0), datetime(YEAR, 1, 15, 16, 0, tzinfo=UTC)),  # EET
        (datetime(YEAR, 7, 15, 18, 0), datetime(YEAR, 7, 15, 15, 0, tzinfo=UTC)),  # EEST
        (datetime(YEAR, 1, 1, 0, 30), datetime(YEAR - 1, 12, 31, 22, 30, tzinfo=UTC)),
    ],
)
def test_local_times_are_converted_to_utc(wall, utc):
    assert local_to_utc(wall, BUCHAREST) == utc


def test_a_time_the_clocks_skip_is_refused_with_a_message():
    wall = datetime.combine(SPRING, datetime.min.time()).replace(hour=3, minute=30)
    with pytest.raises(ValidationFailed) as refused:
        local_to_utc(wall, BUCHAREST, field="ends_at")
    assert refused.value.field == "ends_at"
    assert "does not exist" in refused.value.message
    assert "04:30" in refused.value.message  # a time after the change is suggested
    assert ambiguous_options(wall, BUCHAREST) == []


def test_a_time_that_happens_twice_needs_a_choice():
    wall = datetime.combine(AUTUMN, datetime.min.time()).replace(hour=3, minute=30)
    first, second = ambiguous_options(wall, BUCHAREST)
    assert "EEST" in first.label
    assert "UTC+03:00" in first.label
    assert "EET" in second.label
    assert "UTC+02:00" in second.label
    with pytest.raises(ValidationFailed) as refused:
        local_to_utc(wall, BUCHAREST)
    assert refused.value.field == "starts_at_fold"
    assert local_to_utc(wall, BUCHAREST, fold=0) == datetime(
        YEAR, 10, AUTUMN.day, 0, 30, tzinfo=UTC
    )
    assert local_to_utc(wall, BUCHAREST, fold=1) == datetime(
        YEAR, 10, AUTUMN.day, 1, 30, tzinfo=UTC
    )


def test_ordinary_times_are_not_ambiguous():
    assert ambiguous_options(datetime(YEAR, 10, 1, 3, 30), BUCHAREST) == []
    assert ambiguous_options(None, BUCHAREST) == []
    assert ambiguous_options(datetime(1, 1, 1), BUCHAREST) == []  # no overflow at the edges


def _new(client, world, **changes):
    url = f"/states/{world.home.state.iso2}/events/new"
    data = form_values(client.get(url).text) | {"title": "Night vigil", "kind": "vigil"}
    return client.post(url, data=data | changes)


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Event))


def test_the_form_refuses_a_time_in_the_spring_gap(sign_in, world):
    client = sign_in("member")
    before = _count()
    response = _new(client, world, starts_at=f"{SPRING:%Y-%m-%d}T03:30")
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.find(attrs={"name": "starts_at"})["aria-invalid"] == "true"
    assert "does not exist" in soup.find(id="starts_at-error").get_text()
    assert _count() == before


def test_the_form_asks_which_of_two_autumn_times_is_meant(sign_in, world):
    client = sign_in("member")
    response = _new(client, world, starts_at=f"{AUTUMN:%Y-%m-%d}T03:30", ends_at="")
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    choice = soup.find("select", attrs={"name": "starts_at_fold"})
    assert "happens twice" in soup.find(id="starts_at_fold-error").get_text()
    assert [o["value"] for o in choice.find_all("option")] == ["", "0", "1"]
    assert "EET" in choice.find("option", value="1").get_text()

    # Choosing the second 03:30 (EET, UTC+2) stores 01:30 UTC.
    response = client.post(
        f"/states/{world.home.state.iso2}/events/new",
        data=form_values(response.text) | {"starts_at_fold": "1"},
    )
    assert response.status_code == 302
    event = db.session.scalars(sa.select(Event).order_by(Event.id.desc())).first()
    assert event.starts_at == datetime(YEAR, 10, AUTUMN.day, 1, 30, tzinfo=UTC)
    assert f"{AUTUMN:%d %b %Y}, 03:30 EET" in text(page(client, f"/events/{event.id}"))
    # Editing it again keeps the choice, so saving unchanged changes nothing.
    edit = form_values(client.get(f"/events/{event.id}/edit").text)
    assert edit["starts_at_fold"] == "1"
    assert client.post(f"/events/{event.id}/edit", data=edit).status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).version == 1


def _day_of(soup: BeautifulSoup, event: Event) -> int | None:
    link = soup.find("a", href=f"/events/{event.id}")
    if link is None:
        return None
    return int(link.find_parent("td").select_one(".calendar-daynum").get_text())


def test_the_calendar_puts_each_event_on_its_local_day(sign_in, world):
    palau = StateFactory(name="Palau", timezone="Pacific/Palau")  # UTC+9
    honduras = StateFactory(name="Honduras", timezone="America/Tegucigalpa")  # UTC-6
    late_palau = EventFactory(
        state=palau, title="Late vigil", starts_at=local("Pacific/Palau", YEAR, 3, 31, 23, 30)
    )
    # 07:30 on 1 April in Palau is still 31 March in UTC.
    early_palau = EventFactory(
        state=palau, title="Dawn vigil", starts_at=local("Pacific/Palau", YEAR, 4, 1, 7, 30)
    )
    # 23:30 on 10 March in Honduras is already 11 March in UTC.
    late_honduras = EventFactory(
        state=honduras,
        title="Evening rally",
        starts_at=local("America/Tegucigalpa", YEAR, 3, 10, 23, 30),
    )
    assert early_palau.starts_at.astimezone(UTC).day == 31
    assert late_honduras.starts_at.astimezone(UTC).day == 11

    client = sign_in("staff")
    march = page(client, f"/events/calendar?month={YEAR}-03")
    assert _day_of(march, late_palau) == 31
    assert _day_of(march, late_honduras) == 10
    assert _day_of(march, early_palau) is None
    cell = march.find("a", href=f"/events/{late_palau.id}").find_parent("li")
    assert "23:30" in cell.get_text()
    assert "Late vigil" in cell.get_text()
    april = page(client, f"/events/calendar?month={YEAR}-04")
    assert _day_of(april, early_palau) == 1
    assert _day_of(april, late_palau) is None

    # A state's own calendar, and the overall one filtered to that state, agree.
    own = page(client, f"/states/{palau.iso2}/events/calendar?month={YEAR}-03")
    assert _day_of(own, late_palau) == 31
    assert _day_of(own, late_honduras) is None
    filtered = page(client, f"/events/calendar?month={YEAR}-03&state={palau.iso2}")
    assert _day_of(filtered, late_palau) == 31
    assert _day_of(filtered, late_honduras) is None


def test_an_event_over_several_days_is_shown_on_each(sign_in, world):
    event = EventFactory(
        state=world.home.state,
        title="Three-day camp",
        starts_at=local(BUCHAREST, YEAR, 5, 8, 10, 0),
        ends_at=local(BUCHAREST, YEAR, 5, 10, 18, 0),
    )
    soup = page(sign_in("member"), f"/events/calendar?month={YEAR}-05")
    days = [
        int(link.find_parent("td").select_one(".calendar-daynum").get_text())
        for link in soup.find_all("a", href=f"/events/{event.id}")
    ]
    assert days == [8, 9, 10]
    assert "1 event in" in text(soup)
