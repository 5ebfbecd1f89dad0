"""Contact details and other names: small rows of a person's record, really deleted."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.parliament.models import ContactDetail, ContactKind, OtherName, Representative
from tests.pages import page, representative_ids
from tests.parliament.helpers import audit, field_error, form_values, page_text, sign_in, submit


@pytest.fixture
def member(client, world):
    sign_in(client, world, "member")
    return client


def _details(rep_id: int) -> list[tuple[str, str, str | None]]:
    db.session.expire_all()
    return [
        (d.kind.value, d.value, d.label)
        for d in db.session.scalars(
            sa.select(ContactDetail)
            .where(ContactDetail.representative_id == rep_id)
            .order_by(ContactDetail.id)
        )
    ]


def _with_detail(rep: Representative, kind=ContactKind.EMAIL, value="ana@parliament.example"):
    detail = ContactDetail(kind=kind, value=value, label="office")
    rep.contact_details.append(detail)
    db.session.commit()
    return detail


def test_adding_a_phone_number_shows_it_as_a_link(member, world):
    rep = world.home.reps[0]
    url = f"/representatives/{rep.id}/contact-details/new"
    changes = {"kind": "phone", "value": "+40 (21) 414-1111", "label": "office"}
    assert submit(member, url, changes).status_code == 302
    assert _details(rep.id) == [("phone", "+40 (21) 414-1111", "office")]
    [entry] = audit("contact_detail.added")
    assert entry.after["contact_detail"]["value"] == "+40 (21) 414-1111"
    soup = page(member, f"/representatives/{rep.id}")
    assert soup.find("a", href="tel:+4021414-1111")


def test_editing_a_contact_detail_is_audited_with_both_values(member, world):
    rep = world.home.reps[0]
    detail = _with_detail(rep)
    url = f"/contact-details/{detail.id}/edit"
    assert form_values(member, url)["value"] == "ana@parliament.example"
    changes = {"value": "ana.p@parliament.example", "label": ""}
    assert submit(member, url, changes).status_code == 302
    assert _details(rep.id) == [("email", "ana.p@parliament.example", None)]
    [entry] = audit("contact_detail.updated")
    assert entry.before["contact_detail"]["value"] == "ana@parliament.example"
    assert entry.after["contact_detail"]["value"] == "ana.p@parliament.example"


def test_saving_an_unchanged_contact_detail_writes_nothing(member, world):
    rep = world.home.reps[0]
    detail = _with_detail(rep)
    version = db.session.get(Representative, rep.id).version
    assert submit(member, f"/contact-details/{detail.id}/edit").status_code == 302
    assert audit("contact_detail.updated") == []
    db.session.expire_all()
    assert db.session.get(Representative, rep.id).version == version


def test_removing_a_contact_detail_deletes_it_and_the_log_keeps_it(member, world):
    rep = world.home.reps[0]
    detail_id = _with_detail(rep).id
    url = f"/contact-details/{detail_id}/remove"
    assert "ana@parliament.example" in page_text(member.get(url))  # asks first
    assert submit(member, url).status_code == 302
    assert _details(rep.id) == []
    assert db.session.get(ContactDetail, detail_id) is None
    [entry] = audit("contact_detail.removed")
    assert entry.before["contact_detail"] == {
        "id": detail_id,
        "representative_id": rep.id,
        "kind": "email",
        "value": "ana@parliament.example",
        "label": "office",
    }
    assert entry.after["contact_detail"] is None
    assert member.get(url).status_code == 404


CONTACT_BAD = {
    "invalid e-mail": ({"kind": "email", "value": "ana at parliament"}, "value"),
    "javascript: website": ({"kind": "website", "value": "javascript:alert(1)"}, "value"),
    "data: website": ({"kind": "website", "value": "data:text/html,<b>x</b>"}, "value"),
    "website without a host": ({"kind": "website", "value": "https://"}, "value"),
    "javascript: social link": ({"kind": "social", "value": "javascript:alert(1)"}, "value"),
    "phone with letters": ({"kind": "phone", "value": "ring the bell"}, "value"),
    "empty value": ({"kind": "address", "value": "  "}, "value"),
    "value too long": ({"kind": "other", "value": "x" * 301}, "value"),
    "label too long": ({"kind": "other", "value": "x", "label": "y" * 121}, "label"),
    "unknown kind": ({"kind": "pigeon", "value": "x"}, "kind"),
}


@pytest.mark.parametrize(("changes", "field"), list(CONTACT_BAD.values()), ids=list(CONTACT_BAD))
def test_a_bad_contact_detail_is_refused(member, world, changes, field):
    rep = world.home.reps[0]
    detail = _with_detail(rep)
    for url in (
        f"/representatives/{rep.id}/contact-details/new",
        f"/contact-details/{detail.id}/edit",
    ):
        response = submit(member, url, changes)
        assert response.status_code == 422, url
        assert field_error(response, field)
    assert _details(rep.id) == [("email", "ana@parliament.example", "office")]
    assert audit("contact_detail.added") == audit("contact_detail.updated") == []


def test_a_social_handle_is_fine_and_only_web_addresses_become_links(member, world):
    rep = world.home.reps[0]
    url = f"/representatives/{rep.id}/contact-details/new"
    assert submit(member, url, {"kind": "social", "value": "@ana_popescu"}).status_code == 302
    soup = page(member, f"/representatives/{rep.id}")
    section = soup.find(id="contact-heading").parent
    assert "@ana_popescu" in section.get_text()
    assert not [a for a in section.find_all("a") if "ana_popescu" in a.get("href", "")]


# --- Other names -------------------------------------------------------------------------


def _search(client, query: str) -> list[int]:
    return representative_ids(page(client, f"/representatives?q={query}"))


def test_other_names_are_added_edited_and_removed_and_search_follows(member, world):
    rep = world.home.reps[0]
    url = f"/representatives/{rep.id}/other-names/new"
    changes = {"name": "Ана Попеску", "lang": "ru", "note": "Cyrillic"}
    assert submit(member, url, changes).status_code == 302
    assert _search(member, "Попеску") == [rep.id]
    assert _search(member, "popesku") == [rep.id]  # Latin letters find the Cyrillic name
    other_id = db.session.scalar(
        sa.select(OtherName.id).where(OtherName.representative_id == rep.id)
    )
    shown = page(member, f"/representatives/{rep.id}")
    assert shown.find("span", lang="ru", string="Ана Попеску")

    edit = f"/other-names/{other_id}/edit"
    assert submit(member, edit, {"name": "अना मिश्रा", "lang": "hi"}).status_code == 302
    assert _search(member, "Попеску") == []
    assert _search(member, "मिश्रा") == [rep.id]

    remove = f"/other-names/{other_id}/remove"
    assert submit(member, remove).status_code == 302
    assert db.session.get(OtherName, other_id) is None
    assert _search(member, "मिश्रा") == []
    assert _search(member, rep.name.lower()) == [rep.id]  # the name itself still counts

    [added] = audit("other_name.added")
    [edited] = audit("other_name.updated")
    [removed] = audit("other_name.removed")
    assert added.after["other_name"]["name"] == "Ана Попеску"
    assert (edited.before["other_name"]["lang"], edited.after["other_name"]["lang"]) == ("ru", "hi")
    assert removed.before["other_name"]["name"] == "अना मिश्रा"
    assert removed.after["other_name"] is None


OTHER_NAME_BAD = {
    "empty name": ({"name": " "}, "name"),
    "name too long": ({"name": "ș" * 201}, "name"),
    "bad language tag": ({"name": "Ana", "lang": "Romanian please"}, "lang"),
    "language tag too long": ({"name": "Ana", "lang": "ro-" + "a" * 20}, "lang"),
    "note too long": ({"name": "Ana", "note": "n" * 201}, "note"),
}


@pytest.mark.parametrize(
    ("changes", "field"), list(OTHER_NAME_BAD.values()), ids=list(OTHER_NAME_BAD)
)
def test_a_bad_other_name_is_refused(member, world, changes, field):
    rep = world.home.reps[0]
    response = submit(member, f"/representatives/{rep.id}/other-names/new", changes)
    assert response.status_code == 422
    assert field_error(response, field)
    assert db.session.scalars(sa.select(OtherName)).all() == []
    assert audit("other_name.added") == []


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("member", True), ("admin", True), ("other_member", False), ("coordinator", False),
     ("staff", False)],
)  # fmt: skip
def test_the_page_offers_managing_names_and_contacts_only_to_those_who_may(
    client, world, who, allowed
):
    rep = world.home.reps[0]
    detail = _with_detail(rep)
    links = {
        f"/representatives/{rep.id}/other-names/new",
        f"/representatives/{rep.id}/contact-details/new",
        f"/contact-details/{detail.id}/edit",
        f"/contact-details/{detail.id}/remove",
    }
    sign_in(client, world, who)
    soup = page(client, f"/representatives/{rep.id}")
    hrefs = {a["href"] for a in soup.find_all("a", href=True)}
    assert links & hrefs == (links if allowed else set())
