"""The main journeys in English, Arabic (right to left) and Spanish (issue 14, "Measured"), in
Debian's Chromium: a section member signs in through the form, chooses their language on
the account page and logs a contact with the picker on a phone (390×844); a coordinator
whose stored preference is that language opens the dashboard on a phone and a laptop
(1366×900), then prints Romania's briefing pack from the state's page.

The words expected are read from the catalogs (`gettext` under the locale), never written
here: a string the catalogs lack shows up as English on an Arabic or Spanish page. Each
locale is one test, its journeys one after another on one live server and the process's one
Chromium (tests/browser/helpers.py)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from crm.auth.models import User
from crm.briefings import tasks
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.parliament.models import Representative, Stance, StanceRecord
from crm.states.models import State
from tests.briefings.pdf import read, squeeze
from tests.browser.helpers import in_browser, needs_chromium, sideways_overflow, sign_in, watch

pytestmark = needs_chromium

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
MEMBER = "section.ro@demo.example"
COORDINATOR = "coordinator@demo.example"
DIRECTIONS = {"en": "ltr", "ar": "rtl", "es": "ltr"}
ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def _said(locale: str, message: str, **values: Any) -> str:
    with force_locale(locale):
        return str(gettext(message, **values))


def _words(locale: str, state: str) -> dict[str, str]:
    """What the journeys click and expect to read, in `locale`, from the catalogs."""
    messages = {
        "saved language": "Your language is saved.",
        "log a contact": "Log a contact",
        "find": "Find a representative by name",
        "stance observed": "Stance observed",
        "summary": "Summary",
        "save contact": "Save contact",
        "contact saved": "Contact saved.",
        "dashboard": "Dashboard",
        "briefing pack": "Briefing pack (PDF)",
        "key messages": "Key messages",
        "cover kind": "State briefing pack",
    }
    words = {key: _said(locale, message) for key, message in messages.items()}
    words["preparing"] = _said(
        locale, "Preparing the state briefing pack of %(state)s", state=state
    )
    return words


def _romanian_to_meet() -> tuple[int, str, Stance]:
    """A current Romanian member who may be contacted, and a stance they do not hold yet."""
    romania = db.session.scalar(sa.select(State).where(State.iso2 == "RO"))
    rep = db.session.scalars(
        sa.select(Representative)
        .where(
            Representative.state_id == romania.id,
            Representative.archived_at.is_(None),
            Representative.do_not_contact.is_(False),
        )
        .order_by(Representative.id)
    ).first()
    seen = Stance.LEANING_AGAINST if rep.stance is not Stance.LEANING_AGAINST else Stance.UNDECIDED
    return rep.id, rep.name, seen


def _prefers(email: str, locale: str | None) -> None:
    user = db.session.scalars(sa.select(User).where(User.email == email)).one()
    user.locale = locale
    db.session.commit()


def _speaks(page: Any, locale: str) -> None:
    """The page says it is in `locale`, and which way it is written."""
    html = page.locator("html")
    said = (html.get_attribute("lang"), html.get_attribute("dir"))
    assert said == (locale, DIRECTIONS[locale]), urlsplit(page.url).path


def _fits(page: Any) -> None:
    overflow = sideways_overflow(page)  # scrollWidth - clientWidth
    assert overflow <= 1, f"{urlsplit(page.url).path} scrolls sideways by {overflow}px"


def _violations(page: Any) -> list[tuple[str, str, list[Any]]]:
    """Everything axe-core finds, whatever its impact: (rule, impact, first elements)."""
    from axe_playwright_python.sync_playwright import Axe

    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in Axe().run(page).response["violations"]
    ]


@pytest.mark.parametrize("locale", list(DIRECTIONS))
def test_the_main_journeys_in_a_language(live_server, demo_app, locale, tmp_path, monkeypatch):
    monkeypatch.setitem(demo_app.config, "PACKS_FOLDER", str(tmp_path / "packs"))
    rep_id, rep_name, stance = _romanian_to_meet()
    state_name = db.session.scalar(sa.select(State.name).where(State.iso2 == "RO"))
    words = _words(locale, state_name)
    with force_locale(locale):
        stance_label = str(stance.label)
    summary = f"Talked through the agreement after the committee hearing ({locale})."
    _prefers(COORDINATOR, locale)  # the stored preference; the member chooses in the browser
    db.session.rollback()  # the browser's requests write: hold no read lock meanwhile

    def journeys(chromium: Any) -> dict[str, Any]:
        seen: dict[str, Any] = {}

        # 1–2. A section member signs in through the form, chooses the language on the
        # account page, and logs a contact with the picker, on a phone.
        context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        watched = watch(page)
        sign_in(page, live_server, MEMBER)
        page.goto(f"{live_server}/account")
        page.locator("main").get_by_role("link", name="Language", exact=True).click()
        page.get_by_label("The CRM's language").select_option(locale)
        page.get_by_role("button", name="Save").click()
        seen["language saved"] = page.locator(".flash").inner_text()  # waits for the page
        _speaks(page, locale)

        page.goto(f"{live_server}/")
        page.locator("main").get_by_role("link", name=words["log a contact"]).first.click()
        # Loaded, with its picker's script (deferred): a name typed sooner finds nobody.
        page.wait_for_url(re.compile(r"/states/RO/interactions/new(\?.*)?$"))
        page.get_by_label(words["find"], exact=True).fill(rep_name.split()[-1])
        page.locator(f"#pick-{rep_id}").check()  # waits for the picker's results
        page.locator(f"li:has(#pick-{rep_id})").get_by_label(
            words["stance observed"]
        ).select_option(label=stance_label)
        page.get_by_label(words["summary"], exact=True).fill(summary)
        _speaks(page, locale)
        _fits(page)
        page.get_by_role("button", name=words["save contact"]).click()
        page.wait_for_url(re.compile(r"/interactions/\d+$"))
        _speaks(page, locale)
        assert page.locator(".flash").inner_text() == words["contact saved"]
        _fits(page)

        page.goto(f"{live_server}/representatives/{rep_id}")
        _speaks(page, locale)
        assert summary in page.locator(".activity-summary").all_inner_texts()
        _fits(page)
        assert watched.blocked == [], "the pages break their own Content-Security-Policy"
        context.close()

        # 3. A coordinator whose stored preference is the language signs in and opens the
        # dashboard: on a phone, then on a laptop, where axe-core finds nothing (not even a
        # minor finding). axe injects a script, which the pages' policy rightly forbids: only
        # this context bypasses it.
        context = chromium.new_context(viewport=PHONE, bypass_csp=True)
        page = context.new_page()
        sign_in(page, live_server, COORDINATOR)
        _speaks(page, locale)
        page.get_by_role("navigation").get_by_role("link", name=words["dashboard"]).click()
        page.wait_for_url(f"{live_server}/dashboard")
        for viewport in (PHONE, LAPTOP):
            page.set_viewport_size(viewport)
            _speaks(page, locale)
            _fits(page)
            assert _violations(page) == [], viewport

        # 4. …and prints Romania's briefing pack from the state's page: the page says the
        # pack is being prepared and comes again by itself (a Refresh header) until it moves
        # on to the PDF. No worker runs here: the test makes the pack, as a worker would.
        page.goto(f"{live_server}/states/RO")
        with page.expect_response(lambda r: urlsplit(r.url).path == "/states/RO/briefing") as asked:
            page.get_by_role("link", name=words["briefing pack"]).click()
        page.wait_for_url(re.compile(r"/(states/RO/briefing|briefings/packs/\d+)$"))
        _speaks(page, locale)
        assert page.locator("main h1").inner_text() == words["preparing"]
        refresh = asked.value.headers.get("refresh", "")
        coming_again = re.fullmatch(r"2; url=/briefings/packs/(\d+)", refresh)
        assert coming_again, refresh
        with page.expect_download() as download, demo_app.app_context():
            tasks.run_here(int(coming_again.group(1)))  # what a worker does
        url = urljoin(live_server, download.value.url)
        assert re.fullmatch(r"/briefings/packs/\d+\.pdf", urlsplit(url).path), url
        with open(download.value.path(), "rb") as downloaded:
            seen["pdf"] = downloaded.read()
        answer = context.request.get(url)  # the same address, for its headers
        assert answer.status == 200
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.body() == seen["pdf"]
        context.close()
        return seen

    seen = in_browser(journeys)

    # The member's choice is kept, and the contact is stored with the person met and the
    # stance seen.
    assert db.session.scalar(sa.select(User.locale).where(User.email == MEMBER)) == locale
    contact = db.session.scalars(sa.select(Interaction).where(Interaction.summary == summary)).one()
    assert [rep.id for rep in contact.representatives] == [rep_id]
    records = db.session.scalars(
        sa.select(StanceRecord).where(StanceRecord.interaction_id == contact.id)
    ).all()
    assert [(record.representative_id, record.stance) for record in records] == [(rep_id, stance)]

    # The pack is a PDF in the language: its headings (the PDF's bookmarks, written from
    # the HTML)…
    assert seen["pdf"].startswith(b"%PDF")
    pdf = read(seen["pdf"])
    assert pdf.language == locale
    assert words["key messages"] in [title for _depth, title in pdf.bookmarks()]
    text = pdf.squeezed()
    assert seen["language saved"] == words["saved language"]
    if locale == "ar":
        # Drawn right, but not read back in order: WeasyPrint's text map gives each glyph
        # one letter for the whole PDF, while Noto Sans Arabic builds several letters from
        # a shared dotless shape plus dots (turning that off, with "ccmp" 0, draws the
        # words wrong). The bookmarks above carry the words; the text layer is Arabic.
        assert ARABIC_LETTER.search(text)
        return
    # …and its text, as a reader copying or searching it gets it.
    assert squeeze(words["key messages"]) in text
    # The cover's kind is set in capitals (static/pdf/pack.css).
    assert squeeze(words["cover kind"]).casefold() in text.casefold()
