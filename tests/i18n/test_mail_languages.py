"""The e-mails speak their recipient's language (their account's, English when they chose
none), whoever's request or worker writes them: subject, both parts, dates and labels. Sent
through a real SMTP server on loopback (tests/mail/smtp.py), as tests/mail does. In the
pseudo-locale (tests/i18n/pseudo.py) every message of every kind has nothing a reader sees
outside the markers but data."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_date, format_datetime
from bs4 import BeautifulSoup
from flask_babel import get_locale

from crm.auth.models import Section, User
from crm.events.models import Event
from crm.extensions import db
from crm.interactions.models import FollowUp, InteractionKind
from crm.mail import compose, services
from crm.mail.digests import FollowUpLine, RiskLine, WhoNext, _headline
from crm.mail.models import MessageStatus, Notification, OutboxMessage
from crm.mail.notify import notify
from crm.parliament.models import Chamber, Representative, Stance
from crm.states.models import StageKind, State
from tests.i18n.pseudo import _MARKED, _NOT_WORDS, OPEN, pseudo, unmarked
from tests.mail.smtp import message_parts
from tests.world import World, build_world

# Noon UTC today: "tomorrow" is the same day for a user in UTC and in Bucharest.
NOON = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
TODAY = NOON.date()


def _to(server, user: User) -> list[EmailMessage]:
    return [m for m in server.inbox.received if user.email in str(m["To"])]


def _one(server, user: User, subject_start: str) -> EmailMessage:
    [message] = [m for m in _to(server, user) if m["Subject"].startswith(subject_start)]
    return message


def _send_all() -> None:
    """What a worker does with each queued message (the tasks' own code)."""
    waiting = db.session.scalars(
        sa.select(OutboxMessage.id).where(OutboxMessage.status == MessageStatus.QUEUED)
    ).all()
    db.session.rollback()
    for message_id in waiting:
        services.deliver(message_id)


def _run(now: datetime = NOON) -> None:
    notify(now)
    db.session.commit()
    _send_all()


def _fr(day: date) -> str:
    """A day as the messages write it ("%d %b %Y") for a French reader."""
    return format_date(day, "dd MMM yyyy", locale="fr")


# --- each reader's language -------------------------------------------------------------------


def test_reminders_reach_a_french_reader_in_french_and_an_english_one_in_english(mail_app, server):
    world = build_world()
    world.member.locale = "fr"
    home, other = world.home, world.other
    for follow_up, user, due_in in (
        (home.follow_up, world.member, 1),
        (home.restricted_follow_up, world.member, -2),
        (other.follow_up, world.other_member, 1),
    ):
        follow_up.assignee = user
        follow_up.due_on = TODAY + timedelta(days=due_in)
    for event in (home.event, other.event):
        event.starts_at = NOON + timedelta(days=1, hours=2)
    db.session.commit()
    _run()

    tomorrow = TODAY + timedelta(days=1)
    due = _one(server, world.member, "Une suite à donner en Home land arrive à échéance demain")
    assert due["Subject"] == (
        f"Une suite à donner en Home land arrive à échéance demain : {home.follow_up.title}"
    )
    text, html = message_parts(due)
    assert f"Une suite à donner en Home land arrive à échéance demain, le {_fr(tomorrow)} :" in text
    assert f"Avec : {home.reps[0].name}" in text
    assert "Ouvrir les suites à donner de Home land :" in text
    assert "Ne plus recevoir ces e-mails (suites à donner arrivant à échéance demain) :" in text
    assert "Vous recevez ce message en raison de vos choix" in text
    assert '<html lang="fr" dir="ltr">' in html
    assert f"arrive à échéance demain, le <strong>{_fr(tomorrow)}</strong> :" in html
    assert ">Ouvrir les suites à donner de Home land</a>" in html
    assert ">CRM de la campagne CPI<" in html
    for english in ("A follow-up in", "Open the follow-ups", "Stop these e-mails", "With:"):
        assert english not in text + html

    overdue = _one(server, world.member, "Une suite à donner en Home land est en retard")
    assert overdue["Subject"] == "Une suite à donner en Home land est en retard"  # restricted
    text, _ = message_parts(overdue)
    assert "Elle provient d’un contact restreint : connectez-vous pour la lire." in text

    event = _one(server, world.member, "Demain en Home land")
    assert event["Subject"] == f"Demain en Home land : {home.event.title}"
    text, html = message_parts(event)
    starts = home.event.starts_at.astimezone(ZoneInfo(home.state.timezone))
    when = format_datetime(starts, "dd MMM yyyy', 'HH:mm", tzinfo=starts.tzinfo, locale="fr")
    assert f"Remise de pétition, {when} (Europe/Bucharest)" in text
    assert "L’événement, ses invité·e·s et leurs réponses :" in text
    assert ">L’événement, ses invité·e·s et leurs réponses</a>" in html

    # The other section's member chose no language: English, as before.
    theirs = _one(server, world.other_member, "A follow-up in Other land is due tomorrow")
    assert (
        theirs["Subject"] == f"A follow-up in Other land is due tomorrow: {other.follow_up.title}"
    )
    text, html = message_parts(theirs)
    assert f"is due tomorrow, {tomorrow:%d %b %Y}:" in text
    assert "Open the follow-ups of Other land:" in text
    assert '<html lang="en" dir="ltr">' in html
    event = _one(server, world.other_member, "Tomorrow in Other land")
    text, _ = message_parts(event)
    assert "Petition handover, " in text
    assert "The event, its guests and their answers:" in text


def test_one_vote_notice_is_written_in_each_of_its_readers_languages(mail_app, server):
    world = build_world()
    world.member.locale = "fr"
    stage = world.home.stages[0]  # the committee vote in the Home Assembly
    stage.scheduled_on = TODAY + timedelta(days=14)
    db.session.commit()
    _run()

    day = stage.scheduled_on
    french = _one(server, world.member, "Home land : vote en commission")
    assert french["Subject"] == f"Home land : vote en commission (Home Assembly) le {_fr(day)}"
    text, html = message_parts(french)
    assert f"vote en commission (Home Assembly) dans 14 jours, le {_fr(day)}." in text
    assert f"Dans 14 jours, le <strong>{_fr(day)}</strong>." in html
    assert "Le risque de l’État, qui rencontrer ensuite et ses messages clés" in html

    english = _one(server, world.coordinator, "Home land: committee vote")
    assert english["Subject"] == f"Home land: committee vote in the Home Assembly on {day:%d %b %Y}"
    text, html = message_parts(english)
    assert f"committee vote in the Home Assembly in 14 days, on {day:%d %b %Y}." in text
    assert "The state's risk, who to meet next and its key messages" in html


def test_weekly_digests_in_french_english_and_arabic(mail_app, server):
    world = build_world()
    world.member.locale = "fr"
    world.coordinator.locale = "ar"
    for follow_up in (world.home.follow_up, world.home.restricted_follow_up):
        follow_up.assignee = world.member
        follow_up.due_on = TODAY - timedelta(days=1)
    for user in (world.member, world.other_member, world.coordinator):
        user.time_zone = "UTC"
        user.digest_weekday = NOON.weekday()
        user.digest_hour = 9
    db.session.commit()
    _run()

    mine = _one(server, world.member, "Votre semaine")
    assert mine["Subject"] == "Votre semaine : Home land"
    text, html = message_parts(mine)
    assert "QUI RENCONTRER ENSUITE" in text
    assert "CONTACTS CONSIGNÉS CETTE SEMAINE : 2 (1 restreint, non listé dans l’e-mail)" in text
    assert "(en retard)" in text
    assert "une suite à donner issue d’un contact restreint" in text
    assert "Vote en commission, Home Assembly" in text  # the stage in 10 days, its label
    assert "dernière information : " in text
    assert re.search(r"Home land: [\d.]+ %, (Critique|Élevé|Moyen|Faible)\s", text)  # its level
    assert '<html lang="fr" dir="ltr">' in html
    assert ">Qui rencontrer ensuite</h2>" in html
    for english in ("WHO TO MEET NEXT", "last known", "overdue", "None.", "Risk"):
        assert english not in text + html

    theirs = _one(server, world.other_member, "Your week")
    assert theirs["Subject"] == "Your week: Other land"
    text, _ = message_parts(theirs)
    assert "WHO TO MEET NEXT" in text
    assert "last known" in text

    campaign = _one(server, world.coordinator, "الحملة هذا الأسبوع: ")
    text, html = message_parts(campaign)
    assert '<html lang="ar" dir="rtl">' in html
    assert "الخطر، بدءًا بأكبر التغيّرات" in text
    assert "المتابعات المتأخرة حسب الفرع" in text
    assert "RISK, LARGEST MOVES FIRST" not in text


def test_a_message_is_in_its_recipients_language_whoever_writes_it(mail_app, server):
    """Written during a French reader's request (an action that queues mail), a message to
    someone who chose no language is English; and a language the CRM does not speak is."""
    world = build_world()
    world.home.follow_up.assignee = world.member
    world.home.follow_up.due_on = TODAY + timedelta(days=1)
    db.session.commit()
    with mail_app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert str(get_locale()) == "fr"
        _run()
        assert str(get_locale()) == "fr"  # given back
    message = _one(server, world.member, "A follow-up in Home land is due tomorrow")
    text, _ = message_parts(message)
    assert f"is due tomorrow, {TODAY + timedelta(days=1):%d %b %Y}:" in text  # English months
    assert "Open the follow-ups of Home land:" in text
    assert compose.language_of(SimpleNamespace(locale="xx")) == "en"
    assert compose.language_of(SimpleNamespace(locale=None)) == "en"
    assert compose.language_of(SimpleNamespace(locale="ru")) == "ru"


# --- nothing left unmarked --------------------------------------------------------------------

# English month names: dates are data, formatted in the reader's locale (English here).
_MONTHS = tuple(
    name
    for month in range(12, 0, -1)
    for name in (
        format_date(date(2000, month, 1), "MMMM", locale="en"),
        format_date(date(2000, month, 1), "MMM", locale="en"),
    )
)
_LINK = re.compile(r"https?://[^\s⟦⟧]+")
# The names of the digests' forms made up below.
_SYNTHETIC = ("Synthetic land call", "Synthetic land vigil", "Synthetic land", "Synthetic Senate")


def _data() -> tuple[str, ...]:
    """What messages show that is data: the names of states, chambers, sections, people and
    events, follow-ups' titles, time zones, ISO weeks and months."""
    names: list[str] = []
    for columns in (
        (State.name, State.timezone),
        (Chamber.name,),
        (Section.name,),
        (User.name, User.email),
        (Representative.name,),
        (FollowUp.title,),
        (Event.title, Event.venue, Event.city),
    ):
        for row in db.session.execute(sa.select(*columns)).all():
            names += [value for value in row if value]
    year, week, _day = TODAY.isocalendar()
    names += [f"{year}-W{week:02d}", *_MONTHS, *_SYNTHETIC]
    return tuple(sorted(set(names), key=len, reverse=True))


def _unmarked_text(text: str, data: tuple[str, ...]) -> list[str]:
    """The lines of a plain text part (or a subject) with words outside the markers that are
    not data; links are data."""
    found = []
    for line in text.splitlines():
        rest = _LINK.sub(" ", line)
        while _MARKED.search(rest):
            rest = _MARKED.sub(" ", rest)
        for value in data:
            rest = rest.replace(value, " ")
        if not _NOT_WORDS.match(rest):
            found.append(line)
    return found


def _sentences(html: str) -> str:
    """The HTML part with each paragraph, heading, item and cell read as one text: a sentence
    marked whole may hold markup (a date in bold, a link), and the check reads text nodes one
    by one. Messages have no attribute a reader sees or hears, and no text in a language of
    its own, which this would lose."""
    soup = BeautifulSoup(html, "html.parser")
    for block in soup.select("p, li, td, th, h1, h2"):
        block.string = block.get_text()
    return str(soup)


def _assert_marked(what: str, subject: str | None, text: str, html: str, data) -> None:
    assert OPEN in text, f"{what}: the pseudo-locale is not in use"
    assert _unmarked_text(subject or "", data) == [], what
    assert _unmarked_text(text, data) == [], what
    assert unmarked(_sentences(html), data) == [], what


@pytest.fixture
def wrapped():
    with pseudo():
        yield


def _every_kind(world: World) -> None:
    """Records that make `notify(NOON)` queue every kind of message, in each of its forms."""
    home, other = world.home, world.other
    for follow_up, user, due_in in (
        (home.follow_up, world.member, 1),
        (home.restricted_follow_up, world.member, 1),
        (other.follow_up, world.other_member, -2),
        (other.restricted_follow_up, world.other_member, -2),
    ):
        follow_up.assignee = user
        follow_up.due_on = TODAY + timedelta(days=due_in)
    other.follow_up.representative = None  # "With …" or not
    for stage, days in zip(
        (*home.stages, *other.stages), (14, 40, 1, 0), strict=True
    ):  # 14 days, new, tomorrow, today
        stage.scheduled_on = TODAY + timedelta(days=days)
    home.event.starts_at = NOON + timedelta(days=1, hours=2)
    home.event.venue, home.event.city = "Town hall", "Capital city"
    for user in (world.member, world.other_member, world.coordinator):
        user.time_zone = "UTC"
        user.digest_weekday = NOON.weekday()
        user.digest_hour = 9
    db.session.commit()


def test_every_message_is_marked_whole(mail_app, server, wrapped):
    world = build_world()
    _every_kind(world)
    _run()
    data = _data()
    kinds = set()
    for message in server.inbox.received:
        text, html = message_parts(message)
        row = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.subject == message["Subject"])
        ).first()
        kinds.add(row.kind)
        _assert_marked(f"{row.kind.value} to {message['To']}", message["Subject"], text, html, data)
    assert kinds == set(Notification)


def test_every_form_of_the_digests_is_marked(mail_app, wrapped):
    """What one week's records do not show: risk that moved, coverage that fell, a stale
    stance, every risk level, and digests with nothing to say."""
    world = build_world()
    data = _data()
    state = _SYNTHETIC[2]
    risks = [
        RiskLine(state, "SL", level, 0.5, week_ago)
        for level, week_ago in (("critical", 0.4), ("high", None), ("medium", 0.6), ("low", 0.1))
    ]
    who_next = [
        WhoNext(
            state,
            world.home.reps[0].name,
            Stance.UNDECIDED,
            date(2025, 1, 3),
            True,
            400,
            0.05,
            "https://crm.example.org/r/1",
        ),
        WhoNext(
            state,
            world.home.reps[1].name,
            Stance.LEANING_AGAINST,
            date(2025, 12, 31),
            False,
            1,
            0.02,
            "https://crm.example.org/r/2",
        ),
        WhoNext(
            state,
            world.home.reps[2].name,
            Stance.UNKNOWN,
            None,
            True,
            None,
            0.01,
            "https://crm.example.org/r/3",
        ),
    ]
    stages = [
        {
            "state": state,
            "kind": StageKind.PLENARY_VOTE,
            "chamber": "Synthetic Senate",
            "on": TODAY,
            "days": 0,
        },
        {"state": state, "kind": StageKind.DEPOSIT, "chamber": None, "on": TODAY, "days": 0},
    ]
    full = {
        "state_names": [state],
        "states": [(state, "https://crm.example.org/s")],
        "follow_ups": [
            FollowUpLine(state, _SYNTHETIC[0], TODAY, world.member.name, True),
            FollowUpLine(state, None, TODAY, None, False),
        ],
        "stages": stages,
        "events": [
            {
                "state": state,
                "title": _SYNTHETIC[1],
                "starts": NOON,
                "url": "https://crm.example.org/e",
            }
        ],
        "who_next": who_next,
        "risks": risks,
        "contacts": {
            "total": 3,
            "restricted": 2,
            "shown": [
                {
                    "state": state,
                    "kind": InteractionKind.CALL,
                    "on": NOON,
                    "with": world.home.reps[0].name,
                }
            ],
        },
        "stale_days": 180,
        "week": "x",
    }
    empty = full | {
        "follow_ups": [],
        "stages": [],
        "events": [],
        "who_next": [],
        "contacts": {"total": 0, "restricted": 0, "shown": []},
    }
    coordinator = {
        "moves": risks,
        "stages": stages,
        "coverage_fell": [(state, 0.4), ("Synthetic Senate", 0.3)],
        "under_target": 2,
        "coverage_target": 0.6,
        "overdue_by_section": [(world.member.sections[0].name, 2)],
        "dashboard_url": "https://crm.example.org/d",
        "week": "x",
    }
    quiet = coordinator | {
        "moves": [],
        "stages": [],
        "coverage_fell": [],
        "under_target": 1,
        "overdue_by_section": [],
    }
    for kind, context in (
        (Notification.SECTION_DIGEST, full),
        (Notification.SECTION_DIGEST, empty),
        (Notification.COORDINATOR_DIGEST, coordinator),
        (Notification.COORDINATOR_DIGEST, quiet),
    ):
        text, html = compose.render(kind, world.member, context | {"subject": "x"})
        _assert_marked(kind.value, None, text, html, (*data, "x"))
    assert _unmarked_text(_headline(risks), data) == []
    assert _unmarked_text(_headline([]), data) == []


def test_the_check_finds_words_that_were_not_marked(mail_app):
    """Without the pseudo-locale nothing is marked: the check must say so."""
    world = build_world()
    world.home.follow_up.assignee = world.member
    world.home.follow_up.due_on = TODAY + timedelta(days=1)
    db.session.commit()
    notify(NOON)
    message = db.session.scalars(sa.select(OutboxMessage)).first()
    assert _unmarked_text(message.subject, _data())
    assert _unmarked_text(message.body_text, _data())
    assert unmarked(_sentences(message.body_html), _data())
