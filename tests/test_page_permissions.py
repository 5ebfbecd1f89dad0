"""Who may open which page, and who sees restricted content: role × page × own/other state.

On the demo data set: the Romania section's own state is RO and Nepal is another state's;
the Nepal section the other way round.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.interactions.models import Confidentiality
from crm.parliament.models import Representative, Stance, StanceSource
from crm.states.models import KeyMessage, State
from tests.conftest import app_on, login
from tests.factories import FollowUpFactory, InteractionFactory, StanceRecordFactory
from tests.pages import page, text

ROLES = {
    "admin": "admin@demo.example",
    "coordinator": "coordinator@demo.example",
    "section-ro": "section.ro@demo.example",
    "section-np": "section.ne@demo.example",
    "staff": "staff@demo.example",
}

# page → roles allowed (everyone signed in when None)
PAGES = {
    "/states": None,
    "/states/{state}": None,
    "/representatives": None,
    "/representatives?state={state}": None,
    "/representatives/{rep}": None,
    "/representatives/{rep}/merge": {"admin", "coordinator"},
    "/account": None,
    "/admin/users": {"admin"},
    "/admin/tokens": {"admin"},
    "/admin/security": {"admin"},
    "/admin/jobs": {"admin"},
    "/admin/mail": {"admin"},
    # A pack's progress page (the GET finds or asks for the pack's job).
    "/states/{state}/briefing": None,
    "/representatives/{rep}/briefing": None,
    "/briefings/overview": {"admin", "coordinator", "staff"},
    "/account/notifications": None,
    "/account/language": None,
    "/account/api-tokens": None,
    "/account/calendar": None,
    "/events": None,
    "/follow-ups?state={state}&q=a": None,
    "/states/{state}/follow-ups?q=a": None,
    # The contact form's picker results: for those who may log a contact in that state
    # (coordinators log contacts in any state).
    "/states/RO/interactions/people?q=a": {"admin", "coordinator", "section-ro"},
    "/states/NP/interactions/people?q=a": {"admin", "coordinator", "section-np"},
    "/states/{state}/interactions/new": {"admin", "coordinator", "section-{state}"},
    # The campaign's key messages: those who keep campaign-wide data.
    "/campaign/key-messages": {"admin", "coordinator"},
    "/campaign/key-messages/new": {"admin", "coordinator"},
    "/campaign/key-messages/{message}/edit": {"admin", "coordinator"},
    "/campaign/key-messages/{message}/remove": {"admin", "coordinator"},
    # The campaign's week: coordinators and admins.
    "/activity": {"admin", "coordinator"},
    "/activity?state={state}&kind=contact&since=2000-01-01": {"admin", "coordinator"},
    "/activity/overdue": {"admin", "coordinator"},
    "/activity/overdue?state={state}": {"admin", "coordinator"},
    # Uploading a roster: for those who may add representatives in that state.
    "/states/RO/representatives/import": {"admin", "section-ro"},
    "/states/NP/representatives/import": {"admin", "section-np"},
    "/states/RO/representatives/import/popolo": {"admin", "section-ro"},
    "/states/NP/representatives/import/popolo": {"admin", "section-np"},
}


def _first_rep(iso2: str) -> Representative:
    return db.session.scalars(
        sa.select(Representative).join(State).where(State.iso2 == iso2).order_by(Representative.id)
    ).first()


def _first_message() -> int:
    return db.session.scalars(sa.select(KeyMessage.id).order_by(KeyMessage.id)).first()


def _matrix():
    for url, allowed in PAGES.items():
        for role in ROLES:
            for state in ("RO", "NP"):
                if "{" not in url and state == "NP":
                    continue
                # "section-{state}": the section of the state the URL names.
                who = None if allowed is None else {a.format(state=state.lower()) for a in allowed}
                status = 200 if who is None or role in who else 403
                yield pytest.param(role, url, state, status, id=f"{role}-{url}-{state}")


@pytest.fixture(scope="module")
def demo_clients(databases, tmp_path_factory):
    """One demo database for the whole matrix (its requests only read) and a client signed
    in once per role (signing in is rate-limited); the first representative of RO and NP."""
    with app_on(databases, "demo", tmp_path_factory.mktemp("matrix")) as app:
        clients = {}
        for role, email in ROLES.items():
            clients[role] = app.test_client()
            assert login(clients[role], email).status_code == 302
        yield app, clients, {iso2: _first_rep(iso2).id for iso2 in ("RO", "NP")}


@pytest.mark.parametrize(("role", "url", "state", "status"), list(_matrix()))
def test_page_access(demo_clients, role, url, state, status):
    app, clients, first_reps = demo_clients
    target = url.format(state=state, rep=first_reps[state], message=_first_message())
    with app.app_context():
        assert clients[role].get(target).status_code == status


# The home page is a section's own: the others' home is the dashboard.
HOME = {"section-ro": 200, "section-np": 200, "admin": 302, "coordinator": 302, "staff": 302}


@pytest.mark.parametrize("role", list(ROLES))
def test_home_page_by_role(demo_clients, role):
    app, clients, _ = demo_clients
    with app.app_context():
        response = clients[role].get("/")
    assert response.status_code == HOME[role]
    if HOME[role] == 302:
        assert response.headers["Location"].endswith("/dashboard")


@pytest.mark.parametrize("url", list(PAGES))
def test_anonymous_visitors_are_sent_to_sign_in(demo_client, url):
    target = url.format(state="RO", rep=_first_rep("RO").id, message=_first_message())
    response = demo_client.get(target)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


SECRET = "Minister's aide said the embassy threatened aid cuts"
SECRET_OUTCOME = "Will abstain if the group allows a free vote"
SECRET_NOTE = "Told us in confidence she now leans against"
SECRET_FOLLOW_UP = "Call the aide back on her private number"


@pytest.fixture
def restricted_contact(demo_app):
    """A restricted meeting in Romania, the newest contact, with a stance and a follow-up."""
    rep = _first_rep("RO")
    interaction = InteractionFactory(
        state=rep.state,
        representatives=[rep],
        confidentiality=Confidentiality.RESTRICTED,
        summary=SECRET,
        outcome=SECRET_OUTCOME,
        occurred_at=datetime.now(UTC) - timedelta(minutes=5),
    )
    StanceRecordFactory(
        representative=rep,
        interaction=interaction,
        stance=Stance.LEANING_AGAINST,
        source=StanceSource.PRIVATE_MEETING,
        note=SECRET_NOTE,
    )
    FollowUpFactory(
        state=rep.state, representative=rep, interaction=interaction, title=SECRET_FOLLOW_UP
    )
    return rep, interaction


SEES_RESTRICTED_RO = {"admin": True, "coordinator": True, "section-ro": True,
                      "section-np": False, "staff": False}  # fmt: skip


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("where", ["state", "representative"])
def test_restricted_contact_content_only_for_those_allowed(
    demo_client, restricted_contact, role, where
):
    rep, interaction = restricted_contact
    login(demo_client, ROLES[role])
    url = "/states/RO" if where == "state" else f"/representatives/{rep.id}"
    body = text(page(demo_client, url))
    allowed = SEES_RESTRICTED_RO[role]
    for secret in (SECRET, SECRET_NOTE) + (
        (SECRET_OUTCOME, SECRET_FOLLOW_UP) if where == "representative" else ()
    ):
        assert (secret in body) is allowed, (role, where, secret)
    local = interaction.occurred_at.astimezone(__import__("zoneinfo").ZoneInfo(rep.state.timezone))
    day = local.strftime("%d %b %Y")
    if where == "state" or allowed:
        # Everyone may know that a restricted contact happened in the state, and when.
        assert "Restricted" in body
        assert day in body
    else:
        # On the person's page, those who may not read it learn nothing of it (SPEC §2):
        # not that it happened, nor its day.
        assert "Restricted contact" not in body
        assert "Restricted follow-up" not in body
        assert day not in body
