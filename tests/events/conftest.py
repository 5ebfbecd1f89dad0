"""Fixtures of the event tests: the shared two-state world, and signing in as its people."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in as signed_in


@pytest.fixture
def sign_in(app, world):
    """A client signed in as one of the world's people: sign_in("member")."""

    def as_(who: str):
        return signed_in(app.test_client(), getattr(world, who).email)

    return as_
