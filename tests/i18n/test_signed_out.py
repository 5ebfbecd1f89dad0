"""Signed-out pages speak the reader's language end to end: the sign-in form, its refusals,
a lockout's wait (plural forms), the error pages and the "please sign in" message; the JSON
API stays English for the tools that read it."""

from __future__ import annotations

from bs4 import BeautifulSoup

from crm.errors import DatabaseBusy
from crm.extensions import db
from crm.i18n import select_locale
from tests.auth.factor import enrol, post_code
from tests.auth.test_account_throttle import attempt
from tests.conftest import csrf_token
from tests.factories import PASSWORD, UserFactory


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_sign_in_page_and_its_refusal_in_french(app, client):
    user = UserFactory()
    client.get("/language/fr")
    soup = _soup(client.get("/login"))
    assert soup.select_one("h1").get_text(strip=True) == "Se connecter"
    assert soup.select_one("label[for=email]").get_text(strip=True) == "Adresse e-mail"
    assert soup.select_one("label[for=password]").get_text(strip=True) == "Mot de passe"
    assert soup.select_one("input[type=submit]")["value"] == "Se connecter"

    token = csrf_token(str(soup))
    refused = client.post(
        "/login", data={"email": user.email, "password": "wrong", "csrf_token": token}
    )
    page = _soup(refused)
    assert refused.status_code == 422
    assert page.select_one(".error-summary h2").get_text(strip=True) == "La connexion a échoué"
    assert (
        "L’adresse e-mail ou le mot de passe est incorrect."
        in page.select_one("#password-error").get_text()
    )
    assert page.select_one("#password-error .visually-hidden").get_text(strip=True) == "Erreur :"

    empty = _soup(client.post("/login", data={"csrf_token": token}))
    assert "Saisissez votre adresse e-mail." in empty.select_one("#email-error").get_text()


def test_a_lockout_says_its_wait_with_the_languages_plural_forms(app):
    user = UserFactory()
    client = app.test_client()
    client.get("/language/ru")
    for n in range(10):
        attempt(client, user.email, "wrong", n)
    response = attempt(client, user.email, PASSWORD, 10)
    assert response.status_code == 429
    text = " ".join(_soup(response).select_one(".error-summary").get_text(" ").split())
    assert "Вход временно приостановлен" in text
    assert "попробуйте снова через 1 минуту." in text  # ru: "1 минуту", not "1 минут"


def test_error_pages_speak_the_readers_language(client):
    response = client.get("/nothing-here", headers={"Accept-Language": "es"})
    soup = _soup(response)
    assert response.status_code == 404
    assert soup.select_one("h1").get_text(strip=True) == "No encontrado"
    assert soup.select_one(".eyebrow").get_text(strip=True) == "Error 404"
    assert "No hay nada en esta dirección." in soup.select_one("main").get_text()
    assert "Ir a la página de inicio de sesión" in soup.select_one("main").get_text()

    wrong_method = client.delete("/login", headers={"Accept-Language": "pt"})
    page = _soup(wrong_method)
    assert wrong_method.status_code == 405
    assert page.select_one("h1").get_text(strip=True) == "Não permitido aqui"
    assert "The method is not allowed" not in page.get_text()  # werkzeug's English


def test_please_sign_in_is_said_in_the_readers_language(client):
    response = client.get("/states", headers={"Accept-Language": "ro"})
    assert response.status_code == 302
    page = _soup(client.get(response.headers["Location"], headers={"Accept-Language": "ro"}))
    assert (
        "Autentificați-vă pentru a vedea această pagină." in page.select_one(".flashes").get_text()
    )


def test_the_api_stays_english_whatever_the_browser_asks(app, client):
    for path, expected in (("/api/v1/states", "en"), ("/login", "fr")):
        with app.test_request_context(path, headers={"Accept-Language": "fr"}):
            assert select_locale() == expected, path
    response = client.get(
        "/api/v1/states", headers={"Accept-Language": "fr", "Accept": "application/json"}
    )
    assert response.status_code == 401
    assert response.get_json()["title"] == "Unauthorized"


def test_the_demo_password_still_signs_in_in_arabic(app, client):
    user = UserFactory()
    page = client.get("/login", headers={"Accept-Language": "ar"})
    assert _soup(page).html["dir"] == "rtl"
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
        headers={"Accept-Language": "ar"},
    )
    assert response.status_code == 302


def test_the_code_step_and_the_recovery_warning_in_portuguese_and_russian(app, client):
    user = UserFactory()
    codes = enrol(user)
    db.session.commit()
    client.get("/language/pt")
    page = client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(client.get("/login").get_data(as_text=True)),
        },
    )
    assert page.status_code == 302
    step = _soup(client.get(page.headers["Location"]))
    assert step.select_one("h1").get_text(strip=True) == "Introduza o seu código"
    assert step.select_one("label[for=code]").get_text(strip=True) == "Código"

    wrong = _soup(post_code(client, "000000"))
    assert (
        "Esse código não está correto ou já foi usado."
        in wrong.select_one("#code-error").get_text()
    )

    client.get("/language/ru")
    signed_in = post_code(client, codes[0])
    assert signed_in.status_code == 302
    landing = client.get(signed_in.headers["Location"], follow_redirects=True)
    flashes = _soup(landing).select_one(".flashes").get_text()
    left = len(codes) - 1
    assert f"осталось {left} код" in flashes  # "кода" for 2–4, "кодов" from 5 on


def test_a_failure_and_a_busy_database_are_said_in_the_readers_language(own_app):
    """The pages of errors the app raises itself, not only werkzeug's: a crash (500) and a
    database too busy to answer (503)."""

    @own_app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    @own_app.get("/busy")
    def busy():
        raise DatabaseBusy("locked")

    own_app.config["PROPAGATE_TEST_ERRORS"] = False  # the page a visitor would see
    client = own_app.test_client()
    french = {"Accept-Language": "fr"}

    crashed = _soup(client.get("/boom", headers=french))
    assert crashed.select_one("h1").get_text(strip=True) == "Un problème est survenu"
    assert "Un problème est survenu de notre côté." in crashed.select_one("main").get_text()

    answer = client.get("/busy", headers=french)
    assert answer.status_code == 503
    page = _soup(answer)
    assert page.select_one("h1").get_text(strip=True) == "Service indisponible"
    assert "Rien n’a été modifié" in page.select_one("main").get_text()

    # The API's problem document stays English.
    problem = client.get("/busy", headers={**french, "Accept": "application/json"})
    assert problem.status_code == 503
