"""Files: PDF packs, CSV, Popolo and the calendar feed link a restricted contact to nobody
for those who may not read it, and show it to those who may. See conftest.py for the world.

(No e-mail is sent by the application yet, so there is no e-mail to check.)
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.briefings.pdf import read
from tests.restricted.conftest import (
    CONFIDENCE_LABEL,
    HUSH,
    INSIDERS,
    NEVER_NAME,
    NOTE,
    OUTSIDERS,
    SECRET_MARK,
    SECRET_NAME,
    SOURCE_LABEL,
    SUMMARY,
    SecretWorld,
    near,
    squeezed,
)

# In a PDF's text, a table row is a line or two: "near" is that close.
PDF_NEAR = 300
RESTRICTED_MARK = re.compile(r"restricted\s+contact", re.IGNORECASE)


@pytest.fixture(scope="module")
def pdf(world):
    """`pdf(who, url)`: the text of a pack. Laying one out takes seconds, so each is made
    once per reader and module."""
    made: dict[tuple[str, str], str] = {}

    def text(who: str, url: str) -> str:
        if (who, url) not in made:
            made[who, url] = read(world.get(who, url).data).text
        return made[who, url]

    return text


def _lines_naming(text: str, needle: str = SECRET_MARK) -> list[str]:
    return [line for line in text.splitlines() if needle in line]


def _csv_rows(world: SecretWorld, who: str, url: str) -> list[dict[str, str]]:
    body = world.get(who, url).get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(body)))


# --- The state briefing pack -----------------------------------------------------------------


@pytest.mark.parametrize("who", OUTSIDERS)
def test_state_pack_links_the_restricted_contact_to_nobody(world, pdf, who):
    text = pdf(who, f"/states/{world.iso2}/briefing.pdf")
    assert HUSH not in text
    assert SECRET_NAME in text  # in the roster, at least
    # The contact is listed, by its date, among the state's contacts...
    day = world.contact_day.strftime("%d %b %Y")
    assert any(day in line and RESTRICTED_MARK.search(line) for line in text.splitlines())
    # ...and nowhere near the person: not in their roster line, target profile or elsewhere.
    for line in _lines_naming(text):
        assert world.traces_in(line) == [], line
    assert near(squeezed(text), SECRET_MARK, world.trace_pattern(), PDF_NEAR) == []


@pytest.mark.parametrize("who", OUTSIDERS)
def test_state_pack_priority_targets_treat_the_person_as_never_met(world, pdf, who):
    text = pdf(who, f"/states/{world.iso2}/briefing.pdf")
    start, end = text.rfind("Priority targets"), text.rfind("Contacts of the last 90 days")
    assert 0 <= start < end, "the pack's priority targets and contacts sections"
    targets = text[start:end]
    assert NEVER_NAME in targets
    assert SECRET_NAME in targets


def test_state_pack_shows_the_restricted_contact_to_its_section(world, pdf):
    text = pdf("ro_member", f"/states/{world.iso2}/briefing.pdf")
    assert SUMMARY[:30] in squeezed(text)
    # The check above finds traces near the person when they are there to be found.
    assert near(squeezed(text), SECRET_MARK, world.trace_pattern(), PDF_NEAR) != []


# --- The representative's one-pager ----------------------------------------------------------


@pytest.mark.parametrize("who", OUTSIDERS)
def test_representative_pack_shows_no_trace_of_the_restricted_contact(world, pdf, who):
    text = pdf(who, f"/representatives/{world.secret_id}/briefing.pdf")
    body = squeezed(text)
    assert SECRET_NAME in body
    assert world.traces_in(body) == []
    for due in (world.follow_up_due, world.leaver_due):
        assert due.strftime("%d %b %Y") not in body, "a follow-up of the contact is listed"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_representative_pack_shows_the_stance_from_a_restricted_source_by_month(world, pdf, who):
    body = squeezed(pdf(who, f"/representatives/{world.secret_id}/briefing.pdf"))
    assert "Leaning against" in body
    assert "restricted source" in body.lower()
    assert any(month in body for month in world.month), world.month
    assert SOURCE_LABEL not in body
    assert not re.search(rf"\b{CONFIDENCE_LABEL}\b", body)
    assert NOTE not in body


@pytest.mark.parametrize("who", INSIDERS)
def test_representative_pack_shows_the_restricted_contact_to_those_allowed(world, pdf, who):
    body = squeezed(pdf(who, f"/representatives/{world.secret_id}/briefing.pdf"))
    assert world.contact_day.strftime("%d %b %Y") in body
    assert SOURCE_LABEL in body
    assert "HUSHNOTE" in body or "HUSHSUMMARY" in body


# --- The coordinators' overview (staff print it too; a section may not) ---------------------


def test_overview_pack_says_nothing_of_the_restricted_contact_near_the_person(world, pdf):
    text = pdf("staff", "/briefings/overview.pdf")
    assert HUSH not in text
    assert near(squeezed(text), SECRET_MARK, world.trace_pattern(), PDF_NEAR) == []


# --- CSV -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", OUTSIDERS)
def test_interactions_csv_lists_the_restricted_contact_as_a_date_only(world, who):
    rows = _csv_rows(world, who, f"/states/{world.iso2}/interactions.csv")
    restricted = [r for r in rows if r["kind"] == "restricted contact"]
    assert len(restricted) == 1, rows
    row = restricted[0]
    assert row["date"] == world.contact_day.isoformat()
    blank = {k: v for k, v in row.items() if k not in ("date", "kind") and v}
    assert blank == {}, "a restricted contact's row holds only its date"
    assert not any(SECRET_MARK in value for r in rows for value in r.values())
    assert not any(HUSH in value for r in rows for value in r.values())


@pytest.mark.parametrize("who", INSIDERS)
def test_interactions_csv_holds_the_restricted_contact_for_those_allowed(world, who):
    rows = _csv_rows(world, who, f"/states/{world.iso2}/interactions.csv")
    row = next(r for r in rows if r["confidentiality"] == "restricted")
    assert SECRET_NAME in row["representatives"]
    assert row["summary"] == SUMMARY


@pytest.mark.parametrize("who", OUTSIDERS)
def test_representatives_csv_gives_the_stance_without_its_exact_date(world, who):
    rows = _csv_rows(world, who, f"/states/{world.iso2}/representatives.csv")
    row = next(r for r in rows if r["name"] == SECRET_NAME)
    assert row["stance"] == "leaning_against"
    assert world.traces_in(" | ".join(v or "" for v in row.values())) == [], row


@pytest.mark.parametrize("who", INSIDERS)
def test_representatives_csv_gives_the_exact_date_to_those_allowed(world, who):
    rows = _csv_rows(world, who, f"/states/{world.iso2}/representatives.csv")
    row = next(r for r in rows if r["name"] == SECRET_NAME)
    assert row["stance_on"] == world.contact_day.isoformat()


# --- Popolo and the calendar feed ---------------------------------------------------------------


@pytest.mark.parametrize("who", OUTSIDERS)
def test_popolo_export_names_the_person_with_no_trace_of_the_contact(world, who):
    url = f"/states/{world.iso2}/chambers/{world.chamber_id}/popolo.json"
    body = world.get(who, url).get_data(as_text=True)
    assert SECRET_NAME in body
    assert world.traces_in(body) == []


@pytest.mark.parametrize("who", [*OUTSIDERS, "ro_member"])
def test_calendar_feed_holds_nothing_of_the_restricted_contact(world, who):
    body = world.get(who, f"/calendar.ics?token={world.calendar_tokens[who]}").get_data(
        as_text=True
    )
    assert "BEGIN:VCALENDAR" in body
    assert "Vigil outside parliament" in body
    assert SECRET_MARK not in body
    assert HUSH not in body
    if who in OUTSIDERS:
        assert world.traces_in(body.replace("\r\n ", "")) == []
