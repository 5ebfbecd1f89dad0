"""CSV exports: spreadsheet-safe files, restricted interactions as SPEC §2 says."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.events.models import EventStatus
from crm.extensions import db
from crm.interactions.models import Confidentiality
from crm.parliament.models import ContactDetail, ContactKind
from tests.conftest import counting_queries, sign_in
from tests.factories import (
    UNKNOWN_ISO2,
    ChamberFactory,
    EventFactory,
    InteractionFactory,
    seated_representative,
)
from tests.interchange.factories import run
from tests.world import RESTRICTED_MARK


def _download(client, url: str) -> tuple[str, list[dict[str, str]]]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text
    return text, list(csv.DictReader(io.StringIO(text, newline="")))


def test_representatives_csv_has_the_current_stance_and_its_date(client, world):
    sign_in(client, world.staff)
    home = world.home
    _text, rows = _download(client, f"/states/{home.state.iso2}/representatives.csv")

    assert [r["name"] for r in rows] == sorted(
        (r.name for r in home.reps),
        key=lambda n: next(x.sort_name for x in home.reps if x.name == n),
    )
    first = next(r for r in rows if r["name"] == home.reps[0].name)
    assert first["stance"] == "leaning_for"
    assert first["stance_on"] == (date.today() - timedelta(days=10)).isoformat()
    assert first["stance_stale"] == "no"
    assert first["chamber"] == home.chamber.name
    assert first["party"] == home.parties[0].name
    date.fromisoformat(first["start_date"])
    assert next(r for r in rows if r["name"] == home.reps[3].name)["stance"] == "unknown"


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(client, world):
    rep = seated_representative(world.home.chamber, name='=HYPERLINK("http://x","y")')
    rep.contact_details.append(ContactDetail(kind=ContactKind.PHONE, value="+40 21 414 1111"))
    InteractionFactory(state=world.home.state, representatives=[rep], summary="-1+1",
                       outcome="@SUM(A1)")  # fmt: skip
    sign_in(client, world.member)

    _text, rows = _download(client, f"/states/{world.home.state.iso2}/representatives.csv")
    row = next(r for r in rows if "HYPERLINK" in r["name"])
    assert row["name"].startswith("'=")
    assert row["phone"] == "'+40 21 414 1111"
    _text, rows = _download(client, f"/states/{world.home.state.iso2}/interactions.csv")
    row = next(r for r in rows if r["summary"].endswith("-1+1"))
    assert (row["summary"], row["outcome"]) == ("'-1+1", "'@SUM(A1)")


@pytest.mark.parametrize("who", ["staff", "other_member"])
def test_restricted_interactions_show_only_that_they_happened_and_when(client, world, who):
    sign_in(client, getattr(world, who))
    home = world.home

    text, rows = _download(client, f"/states/{home.state.iso2}/interactions.csv")

    assert RESTRICTED_MARK not in text
    restricted = [r for r in rows if r["kind"] == "restricted contact"]
    assert len(restricted) == 1
    local = home.restricted.occurred_at.astimezone(ZoneInfo(home.state.timezone))
    assert restricted[0]["date"] == local.date().isoformat()
    assert {k: v for k, v in restricted[0].items() if k not in ("date", "kind")} == dict.fromkeys(
        ("id", "time", "timezone", "confidentiality", "representatives", "participants",
         "summary", "outcome", "follow_ups"), ""
    )  # fmt: skip
    normal = next(r for r in rows if r["kind"] == "meeting")
    assert normal["summary"] == home.interaction.summary


@pytest.mark.parametrize("who", ["member", "coordinator", "admin"])
def test_restricted_interactions_are_exported_to_those_allowed(client, world, who):
    sign_in(client, getattr(world, who))
    text, rows = _download(client, f"/states/{world.home.state.iso2}/interactions.csv")
    assert f"{RESTRICTED_MARK}Home-summary" in text
    assert f"{RESTRICTED_MARK}Home-follow-up" in text
    row = next(r for r in rows if r["confidentiality"] == "restricted")
    assert row["participants"] == world.member.name
    local = world.home.restricted.occurred_at.astimezone(ZoneInfo(world.home.state.timezone))
    assert (row["date"], row["time"]) == (local.date().isoformat(), local.strftime("%H:%M"))


def test_the_other_states_restricted_interactions_stay_hidden_from_this_section(client, world):
    sign_in(client, world.member)
    text, _rows = _download(client, f"/states/{world.other.state.iso2}/interactions.csv")
    assert RESTRICTED_MARK not in text
    assert "restricted contact" in text


def test_events_csv_has_times_in_the_states_zone_and_every_status(client, world):
    starts = datetime(2025, 7, 1, 9, 30, tzinfo=UTC)
    EventFactory(state=world.home.state, title="Vigil", status=EventStatus.CANCELLED,
                 starts_at=starts, ends_at=starts + timedelta(hours=2))  # fmt: skip
    sign_in(client, world.staff)

    _text, rows = _download(client, f"/states/{world.home.state.iso2}/events.csv")

    vigil = next(r for r in rows if r["title"] == "Vigil")
    assert (vigil["starts_at"], vigil["ends_at"]) == (
        "2025-07-01T12:30+03:00",
        "2025-07-01T14:30+03:00",
    )
    assert (vigil["status"], vigil["timezone"]) == ("cancelled", "Europe/Bucharest")
    planned = next(r for r in rows if r["title"] == world.home.event.title)
    assert (planned["invited"], planned["stage"]) == ("1", "Plenary vote (Home Assembly)")


def test_exports_need_a_signed_in_user_and_a_known_state(client, world):
    url = f"/states/{world.home.state.iso2}/representatives.csv"
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    sign_in(client, world.staff)
    for kind in ("representatives", "interactions", "events"):
        assert client.get(f"/states/{UNKNOWN_ISO2}/{kind}.csv").status_code == 404
        assert client.get(f"/states/toolong/{kind}.csv").status_code == 404


def test_every_download_is_audited(client, world):
    sign_in(client, world.coordinator)
    client.get(f"/states/{world.home.state.iso2}/interactions.csv").get_data()
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "data.exported")
    ).one()
    assert entry.actor_id == world.coordinator.id
    assert entry.state_id == world.home.state.id
    assert entry.after["restricted_content"] is True


def test_former_members_are_exported_on_request(client, world):
    rep = world.home.reps[2]
    rep.memberships[0].end_date = date.today() - timedelta(days=1)
    db.session.commit()
    sign_in(client, world.staff)
    iso = world.home.state.iso2
    _text, current = _download(client, f"/states/{iso}/representatives.csv")
    _text, everyone = _download(client, f"/states/{iso}/representatives.csv?former=1")
    assert rep.name not in {r["name"] for r in current}
    former = next(r for r in everyone if r["name"] == rep.name)
    assert former["end_date"] == (date.today() - timedelta(days=1)).isoformat()


def test_an_export_makes_the_same_number_of_queries_for_more_rows(client, world):
    sign_in(client, world.staff)
    iso = world.home.state.iso2
    urls = [f"/states/{iso}/{k}.csv" for k in ("representatives", "interactions", "events")]

    def queries() -> list[int]:
        counts = []
        for url in urls:
            with counting_queries() as counter:
                client.get(url).get_data()
            counts.append(counter.count)
        return counts

    few = queries()
    chamber = ChamberFactory(state=world.home.state, name="Second House")
    for n in range(12):
        rep = seated_representative(chamber, name=f"Extra {n}")
        secret = Confidentiality.RESTRICTED if n % 2 else Confidentiality.NORMAL
        InteractionFactory(state=world.home.state, representatives=[rep], confidentiality=secret)
        EventFactory(state=world.home.state, title=f"Extra event {n}")
    assert queries() == few


def test_the_command_line_withholds_restricted_content_unless_asked(app, world, tmp_path):
    iso = world.home.state.iso2
    plain = run(app, "export-csv", "interactions", "--state", iso)
    assert plain.exit_code == 0, plain.output
    assert RESTRICTED_MARK not in plain.output
    assert "restricted contact" in plain.output
    out = tmp_path / "all.csv"
    full = run(app, "export-csv", "interactions", "--state", iso, "--include-restricted",
               "-o", str(out))  # fmt: skip
    assert full.exit_code == 0, full.output
    assert f"{RESTRICTED_MARK}Home-summary" in out.read_bytes().decode("utf-8-sig")
    for kind in ("representatives", "events"):
        result = run(app, "export-csv", kind, "--state", iso)
        assert result.exit_code == 0
        assert result.output.startswith("\ufeffid,")
    audit = db.session.scalars(
        sa.select(AuditEntry.summary).where(AuditEntry.action == "data.exported")
    ).all()
    assert len(audit) == 4
    assert all("(command line)" in s for s in audit)
