"""Name, party, committee and constituency pools for the demo data loader.

Person names are generated combinations of common given and family names and belong to no
real person; the parties are invented. Constituency names are real public geography.
"""

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "COMMITTEE_NAMES",
    "CONSTITUENCY_NAMES",
    "NAME_POOLS",
    "PARTY_POOLS",
    "NamePool",
    "PartySeed",
    "full_name",
]


@dataclass(frozen=True)
class NamePool:
    given: tuple[str, ...]
    family: tuple[str, ...]
    script: str | None = None
    lang: str | None = None
    given_native: tuple[str, ...] = ()
    family_native: tuple[str, ...] = ()
    # Only Uzbek needs this: its -ov/-ev family names take a feminine -a ending.
    feminine_given: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # A misaligned native tuple would silently pair a name with someone else's spelling.
        if (self.script is None) != (self.lang is None):
            raise ValueError("script and lang must be set together")
        if self.script is None:
            if self.given_native or self.family_native:
                raise ValueError("native names given without a script")
        elif len(self.given_native) != len(self.given) or len(self.family_native) != len(
            self.family
        ):
            raise ValueError("native names must be index-aligned with the Latin names")


@dataclass(frozen=True)
class PartySeed:
    name: str
    abbreviation: str
    in_government: bool
    weight: float


def _pool(entry: dict[str, Any]) -> NamePool:
    if "script" not in entry:
        return NamePool(given=tuple(entry["given"]), family=tuple(entry["family"]))
    # The file writes names as [Latin, native] pairs so the two spellings cannot drift apart.
    given, family = entry["given"], entry["family"]
    return NamePool(
        given=tuple(latin for latin, _ in given),
        family=tuple(latin for latin, _ in family),
        script=entry["script"],
        lang=entry["lang"],
        given_native=tuple(native for _, native in given),
        family_native=tuple(native for _, native in family),
        feminine_given=frozenset(entry.get("feminine_given", ())),
    )


def _feminine_surname(name: str) -> str:
    if name.endswith(("ov", "ev")):
        return name + "a"
    if name.endswith(("ов", "ев")):
        return name + "а"
    return name


# The pools are data, kept in names.json beside this module (shipped as package data). What
# JSON cannot say beside them:
# - name_pools: LK is Sinhala names only (Tamil names written in Sinhala script would
#   misrepresent them); TJ uses Tajik spelling (ҳ, ӣ, ӯ, ҷ), not Russian, and its -zoda and -ī
#   surnames do not inflect for gender; UZ's Latin side follows the official Uzbek alphabet
#   (x, q, oʻ, gʻ), not Russian transliteration; MR's Pulaar and Soninke family names sit
#   alongside Hassaniya ones, as in the real roll.
# - party_pools: deliberately invented names; none is meant to stand for a real party. AF has
#   had no sitting legislature since 2021 and is kept only so every state has the same shape
#   of data. The MH, FM and PW legislatures are non-partisan in practice; their pools stand in
#   for the informal blocs that form around the leadership votes.
# - committee_names: callers take a prefix for small chambers, so the core focuses come first;
#   focus keys must stay within foreign_affairs / legal / defence / human_rights / other.
# - constituency_names: the Knesset (IL) is elected nationally, so its districts give the demo a
#   home region per member; FM's four states alone would be too few, so the larger
#   municipalities are listed as well.
_DATA = json.loads(Path(__file__).with_name("names.json").read_text("utf-8"))

NAME_POOLS: dict[str, NamePool] = {
    code: _pool(entry) for code, entry in _DATA["name_pools"].items()
}
PARTY_POOLS: dict[str, tuple[PartySeed, ...]] = {
    code: tuple(PartySeed(*party) for party in parties)
    for code, parties in _DATA["party_pools"].items()
}
COMMITTEE_NAMES: tuple[tuple[str, str], ...] = tuple(
    (name, focus) for name, focus in _DATA["committee_names"]
)
CONSTITUENCY_NAMES: dict[str, tuple[str, ...]] = {
    code: tuple(places) for code, places in _DATA["constituency_names"].items()
}


def full_name(pool: NamePool, rng: random.Random) -> tuple[str, str, str, str | None]:
    """Draw a name from ``pool``: (given, family, "Given Family", native-script name or None)."""
    g = rng.randrange(len(pool.given))
    f = rng.randrange(len(pool.family))
    # Several pools share names between the two lists; "Radu Radu" reads as a data error.
    while pool.family[f] == pool.given[g]:
        f = rng.randrange(len(pool.family))
    given, family = pool.given[g], pool.family[f]
    feminine = given in pool.feminine_given
    if feminine:
        family = _feminine_surname(family)
    native: str | None = None
    if pool.script is not None:
        family_native = pool.family_native[f]
        if feminine:
            family_native = _feminine_surname(family_native)
        native = f"{pool.given_native[g]} {family_native}"
    return given, family, f"{given} {family}", native
