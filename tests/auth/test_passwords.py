"""The password policy (crm/auth/passwords.py), and the same rule on the account page and in
`crm create-user`: long enough, not common or breached, not about its owner, and why not."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from crm.audit.models import AuditEntry
from crm.auth import passwords
from crm.auth.models import User
from crm.auth.passwords import COMMON_MESSAGE, password_problem
from crm.demo.loader import ACCOUNTS, DEMO_PASSWORD
from crm.extensions import db
from tests.auth.test_sessions import field_error, sign_in
from tests.conftest import login, post_form
from tests.factories import PASSWORD, UserFactory

# Four unrelated words: what the page suggests, and what the policy must let through.
GOOD = "violet tractors argue softly"


def _long(length: int) -> str:
    words = "violet tractors argue softly about amber kettles near the quiet harbour "
    return (words * (length // len(words) + 1))[:length]


# --- the policy ---------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["vi0let-tr@ct", GOOD, _long(64), _long(128), _long(200)])
def test_uncommon_passwords_from_twelve_up_to_two_hundred_characters_are_allowed(password):
    assert password_problem(password) is None


@pytest.mark.parametrize("password", ["", "x", "violet-trac", "too-short"])
def test_a_password_under_twelve_characters_is_refused_with_the_length(password):
    assert password_problem(password) == "Use at least 12 characters."


def test_a_password_over_two_hundred_characters_is_refused_with_the_length():
    assert password_problem(_long(201)) == "Use at most 200 characters."


@pytest.mark.parametrize(
    "password",
    [
        "password1234",  # a breached favourite with digits added
        "qwertyuiop123",  # a keyboard walk
        "P@ssw0rd2024!",  # look-alike letters do not hide it
        "iloveyou12345",
        "123456789012",
        "Password12345678",
    ],
)
def test_common_and_breached_passwords_are_refused_saying_so(password):
    assert password_problem(password) == COMMON_MESSAGE


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaaaaaaaa", 'Repeats like "aaa" are easy to guess.'),
        ("abcdefghijklmnop", 'Sequences like "abc" or "6543" are easy to guess.'),
        ("international", "A word by itself is easy to guess."),
    ],
)
def test_other_easily_guessed_passwords_are_refused_with_zxcvbns_reason(password, reason):
    problem = password_problem(password)
    assert problem is not None
    assert problem.startswith("This password is too easy to guess.")
    assert reason in problem


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("ana.popescu-2026!", "Leave your e-mail address out"),
        ("ANAPOPESCU sings", "Leave your e-mail address out"),
        ("Ana Maria Ionescu!", "Leave your name out"),
        ("anamariaionescu", "Leave your name out"),
        ("ionescu, maria and ana", "Leave your name out"),
    ],
)
def test_a_password_holding_the_owners_e_mail_or_name_is_refused(password, reason):
    problem = password_problem(password, email="ana.popescu@example.org", name="Ana Maria Ionescu")
    assert problem is not None
    assert problem.startswith(reason)
    # Someone else may use it.
    assert password_problem(password, email="someone@example.org", name="Someone Else") is None


def test_a_password_built_on_the_owners_first_name_is_too_easy_to_guess():
    problem = password_problem("jane!jane!jane", email="jd@example.org", name="Jane Doe")
    assert problem == (
        "This password is too easy to guess: it is built from your name or e-mail address. "
        "Choose something unrelated to you."
    )
    assert "your name" not in (password_problem("jane!jane!jane", name="Ada Byron") or "")


@pytest.mark.parametrize(("email", "name"), [(email, name) for email, name, *_ in ACCOUNTS])
def test_the_documented_demo_password_passes_the_policy_for_every_demo_account(email, name):
    assert password_problem(DEMO_PASSWORD, email=email, name=name) is None


def test_only_the_first_characters_are_estimated_so_a_long_password_is_checked_quickly(monkeypatch):
    """zxcvbn's time grows steeply with length (seconds for 128 random characters)."""
    seen: list[str] = []
    estimate = passwords._estimator()

    def spy(password, **kwargs):
        seen.append(password)
        return estimate(password, **kwargs)

    monkeypatch.setattr(passwords, "_estimator", lambda: spy)
    assert password_problem(_long(200)) is None
    assert seen == [_long(200)[: passwords.ESTIMATED_LENGTH]]


# --- the account page ---------------------------------------------------------------------------


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        pytest.param("password1234", COMMON_MESSAGE, id="common"),
        pytest.param("qwertyuiop123", COMMON_MESSAGE, id="keyboard-walk"),
        pytest.param(
            "user-at-example-sings",
            "Leave your e-mail address out of your password: it is the first thing an attacker "
            "tries.",
            id="e-mail",
        ),
    ],
)
def test_the_account_page_refuses_a_common_password_next_to_the_field_saying_why(
    app, client, new_password, message
):
    user = UserFactory(email="user-at-example@example.org")
    sign_in(client, user)
    old_hash = user.password_hash

    response = post_form(
        client,
        "/account",
        {"current_password": PASSWORD, "new_password": new_password, "confirm": new_password},
    )

    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "new_password") == f"Error: {message}"
    db.session.refresh(user)
    assert user.password_hash == old_hash
    assert _audit("password_changed") == []
    assert login(app.test_client(), user.email, new_password).status_code == 422


def test_the_account_page_accepts_a_long_uncommon_password(app, client):
    user = UserFactory()
    sign_in(client, user)
    new_password = _long(128)

    response = post_form(
        client,
        "/account",
        {"current_password": PASSWORD, "new_password": new_password, "confirm": new_password},
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, new_password)


# --- crm create-user ------------------------------------------------------------------------------


def _users() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(User.email)))


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pass", "Use at least 12 characters."),
        ("password1234", COMMON_MESSAGE),
        ("Ana Popescu 1990", "Leave your name out of your password"),
        ("popescu.a rocks", "Leave your e-mail address out of your password"),
    ],
)
def test_create_user_refuses_a_password_the_policy_refuses_and_writes_nothing(
    runner, password, message
):
    before = _users()

    result = runner.invoke(
        args=[
            "crm",
            "create-user",
            "popescu.a@example.org",
            "--name",
            "Ana Popescu",
            "--role",
            "staff",
            "--password",
            password,
        ]
    )

    assert result.exit_code != 0
    assert message in " ".join(result.output.split())
    assert _users() == before
    assert _audit("user_created") == []


def test_create_user_accepts_a_password_the_policy_accepts(runner):
    result = runner.invoke(
        args=["crm", "create-user", "new@example.org", "--role", "staff", "--password", GOOD]
    )

    assert result.exit_code == 0, result.output
    assert "new@example.org" in _users()
