"""A world with one restricted contact, and what each reader may learn of it (issue 10 §1).

In Romania (RO) the Romania section's Rozalia Hushkeeper met "Secretperson Uniquename" in a
restricted meeting — the only contact anyone ever had with that person — saw them leaning
against ratification (high confidence, with a note) and agreed a follow-up about them. The
rule under test: for a reader who may not see that contact (staff, or another state's
section) it is linked to nobody. It shows only in RO's contact list as "restricted contact,
<date>"; its follow-up only as a due date and a status in RO's follow-up list; the stance
keeps its value (the forecast needs it) but shows no source, recorder, confidence, note or
exact date — the month only. The section, coordinators and admins see it all, as before.

Controls in the same state: "Controlperson Openname", met in a normal call, and "Nevermet
Plainname", never met at all (what an unmet person looks like is what the secret person must
look like to outsiders). Nepal (NP) has its own section, the outsider section.

The names and texts below are chosen to appear nowhere else, so a test can look for them
in a whole page, file or answer. The world is built once per module (every test only
reads; downloads and sign-ins add audit entries and sessions, which no test looks at).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from crm.auth.models import Role, TokenScope
from crm.auth.services import create_token
from crm.extensions import db
from crm.interactions.models import Confidentiality, FollowUpStatus, InteractionKind
from crm.interactions.services import FollowUpDraft, StanceSeen, record_interaction
from crm.parliament.models import Confidence, Stance, StanceRecord, StanceSource
from crm.states.models import AgreementStatus, CampaignGoal, StageKind
from tests.conftest import app_on, sign_in
from tests.factories import (
    AgreementFactory,
    CampaignFactory,
    ChamberFactory,
    CommitteeFactory,
    EventFactory,
    FollowUpFactory,
    PartyFactory,
    StageFactory,
    StanceRecordFactory,
    StateFactory,
    UserFactory,
    seated_representative,
    section_member,
)

# Readers who may not see the restricted contact, and those who may.
OUTSIDERS = ("staff", "np_member")
INSIDERS = ("ro_member", "coordinator", "admin")

SECRET_NAME = "Secretperson Uniquename"
# What the crawls look for: the family name alone (a table may print "Uniquename, S.").
SECRET_MARK = "Uniquename"
CONTROL_NAME = "Controlperson Openname"
NEVER_NAME = "Nevermet Plainname"
RECORDER_NAME = "Rozalia Hushkeeper"

# The restricted contact's own words: none of them may ever reach an outsider, anywhere.
SUMMARY = "HUSHSUMMARY: spoke of the coalition deal behind closed doors."
OUTCOME = "HUSHOUTCOME: will vote against the whip if asked in writing."
NOTE = "HUSHNOTE: privately doubts the agreement's legality."
FOLLOW_UP = "HUSHFOLLOWUP send the legal memo"
FOLLOW_UP_DETAILS = "HUSHDETAILS only by hand"
# Follow-ups from the restricted contact held by an outsider (someone who has left the
# section but still has one assigned): their own list must not reveal more either.
LEAVER_FOLLOW_UP = "HUSHLEAVER follow-up still assigned to {who}"
HUSH = "HUSH"

SOURCE_LABEL = "Private meeting"
CONFIDENCE_LABEL = "High"


def contact_day_for(today: date) -> date:
    """Six days ago (inside the swing list's 14 days of "met recently"), never the 1st of a
    month: there the month alone would be the exact date."""
    day = today - timedelta(days=6)
    return day - timedelta(days=1) if day.day == 1 else day


@dataclass
class SecretWorld:
    app: Flask
    today: date
    iso2: str
    other_iso2: str
    chamber_id: int
    secret_id: int
    control_id: int
    never_id: int
    restricted_id: int
    normal_id: int
    restricted_follow_up_id: int
    done_follow_up_id: int
    leaver_follow_up_ids: dict[str, int]
    stance_id: int
    contact_day: date
    # When the restricted contact's follow-ups are due: the section's, then the leavers'.
    follow_up_due: date
    leaver_due: date
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    bearers: dict[str, dict[str, str]] = field(default_factory=dict)
    calendar_tokens: dict[str, str] = field(default_factory=dict)

    # --- Fetching, as one reader ---------------------------------------------------------

    def get(self, who: str, url: str, status: int | None = 200):
        with self.app.app_context():
            response = self.clients[who].get(url)
        if status is not None:
            assert response.status_code == status, (who, url, response.status_code)
        return response

    def html(self, who: str, url: str, status: int | None = 200) -> BeautifulSoup:
        return BeautifulSoup(self.get(who, url, status).get_data(as_text=True), "html.parser")

    def api(self, who: str, url: str, status: int | None = 200, **kwargs: Any):
        method = kwargs.pop("method", "get")
        with self.app.app_context():
            client = self.app.test_client()
            response = getattr(client, method)(url, headers=self.bearers[who], **kwargs)
        if status is not None:
            assert response.status_code == status, (who, url, response.get_data(as_text=True))
        return response

    # --- What gives the contact away ---------------------------------------------------------

    @property
    def month(self) -> list[str]:
        """The contact's month, as a page, a file or an answer might print it."""
        d = self.contact_day
        return [d.strftime("%B %Y"), d.strftime("%b %Y"), d.strftime("%Y-%m"), d.strftime("%m/%Y")]

    @property
    def day_strings(self) -> list[str]:
        """The contact's day in every form the app prints dates (and a few more)."""
        d = self.contact_day
        days_back = (self.today - d).days
        return sorted(
            {
                d.strftime("%d %b %Y"),
                f"{d.day} {d:%b %Y}",
                d.strftime("%d %B %Y"),
                f"{d.day} {d:%B %Y}",
                d.strftime("%d %b"),
                d.strftime("%d %B"),
                f"{d:%b} {d.day}, {d.year}",
                f"{d:%B} {d.day}, {d.year}",
                d.isoformat(),
                d.strftime("%Y%m%d"),
                d.strftime("%d.%m.%Y"),
                d.strftime("%d/%m/%Y"),
                f"{days_back} days ago",
            }
        )

    @property
    def texts(self) -> list[str]:
        """The restricted contact's words, and who logged it."""
        return [HUSH, RECORDER_NAME]

    def trace_pattern(self) -> re.Pattern[str]:
        """Any trace of the restricted contact: its day, its words, its recorder, or a
        "restricted contact/follow-up/meeting" mark ("from a restricted source", the
        stance's allowed wording, is not a trace)."""
        words = [re.escape(s) for s in (*self.day_strings, *self.texts)]
        marks = r"restricted\s+(?:contact|follow-up|follow up|meeting|interaction)"
        return re.compile("|".join([*words, marks]), re.IGNORECASE)

    def traces_in(self, text: str) -> list[str]:
        return sorted({m.group(0) for m in self.trace_pattern().finditer(text)})


def _build(today: date) -> dict[str, Any]:
    campaign = CampaignFactory(goal=CampaignGoal.BLOCK)
    ro = StateFactory(iso2="RO", name="Romania", timezone="Europe/Bucharest")
    np_state = StateFactory(iso2="NP", name="Nepal", timezone="Asia/Kathmandu")
    ro_agreement = AgreementFactory(
        campaign=campaign, state=ro, status=AgreementStatus.BEFORE_PARLIAMENT
    )
    AgreementFactory(campaign=campaign, state=np_state, status=AgreementStatus.BEFORE_PARLIAMENT)
    chamber = ChamberFactory(state=ro, seats=7, name="Chamber of Deputies")
    np_chamber = ChamberFactory(state=np_state, seats=5, name="House of Representatives")
    government = PartyFactory(
        state=ro, in_government=True, name="Governing Party", abbreviation="GP"
    )
    opposition = PartyFactory(
        state=ro, in_government=False, name="Opposition Party", abbreviation="OP"
    )
    np_party = PartyFactory(
        state=np_state, in_government=True, name="Nepal Party", abbreviation="NPP"
    )
    # Long committee names keep the state page's roster (which names every member) well
    # apart from its list of recent contacts, so the crawl's "near" means "in the same row".
    for n, topic in enumerate(("foreign affairs", "legal affairs", "human rights", "defence")):
        CommitteeFactory(
            chamber=chamber,
            name=f"Standing committee on {topic}, international treaties and the "
            f"relations with international courts and tribunals ({n + 1})",
        )
    StageFactory(
        agreement=ro_agreement,
        kind=StageKind.PLENARY_VOTE,
        chamber=chamber,
        position=0,
        scheduled_on=today + timedelta(days=20),
    )
    EventFactory(
        state=ro, title="Vigil outside parliament", starts_at=datetime.now(UTC) + timedelta(days=5)
    )

    secret = seated_representative(
        chamber, opposition, given_name="Secretperson", family_name="Uniquename", influence=5
    )
    control = seated_representative(
        chamber, government, given_name="Controlperson", family_name="Openname", influence=3
    )
    never = seated_representative(
        chamber, opposition, given_name="Nevermet", family_name="Plainname", influence=5
    )
    for n in range(3):
        seated_representative(chamber, government, given_name="Ordinary", family_name=f"Member{n}")
    seated_representative(np_chamber, np_party, given_name="Nepali", family_name="Member")
    StanceRecordFactory(
        representative=control,
        stance=Stance.LEANING_FOR,
        source=StanceSource.PUBLIC_STATEMENT,
        observed_on=today - timedelta(days=40),
        note="Said so on television.",
    )
    StanceRecordFactory(
        representative=never,
        stance=Stance.LEANING_AGAINST,
        source=StanceSource.MEDIA,
        observed_on=today - timedelta(days=50),
    )

    ro_member = section_member(ro, email="rozalia@ro.example", name=RECORDER_NAME)
    ro_colleague = UserFactory(role=Role.SECTION, email="radu@ro.example", name="Radu Openman")
    ro_colleague.sections.extend(ro_member.sections)
    np_member = section_member(np_state, email="nima@np.example", name="Nima Outsider")
    users = {
        "ro_member": ro_member,
        "np_member": np_member,
        "staff": UserFactory(role=Role.STAFF, email="stella@staff.example", name="Stella Staff"),
        "coordinator": UserFactory(
            role=Role.COORDINATOR, email="cora@coord.example", name="Cora Coordinator"
        ),
        "admin": UserFactory(role=Role.ADMIN, email="ada@admin.example", name="Ada Admin"),
    }
    db.session.commit()

    # Logged the way a section member logs a meeting from a phone: the real service.
    contact_day = contact_day_for(today)
    occurred_at = datetime.combine(contact_day, time(10, 0), UTC)
    restricted = record_interaction(
        ro_member,
        ro,
        occurred_at=occurred_at,
        kind=InteractionKind.MEETING,
        representative_ids=[secret.id],
        participant_ids=[ro_member.id],
        summary=SUMMARY,
        outcome=OUTCOME,
        confidentiality=Confidentiality.RESTRICTED,
        stances=[
            StanceSeen(
                representative_id=secret.id,
                stance=Stance.LEANING_AGAINST,
                confidence=Confidence.HIGH,
                note=NOTE,
            )
        ],
        follow_ups=[
            FollowUpDraft(
                title=FOLLOW_UP,
                details=FOLLOW_UP_DETAILS,
                due_on=today + timedelta(days=9),
                assignee_id=ro_member.id,
            )
        ],
    )
    db.session.commit()
    stance = db.session.scalar(
        db.select(StanceRecord).where(StanceRecord.interaction_id == restricted.id)
    )
    assert stance is not None
    assert stance.source is StanceSource.PRIVATE_MEETING
    assert stance.observed_on == contact_day
    # Logged from the parliament's corridor: recorded when it happened.
    stance.recorded_at = occurred_at + timedelta(hours=1)
    restricted.created_at = restricted.updated_at = occurred_at + timedelta(hours=1)
    restricted_follow_up = restricted.follow_ups[0]
    assert restricted_follow_up.representative_id == secret.id
    # Contacts with the control, newer and older than the restricted one (the older ones
    # also keep the state page's contact list long, see the committees above).
    normals = []
    for days_back, kind in (
        (3, InteractionKind.CALL),
        (9, InteractionKind.LETTER),
        (12, InteractionKind.EMAIL),
    ):
        normals.append(
            record_interaction(
                ro_colleague,
                ro,
                occurred_at=datetime.combine(today - timedelta(days=days_back), time(9), UTC),
                kind=kind,
                representative_ids=[control.id],
                participant_ids=[ro_colleague.id],
                summary="An open conversation about the agreement, its history and the "
                "arguments against ratification that the campaign has published; "
                "the member asked for the published briefing and a copy of the petition.",
                outcome="Will read the briefing.",
                follow_ups=[FollowUpDraft(title="Send the published briefing")],
            )
        )
    db.session.commit()
    leavers = {}
    for who in OUTSIDERS:
        leavers[who] = FollowUpFactory(
            state=ro,
            title=LEAVER_FOLLOW_UP.format(who=who),
            details=FOLLOW_UP_DETAILS,
            representative=secret,
            interaction=restricted,
            assignee=users[who],
            due_on=today + timedelta(days=11),
        ).id
    # One follow-up of the restricted meeting already done: when is part of the meeting too.
    done = FollowUpFactory(
        state=ro,
        title=FOLLOW_UP,
        representative=secret,
        interaction=restricted,
        assignee=ro_member,
        due_on=today + timedelta(days=13),
        status=FollowUpStatus.DONE,
        completed_at=occurred_at + timedelta(days=2),
    )
    db.session.commit()
    return {
        "users": users,
        "values": {
            "today": today,
            "iso2": ro.iso2,
            "other_iso2": np_state.iso2,
            "chamber_id": chamber.id,
            "secret_id": secret.id,
            "control_id": control.id,
            "never_id": never.id,
            "restricted_id": restricted.id,
            "normal_id": normals[0].id,
            "restricted_follow_up_id": restricted_follow_up.id,
            "done_follow_up_id": done.id,
            "leaver_follow_up_ids": leavers,
            "stance_id": stance.id,
            "contact_day": contact_day,
            "follow_up_due": today + timedelta(days=9),
            "leaver_due": today + timedelta(days=11),
        },
    }


@pytest.fixture(scope="module")
def world(databases, tmp_path_factory) -> Iterator[SecretWorld]:
    with app_on(databases, "empty", tmp_path_factory.mktemp("restricted")) as app:
        built = _build(date.today())
        found = SecretWorld(app=app, **built["values"])
        for who, user in built["users"].items():
            found.clients[who] = sign_in(app.test_client(), user.email)
            raw, _ = create_token(None, user, name="tests", scope=TokenScope.API)
            found.bearers[who] = {"Authorization": f"Bearer {raw}"}
            raw, _ = create_token(None, user, name="calendar", scope=TokenScope.CALENDAR)
            found.calendar_tokens[who] = raw
        db.session.commit()
        yield found


# --- Reading pages ---------------------------------------------------------------------------

# Elements that hold one record each: a list item, a table row, a cell, a term and its value.
RECORD_TAGS = ("li", "tr", "td", "th", "dd", "dt", "p", "caption", "figcaption", "h1", "h2", "h3")


def strip_pickers(soup: BeautifulSoup) -> BeautifulSoup:
    """The page without its form pickers: a <select> lists every member of a state by
    name, which says nothing about any contact."""
    for element in soup.select("select, datalist, script, style, template"):
        element.decompose()
    return soup


def squeezed(text: str) -> str:
    return " ".join(text.split())


def records_naming(soup: BeautifulSoup, needle: str = SECRET_MARK) -> list[str]:
    """The text of every record element (row, item, cell…) that names `needle`."""
    found = []
    for element in soup.find_all(RECORD_TAGS):
        content = squeezed(element.get_text(" "))
        if needle in content:
            found.append(content)
    return found


def rows_naming(soup: BeautifulSoup, needle: str = SECRET_MARK) -> list[str]:
    """The text of the smallest rows and list items naming `needle`."""
    found = []
    for element in soup.find_all(["tr", "li"]):
        content = squeezed(element.get_text(" "))
        inner = element.find_all(["tr", "li"])
        if needle in content and not any(needle in inner_el.get_text(" ") for inner_el in inner):
            found.append(content)
    return found


def main_text(soup: BeautifulSoup) -> str:
    main = soup.find("main") or soup
    return squeezed(main.get_text(" "))


def near(text: str, needle: str, pattern: re.Pattern[str], distance: int) -> list[str]:
    """Excerpts where a trace (`pattern`) lies within `distance` characters of `needle`."""
    found = []
    for match in re.finditer(re.escape(needle), text):
        start, end = max(0, match.start() - distance), match.end() + distance
        window = text[start:end]
        if pattern.search(window):
            found.append(window)
    return found


def json_objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object inside an answer, outermost first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from json_objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_objects(item)


def names_secret(obj: dict[str, Any], secret_id: int) -> bool:
    """Whether a JSON object is about the secret person (or lists them among people met)."""
    if SECRET_MARK in json.dumps(obj, default=str):
        return True
    if obj.get("representative_id") == secret_id:
        return True
    rep = obj.get("representative")
    if isinstance(rep, dict) and rep.get("id") == secret_id:
        return True
    reps = obj.get("representatives")
    return isinstance(reps, list) and any(
        (r.get("id") if isinstance(r, dict) else r) == secret_id for r in reps
    )


def local_day(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()
