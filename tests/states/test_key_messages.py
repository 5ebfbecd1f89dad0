"""The campaign's key messages in every language (issue 14, item 8): coordinators and admins
add, edit, translate, reorder and remove them at /campaign/key-messages; the state pack and
the one-pager print each message in the pack's language where one was entered, else in
English; and a changed translation makes a new pack."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import render_template
from flask_babel import force_locale

from crm.audit.models import AuditEntry
from crm.briefings import services as pack_services
from crm.briefings.queries import TEMPLATES
from crm.errors import ValidationFailed
from crm.extensions import db
from crm.parliament.queries import get_representative
from crm.states import key_messages as services
from crm.states.models import KEY_MESSAGE_LIMIT, Campaign, KeyMessage, KeyMessageText
from crm.states.queries import key_messages
from tests.briefings.made import pack_jobs
from tests.briefings.pdf import read, squeeze
from tests.conftest import counting_queries, csrf_token, every_row, page_queries, sign_in
from tests.pages import page, text
from tests.states.test_agreement import form_of, form_values

INDEX = "/campaign/key-messages"
NEW = "/campaign/key-messages/new"

FIRST = "Impunity is not an option."  # the world's campaign's one message (tests/factories.py)
FIRST_FR = "L’impunité n’est pas une option."
SECOND = "The agreements breach the Rome Statute."
SECOND_AR = "الاتفاقات تنتهك نظام روما الأساسي."


def _messages(world) -> list[KeyMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(KeyMessage)
            .where(KeyMessage.campaign_id == world.campaign.id)
            .order_by(KeyMessage.position, KeyMessage.id)
        )
    )


def _message(message_id: int) -> KeyMessage | None:
    db.session.expire_all()
    return db.session.get(KeyMessage, message_id)


def _audit(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def _token(client) -> str:
    return csrf_token(client.get("/account").get_data(as_text=True))


def _add(world, text: str = SECOND, **translations: str) -> KeyMessage:
    """A second message, written through the service as a coordinator would."""
    message = services.add_key_message(world.coordinator, world.campaign, text, translations)
    db.session.commit()
    return message


def _edit_url(message: KeyMessage) -> str:
    return f"/campaign/key-messages/{message.id}/edit"


def _field_error(soup: BeautifulSoup, name: str) -> str:
    """The error shown beside a field: inside the field's own box, described by it."""
    control = soup.find(attrs={"name": name})
    box = control.find_parent(class_="field")
    assert "field-invalid" in box["class"], name
    error = box.find(class_="field-error")
    assert control["aria-describedby"].split()[-1] == error["id"]
    return error.get_text(" ", strip=True)


# --- Who may open and use the pages ----------------------------------------------------------


def _routes(message: KeyMessage) -> list[tuple[str, str]]:
    base = f"/campaign/key-messages/{message.id}"
    return [
        ("get", INDEX),
        ("get", NEW),
        ("get", f"{base}/edit"),
        ("get", f"{base}/remove"),
        ("post", NEW),
        ("post", f"{base}/edit"),
        ("post", f"{base}/move"),
        ("post", f"{base}/remove"),
    ]


# Every role: coordinators and admins keep campaign-wide data (CAMPAIGN_DATA); a section's
# member (of their own state or another's) and staff may not; nobody signed out.
ROLES = {"coordinator": 200, "admin": 200, "member": 403, "other_member": 403, "staff": 403}


@pytest.mark.parametrize(("who", "status"), list(ROLES.items()))
def test_only_coordinators_and_admins_open_the_key_message_pages(client, world, who, status):
    sign_in(client, getattr(world, who))
    (message,) = _messages(world)
    for method, url in _routes(message):
        if method == "get":
            assert client.get(url).status_code == status, url


@pytest.mark.parametrize("who", [who for who, status in ROLES.items() if status == 403])
def test_sections_and_staff_may_not_write_key_messages_and_nothing_changes(client, world, who):
    sign_in(client, getattr(world, who))
    (message,) = _messages(world)
    token = _token(client)
    before = every_row(ignore=("audit_entries", "security_events", "user_sessions"))
    for method, url in _routes(message):
        if method == "post":
            data = {
                "csrf_token": token,
                "version": str(message.version),
                "text": "Hijacked",
                "text_fr": "Détourné",
                "direction": "down",
            }
            assert client.post(url, data=data).status_code == 403, url
    assert every_row(ignore=("audit_entries", "security_events", "user_sessions")) == before
    assert not [e for e in _audit_all() if e.action.startswith("key_message.")]


def _audit_all() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry)))


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    (message,) = _messages(world)
    for method, url in _routes(message):
        response = client.get(url) if method == "get" else client.post(url)
        if method == "post":
            # A POST without a CSRF token is refused before anything else.
            assert response.status_code in (302, 400), url
            continue
        assert response.status_code == 302, url
        assert "/login?next=" in response.headers["Location"], url


def test_unknown_key_messages_are_404(client, world):
    sign_in(client, world.coordinator)
    token = _token(client)
    for url in ("/campaign/key-messages/999999/edit", "/campaign/key-messages/999999/remove"):
        assert client.get(url).status_code == 404
    for action in ("edit", "move", "remove"):
        url = f"/campaign/key-messages/999999/{action}"
        assert client.post(url, data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize(("who", "linked"), [("coordinator", True), ("staff", False)])
def test_the_states_page_and_the_dashboard_link_to_the_key_messages(client, world, who, linked):
    sign_in(client, getattr(world, who))
    for url in ("/states", "/dashboard"):
        assert bool(page(client, url).find("a", href=INDEX)) is linked, url


# --- Adding, translating, editing, reordering, removing ---------------------------------------


def test_a_coordinator_adds_a_message_with_some_translations(client, world):
    sign_in(client, world.coordinator)
    data = form_of(client, NEW) | {"text": f"  {SECOND}  ", "text_ar": SECOND_AR, "text_es": " "}
    response = client.post(NEW, data=data)
    assert response.status_code == 302
    first, second = _messages(world)
    assert first.text == FIRST
    assert second.text == SECOND  # stripped
    assert second.position > first.position
    assert {t.locale: t.text for t in second.texts} == {"ar": SECOND_AR}  # empty: none
    assert response.headers["Location"].endswith(f"{INDEX}#message-{second.id}")
    (entry,) = _audit("key_message.created")
    assert entry.actor_id == world.coordinator.id
    assert entry.target_id == str(second.id)
    assert entry.after["text"] == SECOND
    assert entry.after["text_ar"] == SECOND_AR
    assert "text_es" not in entry.after

    soup = page(client, INDEX)
    row = soup.find(id=f"message-{second.id}")
    assert SECOND in text(row)
    cells = text(row.find("td", attrs={"data-label": "Not yet translated into"}))
    assert cells.startswith("5 languages:")
    for missing in ("French", "Spanish", "Russian", "Portuguese", "Romanian"):
        assert missing in cells
    assert "Arabic" not in cells


def test_the_form_has_a_box_per_language_arabic_right_to_left(client, world):
    sign_in(client, world.coordinator)
    soup = page(client, NEW)
    boxes = {area["name"]: area for area in soup.select("main form textarea")}
    assert list(boxes) == ["text", "text_fr", "text_es", "text_ar", "text_ru", "text_pt", "text_ro"]
    assert (boxes["text"]["lang"], boxes["text"]["dir"]) == ("en", "ltr")
    assert (boxes["text_ar"]["lang"], boxes["text_ar"]["dir"]) == ("ar", "rtl")
    assert (boxes["text_fr"]["lang"], boxes["text_fr"]["dir"]) == ("fr", "ltr")
    assert soup.find("label", attrs={"for": "text_ar"}).get_text(strip=True) == "Arabic"
    # No script: the page works as a plain form, under the strict Content-Security-Policy.
    assert soup.select("main script") == []
    assert not soup.select("[style]")


def test_a_coordinator_translates_edits_and_clears_a_translation(client, world):
    (message,) = _messages(world)
    sign_in(client, world.coordinator)
    url = _edit_url(message)
    data = form_of(client, url)
    assert data["text"] == FIRST
    assert data["text_fr"] == ""
    assert (
        client.post(
            url, data=data | {"text_fr": FIRST_FR, "text_ru": "Безнаказанность"}
        ).status_code
        == 302
    )
    message = _message(message.id)
    assert message.translation("fr") == FIRST_FR
    assert message.translation("ru") == "Безнаказанность"
    assert message.version == 2
    (entry,) = _audit("key_message.updated")
    assert entry.before == {"text_fr": None, "text_ru": None}
    assert entry.after == {"text_fr": FIRST_FR, "text_ru": "Безнаказанность", "version": 2}

    # The form shows what was saved; the English changes, Russian is cleared.
    data = form_of(client, url)
    assert data["text_fr"] == FIRST_FR
    response = client.post(url, data=data | {"text": "Impunity is never an option.", "text_ru": ""})
    assert response.status_code == 302
    message = _message(message.id)
    assert message.text == "Impunity is never an option."
    assert message.translation("ru") is None
    assert message.translation("fr") == FIRST_FR
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KeyMessageText)) == 1
    last = _audit("key_message.updated")[-1]
    assert last.before == {"text": FIRST, "text_ru": "Безнаказанность"}
    assert last.after == {"text": "Impunity is never an option.", "text_ru": None, "version": 3}

    # Saved unchanged: nothing is written. A form without a language's box (drawn before
    # the CRM spoke it) leaves that language as it is.
    assert client.post(url, data=form_of(client, url)).status_code == 302
    without_french = {k: v for k, v in form_of(client, url).items() if k != "text_fr"}
    assert client.post(url, data=without_french).status_code == 302
    assert _message(message.id).version == 3
    assert _message(message.id).translation("fr") == FIRST_FR
    assert len(_audit("key_message.updated")) == 2


def test_messages_move_up_and_down(client, world):
    second = _add(world)
    third = _add(world, "A third message.")
    first = _messages(world)[0]
    sign_in(client, world.coordinator)
    token = _token(client)
    move = f"/campaign/key-messages/{third.id}/move"
    assert client.post(move, data={"csrf_token": token, "direction": "up"}).status_code == 302
    assert [m.id for m in _messages(world)] == [first.id, third.id, second.id]
    assert client.post(move, data={"csrf_token": token, "direction": "up"}).status_code == 302
    assert [m.id for m in _messages(world)] == [third.id, first.id, second.id]
    # Already first: nothing moves, and the page says so.
    before = [(m.id, m.version) for m in _messages(world)]
    response = client.post(
        move, data={"csrf_token": token, "direction": "up"}, follow_redirects=True
    )
    assert "already the first" in response.get_data(as_text=True)
    assert [(m.id, m.version) for m in _messages(world)] == before
    down = f"/campaign/key-messages/{first.id}/move"
    assert client.post(down, data={"csrf_token": token, "direction": "down"}).status_code == 302
    assert [m.id for m in _messages(world)] == [third.id, second.id, first.id]
    # Each message that changed place is audited, once per move.
    moved = _audit("key_message.moved")
    assert {e.target_id for e in moved} == {str(first.id), str(second.id), str(third.id)}
    assert all(set(e.after) == {"position", "version"} for e in moved)
    # Junk is refused and moves nothing.
    before = [(m.id, m.version) for m in _messages(world)]
    assert client.post(down, data={"csrf_token": token, "direction": "left"}).status_code == 422
    assert [(m.id, m.version) for m in _messages(world)] == before


def test_the_list_offers_up_only_below_the_first_and_down_only_above_the_last(client, world):
    second = _add(world)
    first = _messages(world)[0]
    sign_in(client, world.coordinator)
    soup = page(client, INDEX)
    forms = {
        form["action"]: [b["value"] for b in form.find_all("button")]
        for form in soup.select("form.stage-move")
    }
    assert forms == {
        f"/campaign/key-messages/{first.id}/move": ["down"],
        f"/campaign/key-messages/{second.id}/move": ["up"],
    }


def test_a_coordinator_removes_a_message_after_confirming(client, world):
    message_id = _add(world, fr="Les accords violent le Statut de Rome.", ar=SECOND_AR).id
    sign_in(client, world.coordinator)
    url = f"/campaign/key-messages/{message_id}/remove"
    soup = page(client, url)
    assert SECOND in text(soup)
    assert "2 other languages" in text(soup)
    assert _message(message_id) is not None  # asking wrote nothing
    response = client.post(url, data=form_values(soup))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(INDEX)
    assert _message(message_id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KeyMessageText)) == 0
    (entry,) = _audit("key_message.removed")
    assert entry.before["text"] == SECOND
    assert entry.before["text_fr"] == "Les accords violent le Statut de Rome."
    assert entry.before["text_ar"] == SECOND_AR
    assert entry.after is None
    assert [m.text for m in _messages(world)] == [FIRST]


# --- What is refused, with a message next to the field, and writes nothing -------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"text": ""}, "text", "Enter the key message in English."),
        ({"text": "   "}, "text", "Enter the key message in English."),
        ({"text": "x" * (KEY_MESSAGE_LIMIT + 1)}, "text", "Keep a key message to 500 characters"),
        (
            {"text": "Fine.", "text_pt": "é" * (KEY_MESSAGE_LIMIT + 1)},
            "text_pt",
            "Keep a key message to 500 characters",
        ),
    ],
)
@pytest.mark.parametrize("where", ["new", "edit"])
def test_bad_input_is_explained_next_to_its_field_and_saves_nothing(
    client, world, changes, field, message, where
):
    (existing,) = _messages(world)
    sign_in(client, world.coordinator)
    url = NEW if where == "new" else _edit_url(existing)
    data = form_of(client, url) | changes
    before = every_row(ignore=("user_sessions",))
    response = client.post(url, data=data)
    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert message in _field_error(soup, field)
    # The summary at the top links to the field.
    assert soup.select_one(f".error-summary a[href='#{field}']")
    # What was typed is kept.
    assert soup.find(attrs={"name": field}).get_text().strip() == changes[field].strip()
    assert every_row(ignore=("user_sessions",)) == before


def test_the_limit_is_characters_in_any_script(client, world):
    """500 letters of any alphabet are accepted, one more is not (Python's len and the
    databases' length() count characters alike, not bytes)."""
    (message,) = _messages(world)
    sign_in(client, world.coordinator)
    url = _edit_url(message)
    longest = "ș" * KEY_MESSAGE_LIMIT
    assert client.post(url, data=form_of(client, url) | {"text_ro": longest}).status_code == 302
    assert _message(message.id).translation("ro") == longest


def test_the_service_and_the_database_refuse_what_the_form_would(world):
    """The same rules hold for any caller: the service refuses (naming the field), and a
    write around it is refused by the database's CHECK, on SQLite as on PostgreSQL."""
    (message,) = _messages(world)
    with pytest.raises(ValidationFailed) as refused:
        services.update_key_message(
            world.coordinator, message, FIRST, {"fr": "x" * 501}, expected_version=None
        )
    assert refused.value.field == "text_fr"
    db.session.rollback()
    with pytest.raises(ValidationFailed) as refused:
        services.add_key_message(world.coordinator, world.campaign, " ", {})
    assert refused.value.field == "text"
    db.session.rollback()
    with pytest.raises(ValueError, match="de"):
        services.add_key_message(world.coordinator, world.campaign, "Fine.", {"de": "Gut."})
    db.session.rollback()
    for row in (
        KeyMessageText(key_message_id=message.id, locale="fr", text="x" * 501),
        KeyMessageText(key_message_id=message.id, locale="fr", text=""),
    ):
        db.session.add(row)
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()
    db.session.execute(sa.update(KeyMessage).values(text="x" * 500))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(KeyMessage).values(text="x" * 501))
    db.session.rollback()


# --- Two people at once ------------------------------------------------------------------------


def test_the_second_of_two_tabs_editing_a_message_gets_a_conflict(client, world):
    (message,) = _messages(world)
    sign_in(client, world.coordinator)
    url = _edit_url(message)
    first, second = form_of(client, url), form_of(client, url)
    assert client.post(url, data=first | {"text_fr": FIRST_FR}).status_code == 302
    response = client.post(url, data=second | {"text_fr": "Pas d’impunité."})
    assert response.status_code == 409
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    conflict = soup.find(class_="conflict")
    # Who saved first, and what: the language is named as the form names it.
    assert world.coordinator.email in conflict.get_text()
    row = conflict.find("th", string="French").find_parent("tr")
    assert FIRST_FR in row.get_text()
    assert _message(message.id).translation("fr") == FIRST_FR  # not overwritten
    # The form keeps what this tab typed; saving it again is a conscious overwrite.
    assert soup.find(attrs={"name": "text_fr"}).get_text().strip() == "Pas d’impunité."
    assert client.post(url, data=form_values(soup)).status_code == 302
    assert _message(message.id).translation("fr") == "Pas d’impunité."


def test_removing_a_message_changed_since_the_page_opened_is_a_conflict(client, world):
    (message,) = _messages(world)
    sign_in(client, world.coordinator)
    url = f"/campaign/key-messages/{message.id}/remove"
    confirm = form_values(page(client, url))
    edit = _edit_url(message)
    assert (
        client.post(
            edit, data=form_of(client, edit) | {"text_es": "No a la impunidad."}
        ).status_code
        == 302
    )
    response = client.post(url, data=confirm)
    assert response.status_code == 409
    assert "No a la impunidad." in response.get_data(as_text=True)
    assert _message(message.id) is not None
    assert _audit("key_message.removed") == []


# --- The packs ----------------------------------------------------------------------------------


def _pack_html(kind: str, target, reader, locale: str) -> BeautifulSoup:
    """A pack's HTML as its PDF is laid out from it: read and written in its language."""
    with force_locale(locale):
        pack = pack_services.build(kind, target, reader)
        html = render_template(TEMPLATES[kind], pack=pack)
    return BeautifulSoup(html, "html.parser")


def _printed_messages(soup: BeautifulSoup) -> list[tuple[str, str | None]]:
    """Each key message printed, and the language it is marked as (None: the pack's)."""
    found = []
    for item in soup.select("#messages ol.messages > li"):
        marked = item.find(attrs={"lang": True})
        found.append((item.get_text(strip=True), marked["lang"] if marked else None))
    return found


@pytest.mark.parametrize("kind", ["state", "representative"])
def test_a_french_pack_prints_the_french_where_entered_and_the_english_elsewhere(world, kind):
    (first,) = _messages(world)
    services.update_key_message(
        world.coordinator, first, FIRST, {"fr": FIRST_FR}, expected_version=None
    )
    _add(world, ar=SECOND_AR)  # translated into Arabic, not French
    target = world.home.state if kind == "state" else get_representative(world.home.reps[0].id)

    french = _printed_messages(_pack_html(kind, target, world.staff, "fr"))
    assert french == [(FIRST_FR, None), (SECOND, "en")]
    english = _printed_messages(_pack_html(kind, target, world.staff, "en"))
    assert english == [(FIRST, None), (SECOND, None)]
    arabic = _pack_html(kind, target, world.staff, "ar")
    assert _printed_messages(arabic) == [(FIRST, "en"), (SECOND_AR, None)]
    # The English sentence in the Arabic pack is set left to right.
    assert arabic.select_one("#messages li span")["dir"] == "ltr"


def test_the_french_state_pack_pdf_holds_the_french_message(app, world):
    (first,) = _messages(world)
    services.update_key_message(
        world.coordinator, first, FIRST, {"fr": FIRST_FR}, expected_version=None
    )
    _add(world)
    client = sign_in(app.test_client(), world.staff)
    response = client.get(f"/states/{world.home.state.iso2}/briefing.pdf?lang=fr")
    assert response.status_code == 200
    pdf = read(response.data).squeezed()
    assert squeeze(FIRST_FR) in pdf
    assert squeeze(SECOND) in pdf
    assert squeeze(FIRST) not in pdf


def test_a_changed_translation_makes_a_new_pack_in_that_language_only(world):
    (message,) = _messages(world)
    state = world.home.state

    def keys() -> dict[str, str]:
        return {
            locale: pack_services.ask("state", state, world.staff, locale=locale).key
            for locale in ("fr", "en")
        }

    before = keys()
    assert keys() == before  # nothing changed: the same packs
    services.update_key_message(
        world.coordinator, message, FIRST, {"fr": FIRST_FR}, expected_version=None
    )
    db.session.commit()
    translated = keys()
    assert translated["fr"] != before["fr"]
    assert translated["en"] == before["en"]  # the English pack shows nothing new
    services.update_key_message(
        world.coordinator, message, FIRST, {"fr": "Non à l’impunité."}, expected_version=None
    )
    db.session.commit()
    assert keys()["fr"] not in (before["fr"], translated["fr"])


def test_a_pack_asked_again_after_a_translation_is_made_again(app, world):
    """Through the pages: the PDF kept for the French pack is not served once its message
    was translated; a new job makes the new one."""
    client = sign_in(app.test_client(), world.staff)
    url = f"/representatives/{world.home.reps[0].id}/briefing.pdf?lang=fr"
    first = read(client.get(url).data).squeezed()
    assert squeeze(FIRST) in first
    (message,) = _messages(world)
    services.update_key_message(
        world.coordinator, message, FIRST, {"fr": FIRST_FR}, expected_version=None
    )
    db.session.commit()
    again = read(client.get(url).data).squeezed()
    assert squeeze(FIRST_FR) in again
    assert len(pack_jobs()) == 2


# --- Queries -------------------------------------------------------------------------------------


def test_the_packs_read_the_messages_in_one_query_however_many(world):
    for n in range(6):
        _add(world, f"Message {n}.", fr=f"Message {n} en français.")
    db.session.expire_all()
    campaign = db.session.get(Campaign, world.campaign.id)
    with counting_queries() as counter:
        said = key_messages(campaign, "fr")
    assert counter.count == 1
    assert (said[0].text, said[0].locale) == (FIRST, "en")
    assert [(m.text, m.locale) for m in said[1:3]] == [
        ("Message 0 en français.", "fr"),
        ("Message 1 en français.", "fr"),
    ]


def test_the_list_page_makes_a_fixed_number_of_queries(app, client, world):
    sign_in(client, world.coordinator)
    few = page_queries(app, client, INDEX)
    for n in range(5):
        _add(world, f"Message {n}.", fr=f"Message {n} en français.", ar=SECOND_AR)
    assert page_queries(app, client, INDEX) == few
