"""Helpers for the second-factor, re-authentication and throttle tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pyotp
import sqlalchemy as sa
from flask import Flask

from crm.auth import mfa
from crm.auth.models import RecoveryCode, User, hash_token
from crm.db import utcnow
from crm.extensions import db
from tests.conftest import Databases, csrf_token, login, make_app
from tests.factories import PASSWORD

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def recovery_codes_of(user: User) -> list[str]:
    """The known recovery codes `enrol` gives a user (different for each user)."""
    return [f"abcd-efgh-{user.id:04d}-pq{c}{c}" for c in "rstuvwxyz2"]


def code_at(secret: str, steps_from_now: int = 0) -> str:
    """The code of the time step `steps_from_now` away (±1 are accepted: clock drift)."""
    return pyotp.TOTP(secret).generate_otp(mfa.current_step() + steps_from_now)


def enrol(user: User, secret: str = SECRET) -> list[str]:
    """Give `user` a second factor and known recovery codes, as enrolment would."""
    user.totp_secret = secret
    user.totp_enrolled_at = utcnow()
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = recovery_codes_of(user)
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=hash_token(mfa.normalise_recovery_code(code)))
        for code in codes
    )
    db.session.commit()
    return codes


def post_code(client, code: str, url: str = "/login/code"):
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"code": code, "csrf_token": token})


def sign_in_with_code(client, user: User, code: str, password: str = PASSWORD):
    first = login(client, user.email, password)
    assert first.status_code == 302, first.get_data(as_text=True)
    assert first.headers["Location"] == "/login/code"
    return post_code(client, code)


@contextlib.contextmanager
def app_with(databases: Databases, tmp_path: Path, **overrides: object) -> Iterator[Flask]:
    """An app with its own settings, on a fresh empty database, inside an app context."""
    url = databases.fresh("empty", tmp_path)
    app = make_app(url, **overrides)
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        databases.drop(url)
