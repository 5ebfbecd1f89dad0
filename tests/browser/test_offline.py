"""Issue 12, part 6b, on a phone (390×844): a contact logged without a connection is kept on
the phone (crm/static/js/offline.js), the form opens again from the offline worker's copy
(sw.js), and it is sent once when the connection returns, even after the session ended;
a restricted contact is never readable in the phone's storage; sign-out wipes what waits."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from crm.auth import services as auth_services
from crm.auth.models import User
from crm.extensions import db
from crm.interactions.models import FollowUp, Interaction
from crm.parliament.models import Representative, StanceRecord
from crm.states.models import State
from tests.browser.helpers import in_browser, needs_chromium, sign_in, watch
from tests.conftest import DEMO_PASSWORD

pytestmark = needs_chromium

PHONE_390 = {"width": 390, "height": 844}
SECTION = "section.ro@demo.example"
FORM = "/states/RO/interactions/new"

# Every item kept on the phone, as text: byte buffers are decoded, so a summary kept in
# plain text anywhere in an item would show.
READ_STORE = """() => new Promise((resolve, reject) => {
  const opening = indexedDB.open("crm-offline");
  opening.onerror = () => reject(opening.error);
  opening.onsuccess = () => {
    const db = opening.result;
    if (!db.objectStoreNames.contains("waiting")) { resolve([]); return; }
    const all = db.transaction("waiting").objectStore("waiting").getAll();
    all.onsuccess = () => resolve(all.result.map((item) => JSON.stringify(item, (k, v) =>
      v instanceof ArrayBuffer || ArrayBuffer.isView(v)
        ? new TextDecoder("latin1").decode(v) : v)));
  };
})"""


CACHED_URLS = """() => caches.keys().then((names) => Promise.all(names.map((name) =>
  caches.open(name).then((c) => c.keys()).then((rs) => rs.map((r) => r.url)))))
  .then((lists) => lists.flat())"""


def _sent(page: Any, timeout: float = 15) -> list[str]:
    """What is still waiting on the phone once it has had `timeout` seconds to send.

    Polls the store itself: the waiting panel may not have been drawn yet when a test
    looks for it, so its absence proves nothing."""
    deadline = time.monotonic() + timeout
    while (kept := page.evaluate(READ_STORE)) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    return kept


def _romanian() -> Representative:
    romania = db.session.scalar(sa.select(State).where(State.iso2 == "RO"))
    return db.session.scalars(
        sa.select(Representative)
        .where(
            Representative.state_id == romania.id,
            Representative.do_not_contact.is_(False),
            Representative.archived_at.is_(None),
        )
        .order_by(Representative.id)
    ).first()


def _contacts(summary: str) -> list[Interaction]:
    db.session.rollback()  # end the test's read snapshot: the server wrote since
    return list(db.session.scalars(sa.select(Interaction).where(Interaction.summary == summary)))


def _open_form_online(context: Any, base: str, rep_id: int) -> Any:
    """Sign in, let the offline worker take charge, and open the contact form with one
    representative chosen (searching needs a connection)."""
    page = context.new_page()
    sign_in(page, base, SECTION)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"{base}{FORM}?representative={rep_id}")
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    return page


def _fill(page: Any, summary: str, *, restricted: bool = False) -> None:
    page.locator("input[name=occurred_at]").fill("2026-11-30T10:15")
    page.get_by_label("Kind of contact").select_option("call")
    page.locator("#met-list select[name$='-stance']").select_option("leaning_against")
    page.get_by_label("Summary").fill(summary)
    page.get_by_label("Outcome").fill("Will read the legal note.")
    if restricted:
        page.locator("input[name=confidentiality][value=restricted]").check()
    page.locator("details.follow-up-entries summary").click()
    page.locator("input[name='follow_ups-0-title']").fill("Send the legal note")
    page.locator("input[name='follow_ups-0-due_on']").fill("2026-12-09")


def _waiting(page: Any) -> str:
    count = page.locator("#offline-count")
    return "" if count.is_hidden() else count.inner_text()


def test_a_contact_logged_offline_is_kept_and_sent_once_with_every_field(live_server):
    rep = _romanian()
    rep_id = rep.id
    summary = "Met in the corridor without any signal."
    db.session.rollback()

    def steps(chromium) -> dict:
        context = chromium.new_context(viewport=PHONE_390, is_mobile=True, has_touch=True)
        page = _open_form_online(context, live_server, rep_id)
        seen: dict = {"watched": watch(page)}
        context.set_offline(True)
        _fill(page, summary)
        save = page.get_by_role("button", name="Save contact")
        save.click()
        save.click()  # a double tap on a slow phone
        page.locator("#offline-note").wait_for()
        page.locator("#offline-count").wait_for(state="visible")
        seen["note"] = page.locator("#offline-note").inner_text()
        seen["count"] = _waiting(page)
        seen["kept"] = len(page.evaluate(READ_STORE))
        # Offline, the form opens again from the worker's copy, with a key of its own.
        key = page.locator("input[name=submission_key]").input_value()
        page.reload()
        seen["reopened"] = page.get_by_role("heading", name="Log a contact").is_visible()
        seen["copy note"] = page.locator("#offline-note").inner_text()
        seen["new key"] = page.locator("input[name=submission_key]").input_value() != key
        page.locator("#offline-count").wait_for(state="visible")
        seen["count after reload"] = _waiting(page)
        context.set_offline(False)
        seen["kept after"] = _sent(page)
        page.locator("#offline-count").wait_for(state="hidden")
        context.close()
        return seen

    seen = in_browser(steps)
    assert "Saved on this phone — will be sent when you are back online." in seen["note"]
    assert seen["count"].startswith("1 waiting on this phone")
    assert seen["kept"] == 1
    assert seen["reopened"]
    assert "this form was kept on this phone" in seen["copy note"]
    assert seen["new key"]
    assert seen["count after reload"].startswith("1 ")
    assert seen["kept after"] == []
    assert seen["watched"].blocked == []

    [contact] = _contacts(summary)
    assert contact.kind.value == "call"
    assert contact.outcome == "Will read the legal note."
    assert contact.confidentiality.value == "normal"
    assert [r.id for r in contact.representatives] == [rep_id]
    assert [p.email for p in contact.participants] == [SECTION]
    local = contact.occurred_at.astimezone(ZoneInfo("Europe/Bucharest"))
    assert (local.date().isoformat(), local.hour, local.minute) == ("2026-11-30", 10, 15)
    records = db.session.scalars(
        sa.select(StanceRecord).where(StanceRecord.interaction_id == contact.id)
    ).all()
    assert [(r.representative_id, r.stance.value) for r in records] == [(rep_id, "leaning_against")]
    follow_ups = db.session.scalars(
        sa.select(FollowUp).where(FollowUp.interaction_id == contact.id)
    ).all()
    assert [(f.title, f.due_on.isoformat()) for f in follow_ups] == [
        ("Send the legal note", "2026-12-09")
    ]


def test_a_contact_waiting_while_the_session_ended_is_sent_once_after_signing_in(live_server):
    rep_id = _romanian().id
    user_id = db.session.scalar(sa.select(User.id).where(User.email == SECTION))
    summary = "Logged in the basement; my session ended meanwhile."
    db.session.rollback()

    def end_sessions() -> None:
        auth_services.revoke_sessions(db.session.get(User, user_id))
        db.session.commit()

    kept, ended = threading.Event(), threading.Event()

    def steps(chromium) -> dict:
        context = chromium.new_context(viewport=PHONE_390, is_mobile=True, has_touch=True)
        page = _open_form_online(context, live_server, rep_id)
        seen: dict = {}
        context.set_offline(True)
        _fill(page, summary)
        page.get_by_role("button", name="Save contact").click()
        page.locator("#offline-note").wait_for()
        kept.set()
        assert ended.wait(30)  # the server ends the session meanwhile
        context.set_offline(False)
        link = page.locator("a.offline-sign-in")
        link.wait_for(timeout=15000)
        seen["asks"] = link.inner_text()
        link.click()
        page.wait_for_url(lambda url: "/login" in url)
        seen["login hint"] = page.locator("#offline-waiting").inner_text()
        page.get_by_label("E-mail").fill(SECTION)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)
        seen["kept"] = _sent(page)
        page.locator("#offline-waiting").wait_for(state="detached")
        page.reload()  # another page load sends nothing more
        page.wait_for_load_state("load")
        context.close()
        return seen

    # The browser works on a thread of its own; the session ends from the test's, which
    # holds the database session.
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(in_browser, steps)
        assert kept.wait(60)
        end_sessions()
        ended.set()
        seen = running.result()
    assert seen["asks"].startswith("Sign in to send 1 waiting contact")
    assert "waiting on this phone: sign in to send it" in seen["login hint"]
    assert seen["kept"] == []
    assert len(_contacts(summary)) == 1


def test_a_restricted_contact_is_kept_encrypted_and_sign_out_wipes_the_phone(live_server):
    rep_id = _romanian().id
    secret = "The minister's aide spoke of a deal."
    plain = "Kept in the clear until sign-out."
    db.session.rollback()

    def steps(chromium) -> dict:
        context = chromium.new_context(viewport=PHONE_390, is_mobile=True, has_touch=True)
        page = _open_form_online(context, live_server, rep_id)
        seen: dict = {}
        context.set_offline(True)
        _fill(page, secret, restricted=True)
        page.get_by_role("button", name="Save contact").click()
        page.locator("#offline-note").wait_for()
        seen["note"] = page.locator("#offline-note").inner_text()
        seen["store"] = page.evaluate(READ_STORE)
        # Back online, the page that holds the key sends it.
        context.set_offline(False)
        seen["sent"] = _sent(page)

        # A contact that cannot be sent yet (the server is unreachable)…
        page.goto(f"{live_server}{FORM}?representative={rep_id}")
        context.set_offline(True)
        _fill(page, plain)
        page.get_by_role("button", name="Save contact").click()
        page.locator("#offline-note").wait_for()
        page.route(f"**{FORM}", lambda route: route.abort())
        context.set_offline(False)
        page.goto(f"{live_server}/follow-ups")
        page.locator("#offline-count").wait_for(state="visible")
        seen["before sign-out"] = len(page.evaluate(READ_STORE))
        # …is wiped at sign-out, with the worker's copy of the form.
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(lambda url: "/login" in url)
        seen["after sign-out"] = page.evaluate(READ_STORE)
        seen["cached"] = page.evaluate(CACHED_URLS)
        context.close()
        return seen

    seen = in_browser(steps)
    assert "restricted" in seen["note"]
    assert "lost if you close it" in seen["note"]
    [item] = seen["store"]
    assert secret not in item
    assert "minister" not in item
    assert '"fields"' not in item
    assert seen["sent"] == []
    assert seen["before sign-out"] == 1
    assert seen["after sign-out"] == []
    assert not [url for url in seen["cached"] if "/new" in url]
    [contact] = _contacts(secret)
    assert contact.confidentiality.value == "restricted"
    assert _contacts(plain) == []


def _cached_forms(page: Any, expected: int, timeout: float = 15) -> list[str]:
    """The form pages the offline worker holds, once it holds `expected` of them (the
    worker keeps a copy after the page has arrived) or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        forms = sorted(url for url in page.evaluate(CACHED_URLS) if "/new" in url)
        if len(forms) == expected or time.monotonic() > deadline:
            return forms
        page.wait_for_timeout(100)


def test_the_phone_keeps_the_form_with_nobody_chosen_and_only_for_its_user(live_server):
    first, other = db.session.scalars(
        sa.select(Representative)
        .join(State)
        .where(State.iso2 == "RO", Representative.archived_at.is_(None))
        .order_by(Representative.id)
        .limit(2)
    ).all()
    first_id, first_name, other_id = first.id, first.name, other.id
    db.session.rollback()

    def steps(chromium) -> dict:
        context = chromium.new_context(viewport=PHONE_390, is_mobile=True, has_touch=True)
        page = _open_form_online(context, live_server, first_id)
        seen: dict = {"opened with": page.locator("#met-list").inner_text()}
        seen["kept"] = _cached_forms(page, 1)
        # Offline, opening the form for someone else gives the copy with nobody chosen:
        # never the person the form was last opened for.
        context.set_offline(True)
        page.goto(f"{live_server}{FORM}?representative={other_id}")
        seen["offline note"] = page.locator("#offline-note").inner_text()
        seen["offline chosen"] = page.locator("#met-list li").count()
        seen["nobody yet"] = page.locator("#nobody-yet").is_visible()
        # The session ends without signing out; someone else signs in on this phone.
        context.set_offline(False)
        context.clear_cookies()
        sign_in(page, live_server, "section.ne@demo.example")
        seen["kept for the next user"] = _cached_forms(page, 0)
        context.close()
        return seen

    seen = in_browser(steps)
    assert first_name in seen["opened with"]
    assert seen["kept"] == [f"{live_server}{FORM}"]
    assert "this form was kept on this phone" in seen["offline note"]
    assert seen["offline chosen"] == 0
    assert seen["nobody yet"]
    assert seen["kept for the next user"] == []


def test_a_page_left_open_never_sends_its_users_contact_under_someone_elses_session(live_server):
    """A's session ends without signing out while A's page holds a waiting contact; B signs
    in on the same phone. A's page hears of it, and must not send A's contact as B's."""
    rep_id = _romanian().id
    summary = "Kept by one member, never to be sent as another's."
    db.session.rollback()

    def steps(chromium) -> dict:
        context = chromium.new_context(viewport=PHONE_390, is_mobile=True, has_touch=True)
        page = _open_form_online(context, live_server, rep_id)
        context.set_offline(True)
        _fill(page, summary)
        page.get_by_role("button", name="Save contact").click()
        page.locator("#offline-note").wait_for()
        context.clear_cookies()  # A's session is gone from the phone
        context.set_offline(False)
        page.locator("a.offline-sign-in").wait_for()
        # Drawn again once the page has tried to send after B's sign-in.
        page.evaluate("document.getElementById('offline-waiting').remove()")
        other = context.new_page()
        sign_in(other, live_server, "admin@demo.example")
        asked = page.locator("a.offline-sign-in")
        asked.wait_for(timeout=15000)
        seen = {"asks": asked.inner_text(), "kept": len(page.evaluate(READ_STORE))}
        context.close()
        return seen

    seen = in_browser(steps)
    assert seen["asks"].startswith("Sign in to send 1 waiting contact")
    assert seen["kept"] == 1
    assert _contacts(summary) == []


def test_the_offline_worker_is_served_from_the_root_and_never_kept_stale(client):
    answer = client.get("/sw.js")
    body = answer.get_data()
    answer.close()  # a file sent from disk: its handle is closed with the answer
    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    assert answer.headers["Service-Worker-Allowed"] == "/"
    assert answer.headers["Cache-Control"] == "no-cache"
    assert "worker-src 'self'" in answer.headers["Content-Security-Policy"]
    assert b"crm-offline" in body
