"""Fixtures of the event tests: the shared two-state world, and signing in as its people."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.factories import PASSWORD
from tests.world import World, build_world


@pytest.fixture
def world(app) -> World:
    return build_world()


@pytest.fixture
def sign_in(app, world):
    """A client signed in as one of the world's people: sign_in("member")."""

    def as_(who: str):
        client = app.test_client()
        response = login(client, getattr(world, who).email, PASSWORD)
        assert response.status_code == 302
        return client

    return as_
