"""The pages of the interactions feature make as many queries with much data as with little."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import current_app

from crm.extensions import db
from crm.interactions.models import Interaction
from tests.conftest import login, page_queries, read_only_worlds
from tests.factories import PASSWORD
from tests.test_query_counts import build_world

PAGES = [
    "/states/{iso2}/interactions",
    "/states/{iso2}/interactions?kind=meeting&representative={rep}",
    "/states/{iso2}/follow-ups",
    "/states/{iso2}/follow-ups?status=done",
    "/follow-ups",
    "/interactions/{interaction}",
    "/interactions/{interaction}/edit",
    "/states/{iso2}/interactions/new",
    "/states/{iso2}/interactions/new?q=given&representative={rep}",
    "/follow-ups/new?state={iso2}",
    "/states/{iso2}/interactions/people?q=given",
    "/states/{iso2}/interactions/people",
    "/states/{iso2}/interactions/people?q=given&chosen={rep}",
    "/states/{iso2}/interactions?person=given",
    "/interactions/{interaction}/archive",
]


def _values(size: int) -> dict[str, Any]:
    home, first, member = build_world(size)
    # The newest contact: it has the most representatives, follow-ups and stances.
    newest = db.session.scalar(sa.select(sa.func.max(Interaction.id)))
    client = current_app.test_client()
    login(client, member.email, PASSWORD)  # once: sign-in is rate-limited
    return {"iso2": home.iso2, "rep": first.id, "interaction": newest, "client": client}


@pytest.fixture(scope="module")
def worlds(databases, tmp_path_factory):
    with read_only_worlds(databases, tmp_path_factory, _values, (3, 12)) as built:
        yield built


@pytest.mark.parametrize("url_template", PAGES)
def test_page_query_count_does_not_grow_with_the_data(worlds, url_template):
    small, large = (
        page_queries(app, values["client"], url_template.format(**values))
        for app, values in worlds.values()
    )
    assert small == large, f"{url_template}: {small} queries with little data, {large} with more"
