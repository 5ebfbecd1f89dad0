"""Popolo documents the tests build themselves, and running the data commands."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from click.testing import Result
from flask import Flask

from crm.extensions import db

SPEC_EXAMPLES = "data/popolo/spec-examples"
MICRONESIA = "data/popolo/micronesia-congress.popolo.json"

_ROSTER: dict[str, Any] = {
    "persons": [
        {
            "id": "person/ana-popescu",
            "name": "Ana Popescu",
            "given_name": "Ana",
            "family_name": "Popescu",
            "sort_name": "Popescu, Ana",
            "gender": "female",
            "email": "ana.popescu@parliament.example",
            "image": "http://example.org/ana.jpg",
            "other_names": [
                {"name": "Ана Попеску", "lang": "ru", "note": "multilingual"},
                {"name": "Άννα Ποπέσκου", "lang": "el"},
            ],
            "identifiers": [
                {"scheme": "wikidata", "identifier": "Q1001"},
                {"scheme": "everypolitician_legacy", "identifier": "ep-1001"},
            ],
            "contact_details": [
                {"type": "voice", "value": "+40 21 414 1111", "label": "Office"},
                {"type": "twitter", "value": "@anapopescu"},
            ],
            "links": [{"url": "https://en.wikipedia.org/wiki/Example", "note": "Wikipedia"}],
        },
        {
            "id": "person/ion-ionescu",
            "name": "Ion Ionescu",
            "identifiers": [{"scheme": "wikidata", "identifier": "Q1002"}],
        },
        {"id": "person/maria-dinu", "name": "Maria Dinu", "gender": "female"},
        {"id": "person/old-timer", "name": "Vasile Bătrânu"},
    ],
    "organizations": [
        {"id": "legislature", "name": "Assembly", "classification": "legislature", "seats": 6},
        {"id": "party/green", "name": "Green Party", "classification": "party"},
        {"id": "party/red", "name": "Red Party", "classification": "party"},
        {"id": "party/none", "name": "none", "classification": "party"},
    ],
    "events": [
        {
            "id": "term/1",
            "name": "First Assembly",
            "classification": "legislative period",
            "organization_id": "legislature",
            "start_date": "2015-06-01",
            "end_date": "2019-05-31",
        },
        {
            "id": "term/2",
            "name": "Second Assembly",
            "classification": "legislative period",
            "organization_id": "legislature",
            "start_date": "2019-06-01",
        },
    ],
    "areas": [
        {"id": "area/north", "name": "North", "type": "constituency"},
        {"id": "area/south", "name": "South", "type": "constituency"},
    ],
    "memberships": [
        {
            "person_id": "person/ana-popescu",
            "organization_id": "legislature",
            "on_behalf_of_id": "party/green",
            "area_id": "area/north",
            "legislative_period_id": "term/1",
            "role": "member",
        },
        {
            "person_id": "person/ana-popescu",
            "organization_id": "legislature",
            "on_behalf_of_id": "party/green",
            "area_id": "area/north",
            "legislative_period_id": "term/2",
            "role": "member",
        },
        {
            "person_id": "person/ion-ionescu",
            "organization_id": "legislature",
            "on_behalf_of_id": "party/red",
            "area_id": "area/south",
            "legislative_period_id": "term/2",
            "start_date": "2020-02-01",
        },
        {
            "person_id": "person/maria-dinu",
            "organization_id": "legislature",
            "on_behalf_of_id": "party/none",
            "legislative_period_id": "term/2",
        },
        {
            "person_id": "person/old-timer",
            "organization_id": "legislature",
            "on_behalf_of_id": "party/red",
            "area_id": "area/south",
            "legislative_period_id": "term/1",
        },
        # A party membership, as some files have: not a seat in the chamber.
        {"person_id": "person/ion-ionescu", "organization_id": "party/red"},
    ],
}


_LONG = "x" * 130
_IRREGULAR: dict[str, Any] = {
    "persons": [
        {
            "id": "p/ana",
            "name": "Ana Popescu",
            "given_name": "Ana",
            "gender": "female",
            "identifiers": [{"scheme": "wikidata", "identifier": "Q501"}],
            "other_names": [
                {"name": "Ана Попеску", "lang": "ru"},
                {"name": "Ana P.", "lang": "not a tag!"},
                {"name": "y" * 201},
            ],
            "contact_details": [
                {"type": "email", "value": "not-an-address"},
                {"type": "voice", "value": "+40 21 414 1111", "label": "l" * 130},
                {"type": "url", "value": "w" * 301},
            ],
        },
        {
            "id": "p/ion",
            "name": "Ion Ionescu",
            "family_name": _LONG,
            "identifiers": [{"scheme": "wikidata", "identifier": "Q501"}],
        },
        {"id": "p/maria", "name": "Maria Dinu"},
        {"id": "p/vasile", "name": "Vasile Bătrânu"},
        {"id": "p/senator", "name": "Sorin Senator"},
        {"id": "p/elena", "name": "Elena Popa"},
    ],
    "organizations": [
        {"id": "house", "name": "Assembly", "classification": "legislature", "seats": 9},
        {"id": "senate", "name": "Senate", "classification": "upper house"},
        {"id": "party/red", "name": "Red Party", "classification": "party"},
        {"id": "party/green", "name": "Green Party", "classification": "party"},
        {
            "id": "c/legal",
            "name": "Legal Affairs",
            "classification": "committee",
            "parent_id": "house",
            "abbreviation": "a" * 21,
        },
        {"id": "c/budget", "name": "Budget", "classification": "committee", "parent_id": "house"},
    ],
    "events": [
        {
            "id": "term/1",
            "name": "First term",
            "classification": "legislative period",
            "start_date": "2019-06-01",
        }
    ],
    "areas": [{"id": "a/north", "name": "North"}, {"id": "a/south", "name": "South"}],
    "memberships": [
        {
            "person_id": "p/ana",
            "organization_id": "house",
            "on_behalf_of_id": "party/green",
            "area_id": "a/north",
            "legislative_period_id": "term/1",
        },
        {
            "person_id": "p/ion",
            "organization_id": "house",
            "on_behalf_of_id": "party/red",
            "area_id": "a/south",
            "legislative_period_id": "term/1",
            "role": "r" * 81,
        },
        {"person_id": "p/maria", "organization_id": "house", "start_date": "2020-01-01"},
        {"person_id": "p/vasile", "organization_id": "house", "start_date": "2020-01-01"},
        {"person_id": "p/elena", "organization_id": "house", "start_date": "2020-01-01"},
        {"person_id": "p/senator", "organization_id": "senate", "start_date": "2020-01-01"},
        {"person_id": "p/nobody", "organization_id": "house"},
        {"organization_id": "house"},
        {"person_id": "p/ana", "organization_id": "c/legal", "role": "chair"},
        {"person_id": "p/maria", "organization_id": "c/legal", "role": "member"},
        {"person_id": "p/maria", "organization_id": "c/budget", "role": "rapporteur"},
    ],
}


def irregular_roster() -> dict[str, Any]:
    """A chamber ("Assembly", organization "house") whose file has something of every kind
    a roster import warns of (values too long, a bad language tag or e-mail, memberships of
    no one, an identifier given twice), committees, and a member of another chamber."""
    return copy.deepcopy(_IRREGULAR)


def irregular_roster_later() -> dict[str, Any]:
    """`irregular_roster` later: names and seats changed, contacts and ids added, one person
    gone, a new one, other committee seats."""
    document = irregular_roster()
    ana, ion, maria = document["persons"][:3]
    ana.update(name="Ana Popescu-Dinu", gender="f")
    ana["other_names"] = [{"name": "Anna Popescu", "lang": "en"}, {"name": "A. P."}]
    ana["contact_details"] = [
        {"type": "voice", "value": "+40 21 414 2222"},
        {"type": "url", "value": "https://ana.example.org"},
        {"type": "email", "value": "ana@parliament.example"},
        {"type": "fax", "value": "+40 21 414 3333"},
        {"type": "address", "value": "1 Parliament Square"},
        {"type": "twitter", "value": "@ana"},
        {"type": "skype", "value": "ana.popescu"},
    ]
    ana["identifiers"] += [
        {"scheme": "parlament", "identifier": "ap-7"},
        {"scheme": "senat", "identifier": "s-12"},
    ]
    ion["identifiers"] = []
    maria["given_name"] = "Maria"
    document["persons"] = [p for p in document["persons"] if p["id"] != "p/elena"]
    document["persons"].append({"id": "p/nou", "name": "Nou Venit"})
    document["events"].append(
        {
            "id": "term/2",
            "name": "Second term",
            "classification": "legislative period",
            "start_date": "2024-06-01",
        }
    )
    memberships = [m for m in document["memberships"] if m.get("person_id") != "p/elena"]
    for m in memberships:
        if m.get("person_id") == "p/ion" and m["organization_id"] == "house":
            m.update(on_behalf_of_id="party/green", area_id="a/north", role="deputy")
        if m.get("person_id") == "p/ana" and m["organization_id"] == "c/legal":
            m["role"] = "vice-chair"
        if m.get("person_id") == "p/maria" and m["organization_id"] == "c/budget":
            m["organization_id"] = "c/legal"
        if m.get("person_id") == "p/maria" and m["organization_id"] == "house":
            m["end_date"] = "2024-05-31"
    memberships += [
        {
            "person_id": "p/maria",
            "organization_id": "house",
            "on_behalf_of_id": "party/red",
            "legislative_period_id": "term/2",
        },
        {"person_id": "p/nou", "organization_id": "house", "start_date": "2024-06-01"},
        {"person_id": "p/ion", "organization_id": "c/budget"},
    ]
    document["memberships"] = memberships
    return document


def roster() -> dict[str, Any]:
    """A small EveryPolitician-like file: four people, two terms, two parties and "none"."""
    return copy.deepcopy(_ROSTER)


def without_person(document: dict[str, Any], person_id: str) -> dict[str, Any]:
    document = copy.deepcopy(document)
    document["persons"] = [p for p in document["persons"] if p["id"] != person_id]
    document["memberships"] = [m for m in document["memberships"] if m["person_id"] != person_id]
    return document


def many_people(count: int) -> dict[str, Any]:
    """A roster of `count` people with only a name and a seat."""
    return {
        "persons": [{"id": f"p{n}", "name": f"Person Number {n}"} for n in range(count)],
        "organizations": [{"id": "house", "name": "House", "classification": "legislature"}],
        "memberships": [
            {"person_id": f"p{n}", "organization_id": "house", "start_date": "2020-01-01"}
            for n in range(count)
        ],
    }


def write(tmp_path: Path, document: Any, name: str = "roster.json") -> Path:
    path = tmp_path / name
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def run(app: Flask, *args: str) -> Result:
    """Run `flask crm …` as a person would: on its own session, after the test's commits."""
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["crm", *args])
    db.session.expire_all()
    return result
