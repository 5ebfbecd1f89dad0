"""`flask crm create-user` and `flask crm set-enabled`: accounts from the command line."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from crm.audit.models import AuditEntry
from crm.auth.models import Role, User, UserSession
from crm.extensions import db
from tests.conftest import login
from tests.factories import PASSWORD, SectionFactory, UserFactory

GOOD_PASSWORD = "long-enough-password"


def create_user(runner, *args: str):
    return runner.invoke(args=["crm", "create-user", *args])


def users() -> list[User]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(User).order_by(User.id)))


def audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def test_create_user_makes_a_section_member_with_a_hashed_password(runner):
    section = SectionFactory(name="Sec")

    result = create_user(
        runner,
        "X@Example.org",
        "--name",
        "Ana Popescu",
        "--role",
        "section",
        "--section",
        "Sec",
        "--password",
        GOOD_PASSWORD,
    )

    assert result.exit_code == 0, result.output
    assert "Created x@example.org (section)." in result.output
    [user] = users()
    assert user.email == "x@example.org"
    assert user.name == "Ana Popescu"
    assert user.role is Role.SECTION
    assert user.is_enabled is True
    assert [s.id for s in user.sections] == [section.id]
    assert user.password_hash != GOOD_PASSWORD
    assert GOOD_PASSWORD not in user.password_hash
    assert check_password_hash(user.password_hash, GOOD_PASSWORD)


def test_create_user_writes_a_user_created_audit_entry(runner):
    SectionFactory(name="Sec")

    create_user(
        runner,
        "x@example.org",
        "--role",
        "section",
        "--section",
        "Sec",
        "--password",
        GOOD_PASSWORD,
    )

    [user] = users()
    [entry] = audit("user_created")
    assert entry.actor_id is None
    assert entry.target_type == "users"
    assert entry.target_id == str(user.id)
    assert entry.after == {"email": "x@example.org", "role": "section", "sections": ["Sec"]}
    assert GOOD_PASSWORD not in str(entry.after)


def test_a_created_user_can_sign_in(app, runner):
    create_user(runner, "boss@example.org", "--role", "admin", "--password", GOOD_PASSWORD)

    response = login(app.test_client(), "boss@example.org", GOOD_PASSWORD)

    assert response.status_code == 302
    [user] = users()
    assert user.role is Role.ADMIN
    assert user.name == "boss@example.org"


def test_create_user_links_every_section_given(runner):
    SectionFactory(name="Romania")
    SectionFactory(name="Moldova")

    result = create_user(
        runner,
        "x@example.org",
        "--role",
        "section",
        "--section",
        "Romania",
        "--section",
        "Moldova",
        "--password",
        GOOD_PASSWORD,
    )

    assert result.exit_code == 0, result.output
    [user] = users()
    assert sorted(s.name for s in user.sections) == ["Moldova", "Romania"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["taken@example.org", "--role", "staff", "--password", GOOD_PASSWORD],
            "An account with this e-mail already exists.",
            id="duplicate-email",
        ),
        pytest.param(
            ["Taken@Example.ORG", "--role", "staff", "--password", GOOD_PASSWORD],
            "An account with this e-mail already exists.",
            id="duplicate-email-in-other-case",
        ),
        pytest.param(
            ["x@example.org", "--role", "staff", "--password", "too-short"],
            "Use at least 12 characters.",
            id="short-password",
        ),
        pytest.param(
            [
                "x@example.org",
                "--role",
                "section",
                "--section",
                "Nowhere",
                "--password",
                GOOD_PASSWORD,
            ],
            "No such section: Nowhere",
            id="unknown-section",
        ),
        pytest.param(
            ["x@example.org", "--role", "section", "--password", GOOD_PASSWORD],
            "A section member belongs to at least one section.",
            id="section-role-without-section",
        ),
        pytest.param(
            ["not-an-email", "--role", "staff", "--password", GOOD_PASSWORD],
            "Enter a valid e-mail address.",
            id="invalid-email",
        ),
        pytest.param(
            ["x@example.org", "--role", "overlord", "--password", GOOD_PASSWORD],
            "'overlord' is not one of",
            id="unknown-role",
        ),
    ],
)
def test_create_user_refuses_bad_input_and_creates_nothing(runner, args, message):
    SectionFactory(name="Sec")
    existing = UserFactory(email="taken@example.org")

    result = create_user(runner, *args)

    assert result.exit_code != 0
    assert message in result.output
    assert [user.id for user in users()] == [existing.id]
    assert audit("user_created") == []


def test_set_enabled_disable_disables_the_user_and_ends_their_sessions(app, runner):
    user = UserFactory()
    browser = app.test_client()
    assert login(browser, user.email, PASSWORD).status_code == 302
    assert browser.get("/account").status_code == 200

    result = runner.invoke(args=["crm", "set-enabled", user.email.upper(), "--disable"])

    assert result.exit_code == 0, result.output
    assert f"{user.email} is disabled." in result.output
    db.session.expire_all()
    assert user.is_enabled is False
    sessions = list(
        db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id))
    )
    assert len(sessions) == 1
    assert sessions[0].revoked_at is not None
    [entry] = audit("user_disabled")
    assert entry.actor_id is None
    assert entry.target_id == str(user.id)
    assert entry.summary == "1 session(s) and 0 token(s) ended"
    assert browser.get("/account").status_code == 302
    assert login(app.test_client(), user.email, PASSWORD).status_code == 422


def test_set_enabled_enable_lets_a_disabled_user_sign_in_again(app, runner):
    user = UserFactory(is_enabled=False)

    result = runner.invoke(args=["crm", "set-enabled", user.email, "--enable"])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert user.is_enabled is True
    assert len(audit("user_enabled")) == 1
    assert login(app.test_client(), user.email, PASSWORD).status_code == 302


def test_set_enabled_for_an_unknown_email_fails_clearly(runner):
    UserFactory()

    result = runner.invoke(args=["crm", "set-enabled", "nobody@example.org", "--disable"])

    assert result.exit_code != 0
    assert "No account for nobody@example.org." in result.output
    assert audit("user_disabled") == []


def test_set_enabled_needs_to_be_told_which_way(runner):
    user = UserFactory()

    result = runner.invoke(args=["crm", "set-enabled", user.email])

    assert result.exit_code != 0
    db.session.expire_all()
    assert user.is_enabled is True
