"""Languages show as names in the reader's language, never as codes: a representative's
languages and the language of each of their other names, on their page and in their
one-pager; a tag Babel does not know stays as written."""

from __future__ import annotations

from bs4 import BeautifulSoup

from crm.extensions import db
from tests.briefings.pdf import read
from tests.conftest import sign_in
from tests.factories import OtherNameFactory


def _languages(soup: BeautifulSoup, label: str = "Languages") -> str:
    term = next(dt for dt in soup.select("dt") if dt.get_text(strip=True) == label)
    return term.find_next_sibling("dd").get_text(strip=True)


def test_a_representatives_languages_are_named_in_the_readers_language(app, client, world):
    rep = world.home.reps[0]
    rep.languages = ["ro", "hu", "xx-q"]
    OtherNameFactory(representative=rep, name="पूजा", lang="hi")
    db.session.commit()
    sign_in(client, world.member)

    english = BeautifulSoup(
        client.get(f"/representatives/{rep.id}").get_data(as_text=True), "html.parser"
    )
    assert _languages(english) == "Romanian, Hungarian, xx-q"
    natives = english.find_all("span", string="पूजा")
    assert {span["lang"] for span in natives} == {"hi"}
    assert any("Hindi" in span.parent.get_text(" ") for span in natives)  # the names' list

    world.member.locale = "fr"
    db.session.commit()
    french = BeautifulSoup(
        client.get(f"/representatives/{rep.id}").get_data(as_text=True), "html.parser"
    )
    assert _languages(french, "Langues") == "roumain, hongrois, xx-q"

    # The one-pager made for the French reader (in this request: no worker in the tests).
    pdf = read(client.get(f"/representatives/{rep.id}/briefing.pdf").data)
    assert "roumain,hongrois,xx-q" in pdf.squeezed()
