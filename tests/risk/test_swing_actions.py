""" "Who to meet next" can be acted on: each row says when the member was last met and how
old their stance is, offers logging a contact or planning a follow-up to those who may, and
downloads as CSV — all as the reader may see them, so a restricted contact shows through
none of it to a reader who may not read it (SPEC §2)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.interactions.models import Confidentiality
from crm.interchange.csvio import SWING_COLUMNS
from crm.parliament.models import Representative, Stance, StanceSource
from tests.conftest import sign_in
from tests.factories import InteractionFactory, StanceRecordFactory
from tests.pages import page, representative_ids

SECTION = "section.ro@demo.example"
STAFF = "staff@demo.example"
COORDINATOR = "coordinator@demo.example"
SWING = "#swing-heading ~ div table"


def _rows(client) -> dict[int, list[str]]:
    """Each listed member's cells, by id, in the list's order."""
    soup = page(client, "/states/RO/risk")
    rows = {}
    for row in soup.select(f"{SWING} tbody tr"):
        [rep_id] = representative_ids(row, "th")
        rows[rep_id] = [" ".join(cell.get_text(" ").split()) for cell in row.find_all(["th", "td"])]
    return rows


def _csv(client) -> list[dict[str, str]]:
    response = client.get("/states/RO/risk/swing.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    reader = csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    assert tuple(reader.fieldnames or ()) == SWING_COLUMNS
    return list(reader)


def test_each_row_says_when_they_were_met_and_offers_the_next_step(demo_app, demo_client):
    sign_in(demo_client, SECTION)
    soup = page(demo_client, "/states/RO/risk")
    headings = [th.get_text(" ", strip=True) for th in soup.select(f"{SWING} thead th")]
    assert headings[-2:] == ["Last contact", "Next step"]
    assert "Sections responsible for Romania: " in soup.get_text()
    first = soup.select_one(f"{SWING} tbody tr")
    [rep_id] = representative_ids(first, "th")
    links = {a.get_text(" ", strip=True): a["href"] for a in first.select("td.actions a")}
    rep = db.session.get_one(Representative, rep_id)
    assert links == {
        f"Log a contact with {rep.name}": f"/states/RO/interactions/new?representative={rep_id}",
        f"Plan a follow-up with {rep.name}": f"/follow-ups/new?state=RO&representative={rep_id}",
    }
    # Each leads to its form with the member already chosen.
    form = page(demo_client, links[f"Log a contact with {rep.name}"])
    assert form.select_one(f'input[name="representatives"][value="{rep_id}"][checked]')
    plan = page(demo_client, links[f"Plan a follow-up with {rep.name}"])
    assert plan.select_one(f'select[name="representative"] option[value="{rep_id}"][selected]')


def test_those_who_may_not_log_contacts_get_no_next_step(demo_app, demo_client):
    sign_in(demo_client, STAFF)
    soup = page(demo_client, "/states/RO/risk")
    assert "Next step" not in [th.get_text(strip=True) for th in soup.select(f"{SWING} th")]
    assert not soup.select(f"{SWING} td.actions")


def test_the_csv_is_the_list_as_the_page_shows_it_and_is_audited(demo_app, demo_client):
    sign_in(demo_client, STAFF)
    shown = _rows(demo_client)
    rows = _csv(demo_client)
    assert [int(r["rank"]) for r in rows] == list(range(1, len(shown) + 1))
    names = {rep_id: db.session.get_one(Representative, rep_id).name for rep_id in shown}
    assert [r["name"] for r in rows] == [names[rep_id] for rep_id in shown]
    for row, cells in zip(rows, shown.values(), strict=True):
        assert f"{float(row['risk_drop_points']):.2f} points" in cells
    exported = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "data.exported")
    ).all()
    assert [e.summary for e in exported] == ["Who to meet next in Romania (CSV)"]
    assert demo_client.get("/states/ZZ/risk/swing.csv").status_code == 404


def test_a_restricted_contact_shows_through_neither_the_row_nor_the_file(demo_app, demo_client):
    """Met five minutes ago in a restricted meeting, where their stance was seen: to staff,
    who may not read it, the member is still to be met, last met when they last were in a
    contact staff may see, and their stance dated by its month only. To Romania's section
    they were just met, so they leave the list."""
    sign_in(demo_client, STAFF)
    before = _rows(demo_client)
    before_file = {r["name"]: r for r in _csv(demo_client)}
    rep_id = next(iter(before))
    rep = db.session.get_one(Representative, rep_id)
    when = datetime.now(UTC) - timedelta(minutes=5)
    meeting = InteractionFactory(
        state=rep.state,
        representatives=[rep],
        confidentiality=Confidentiality.RESTRICTED,
        occurred_at=when,
    )
    StanceRecordFactory(
        representative=rep,
        interaction=meeting,
        stance=Stance.UNDECIDED,
        source=StanceSource.PRIVATE_MEETING,
        observed_on=when.date(),
    )
    db.session.commit()

    after = _rows(demo_client)
    assert rep_id in after
    day = when.strftime("%d %b %Y")
    last_contact = after[rep_id][7]
    assert last_contact == before[rep_id][7]
    assert day not in " ".join(after[rep_id])
    assert f"from a restricted source, {when.strftime('%B %Y')}" in after[rep_id][3]
    row = {r["name"]: r for r in _csv(demo_client)}[rep.name]
    assert row["last_contact"] == before_file[rep.name]["last_contact"]
    assert row["stance_observed"] == when.strftime("%Y-%m")
    assert row["stance"] == "undecided"

    sign_in(demo_client, SECTION)
    assert rep_id not in _rows(demo_client)
    assert rep.name not in {r["name"] for r in _csv(demo_client)}
