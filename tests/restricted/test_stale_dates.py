"""A stance observed in a restricted contact: no flag that turns with time tells its day.

"Stale" (older than STALE_STANCE_DAYS) and the risk model's flags turn on a day. Judged from
the exact day of the contact, the day a flag turns would date the contact for anyone who
looks daily; judged from the month's end (what a reader who may not see the contact is shown
of the date), they tell only the month. The section that logged it sees the exact day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from crm.auth.models import Role, TokenScope
from crm.auth.services import create_token
from crm.db import month_end, today
from crm.extensions import db
from crm.interactions.models import Confidentiality, InteractionKind
from crm.interactions.services import StanceSeen, record_interaction
from crm.parliament.models import Stance
from crm.risk import services as risk_services
from crm.states.models import AgreementStatus
from tests.conftest import sign_in
from tests.factories import (
    AgreementFactory,
    CampaignFactory,
    ChamberFactory,
    PartyFactory,
    StageFactory,
    StateFactory,
    UserFactory,
    seated_representative,
    section_member,
)


def _contact_day(on: date) -> date:
    """Twenty days ago, or twenty-one when that is a month's last day: never a month's end,
    so that the exact day and the month's end fall on two sides of a threshold between."""
    day = on - timedelta(days=20)
    return day if month_end(day) != day else day - timedelta(days=1)


@pytest.fixture
def world(app):
    on = today()
    day = _contact_day(on)
    # Stale from the exact day, not yet from the month's end.
    stale_days = (on - day).days - 1
    assert (on - month_end(day)).days <= stale_days
    app.config["STALE_STANCE_DAYS"] = stale_days
    # "Recently recorded" (coverage) too: within coverage_days of the month's end, not of
    # the exact day.
    app.config["RISK_MODEL"] = {"stale_days": stale_days, "coverage_days": stale_days}

    campaign = CampaignFactory()
    ro = StateFactory(iso2="RO", timezone="UTC")
    agreement = AgreementFactory(
        campaign=campaign, state=ro, status=AgreementStatus.BEFORE_PARLIAMENT
    )
    chamber = ChamberFactory(state=ro, seats=3)
    StageFactory(agreement=agreement, chamber=chamber, scheduled_on=on + timedelta(days=30))
    party = PartyFactory(state=ro)
    met = seated_representative(chamber, party, given_name="Quietly", family_name="Met")
    member = section_member(ro)
    staff = UserFactory(role=Role.STAFF)
    db.session.commit()
    record_interaction(
        member,
        ro,
        occurred_at=datetime.combine(day, time(12), UTC),
        kind=InteractionKind.MEETING,
        representative_ids=[met.id],
        participant_ids=[member.id],
        summary="Met in confidence.",
        confidentiality=Confidentiality.RESTRICTED,
        stances=[StanceSeen(representative_id=met.id, stance=Stance.LEANING_AGAINST)],
    )
    db.session.commit()
    return {"app": app, "met": met, "member": member, "staff": staff, "day": day}


def _api_person(app, user, rep_id):
    raw, _token = create_token(None, user, name="check", scope=TokenScope.API)
    db.session.commit()
    response = app.test_client().get(
        f"/api/v1/representatives/{rep_id}", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200
    return response.get_json()


def test_the_api_judges_staleness_from_the_date_each_reader_may_see(world):
    outsider = _api_person(world["app"], world["staff"], world["met"].id)
    section = _api_person(world["app"], world["member"], world["met"].id)

    assert outsider["stance"] == "leaning_against"
    assert outsider["stance_on"] is None
    assert outsider["stance_month"] == world["day"].strftime("%Y-%m")
    assert outsider["stance_stale"] is False
    assert section["stance_on"] == world["day"].isoformat()
    assert section["stance_stale"] is True


def test_the_representative_page_flags_stale_only_for_those_who_see_the_day(world):
    pages = {}
    for who in ("staff", "member"):
        client = world["app"].test_client()
        sign_in(client, world[who].email)
        response = client.get(f"/representatives/{world['met'].id}")
        assert response.status_code == 200
        pages[who] = response.get_data(as_text=True)

    assert "badge-stale" not in pages["staff"]
    assert world["day"].strftime("%d %b %Y") not in pages["staff"]
    assert world["day"].strftime("%B %Y") in pages["staff"]
    assert "badge-stale" in pages["member"]
    assert world["day"].strftime("%d %b %Y") in pages["member"]


def test_the_forecast_everyone_reads_turns_its_flags_at_the_months_end(world):
    campaign_states = risk_services.forecasts(risk_services.active_campaign(), today())
    (result,) = campaign_states
    members = [m for c in result.context.model_input.chambers for m in c.members]
    (met,) = [m for m in members if m.id == world["met"].id]

    assert met.stance == "leaning_against"  # the value counts
    assert met.stale is False  # from the month's end, not the day
    assert met.stance_recorded_recently is True  # likewise
