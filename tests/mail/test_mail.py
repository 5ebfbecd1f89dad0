"""E-mail through a real SMTP server on loopback: what is sent, to whom, once; what never
goes into a message; and stopping a kind of message from the message itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.db import utcnow
from crm.extensions import db
from crm.interactions.models import FollowUp
from crm.mail import services
from crm.mail.models import MessageStatus, Notification, OutboxMessage, wants
from crm.mail.notify import notify
from crm.mail.tasks import run_notify
from tests.conftest import app_on, csrf_token, sign_in
from tests.mail.smtp import message_parts
from tests.world import RESTRICTED_MARK, World, build_world

# Noon UTC today: "tomorrow" is the same day for a user in UTC and in Bucharest.
NOON = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
TODAY = NOON.date()


def _to(server, address: str) -> list[EmailMessage]:
    return [m for m in server.inbox.received if address in str(m["To"])]


def _assign(world: World, *, due_in: int) -> tuple[FollowUp, FollowUp]:
    """The home state's open and restricted follow-ups, both the member's, due in `due_in`
    days."""
    follow_ups = (world.home.follow_up, world.home.restricted_follow_up)
    for follow_up in follow_ups:
        follow_up.assignee = world.member
        follow_up.due_on = TODAY + timedelta(days=due_in)
    db.session.commit()
    return follow_ups


def _send_all() -> None:
    """What a worker does with each queued message (the tasks' own code)."""
    waiting = db.session.scalars(
        sa.select(OutboxMessage.id).where(OutboxMessage.status == MessageStatus.QUEUED)
    ).all()
    db.session.rollback()
    for message_id in waiting:
        services.deliver(message_id)


def test_a_follow_up_due_tomorrow_reaches_its_assignee_once_and_in_two_parts(mail_app, server):
    world = build_world()
    _assign(world, due_in=1)
    db.session.execute(
        sa.update(FollowUp)
        .where(FollowUp.id.not_in([world.home.follow_up.id, world.home.restricted_follow_up.id]))
        .values(due_on=TODAY + timedelta(days=30))
    )
    db.session.commit()

    result = mail_app.test_cli_runner().invoke(args=["crm", "notify"])
    assert result.exit_code == 0, result.output
    assert "queued 2 × follow_up_due" in result.output

    mine = [m for m in _to(server, "member@home.example") if "due tomorrow" in m["Subject"]]
    assert len(mine) == 2
    assert server.inbox.logins >= 1  # it logged in, after STARTTLS (aiosmtpd refuses before)
    normal = next(m for m in mine if "open follow-up" in m["Subject"])
    assert normal["Subject"] == "A follow-up in Home land is due tomorrow: Home open follow-up"
    assert normal["From"] == "Campaign CRM <crm@crm.example.org>"
    assert normal["Auto-Submitted"] == "auto-generated"
    assert normal.get_content_type() == "multipart/alternative"
    text, html = message_parts(normal)
    assert "Home open follow-up" in text
    assert "Home open follow-up" in html
    assert "Home Member 0" in text  # the person it is with
    # Every link is ours, absolute, and nothing is loaded from anywhere.
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.select("[src], link, script, img")
    hrefs = [a["href"] for a in soup.select("a[href]")]
    assert hrefs
    assert all(h.startswith("https://crm.example.org/") for h in hrefs)
    assert f"https://crm.example.org/states/{world.home.state.iso2}/follow-ups" in hrefs
    assert all(u.startswith("https://crm.example.org/") for u in re.findall(r"https?://\S+", text))

    # The same run again, and the scheduler's: nothing new.
    assert mail_app.test_cli_runner().invoke(args=["crm", "notify"]).exit_code == 0
    run_notify()
    _send_all()
    assert (
        len([m for m in _to(server, "member@home.example") if "due tomorrow" in m["Subject"]]) == 2
    )


def test_restricted_content_never_goes_into_a_message(mail_app, server):
    world = build_world()
    _assign(world, due_in=1)
    world.coordinator.time_zone = "UTC"
    db.session.commit()
    run_notify()
    _send_all()
    [message] = [
        m
        for m in _to(server, "member@home.example")
        if "due tomorrow" in m["Subject"] and "open follow-up" not in m["Subject"]
    ]
    # Even to a reader who may read it: mail leaves our control.
    assert message["Subject"] == "A follow-up in Home land is due tomorrow"
    text, html = message_parts(message)
    assert "restricted contact" in text
    assert "Home Member 1" not in text + html  # not even who it was with
    for received in server.inbox.received:
        assert RESTRICTED_MARK not in received.as_string()
    for row in db.session.scalars(sa.select(OutboxMessage)):
        assert RESTRICTED_MARK not in row.subject + row.body_text + row.body_html


def test_an_overdue_follow_up_is_told_once_and_old_ones_are_left_to_the_digest(mail_app, server):
    world = build_world()
    recent, _ = _assign(world, due_in=-2)
    old = world.other.follow_up
    old.assignee = world.other_member
    old.due_on = TODAY - timedelta(days=40)
    db.session.commit()
    assert notify(NOON).counts["follow_up_overdue"] == 2  # the open and the restricted one
    db.session.commit()
    assert notify(NOON).counts["follow_up_overdue"] == 0
    db.session.commit()
    _send_all()
    subjects = [m["Subject"] for m in server.inbox.received]
    assert f"A follow-up in Home land is overdue: {recent.title}" in subjects
    assert not [m for m in _to(server, "member@other.example") if "follow-up" in m["Subject"]]


def test_tomorrow_is_the_recipients_own(mail_app, server):
    world = build_world()
    follow_up, _ = _assign(world, due_in=2)
    world.member.time_zone = "Pacific/Kiritimati"  # UTC+14: already tomorrow at noon UTC
    db.session.commit()
    assert notify(NOON).counts.get("follow_up_due", 0) == 2
    db.session.commit()
    world.member.time_zone = "UTC"
    follow_up.due_on = TODAY + timedelta(days=3)
    db.session.commit()
    assert notify(NOON).counts.get("follow_up_due", 0) == 0


def test_votes_ahead_reach_the_states_section_and_the_coordinators(mail_app, server):
    world = build_world()
    stage = world.home.stages[0]
    stage.scheduled_on = TODAY + timedelta(days=14)
    db.session.commit()
    counts = notify(NOON).counts
    db.session.commit()
    _send_all()
    about = f"stage:{stage.id}:{stage.scheduled_on.isoformat()}:14"
    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.about == about)).all()
    assert {row.recipient for row in rows} == {"member@home.example", world.coordinator.email}
    assert counts["vote_ahead"] >= 2
    [message] = [
        m
        for m in _to(server, "member@home.example")
        if "vote" in m["Subject"] and stage.scheduled_on.strftime("%d %b %Y") in m["Subject"]
    ]
    text, _ = message_parts(message)
    assert "in 14 days" in text
    assert not [m for m in _to(server, "member@other.example") if "Home land" in m["Subject"]]

    # Moved: a new notice for the new date.
    stage.scheduled_on = TODAY + timedelta(days=40)
    db.session.commit()
    notify(NOON)
    db.session.commit()
    moved = f"stage:{stage.id}:{stage.scheduled_on.isoformat()}:scheduled"
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.about == moved)
        )
        == 2
    )


def test_an_event_reminder_comes_the_day_before_to_the_people_taking_part(mail_app, server):
    world = build_world()
    event = world.home.event
    event.starts_at = NOON + timedelta(days=1, hours=2)
    later = world.other.event  # the day after tomorrow: not yet
    later.starts_at = NOON + timedelta(days=2, hours=2)
    db.session.commit()
    notify(NOON)
    db.session.commit()
    _send_all()
    assert not [m for m in server.inbox.received if later.title in m["Subject"]]
    [message] = [m for m in server.inbox.received if event.title in m["Subject"]]
    assert "member@home.example" in message["To"]
    text, _ = message_parts(message)
    assert f"https://crm.example.org/events/{event.id}" in text


def test_one_click_unsubscribe_stops_that_kind_without_signing_in(mail_app, server):
    world = build_world()
    _assign(world, due_in=1)
    run_notify()
    _send_all()
    message = _to(server, "member@home.example")[0]
    kind = Notification.FOLLOW_UP_DUE
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://crm.example.org/unsubscribe/")
    path = urlsplit(url).path
    _, html = message_parts(message)
    assert url in html

    client = mail_app.test_client()
    page = client.get(path)
    assert page.status_code == 200
    assert b"Stop these e-mails" in page.data
    assert wants(world.member, kind)  # opening the link (a link checker) stops nothing

    # What a mail program sends (RFC 8058): a POST with no session and no CSRF token.
    answer = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    db.session.expire_all()
    assert not wants(world.member, kind)
    assert wants(world.member, Notification.VOTE_AHEAD)  # only that kind
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "notifications_changed")
    ).one()
    assert entry.actor_id == world.member.id
    assert entry.after == {
        "notifications": {k.value: wants(world.member, k) for k in services.offered(world.member)}
    }

    # Sent again, it says so and writes nothing.
    assert b"already stopped" in client.post(path).data
    # A forged or altered token is refused.
    assert client.post(path[:-3] + "abc").status_code == 404
    assert client.get("/unsubscribe/not-a-token").status_code == 404

    # No more of that kind: a new follow-up due tomorrow sends nothing to them.
    world.home.follow_up.due_on = TODAY + timedelta(days=1, weeks=0)
    world.other.follow_up.assignee = world.member
    db.session.commit()
    assert notify(NOON).counts.get("follow_up_due", 0) == 0


def test_a_server_that_cannot_take_it_now_is_tried_again_and_a_refusal_fails_it(mail_app, server):
    world = build_world()
    _assign(world, due_in=1)
    notify(NOON)
    db.session.commit()
    first, second = db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.kind == Notification.FOLLOW_UP_DUE)
        .order_by(OutboxMessage.id)
    ).all()
    db.session.rollback()
    server.inbox.answers = ["451 4.3.0 Try again later", "550 5.1.1 No such mailbox"]
    wait = services.deliver(first)
    assert wait is not None
    assert wait > 0
    row = db.session.get(OutboxMessage, first)
    assert row.status is MessageStatus.RETRYING
    assert "451" in row.last_error
    db.session.rollback()
    assert services.deliver(second) is None
    row = db.session.get(OutboxMessage, second)
    assert row.status is MessageStatus.FAILED
    assert "550" in row.last_error
    db.session.rollback()
    # The retry goes through; delivering again (a task delivered twice) sends nothing more.
    assert services.deliver(first) is None
    assert services.deliver(first) is None
    assert services.deliver(second) is None
    row = db.session.get(OutboxMessage, first)
    assert row.status is MessageStatus.SENT
    assert row.attempts == 2
    assert len(server.inbox.received) == 1


def test_a_message_whose_worker_stopped_mid_sending_is_never_sent_again(mail_app, server):
    world = build_world()
    _assign(world, due_in=1)
    notify(NOON)
    db.session.commit()
    message = db.session.scalars(sa.select(OutboxMessage)).first()
    message.status = MessageStatus.SENDING
    message.updated_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    services.resend_lost()
    db.session.expire_all()
    assert message.status is MessageStatus.FAILED
    assert "may or may not" in message.last_error
    assert services.deliver(message.id) is None
    assert not server.inbox.received


def test_without_a_server_messages_are_written_to_the_folder_and_shown_to_admins(
    databases, tmp_path: Path
):
    folder = tmp_path / "mail"
    with app_on(databases, "empty", tmp_path, MAIL_SERVER=None, MAIL_FOLDER=str(folder)) as app:
        world = build_world()
        _assign(world, due_in=1)
        run_notify()
        _send_all()
        files = sorted(folder.glob("*-follow_up_due.eml"))
        assert len(files) == 2
        assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in files[0].read_bytes()
        admin = sign_in(app.test_client(), world.admin)
        page = admin.get("/admin/mail")
        assert page.status_code == 200
        assert b"written to the mail folder" in page.data
        message = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).first()
        shown = admin.get(f"/admin/mail/{message.id}")
        assert message.subject.encode() in shown.data
        assert sign_in(app.test_client(), world.member).get("/admin/mail").status_code == 403
        assert (
            sign_in(app.test_client(), world.coordinator)
            .get(f"/admin/mail/{message.id}")
            .status_code
            == 403
        )


def test_choosing_ones_messages_and_digest_time(mail_app):
    world = build_world()
    client = sign_in(mail_app.test_client(), world.member)
    page = client.get("/account/notifications")
    assert page.status_code == 200
    soup = BeautifulSoup(page.data, "html.parser")
    checked = {box["value"] for box in soup.select("input[name=kinds][checked]")}
    assert checked == {
        "follow_up_due",
        "follow_up_overdue",
        "vote_ahead",
        "event_reminder",
        "section_digest",
    }
    assert not soup.select("input[value=coordinator_digest]")  # not offered to a section

    token = csrf_token(page.get_data(as_text=True))
    bad = client.post(
        "/account/notifications",
        data={
            "csrf_token": token,
            "kinds": ["vote_ahead"],
            "time_zone": "Mars/Olympus",
            "digest_weekday": "4",
            "digest_hour": "9",
        },
    )
    assert bad.status_code == 422
    assert b"Not a valid choice" in bad.data or b"Choose a time zone" in bad.data
    db.session.expire_all()
    assert wants(world.member, Notification.FOLLOW_UP_DUE)  # nothing written

    done = client.post(
        "/account/notifications",
        data={
            "csrf_token": token,
            "kinds": ["vote_ahead", "section_digest"],
            "time_zone": "Europe/Bucharest",
            "digest_weekday": "4",
            "digest_hour": "9",
        },
    )
    assert done.status_code == 302
    db.session.expire_all()
    member = world.member
    assert not wants(member, Notification.FOLLOW_UP_DUE)
    assert wants(member, Notification.VOTE_AHEAD)
    assert (member.time_zone, member.digest_weekday, member.digest_hour) == (
        "Europe/Bucharest",
        4,
        9,
    )
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "notifications_changed")
    ).one()
    assert entry.after["time_zone"] == "Europe/Bucharest"
    assert entry.before["notifications"]["follow_up_due"] is True


def test_a_disabled_account_receives_nothing(mail_app, server):
    world = build_world()
    _assign(world, due_in=1)
    world.member.is_enabled = False
    db.session.commit()
    notify(NOON)
    db.session.commit()
    assert not db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.user_id == world.member.id)
    ).all()


def test_a_worker_on_redis_sends_each_message_once_however_often_its_task_comes(
    databases, tmp_path: Path, server
):
    from tests.jobs.queues import drained, queue_app, wait_for, worker_thread

    with queue_app(databases, "empty", tmp_path, "redis", **server.settings()) as app:
        world = build_world()
        _assign(world, due_in=1)
        celery = app.extensions["celery"]
        with worker_thread(app):
            # The scheduler's task: it queues the messages, whose tasks the worker runs.
            celery.send_task("mail.notify")

            def all_sent() -> bool:
                rows = db.session.scalars(sa.select(OutboxMessage)).all()
                return bool(rows) and all(r.status is MessageStatus.SENT for r in rows)

            wait_for(all_sent, what="every queued message sent")
            rows = db.session.scalars(sa.select(OutboxMessage)).all()
            # Every message's task delivered again (a redelivery, a second scheduler).
            for row in rows:
                celery.send_task(services.DELIVER, args=[row.id])
            celery.send_task("mail.notify")
            wait_for(drained(app), what="the repeated tasks")
        assert len(server.inbox.received) == len(rows)
        assert {m["Subject"] for m in server.inbox.received} >= {
            f"A follow-up in Home land is due tomorrow: {world.home.follow_up.title}"
        }


def _digest_time(*users) -> None:
    for user in users:
        user.time_zone = "UTC"
        user.digest_weekday = NOON.weekday()
        user.digest_hour = 9
    db.session.commit()


def test_weekly_digests_come_once_at_the_readers_hour_and_hold_nothing_restricted(mail_app, server):
    world = build_world()
    _assign(world, due_in=-1)  # both overdue: the open one and the restricted one
    _digest_time(world.member, world.other_member, world.coordinator)
    early = NOON.replace(hour=8)
    assert notify(early).counts.get("section_digest", 0) == 0  # before their hour
    db.session.commit()

    counts = notify(NOON).counts
    db.session.commit()
    assert counts["section_digest"] == 2
    assert counts["coordinator_digest"] == 1
    assert notify(NOON + timedelta(hours=3)).counts["section_digest"] == 0  # once a week
    db.session.commit()
    _send_all()

    [mine] = [m for m in _to(server, "member@home.example") if m["Subject"].startswith("Your week")]
    assert mine["Subject"] == "Your week: Home land"
    text, html = message_parts(mine)
    assert world.home.follow_up.title in text
    assert "a follow-up from a restricted contact" in text
    assert "(overdue)" in text
    assert "WHO TO MEET NEXT" in text
    assert "CONTACTS LOGGED THIS WEEK: 2 (1 restricted, not listed in e-mail)" in text
    # Whom the restricted contact met shows nowhere by its shape either: no line of the
    # week's contacts names them, its follow-up names nobody who took it on, and their
    # stance, seen only in it, is listed among those to meet next with its month alone.
    met_in_confidence = world.home.reps[1].name
    assert f"with {met_in_confidence}" not in text + html
    [withheld] = [line for line in text.splitlines() if "from a restricted contact" in line]
    assert world.member.name not in withheld
    [next_line] = [line for line in text.splitlines() if line.strip().startswith(met_in_confidence)]
    assert re.search(r"last known [A-Z][a-z]{2} \d{4}", next_line), next_line
    assert "Other land" not in text + html  # only the reader's states
    assert "Committee vote" in text  # the stage in 10 days
    for message in server.inbox.received:
        assert RESTRICTED_MARK not in message.as_string()

    [campaign] = [
        m for m in _to(server, world.coordinator.email) if "campaign this week" in m["Subject"]
    ]
    text, html = message_parts(campaign)
    assert "RISK, LARGEST MOVES FIRST" in text
    assert "Home land" in text
    assert "Other land" in text
    assert "OVERDUE FOLLOW-UPS BY SECTION" in text
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.select("[src], link, script, img")


def test_the_demo_reader_can_have_this_weeks_digests_at_once(mail_app, server):
    world = build_world()
    world.member.digest_weekday = (NOON.weekday() + 3) % 7  # not today
    db.session.commit()
    result = mail_app.test_cli_runner().invoke(args=["crm", "notify", "--digests-now"])
    assert result.exit_code == 0, result.output
    assert "queued 2 × section_digest" in result.output  # the two sections' members
    assert [m for m in _to(server, "member@home.example") if m["Subject"].startswith("Your week")]
    again = mail_app.test_cli_runner().invoke(args=["crm", "notify", "--digests-now"])
    assert "section_digest" not in again.output
