"""Adding a representative: profile, other names, contact details and the first seat at once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.parliament.models import ContactKind, Representative
from tests.pages import page, representative_ids
from tests.parliament.helpers import audit, field_error, form_values, page_text, post, sign_in


def _url(world) -> str:
    return f"/states/{world.home.state.iso2}/representatives/new"


def _data(world, **changes: str) -> dict[str, str]:
    return {
        "name": "Ștefan Bălănescu",
        "given_name": "Ștefan",
        "family_name": "Bălănescu",
        "languages": "ro, fr",
        "influence": "4",
        "tags": "lawyer, foreign affairs",
        "notes": "Former ambassador to Paris.",
        "other_names-0-name": "Штефан Бэлэнеску",
        "other_names-0-lang": "ru",
        "other_names-1-name": "राजेश कुमार",
        "other_names-1-lang": "hi",
        "contact_details-0-kind": "email",
        "contact_details-0-value": "s.balanescu@parliament.example",
        "contact_details-0-label": "office",
        "contact_details-1-kind": "website",
        "contact_details-1-value": "https://balanescu.example/",
        "chamber": str(world.home.chamber.id),
        "party": str(world.home.parties[1].id),
        "constituency": "Iași",
        "start_date": "2024-12-20",
        **changes,
    }


def _people() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Representative))


def test_a_section_member_adds_a_representative_with_everything_at_once(client, world):
    sign_in(client, world, "member")
    url = _url(world)
    data = form_values(client, url) | _data(world)
    response = client.post(url, data=data)
    assert response.status_code == 302
    rep = db.session.scalars(
        sa.select(Representative).where(Representative.name == "Ștefan Bălănescu")
    ).one()
    assert response.headers["Location"].endswith(f"/representatives/{rep.id}")
    assert rep.state_id == world.home.state.id
    assert rep.sort_name == "Bălănescu, Ștefan"
    assert (rep.influence, rep.languages) == (4, ["ro", "fr"])
    assert rep.tags == ["lawyer", "foreign affairs"]
    assert sorted((n.name, n.lang) for n in rep.other_names) == [
        ("Штефан Бэлэнеску", "ru"),
        ("राजेश कुमार", "hi"),
    ]
    assert sorted((c.kind, c.value, c.label) for c in rep.contact_details) == [
        (ContactKind.EMAIL, "s.balanescu@parliament.example", "office"),
        (ContactKind.WEBSITE, "https://balanescu.example/", None),
    ]
    [seat] = rep.memberships
    assert (seat.chamber_id, seat.party_id, seat.constituency, seat.end_date) == (
        world.home.chamber.id, world.home.parties[1].id, "Iași", None,
    )  # fmt: skip
    assert seat.start_date.isoformat() == "2024-12-20"

    [entry] = audit("representative.created")
    assert entry.actor_id == world.member.id
    assert entry.target_type == "representatives"
    assert entry.target_id == str(rep.id)
    assert entry.state_id == world.home.state.id
    assert entry.after["name"] == "Ștefan Bălănescu"
    assert entry.after["version"] == rep.version
    assert [n["name"] for n in entry.after["other_names"]] == ["Штефан Бэлэнеску", "राजेश कुमार"]
    assert entry.after["memberships"][0]["chamber_id"] == world.home.chamber.id

    shown = page_text(client.get(f"/representatives/{rep.id}"))
    assert "Added Ștefan Bălănescu." in shown
    assert "s.balanescu@parliament.example" in shown
    assert "Штефан Бэлэнеску" in shown


def test_an_independent_needs_no_party_and_blank_rows_are_skipped(client, world):
    sign_in(client, world, "member")
    url = _url(world)
    data = form_values(client, url) | {
        "name": "Maria Ionescu",
        "chamber": str(world.home.chamber.id),
        "start_date": "2024-12-20",
    }
    assert data["party"] == ""  # the form's default: independent
    assert client.post(url, data=data).status_code == 302
    rep = db.session.scalars(
        sa.select(Representative).where(Representative.name == "Maria Ionescu")
    ).one()
    assert rep.memberships[0].party is None
    assert rep.sort_name == "Maria Ionescu"
    assert (rep.other_names, rep.contact_details) == ([], [])


@pytest.mark.parametrize(
    "query", ["stefan balanescu", "STEFAN BALANESCU", "balanescu", "Бэлэнеску", "राजेश कुमार"]
)
def test_the_new_person_is_found_across_scripts_and_accents(client, world, query):
    sign_in(client, world, "member")
    url = _url(world)
    assert client.post(url, data=form_values(client, url) | _data(world)).status_code == 302
    rep_id = db.session.scalar(
        sa.select(Representative.id).where(Representative.name == "Ștefan Bălănescu")
    )
    found = representative_ids(page(client, f"/representatives?q={query}"))
    assert found == [rep_id]


def test_the_form_offers_only_the_states_own_chambers_and_parties(client, world):
    sign_in(client, world, "member")
    soup = page(client, _url(world))
    chambers = [o["value"] for o in soup.select("select[name=chamber] option")]
    parties = [o["value"] for o in soup.select("select[name=party] option")]
    assert chambers == ["", str(world.home.chamber.id)]
    assert sorted(parties) == sorted(["", *(str(p.id) for p in world.home.parties)])
    for name in ("name", "chamber", "start_date", "other_names-0-name", "contact_details-0-value"):
        control = soup.find(attrs={"name": name})
        assert soup.find("label", attrs={"for": control["id"]}), name


BAD_INPUT = {
    "chamber of another state": (lambda w: {"chamber": str(w.other.chamber.id)}, "chamber"),
    "no chamber": (lambda w: {"chamber": ""}, "chamber"),
    "party of another state": (lambda w: {"party": str(w.other.parties[0].id)}, "party"),
    "no name": (lambda w: {"name": "  "}, "name"),
    "name too long": (lambda w: {"name": "x" * 201}, "name"),
    "influence 7": (lambda w: {"influence": "7"}, "influence"),
    "impossible start date": (lambda w: {"start_date": "2026-02-30"}, "start_date"),
    "start date long ago": (lambda w: {"start_date": "1850-01-01"}, "start_date"),
    "no start date": (lambda w: {"start_date": ""}, "start_date"),
    "invalid e-mail": (
        lambda w: {"contact_details-0-value": "not-an-email"},
        "contact_details-0-value",
    ),
    "javascript: website": (
        lambda w: {"contact_details-1-value": "javascript:alert(1)"},
        "contact_details-1-value",
    ),
    "website without scheme": (
        lambda w: {"contact_details-1-value": "balanescu.example"},
        "contact_details-1-value",
    ),
    "phone with letters": (
        lambda w: {"contact_details-2-kind": "phone", "contact_details-2-value": "call me"},
        "contact_details-2-value",
    ),
    "unknown contact kind": (
        lambda w: {"contact_details-0-kind": "pigeon"},
        "contact_details-0-kind",
    ),
    "label without a value": (
        lambda w: {"contact_details-2-label": "home"},
        "contact_details-2-value",
    ),
    "bad language tag": (lambda w: {"other_names-0-lang": "Russian!"}, "other_names-0-lang"),
    "language without a name": (lambda w: {"other_names-1-name": ""}, "other_names-1-name"),
    "do not contact without a reason": (
        lambda w: {"do_not_contact": "y", "do_not_contact_reason": ""},
        "do_not_contact_reason",
    ),
}


@pytest.mark.parametrize(("change", "field"), list(BAD_INPUT.values()), ids=list(BAD_INPUT))
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_written(
    client, world, change, field
):
    sign_in(client, world, "member")
    url = _url(world)
    before = _people()
    response = client.post(url, data=form_values(client, url) | _data(world, **change(world)))
    assert response.status_code == 422
    assert field_error(response, field)
    assert _people() == before
    assert audit("representative.created") == []


def test_the_bad_form_keeps_what_was_typed(client, world):
    sign_in(client, world, "member")
    url = _url(world)
    response = client.post(url, data=form_values(client, url) | _data(world, influence="7"))
    text = response.get_data(as_text=True)
    assert "Штефан Бэлэнеску" in text
    assert "s.balanescu@parliament.example" in text


@pytest.mark.parametrize("who", ["other_member", "coordinator", "staff"])
def test_only_the_states_section_and_admins_add_representatives(client, world, who):
    sign_in(client, world, who)
    url = _url(world)
    assert client.get(url).status_code == 403
    before = _people()
    assert post(client, url, _data(world)).status_code == 403
    assert _people() == before


def test_an_admin_adds_a_representative_in_any_state(client, world):
    sign_in(client, world, "admin")
    url = f"/states/{world.other.state.iso2}/representatives/new"
    data = form_values(client, url) | _data(world, chamber=str(world.other.chamber.id), party="")
    assert client.post(url, data=data).status_code == 302


def test_an_unknown_state_is_not_found(client, world):
    sign_in(client, world, "member")
    assert client.get("/states/QQQ/representatives/new").status_code == 404
    assert client.get("/states/ZZ/representatives/new").status_code == 404


def test_the_list_offers_adding_only_to_those_who_may(client, world):
    iso2 = world.home.state.iso2
    sign_in(client, world, "member")
    assert page(client, f"/representatives?state={iso2}").find("a", href=_url(world))
    other = f"/states/{world.other.state.iso2}/representatives/new"
    assert not page(client, f"/representatives?state={world.other.state.iso2}").find(
        "a", href=other
    )
