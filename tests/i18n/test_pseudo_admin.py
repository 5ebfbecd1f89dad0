"""Every word of the administration and account pages comes through the catalogs: rendered in
the pseudo-locale (tests/i18n/pseudo.py), nothing a reader sees or hears is left outside the
markers but data. The pages: the account (profile, sessions, password, second factor and its
set-up, recovery codes, re-authentication), e-mail settings and stopping e-mails from a
message, and the administrators' users, tokens, audit log, security log, jobs and mail, each
with its filters refused, its forms refused and what it flashes."""

from __future__ import annotations

from datetime import date, timedelta

import pyotp
import pytest
import sqlalchemy as sa
from babel import Locale
from babel.dates import format_date, get_day_names
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.auth import throttle
from crm.auth.models import TokenScope, User, UserSession
from crm.auth.services import create_token
from crm.db import utcnow
from crm.extensions import db
from crm.i18n import LOCALES
from crm.jobs.models import Job, JobStatus
from crm.mail import compose
from crm.mail import services as mail_services
from crm.mail.models import MessageStatus, Notification, OutboxMessage
from crm.security.models import SecurityEvent
from crm.states.models import Campaign, KeyMessage
from tests.auth.factor import code_at, enrol
from tests.conftest import csrf_token, sign_in
from tests.factories import PASSWORD
from tests.i18n.pseudo import CLOSE, OPEN, pseudo, unmarked


@pytest.fixture
def wrapped():
    with pseudo():
        yield


# English month and day names: dates are data, formatted in the page's locale (English here),
# and so are the days of the week the digests may arrive on (Babel's CLDR names).
_MONTHS = tuple(
    name
    for month in range(12, 0, -1)
    for name in (
        format_date(date(2000, month, 1), "MMMM", locale="en"),
        format_date(date(2000, month, 1), "MMM", locale="en"),
    )
)
_DAYS = tuple(get_day_names("wide", context="stand-alone", locale="en").values())

# What the pages of this slice show that other slices mark, data here until they do, by the
# pages they show on: the log pages' shared pieces (templates/_macros/ui.html's log_filters and
# log_table, the "From" and "Until" filters and the "Any" choice of crm/forms.py), the security
# log's filters (crm/security/views.py, not `Translated`: WTForms' messages are English), the
# kinds of token (crm/interchange) and the refusals of crm/auth/services.py.
_LOG_PIECES = (
    "Some filters could not be used; see the messages next to them. The list below is not "
    "filtered.",
    "Some filters could not be used; see the messages next to them. The log below is not filtered.",
    "Clear filters",
    "Show",
    "— page",
    " of ",
    "From",
    "Until",
    "Any",
)
_NOT_YET_MARKED = {
    "audit": _LOG_PIECES,
    "jobs": _LOG_PIECES,
    "mail": _LOG_PIECES,
    "security": (
        *_LOG_PIECES,
        "Who (e-mail contains)",
        "Status",
        "Route",
        "401 Not signed in (API)",
        "403 Not allowed",
        "Not a valid choice.",
        "Not a valid date value.",
    ),
    "tokens": ("calendar link", "API token"),
    "users": ("You cannot disable your own account.",),
    "password": ("The current password is not right.",),
}
# What the tests below type into the forms.
_KEY_MESSAGE = {
    "text": "The agreements breach the Rome Statute.",
    "text_ar": "الاتفاقات تنتهك نظام روما الأساسي.",
}
# The same in every other language: the list then says it lacks none.
_KEY_MESSAGE_TRANSLATED = {
    "text_fr": "Les accords violent le Statut de Rome.",
    "text_es": "Los acuerdos violan el Estatuto de Roma.",
    "text_ru": "Соглашения нарушают Римский статут.",
    "text_pt": "Os acordos violam o Estatuto de Roma.",
    "text_ro": "Acordurile încalcă Statutul de la Roma.",
}
_KEY_MESSAGE_RU = "Соглашения противоречат Римскому статуту."
_TYPED = (
    "nope",
    "Europe/Bucharest",
    "Mars/Olympus",
    *_KEY_MESSAGE.values(),
    *_KEY_MESSAGE_TRANSLATED.values(),
    _KEY_MESSAGE_RU,
)


def _html(response, status: int = 200) -> str:
    assert response.status_code == status, (response.status_code, response.request.path)
    return response.get_data(as_text=True)


def _sentences(html: str) -> str:
    """The page with each paragraph marked whole (a sentence with a link in it: the link is
    its placeholder) read as one text, as the check reads text nodes one by one."""
    soup = BeautifulSoup(html, "html.parser")
    for paragraph in soup.select("main p"):
        text = paragraph.get_text()
        if text.startswith(OPEN) and text.endswith(CLOSE) and paragraph.find("a"):
            paragraph.string = text
    return str(soup)


def _data(world) -> set[str]:
    """What the pages show that is data: names, addresses, sections and states, the rows of
    the logs (actions, records, requests, errors), the messages sent, the time zones."""
    every: set[str] = set()
    for user in db.session.scalars(sa.select(User)):
        every |= {user.name, user.email, user.role.label, user.role.value}
        every |= {section.name for section in user.sections}
        every |= {state.name for section in user.sections for state in section.states}
    for side in (world.home, world.other):
        every |= {side.state.name, side.state.iso2}
    for event in db.session.scalars(sa.select(SecurityEvent)):
        every |= {event.method, event.path, event.endpoint or "", event.user_agent or ""}
        every |= {str(key) for key in event.object_ids or {}}
    for job in db.session.scalars(sa.select(Job)):
        every |= {job.kind, job.key, job.last_error or "", job.worker or ""}
    for message in db.session.scalars(sa.select(OutboxMessage)):
        every |= {message.subject, message.about, message.last_error or ""}
        every |= {message.body_text, message.body_html, message.message_id or ""}
    every |= {token.name for token in _tokens()}
    # The key messages, and the languages they are in (named by Babel's CLDR data, in the
    # page's language: English here).
    every |= set(db.session.scalars(sa.select(KeyMessage.text)))
    every |= {campaign.name for campaign in db.session.scalars(sa.select(Campaign))}
    every |= {Locale.parse(code).get_display_name("en") for code in LOCALES}
    every |= {*mail_services.time_zones(), "UTC", *_MONTHS, *_DAYS}
    return every | set(_TYPED)


def _audit_data() -> tuple[str, ...]:
    """What the audit log shows of its entries: actions, records, summaries, and the values
    before and after as they were stored (True, None and all)."""
    every: set[str] = set()
    for entry in db.session.scalars(sa.select(AuditEntry)):
        every |= {entry.action, entry.target_type or "", entry.target_id or ""}
        every |= {entry.summary or "", entry.actor_email or ""}
        for values in (entry.before or {}, entry.after or {}):
            every |= {str(key) for key in values}
            every |= {str(value) for value in values.values()}
    return tuple(every)


def _tokens():
    from crm.auth.models import ApiToken

    return db.session.scalars(sa.select(ApiToken))


def _age_sessions(user: User) -> None:
    """As if the user had last entered their password long ago: the next security change
    asks for it again."""
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id)
        .values(reauthenticated_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()


def _logs(world) -> None:
    """Rows for the log pages: jobs (one failed, one under way), messages (sent, failed),
    tokens (one of a disabled account, one expired)."""
    db.session.add_all(
        [
            Job(
                kind="risk.daily_snapshot",
                key="risk.daily_snapshot:2026-11-30",
                arguments={"on": "2026-11-30"},
                status=JobStatus.FAILED,
                attempts=5,
                last_error="OperationalError: the database was locked",
                finished_at=utcnow(),
            ),
            Job(
                kind="briefings.pack",
                key="briefings.pack:1",
                arguments={},
                status=JobStatus.RUNNING,
                attempts=1,
                total=3,
                done=1,
                worker="worker-1",
            ),
        ]
    )
    for n, status in enumerate((MessageStatus.SENT, MessageStatus.FAILED)):
        db.session.add(
            OutboxMessage(
                user_id=world.member.id,
                recipient=world.member.email,
                kind=Notification.FOLLOW_UP_DUE,
                about=f"follow_up:{n}:due:2026-12-04",
                subject=f"A follow-up is due tomorrow ({n})",
                body_text="Call back.",
                body_html="<p>Call back.</p>",
                status=status,
                attempts=1,
                sent_at=utcnow() if status is MessageStatus.SENT else None,
                last_error=None if status is MessageStatus.SENT else "550 No such mailbox",
                message_id="<1@crm.example.org>" if status is MessageStatus.SENT else None,
            )
        )
    create_token(world.admin, world.admin, name="Reporting script", scope=TokenScope.API)
    create_token(world.staff, world.staff, name="My calendar", scope=TokenScope.CALENDAR)
    _raw, expired = create_token(world.member, world.member, name="Old", scope=TokenScope.API)
    expired.expires_at = utcnow() - timedelta(days=1)
    world.staff.is_enabled = False
    db.session.commit()


def admin_pages(app, client, world) -> list[tuple[str, str]]:
    """The pages of the slice, as (what, HTML), in the order a day of work visits them."""
    pages: list[tuple[str, str]] = []

    def get(what: str, url: str, status: int = 200) -> str:
        html = _html(client.get(url), status)
        pages.append((what, html))
        return html

    def post(what: str, url: str, data: dict, status: int) -> str:
        html = _html(client.post(url, data=data), status)
        pages.append((what, html))
        return html

    def done(what: str, url: str, data: dict) -> str:
        """A form sent: the page it leads to, with what it flashes."""
        response = client.post(url, data=data)
        assert response.status_code in (302, 303), (response.status_code, url)
        return get(what, response.headers["Location"])

    _logs(world)
    admin = world.admin
    # Someone probing: refusals enough to be flagged as repeated.
    prober = sign_in(app.test_client(), world.member)
    for _ in range(app.config["SECURITY_REPEATED_REFUSALS"]):
        assert prober.get("/admin/users").status_code == 403

    # --- the account page, without a second factor ---------------------------------------
    sign_in(client, admin)
    sign_in(app.test_client(), admin)  # another browser, to sign out from here
    account = get("account", "/account")
    token = csrf_token(account)
    other = BeautifulSoup(account, "html.parser").select_one("form[action*='/revoke']")
    done("account, a session signed out", other["action"], {"csrf_token": token})
    post("password, refused", "/account", {"csrf_token": token}, 422)
    post(
        "password, refused values",
        "/account",
        {"csrf_token": token, "current_password": "x", "new_password": "short", "confirm": "y"},
        422,
    )
    post(
        "password, a wrong current password",
        "/account",
        {
            "csrf_token": token,
            "current_password": "not the password",
            "new_password": "correct horse battery staple",
            "confirm": "correct horse battery staple",
        },
        422,
    )
    new_password = "correct horse battery staple"
    done(
        "password, changed",
        "/account",
        {
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": new_password,
            "confirm": new_password,
        },
    )
    response = client.get("/account/second-factor")
    assert response.status_code == 302
    get("second factor, not started", response.headers["Location"])

    # --- setting up a second factor -------------------------------------------------------
    token = csrf_token(get("account", "/account"))
    enrol_page = done(
        "second factor, set-up", "/account/second-factor/start", {"csrf_token": token}
    )
    token = csrf_token(enrol_page)
    post("second factor, a wrong code", "/account/second-factor", {"csrf_token": token}, 422)
    post(
        "second factor, a wrong code",
        "/account/second-factor",
        {"csrf_token": token, "code": "000000"},
        422,
    )
    db.session.expire_all()
    secret = db.session.get(User, admin.id).totp_pending_secret
    post(
        "second factor, recovery codes",
        "/account/second-factor",
        {"csrf_token": token, "code": pyotp.TOTP(secret).now()},
        200,
    )
    token = csrf_token(get("account, with a second factor", "/account"))
    post("new recovery codes", "/account/second-factor/recovery-codes", {"csrf_token": token}, 200)
    app.config["MFA_REQUIRED_ROLES"] = "admin"
    try:
        get("account, a second factor required", "/account")
        done("turn off, refused", "/account/second-factor/off", {"csrf_token": token})
    finally:
        app.config["MFA_REQUIRED_ROLES"] = ""
    done("second factor, a new one", "/account/second-factor/start", {"csrf_token": token})

    # --- re-authenticating ----------------------------------------------------------------
    _age_sessions(admin)
    done("re-authenticate, asked", "/account/second-factor/off", {"csrf_token": token})
    reauth = "/reauthenticate?next=/account"
    token = csrf_token(get("re-authenticate, with a code", reauth))
    post("re-authenticate, no code", reauth, {"csrf_token": token, "password": new_password}, 422)
    post(
        "re-authenticate, a wrong password",
        reauth,
        {"csrf_token": token, "password": "x", "code": "000000"},
        422,
    )
    post(
        "re-authenticate, a wrong code",
        reauth,
        {"csrf_token": token, "password": new_password, "code": "000000"},
        422,
    )
    db.session.expire_all()
    secret = db.session.get(User, admin.id).totp_secret
    done(
        "re-authenticated",
        reauth,
        {"csrf_token": token, "password": new_password, "code": code_at(secret, 1)},
    )
    done("second factor, off", "/account/second-factor/off", {"csrf_token": token})
    done("second factor, none to turn off", "/account/second-factor/off", {"csrf_token": token})

    # --- the administrators' pages ----------------------------------------------------------
    client.application.config["PAGE_SIZE"] = 1
    get("tokens", "/admin/tokens")
    token = csrf_token(get("users", "/admin/users"))
    enrol(world.coordinator)
    staff, coordinator = world.staff.id, world.coordinator.id
    done("users, enabled", f"/admin/users/{staff}/enable", {"csrf_token": token})
    done("users, disabled", f"/admin/users/{staff}/disable", {"csrf_token": token})
    done("users, not oneself", f"/admin/users/{admin.id}/disable", {"csrf_token": token})
    get("users, with a second factor", "/admin/users")
    done(
        "users, a second factor reset",
        f"/admin/users/{coordinator}/second-factor/reset",
        {"csrf_token": token},
    )
    done(
        "users, not one's own second factor",
        f"/admin/users/{admin.id}/second-factor/reset",
        {"csrf_token": token},
    )
    for log in ("audit", "security", "jobs", "mail"):
        get(log, f"/admin/{log}")
        get(f"{log}, page 2", f"/admin/{log}?page=2")
    get("audit, refused filters", f"/admin/audit?since=nope&target_id={'x' * 65}", 400)
    get("security, refused filters", "/admin/security?status=999&until=nope", 400)
    get("jobs, refused filters", "/admin/jobs?status=x&since=nope", 400)
    get("mail, refused filters", "/admin/mail?status=x&kind=x", 400)
    failed = db.session.scalars(sa.select(Job).where(Job.status == JobStatus.FAILED)).one()
    token = csrf_token(get("jobs", "/admin/jobs?status=failed"))
    done("jobs, run again", f"/admin/jobs/{failed.id}/retry", {"csrf_token": token})
    message = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).first()
    get("a message", f"/admin/mail/{message.id}")
    failed_message = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.status == MessageStatus.FAILED)
    ).one()
    get("a message not sent", f"/admin/mail/{failed_message.id}")

    # --- the campaign's key messages, in each language ------------------------------------------
    messages = "/campaign/key-messages"
    get("key messages", messages)
    get("key messages, a new one", f"{messages}/new")
    post(
        "key messages, refused",
        f"{messages}/new",
        {"csrf_token": token, "text": " ", "text_fr": "x" * 501},
        422,
    )
    done("key messages, added", f"{messages}/new", {"csrf_token": token, **_KEY_MESSAGE})
    added = db.session.scalars(sa.select(KeyMessage).order_by(KeyMessage.id.desc())).first()
    edit, remove = f"{messages}/{added.id}/edit", f"{messages}/{added.id}/remove"
    get("key messages, edit", edit)
    opened = {"csrf_token": token, "version": str(added.version), **_KEY_MESSAGE}
    done("key messages, edited", edit, {**opened, **_KEY_MESSAGE_TRANSLATED})
    post("key messages, a conflict", edit, {**opened, "text_ru": _KEY_MESSAGE_RU}, 409)
    done(
        "key messages, moved",
        f"{messages}/{added.id}/move",
        {"csrf_token": token, "direction": "up"},
    )
    get("key messages, remove", remove)
    post("key messages, a conflict on removing", remove, opened, 409)
    db.session.expire_all()
    current = str(db.session.get(KeyMessage, added.id).version)
    done("key messages, removed", remove, {"csrf_token": token, "version": current})

    # --- a section member: account, e-mail settings, re-authentication --------------------
    member = world.member
    sign_in(client, member)
    get("account, a member", "/account")
    settings = get("e-mail settings", "/account/notifications")
    token = csrf_token(settings)
    choices = {
        "csrf_token": token,
        "kinds": "vote_ahead",
        "digest_weekday": "2",
        "digest_hour": "7",
    }
    post(
        "e-mail settings, refused",
        "/account/notifications",
        {**choices, "time_zone": "Mars/Olympus", "kinds": "nope", "digest_weekday": "9"},
        422,
    )
    done("e-mail settings, saved", "/account/notifications", {**choices, "time_zone": "UTC"})
    _age_sessions(member)
    token = csrf_token(get("re-authenticate, a password", reauth))
    for _ in range(throttle.MAX_FAILURES):
        throttle.note_failure(member.email)
    db.session.commit()
    post("re-authenticate, paused", reauth, {"csrf_token": token, "password": "x"}, 429)
    throttle.clear(member.email)
    db.session.commit()

    # --- stopping e-mails from a message, signed out -----------------------------------------
    stranger = app.test_client()
    stop = f"/unsubscribe/{compose.unsubscribe_token(member.id, Notification.VOTE_AHEAD)}"
    pages.append(("stop e-mails", _html(stranger.get(stop))))
    pages.append(("e-mails stopped", _html(stranger.post(stop))))
    pages.append(("e-mails already stopped", _html(stranger.post(stop))))
    pages.append(("stop e-mails, already stopped", _html(stranger.get(stop))))
    return pages


def _codes(html: str) -> tuple[str, ...]:
    """What a page shows as codes (a secret to type, recovery codes, addresses): data."""
    soup = BeautifulSoup(html, "html.parser")
    return tuple(
        text.strip()
        for element in soup.select(".code, code")
        for text in element.find_all(string=True)
    )


def _longest_first(values) -> tuple[str, ...]:
    """A name is taken out before a shorter one inside it."""
    return tuple(sorted(set(values) - {""}, key=len, reverse=True))


# What some pages must show, so that the check above reads what it is meant to: each message
# flashed or refused, said in the pseudo-locale.
_SHOWS = {
    "account, a session signed out": "⟦That session has been signed out.⟧",
    "password, refused values": "⟦Use between 12 and 200 characters.⟧",
    "password, changed": "⟦Your password has been changed;",
    "second factor, not started": "⟦Start setting up a second factor from here.⟧",
    "second factor, a wrong code": "⟦That code is not right. Check the app",
    "second factor, set-up": "<title>⟦QR code to scan with your authenticator app⟧</title>",
    "new recovery codes": "⟦Save these codes now: they are shown only once.⟧",
    "account, a second factor required": "⟦Your role needs a second factor, so it cannot",
    "turn off, refused": "⟦Your role needs a second factor, so it cannot be turned off. To move",
    "re-authenticate, asked": "⟦For your security, confirm it is you, then try again.⟧",
    "re-authenticate, no code": "⟦Enter the code from your app.⟧",
    "re-authenticate, a wrong password": "⟦The password is not right.⟧",
    "re-authenticate, a wrong code": "⟦That code is not right, or was already used.",
    "re-authenticated": "⟦Thank you. You can go ahead for the next 10 minutes.⟧",
    "second factor, off": "⟦Your second factor is off:",
    "second factor, none to turn off": "⟦You have no second factor to turn off.⟧",
    "users, enabled": "⟦staff@world.example is now enabled.⟧",
    "users, disabled": "⟦staff@world.example is now disabled.⟧",
    "users, a second factor reset": "is reset; ⟦0 sessions⟧ and ⟦0 tokens⟧ ended.",
    "users, not one's own second factor": "⟦Reset your own second factor from your account",
    "tokens": "⟦(disabled)⟧",
    "security": "⟦Repeated: 5 in the last hour⟧",
    "jobs, refused filters": "⟦Not a valid date value.⟧",
    "jobs, run again": "⟦Job 1 (risk.daily_snapshot) is queued to run again.⟧",
    "mail, refused filters": "⟦Not a valid choice.⟧",
    "e-mail settings, refused": "⟦Not a valid choice.⟧",
    "e-mail settings, saved": "⟦Your e-mail choices are saved.⟧",
    "re-authenticate, paused": "⟦Paused⟧",
    "e-mails stopped": "⟦You will no longer receive the e-mails “",
    "e-mails already stopped": "⟦The e-mails “",
    "key messages, refused": "⟦Enter the key message in English.⟧",
    "key messages, added": "⟦Added the key message.⟧",
    "key messages, edited": "⟦Saved the key message.⟧",
    "key messages, a conflict": "⟦Not saved.⟧",
    "key messages, a conflict on removing": _KEY_MESSAGE_TRANSLATED["text_fr"],
    "key messages, moved": "⟦None: it is in every language.⟧",
    "key messages, removed": "⟦Removed the key message.⟧",
}


def test_the_administration_and_account_pages(app, client, world, wrapped):
    pages = admin_pages(app, client, world)
    data, audit = _data(world), _audit_data()
    problems = {}
    for what, html in pages:
        page = what.split(",")[0]
        extra = (*_NOT_YET_MARKED.get(page, ()), *(audit if page == "audit" else ()))
        found = unmarked(_sentences(html), _longest_first((*data, *extra, *_codes(html))))
        if found:
            problems[what] = found
    assert problems == {}, "\n".join(f"{what}: {found}" for what, found in problems.items())
    # The pseudo-locale was in use on every page, and the pages show what they are meant to.
    assert all(OPEN in html for _what, html in pages)
    shown = dict(pages)
    assert {what: text for what, text in _SHOWS.items() if text not in shown[what]} == {}
