"""Which language a page speaks: the signed-in user's choice, else the one chosen on a
signed-out page, else the browser's Accept-Language, else English; `<html lang dir>`
follows it, right to left for Arabic."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask_babel import force_locale, gettext

from crm.audit.models import AuditEntry
from crm.auth.models import User
from crm.extensions import db
from tests.conftest import csrf_token, row_counts, sign_in


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _skip_link(soup: BeautifulSoup) -> str:
    return soup.select_one("a.skip-link").get_text(strip=True)


@pytest.mark.parametrize(
    ("header", "lang", "direction", "skip"),
    [
        (None, "en", "ltr", "Skip to main content"),
        ("fr-CH, fr;q=0.9, en;q=0.8", "fr", "ltr", "Aller au contenu principal"),
        ("ar-EG,ar;q=0.9", "ar", "rtl", "انتقل إلى المحتوى الرئيسي"),
        ("ro", "ro", "ltr", "Salt la conținutul principal"),
        ("de-DE, ru;q=0.5", "ru", "ltr", "Перейти к основному содержанию"),
        ("de-DE, ja;q=0.5", "en", "ltr", "Skip to main content"),
    ],
)
def test_a_signed_out_page_follows_the_browser(client, header, lang, direction, skip):
    headers = {"Accept-Language": header} if header else {}
    soup = _soup(client.get("/login", headers=headers))
    assert soup.html["lang"] == lang
    assert soup.html["dir"] == direction
    assert _skip_link(soup) == skip


def test_the_switch_on_signed_out_pages_names_each_language_in_itself_and_is_remembered(client):
    soup = _soup(client.get("/login?next=/states"))
    links = {a["lang"]: a for a in soup.select("footer nav.language-switch a")}
    assert {code: a.get_text(strip=True) for code, a in links.items()} == {
        "en": "English",
        "fr": "Français",
        "es": "Español",
        "ar": "العربية",
        "ru": "Русский",
        "pt": "Português",
        "ro": "Română",
    }
    assert links["en"].get("aria-current") == "true"

    chosen = client.get(links["es"]["href"], headers={"Accept-Language": "fr"})
    assert chosen.status_code == 303
    assert chosen.headers["Location"] == "/login?next=/states"  # back where it was chosen

    again = _soup(client.get("/login", headers={"Accept-Language": "fr"}))
    assert again.html["lang"] == "es"  # the choice beats the browser's
    assert _skip_link(again) == "Ir al contenido principal"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_the_switch_goes_back_to_pages_of_this_site_only(client, target):
    response = client.get("/language/fr", query_string={"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"


def test_a_language_that_is_not_offered_is_not_found(client):
    assert client.get("/language/de").status_code == 404
    assert client.get("/language/..").status_code == 404


def test_a_signed_in_users_choice_beats_the_browser_and_the_switch(app, client, world):
    sign_in(client, world.member)
    client.get("/language/es")
    assert _soup(client.get("/account", headers={"Accept-Language": "ru"})).html["lang"] == "es"

    page = client.get("/account/language")
    response = client.post(
        "/account/language",
        data={"locale": "ar", "csrf_token": csrf_token(page.get_data(as_text=True))},
    )
    assert response.status_code == 302

    soup = _soup(client.get("/account", headers={"Accept-Language": "ru"}))
    assert (soup.html["lang"], soup.html["dir"]) == ("ar", "rtl")
    assert soup.select_one("nav.site-nav a[href='/account']").get_text(strip=True) == "الحساب"
    # The message that says so is in the language chosen, not the one the request began in.
    with force_locale("ar"):
        saved = gettext("Your language is saved.")
    assert saved != "Your language is saved."
    assert saved in soup.get_text()
    assert soup.select_one("nav.language-switch") is None  # signed in: the account page
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "language_changed")
    ).one()
    assert (entry.before, entry.after) == ({"locale": None}, {"locale": "ar"})

    # The same choice saved again changes nothing, and the audit log says nothing of it.
    again = client.post(
        "/account/language",
        data={"locale": "ar", "csrf_token": csrf_token(page.get_data(as_text=True))},
    )
    assert again.status_code == 302
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "language_changed"))
        == 1
    )


def test_following_the_browser_again_is_a_choice_too(app, client, world):
    world.member.locale = "pt"
    db.session.commit()
    sign_in(client, world.member)
    form = _soup(client.get("/account/language"))
    options = {o["value"]: o for o in form.select("select#locale option")}
    assert "selected" in options["pt"].attrs
    assert options["ro"]["lang"] == "ro"
    assert options["ro"].get_text(strip=True) == "Română"

    token = csrf_token(str(form))
    assert (
        client.post("/account/language", data={"locale": "", "csrf_token": token}).status_code
        == 302
    )
    assert db.session.get(User, world.member.id).locale is None
    assert _soup(client.get("/account", headers={"Accept-Language": "fr"})).html["lang"] == "fr"


def test_a_language_not_offered_is_refused_next_to_the_field_and_nothing_written(
    app, client, world
):
    sign_in(client, world.member)
    token = csrf_token(client.get("/account/language").get_data(as_text=True))
    before = row_counts()

    response = client.post(
        "/account/language",
        data={"locale": "de", "csrf_token": token},
        headers={"Accept-Language": "fr"},
    )

    assert response.status_code == 422
    error = _soup(response).select_one("#locale-error")
    assert "N'est pas un choix valide." in error.get_text()  # WTForms' own message, in French
    assert error is not None
    assert error.get_text(strip=True)
    assert row_counts() == before
    assert db.session.get(User, world.member.id).locale is None


def test_the_switch_echoes_no_address_but_a_sign_in_pages(client):
    """An address may hold a secret (a calendar link's token): an error page's switch does
    not repeat it, so the answer says nothing of what was asked."""
    answer = client.get("/calendar.ics?token=s3cr3t-token")
    assert answer.status_code == 404
    soup = _soup(answer)
    hrefs = [a["href"] for a in soup.select("nav.language-switch a")]
    assert len(hrefs) == 7
    assert not any("s3cr3t" in href for href in hrefs)
    assert all("next=" not in href for href in hrefs)
