"""The JSON API: a restricted contact is linked to no person for those who may not read it —
in lists, filters, totals, single records and refusals — and the pages and the API agree.
See conftest.py for the world.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.restricted.conftest import (
    FOLLOW_UP,
    HUSH,
    INSIDERS,
    NOTE,
    OUTSIDERS,
    RECORDER_NAME,
    SECRET_MARK,
    SUMMARY,
    SecretWorld,
    json_objects,
    names_secret,
)

API = "/api/v1"


def _get(world: SecretWorld, who: str, url: str) -> Any:
    return world.api(who, f"{API}{url}").get_json()


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _no_trace_about_the_person(world: SecretWorld, answer: Any) -> None:
    """No object about the secret person carries any trace of the contact."""
    for obj in json_objects(answer):
        if names_secret(obj, world.secret_id):
            assert world.traces_in(_dump(obj)) == [], obj
    assert HUSH not in _dump(answer)


def _total(world: SecretWorld, who: str, url: str) -> int:
    return _get(world, who, url)["pagination"]["total"]


# --- Contacts: filters and totals -------------------------------------------------------------


@pytest.mark.parametrize("who", OUTSIDERS)
def test_filtering_contacts_by_the_person_answers_as_for_someone_never_met(world, who):
    for extra in ("", f"&state={world.iso2}", "&kind=meeting"):
        secret = _get(world, who, f"/interactions?representative={world.secret_id}{extra}")
        never = _get(world, who, f"/interactions?representative={world.never_id}{extra}")
        assert secret["pagination"]["total"] == never["pagination"]["total"] == 0, extra
        assert secret["items"] == never["items"] == []


@pytest.mark.parametrize("who", INSIDERS)
def test_filtering_contacts_by_the_person_finds_the_restricted_one_for_those_allowed(world, who):
    found = _get(world, who, f"/interactions?representative={world.secret_id}")
    assert found["pagination"]["total"] == 1
    assert found["items"][0]["summary"] == SUMMARY


@pytest.mark.parametrize("who", OUTSIDERS)
def test_filtering_contacts_by_kind_does_not_count_the_restricted_one(world, who):
    assert _total(world, who, "/interactions?kind=meeting") == 0
    assert _total(world, who, f"/interactions?state={world.iso2}&kind=meeting") == 0


@pytest.mark.parametrize("who", INSIDERS)
def test_filtering_contacts_by_kind_counts_the_restricted_one_for_those_allowed(world, who):
    assert _total(world, who, f"/interactions?state={world.iso2}&kind=meeting") == 1


@pytest.mark.parametrize("who", OUTSIDERS)
def test_state_contacts_list_the_restricted_one_by_its_date_only(world, who):
    answer = _get(world, who, f"/interactions?state={world.iso2}&per_page=100")
    assert answer["pagination"]["total"] == 4  # it still counts in its own state's list
    restricted = [i for i in answer["items"] if i.get("restricted")]
    assert len(restricted) == 1
    item = restricted[0]
    assert item["date"] == world.contact_day.isoformat()
    told = {k for k, v in item.items() if v not in (None, [], {}, True, False, "")}
    assert told <= {"state", "date"}, item
    assert not any(names_secret(obj, world.secret_id) for obj in json_objects(answer))
    assert HUSH not in _dump(answer)
    assert RECORDER_NAME not in _dump(answer)


@pytest.mark.parametrize("who", INSIDERS)
def test_state_contacts_list_the_restricted_one_whole_for_those_allowed(world, who):
    answer = _get(world, who, f"/interactions?state={world.iso2}&per_page=100")
    item = next(i for i in answer["items"] if i.get("restricted"))
    assert [r["id"] for r in item["representatives"]] == [world.secret_id]
    assert item["summary"] == SUMMARY


# --- One contact: a refusal names nobody ------------------------------------------------------


def _refusal(world: SecretWorld, response) -> None:
    assert 400 <= response.status_code < 500, response.status_code
    assert response.mimetype == "application/problem+json"
    body = response.get_data(as_text=True)
    for hidden in (SECRET_MARK, RECORDER_NAME, HUSH, *world.day_strings):
        assert hidden not in body, (hidden, body)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_refusals_about_the_restricted_contact_name_nobody(world, who):
    url = f"{API}/interactions/{world.restricted_id}"
    _refusal(world, world.api(who, url, status=None))
    _refusal(
        world,
        world.api(
            who, url, status=None, method="patch", json={"version": 1, "summary": "Overwritten"}
        ),
    )
    # A stale version from someone who may not read it: refused, not a 409 listing changes.
    stale = world.api(who, url, status=None, method="patch", json={"version": 0, "outcome": "x"})
    assert stale.status_code != 409
    _refusal(world, stale)
    fu_url = f"{API}/follow-ups/{world.restricted_follow_up_id}"
    _refusal(world, world.api(who, fu_url, status=None, method="patch", json={"status": "done"}))


@pytest.mark.parametrize("who", OUTSIDERS)
def test_refused_writes_about_the_person_name_nothing_of_the_contact(world, who):
    contact = {
        "state": world.iso2,
        "occurred_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "kind": "meeting",
        "representative_ids": [world.secret_id],
        "summary": "Trying to write.",
    }
    _refusal(world, world.api(who, f"{API}/interactions", status=None, method="post", json=contact))
    follow_up = {"state": world.iso2, "title": "Trying", "representative_id": world.secret_id}
    _refusal(world, world.api(who, f"{API}/follow-ups", status=None, method="post", json=follow_up))


@pytest.mark.parametrize("who", INSIDERS)
def test_the_restricted_contact_is_whole_for_those_allowed(world, who):
    item = _get(world, who, f"/interactions/{world.restricted_id}")
    assert [r["id"] for r in item["representatives"]] == [world.secret_id]
    assert item["outcome"].startswith("HUSHOUTCOME")


# --- The person: stance history and current stance -------------------------------------------


@pytest.mark.parametrize("who", OUTSIDERS)
def test_stance_history_gives_the_value_from_a_restricted_source_by_month(world, who):
    items = _get(world, who, f"/representatives/{world.secret_id}/stances")["items"]
    assert len(items) == 1
    record = items[0]
    assert record["stance"] == "leaning_against"
    withheld_fields = ("source", "confidence", "note", "interaction_id", "recorded_at")
    for withheld in (*withheld_fields, "observed_on", "recorded_by"):
        assert record.get(withheld) is None, (withheld, record)
    assert world.traces_in(_dump(record)) == [], record
    assert world.contact_day.strftime("%Y-%m") in _dump(record), "the month is shown"


@pytest.mark.parametrize("who", INSIDERS)
def test_stance_history_is_whole_for_those_allowed(world, who):
    record = _get(world, who, f"/representatives/{world.secret_id}/stances")["items"][0]
    assert record["source"] == "private_meeting"
    assert record["confidence"] == "high"
    assert record["note"] == NOTE
    assert record["observed_on"] == world.contact_day.isoformat()
    assert record["interaction_id"] == world.restricted_id


@pytest.mark.parametrize("who", OUTSIDERS)
def test_representative_answers_give_the_current_stance_without_its_exact_date(world, who):
    one = _get(world, who, f"/representatives/{world.secret_id}")
    assert one["stance"] == "leaning_against"
    assert world.traces_in(_dump(one)) == [], one
    for url in (
        f"/representatives?state={world.iso2}&per_page=100",
        f"/representatives?q={SECRET_MARK}",
        f"/representatives?state={world.iso2}&stance=leaning_against",
    ):
        answer = _get(world, who, url)
        item = next(i for i in answer["items"] if i["id"] == world.secret_id)
        assert item["stance"] == "leaning_against"
        _no_trace_about_the_person(world, answer)


@pytest.mark.parametrize("who", INSIDERS)
def test_representative_answers_give_the_exact_date_to_those_allowed(world, who):
    one = _get(world, who, f"/representatives/{world.secret_id}")
    assert one["stance_on"] == world.contact_day.isoformat()


@pytest.mark.parametrize("who", OUTSIDERS)
def test_state_risk_counts_the_stance_but_says_nothing_of_the_contact(world, who):
    answer = _get(world, who, f"/states/{world.iso2}/risk")
    members = [m for c in answer["chambers"] for m in c["members"]]
    secret = next(m for m in members if m["id"] == world.secret_id)
    assert secret["probability"] == pytest.approx(0.25)  # leaning against, counted
    assert world.traces_in(_dump(answer)) == []


# --- Follow-ups ---------------------------------------------------------------------------------


def _bare_follow_up(world: SecretWorld, item: dict[str, Any], status: str = "open") -> None:
    """A follow-up from the restricted contact as an outsider gets it: due date and status."""
    assert item["status"] == status
    for withheld in (
        "title",
        "details",
        "representative",
        "assignee",
        "interaction_id",
        "completed_at",
    ):
        assert item.get(withheld) in (None, ""), (withheld, item)
    assert not names_secret(item, world.secret_id)
    assert world.traces_in(_dump(item)) == [], item


@pytest.mark.parametrize("who", OUTSIDERS)
def test_follow_ups_from_the_restricted_contact_give_due_date_and_status_only(world, who):
    answer = _get(world, who, f"/follow-ups?state={world.iso2}&per_page=100")
    due = world.follow_up_due.isoformat()
    found = [i for i in answer["items"] if i["due_on"] == due]
    assert len(found) == 1
    _bare_follow_up(world, found[0])
    _no_trace_about_the_person(world, answer)
    assert not any(names_secret(obj, world.secret_id) for obj in json_objects(answer))
    _bare_follow_up(world, _get(world, who, f"/follow-ups/{world.restricted_follow_up_id}"))
    mine = _get(world, who, "/follow-ups?mine=true")["items"]
    assert [i["id"] for i in mine] == [world.leaver_follow_up_ids[who]]
    _bare_follow_up(world, mine[0])


@pytest.mark.parametrize("who", OUTSIDERS)
def test_a_done_follow_up_from_the_restricted_contact_gives_no_completion_time(world, who):
    item = _get(world, who, f"/follow-ups/{world.done_follow_up_id}")
    assert item["status"] == "done"
    assert item["completed_at"] is None
    _bare_follow_up(world, item, status="done")


@pytest.mark.parametrize("who", INSIDERS)
def test_a_done_follow_up_from_the_restricted_contact_is_whole_for_those_allowed(world, who):
    item = _get(world, who, f"/follow-ups/{world.done_follow_up_id}")
    assert item["completed_at"] is not None
    assert item["title"] == FOLLOW_UP


@pytest.mark.parametrize("who", INSIDERS)
def test_follow_ups_from_the_restricted_contact_are_whole_for_those_allowed(world, who):
    item = _get(world, who, f"/follow-ups/{world.restricted_follow_up_id}")
    assert item["title"] == FOLLOW_UP
    assert item["representative"]["id"] == world.secret_id
    assert item["interaction_id"] == world.restricted_id


# --- Pages and API agree ------------------------------------------------------------------------


@pytest.mark.parametrize("who", OUTSIDERS)
def test_pages_and_api_agree_on_the_follow_ups_person(world, who):
    # The API withholds a follow-up's person; the person's page must not list it either.
    item = _get(world, who, f"/follow-ups/{world.restricted_follow_up_id}")
    assert item["representative"] is None
    page = world.get(who, f"/representatives/{world.secret_id}").get_data(as_text=True)
    assert world.follow_up_due.strftime("%d %b %Y") not in page
