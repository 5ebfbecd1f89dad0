"""The dashboard, the state risk page, the risk API and the risk commands, on real data."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from crm.auth.models import ApiToken, TokenScope
from crm.extensions import db
from crm.parliament.models import Representative
from crm.risk.models import RiskSnapshot, SnapshotReason
from crm.states.models import State
from tests.conftest import login
from tests.pages import page, representative_ids, text

ACCOUNTS = [
    "admin@demo.example",
    "coordinator@demo.example",
    "section.ro@demo.example",
    "section.ne@demo.example",
    "staff@demo.example",
]


@pytest.mark.parametrize("email", ACCOUNTS)
def test_every_role_reads_the_dashboard(demo_client, email):
    login(demo_client, email)
    soup = page(demo_client, "/dashboard")
    links = [a["href"] for a in soup.select("table.risk-table th[scope=row] a")]
    assert len(links) == 19  # every demo agreement is still open
    assert "/states/RO/risk" in links


def test_dashboard_lists_critical_states_first_then_by_risk(demo_client):
    login(demo_client, "coordinator@demo.example")
    soup = page(demo_client, "/dashboard")
    # Each row's level is its group's (the groups: tests/risk/test_levels_read_right.py).
    levels, risks = [], []
    for section in soup.select("section.risk-group"):
        for value in section.select("table.risk-table .prob-value"):
            levels.append(section.select_one("h2 .badge.level").get_text(strip=True))
            risks.append(float(value.get_text().strip(" %")))
    order = ["Critical", "High", "Medium", "Low"]
    ranks = [order.index(level) for level in levels]
    assert ranks == sorted(ranks)
    for (rank_a, risk_a), (rank_b, risk_b) in zip(
        zip(ranks, risks, strict=True), zip(ranks[1:], risks[1:], strict=True), strict=False
    ):
        if rank_a == rank_b:
            assert risk_a >= risk_b


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ("level=low", lambda body: "Low" in body and "High</span>" not in body),
        ("q=roma", lambda body: "Romania" in body and "Nepal" not in body),
    ],
)
def test_dashboard_filters(demo_client, query, check):
    login(demo_client, "coordinator@demo.example")
    soup = page(demo_client, f"/dashboard?{query}")
    # The level is said by the group's heading, no longer in each row.
    groups = soup.select("section.risk-group")
    assert groups
    assert check("".join(str(group) for group in groups))


@pytest.mark.parametrize("days", [0, 30, 90, 3650])
def test_dashboard_within_shows_exactly_the_states_voting_that_soon(demo_client, days):
    from crm.risk import services as risk_services
    from crm.states.queries import active_campaign

    login(demo_client, "coordinator@demo.example")
    soup = page(demo_client, f"/dashboard?within={days}")
    shown = {
        row.select_one("abbr").get_text(strip=True)
        for row in soup.select("table.risk-table tbody th[scope=row]")
    }
    expected = {
        r.state.iso2
        for r in risk_services.forecasts(active_campaign(), date.today())
        if r.forecast.days_to_next_vote is not None and r.forecast.days_to_next_vote <= days
    }
    assert shown == expected
    if days >= 90:
        assert shown, "the demo has votes within 90 days: the filter must show them"


def test_dashboard_bad_filter_is_explained(demo_client):
    login(demo_client, "coordinator@demo.example")
    soup = page(demo_client, "/dashboard?within=soon", status=400)
    assert soup.find(id="within-error").get_text(strip=True)


def test_state_risk_page_explains_the_number(demo_client):
    login(demo_client, "staff@demo.example")
    soup = page(demo_client, "/states/RO/risk")
    body = text(soup)
    assert "Chamber of Deputies" in body
    assert "Who to meet next" in body
    # A seat chart per chamber with a text alternative naming every seat.
    charts = soup.select("figure.seat-chart svg")
    assert len(charts) == 2
    assert "345 seats by stance" in charts[0]["aria-label"]
    # One path a stance, one dot (a subpath) a seat, each group in its stance's colour
    # (ringed stances add a narrower path of the same dots inside).
    groups = [g for g in charts[0].select("path.seat") if not g["class"][-1].endswith("-inner")]
    assert sum(group["d"].count("M") for group in groups) == 345
    assert len(groups) == len({tuple(group["class"]) for group in groups}) > 1
    assert all(float(group["stroke-width"]) > 0 for group in groups)
    # The swing list links to the representatives, who are Romanian and contactable.
    ids = representative_ids(soup, "#swing-heading ~ div table")
    assert 0 < len(ids) <= 25
    romania = db.session.scalar(sa.select(State).where(State.iso2 == "RO"))
    for rep_id in ids:
        rep = db.session.get(Representative, rep_id)
        assert rep.state_id == romania.id
        assert not rep.do_not_contact


def test_held_votes_are_compared_with_their_forecast(demo_client):
    login(demo_client, "coordinator@demo.example")
    body = text(page(demo_client, "/states/TJ/risk"))
    assert "Forecasts against held votes" in body
    assert re.search(r"Brier", body)


def test_unknown_state_risk_is_404(demo_client):
    login(demo_client, "coordinator@demo.example")
    page(demo_client, "/states/ZZ/risk", status=404)


def _swing_top(client) -> list[int]:
    return representative_ids(page(client, "/states/RO/risk"), "#swing-heading ~ div table")


def _risk_of(client, iso2: str) -> float:
    soup = page(client, f"/states/{iso2}/risk")
    return float(soup.select_one(".risk-headline .prob-value").get_text().strip(" %"))


def test_recording_a_stance_moves_the_risk_swing_list_and_history(demo_client):
    login(demo_client, "section.ro@demo.example")
    before = _risk_of(demo_client, "RO")
    top = _swing_top(demo_client)[0]
    snapshots = db.session.scalar(sa.select(sa.func.count()).select_from(RiskSnapshot))
    html = demo_client.get(f"/representatives/{top}/stances/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = demo_client.post(
        f"/representatives/{top}/stances/new",
        data={
            "csrf_token": token,
            "stance": "against_ratification",
            "source": "private_meeting",
            "confidence": "high",
            "observed_on": date.today().isoformat(),
        },
    )
    assert response.status_code == 302
    after = _risk_of(demo_client, "RO")
    assert after < before
    assert top not in _swing_top(demo_client)
    change = db.session.scalars(
        sa.select(RiskSnapshot).order_by(RiskSnapshot.id.desc()).limit(1)
    ).one()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskSnapshot)) == snapshots + 1
    assert change.reason is SnapshotReason.CHANGE
    assert round(change.risk * 100, 1) == after


def test_a_write_that_does_not_move_the_risk_takes_no_snapshot(demo_client):
    login(demo_client, "section.ro@demo.example")
    rep = db.session.scalars(
        sa.select(Representative).join(State).where(State.iso2 == "RO")
    ).first()
    snapshots = db.session.scalar(sa.select(sa.func.count()).select_from(RiskSnapshot))
    url = f"/representatives/{rep.id}/edit"
    html = demo_client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    response = demo_client.post(
        url,
        data={"csrf_token": token, "version": version, "name": rep.name, "influence": "3",
              "notes": "Prefers meetings in French."},
    )  # fmt: skip
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskSnapshot)) == snapshots


def test_snapshot_command_writes_one_per_state_per_day(demo_app):
    runner = demo_app.test_cli_runner()
    # The demo already took today's snapshots: a second run today writes none.
    result = runner.invoke(args=["crm", "snapshot-risk"])
    assert result.exit_code == 0, result.output
    assert "Wrote 0 snapshot(s) for today" in result.output
    db.session.execute(sa.delete(RiskSnapshot).where(RiskSnapshot.taken_on == date.today()))
    db.session.commit()
    result = runner.invoke(args=["crm", "snapshot-risk"])
    assert "Wrote 19 snapshot(s) for today" in result.output


def test_risk_command_prints_every_open_state(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["crm", "risk"])
    assert result.exit_code == 0, result.output
    for name in ("Romania", "Nepal", "India", "Tajikistan"):
        assert name in result.output
    assert "Chamber of Deputies" in result.output


def _api_token(app, email: str) -> str:
    result = app.test_cli_runner().invoke(args=["crm", "token", "create", email])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def _exact_pass(probabilities, attendance, rule, seats) -> float:
    """An independent check: the joint distribution of (yes, no) counts, summed per rule."""
    dist = {(0, 0): 1.0}
    for p in probabilities:
        step: dict[tuple[int, int], float] = {}
        for (yes, no), mass in dist.items():
            for key, weight in (
                ((yes, no), 1 - attendance),
                ((yes + 1, no), attendance * p),
                ((yes, no + 1), attendance * (1 - p)),
            ):
                step[key] = step.get(key, 0.0) + mass * weight
        dist = step
    seats = max(seats, len(probabilities))

    def passes(yes: int, no: int) -> bool:
        if rule == "votes_cast":
            return yes > no
        if rule == "members":
            return yes > seats / 2
        if rule == "two_thirds_present":
            return yes + no > 0 and 3 * yes >= 2 * (yes + no)
        return 3 * yes >= 2 * seats

    return sum(mass for (yes, no), mass in dist.items() if yes >= 1 and passes(yes, no))


@pytest.mark.parametrize("iso2", ["RO", "TJ", "PW", "FM", "SL", "MR"])
def test_api_numbers_can_be_recomputed_independently(demo_app, iso2):
    token = _api_token(demo_app, "staff@demo.example")
    client = demo_app.test_client()
    response = client.get(
        f"/api/v1/states/{iso2}/risk", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    data = response.json
    product = 1.0
    for chamber in data["chambers"]:
        probabilities = [m["probability"] for m in chamber["members"]]
        exact = _exact_pass(
            probabilities, chamber["attendance"], chamber["majority_rule"], chamber["seats"]
        )
        assert chamber["model_pass_probability"] == pytest.approx(exact, abs=1e-9)
        expected_yes = chamber["attendance"] * sum(probabilities)
        assert chamber["expected_yes"] == pytest.approx(expected_yes, abs=1e-9)
        if chamber["status"] == "pending":
            product *= chamber["pass_probability"]
    assert data["probability"] == pytest.approx(product, abs=1e-12)
    assert data["risk"] == pytest.approx(data["probability"])  # a block campaign


def test_api_refuses_missing_revoked_and_disabled_tokens(demo_app):
    client = demo_app.test_client()
    assert client.get("/api/v1/states/RO/risk").status_code == 401
    bad = client.get("/api/v1/states/RO/risk", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad.mimetype == "application/problem+json"

    token = _api_token(demo_app, "staff@demo.example")
    prefix = token[:12]
    assert prefix.startswith("crm_")
    revoke = demo_app.test_cli_runner().invoke(args=["crm", "token", "revoke", prefix])
    assert revoke.exit_code == 0, revoke.output
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/states/RO/risk", headers=headers).status_code == 401

    token = _api_token(demo_app, "staff@demo.example")
    demo_app.test_cli_runner().invoke(args=["crm", "set-enabled", "staff@demo.example",
                                            "--disable"])  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/states/RO/risk", headers=headers).status_code == 401


def test_tokens_are_stored_only_as_hashes(demo_app):
    token = _api_token(demo_app, "staff@demo.example")
    stored = db.session.scalars(sa.select(ApiToken)).one()
    assert stored.scope is TokenScope.API
    assert token not in (stored.token_hash, stored.prefix)
    assert stored.prefix == token[:12]


def test_api_unknown_state_is_a_problem_document(demo_app):
    token = _api_token(demo_app, "staff@demo.example")
    response = demo_app.test_client().get(
        "/api/v1/states/ZZ/risk", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404
