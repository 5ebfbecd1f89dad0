"""The pages of the interactions feature make as many queries with much data as with little."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.interactions.models import Interaction
from tests.conftest import counting_queries, login
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
]


def _page_queries(app, url_template: str, size: int) -> int:
    home, first, member = build_world(size)
    # The newest contact: it has the most representatives, follow-ups and stances.
    interaction = db.session.scalars(sa.select(Interaction).order_by(Interaction.id.desc())).first()
    client = app.test_client()
    login(client, member.email, PASSWORD)
    url = url_template.format(iso2=home.iso2, rep=first.id, interaction=interaction.id)
    client.get(url)  # the first request after sign-in may note the session's activity
    with counting_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


@pytest.mark.parametrize("url_template", PAGES)
def test_page_query_count_does_not_grow_with_the_data(fresh_app, url_template):
    counts = []
    for size in (3, 12):
        with fresh_app() as app:
            counts.append(_page_queries(app, url_template, size))
    small, large = counts
    assert small == large, f"{url_template}: {small} queries with little data, {large} with more"
