"""Every action the audit log records, and the shape of its entries: the one place that says
what an entry of each action is about and what its `before` and `after` hold.

An entry's `before` and `after` are JSON objects. For a change of a record they hold the
changed columns (any column of the target's table, as `crm.audit.services.plain`
writes it), and `version`, the record's version after the change, so that a later conflict
can say which changes came after a form was opened (crm.records). Other keys are named
here with their JSON type: "str", "int", "float", "bool", "list", "dict" or "null", and
"str|null" where either may be stored. A key listed may be left out (a change lists only
what changed); a key not listed may not appear.

`problems()` says how an entry departs from its action's shape; the test configuration
checks every entry the application writes against it (AUDIT_SHAPES_CHECKED).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crm.db import Base
from crm.i18n import DEFAULT_LOCALE, LOCALES


@dataclass(frozen=True)
class Fields:
    """What a `before` or `after` may hold: the target's columns (when `columns`), and
    these keys with their JSON types."""

    columns: bool = False
    keys: Mapping[str, str] = field(default_factory=dict)
    # May be left empty (a vote recorded for the first time has nothing before it).
    optional: bool = False


def changed(**keys: str) -> Fields:
    """The changed columns of the target, and these keys."""
    return Fields(columns=True, keys=keys)


def only(**keys: str) -> Fields:
    """These keys and no others."""
    return Fields(keys=keys)


def maybe(fields: Fields) -> Fields:
    """The same, or nothing at all."""
    return Fields(fields.columns, fields.keys, optional=True)


VERSION = {"version": "int"}


@dataclass(frozen=True)
class Shape:
    """The record an entry is about (its table; None: no record) and what `before` and
    `after` hold (None: the entry has none)."""

    target: str | None
    before: Fields | None = None
    after: Fields | None = None
    # An entry may also be about nothing at all (a failed sign-in with an unknown address,
    # the overview pack of every state).
    target_optional: bool = False


def _created(table: str, **extra: str) -> Shape:
    """A new record: its columns (and these keys) in `after`."""
    return Shape(table, None, changed(**VERSION, **extra))


def _changed(table: str, **extra: str) -> Shape:
    """A change of a record: the changed columns before and after, and its new version."""
    return Shape(table, changed(**extra), changed(**VERSION, **extra))


def _child(table: str, child: str) -> Shape:
    """A child row of a record (a contact detail of a representative) added, changed or
    removed: the child's columns before (none when added) and after (null when removed), on
    the parent, whose version moves on."""
    return Shape(table, maybe(only(**{child: "dict"})), only(**{child: "dict|null"}, **VERSION))


def _account(table: str = "users") -> Shape:
    """Something that happened to an account: who and when say it all."""
    return Shape(table)


# A vote event (crm.votes.services.vote_summary): totals by option, totals by party (ids as
# text) and option, and each representative's vote by their id.
VOTE = {
    "held_on": "str|null",
    "result": "str|null",
    "motion": "str|null",
    "source": "str|null",
    "counts": "dict",
    "party_counts": "dict",
    "votes": "dict",
}

REPRESENTATIVE_CHILDREN = {
    "memberships": "list",
    "committee_memberships": "list",
    "contact_details": "list",
    "other_names": "list",
    "identifiers": "list",
}

REPRESENTATIVE_ADDED = {
    "committee_memberships_added": "list",
    "contact_details_added": "list",
    "identifiers_added": "list",
    "other_names_added": "list",
    "membership_added": "dict",
    "memberships_added": "list",  # a roster import: the seats it gave someone on record
}

# A key message's translations, as its audit entries name them (`text_fr`: the key message's
# form names its fields the same, so a conflict names the language changed).
KEY_MESSAGE_TEXTS = {f"text_{code}": "str|null" for code in LOCALES if code != DEFAULT_LOCALE}

# An import from a file: the file's name and how many records it added, changed and left as
# they were.
IMPORTED = {"file": "str", "added": "int", "changed": "int", "unchanged": "int"}

ACTIONS: dict[str, Shape] = {
    # Campaigns, states, agreements and the stages of ratification.
    "agreement.updated": _changed("agreements"),
    "stage.created": _created("stages"),
    "stage.updated": _changed("stages"),
    "stage.moved": _changed("stages"),
    "stage.scheduled": _changed("stages"),
    "stage.postponed": _changed("stages"),
    "stage.cancelled": _changed("stages"),
    "stage.held": _changed("stages"),
    # A campaign's key messages (crm.states.key_messages): the English text is the row's
    # column, each translation a key `text_<locale>` (null: none, the English is printed).
    "key_message.created": _created("key_messages", **KEY_MESSAGE_TEXTS),
    "key_message.updated": _changed("key_messages", **KEY_MESSAGE_TEXTS),
    "key_message.moved": _changed("key_messages"),
    "key_message.removed": Shape("key_messages", changed(**VERSION, **KEY_MESSAGE_TEXTS), None),
    # Parliaments.
    "chamber.created": _created("chambers"),
    "chamber.updated": _changed("chambers"),
    "committee.created": _created("committees"),
    "party.created": _created("parties"),
    "party.updated": _changed("parties"),
    "representative.created": _created("representatives", **REPRESENTATIVE_CHILDREN),
    # An import that only adds seats, names or contact details changes no column: nothing
    # before, what was added after.
    "representative.updated": Shape(
        "representatives",
        maybe(changed(**REPRESENTATIVE_CHILDREN)),
        changed(**VERSION, **REPRESENTATIVE_CHILDREN, **REPRESENTATIVE_ADDED),
    ),
    "representative.archived": _changed("representatives"),
    # A merge (crm.parliament.services.merge): on the kept record, the profile columns it
    # took from the other, the rows that moved and those dropped as duplicates (ids by
    # kind), the other names it gained and the choice made for each differing field; on
    # the merged-away record, its archiving and `merged_into_id`, and what left it.
    "representative.merged": Shape(
        "representatives",
        maybe(changed()),
        changed(
            **VERSION,
            merged_from="int",
            moved="dict",
            dropped="dict",
            other_names_added="list",
            choices="dict",
        ),
    ),
    "representative.merged_away": Shape(
        "representatives", changed(), changed(**VERSION, moved="dict", dropped="dict")
    ),
    "representative.restored": _changed("representatives"),
    "membership.added": _child("representatives", "membership"),
    "membership.ended": Shape(
        "representatives",
        only(membership="dict", memberships="list", committee_memberships="list"),
        only(membership="dict", memberships="list", committee_memberships="list", **VERSION),
    ),
    "membership.party_changed": Shape(
        "representatives",
        only(membership="dict"),
        only(membership="dict", new_membership="dict", **VERSION),
    ),
    "committee_membership.added": _child("representatives", "committee_membership"),
    "committee_membership.ended": _child("representatives", "committee_membership"),
    "contact_detail.added": _child("representatives", "contact_detail"),
    "contact_detail.updated": _child("representatives", "contact_detail"),
    "contact_detail.removed": _child("representatives", "contact_detail"),
    "other_name.added": _child("representatives", "other_name"),
    "other_name.updated": _child("representatives", "other_name"),
    "other_name.removed": _child("representatives", "other_name"),
    "stance.recorded": Shape("stance_records", None, changed()),
    "stance.archived": _changed("stance_records"),
    "stance.restored": _changed("stance_records"),
    # Contacts and follow-ups.
    "interaction.created": _created(
        "interactions",
        representatives="list",
        participants="list",
        # Who asked not to be contacted, and why we went ahead (when someone did).
        do_not_contact_override="dict",
    ),
    "interaction.updated": _changed(
        "interactions", representatives="list", participants="list", do_not_contact_override="dict"
    ),
    "interaction.archived": _changed("interactions"),
    "interaction.restored": _changed("interactions"),
    "follow_up.created": _created("follow_ups"),
    "follow_up.updated": _changed("follow_ups"),
    "follow_up.done": _changed("follow_ups"),
    "follow_up.reopened": _changed("follow_ups"),
    "follow_up.cancelled": _changed("follow_ups"),
    # Events.
    "event.created": _created("events"),
    "event.updated": _changed("events"),
    "event.cancelled": _changed("events"),
    "event.archived": _changed("events"),
    "event.restored": _changed("events"),
    "invitation.created": _created("invitations", do_not_contact_override="dict"),
    "invitation.updated": _changed("invitations"),
    "invitation.removed": Shape("invitations", changed(**VERSION), None),
    # Votes: totals by option, and the individual votes by representative id.
    "vote.recorded": Shape("vote_events", maybe(only(**VOTE)), only(**VOTE, **VERSION)),
    # Files in and out, packs printed.
    "csv.imported": Shape("states", None, only(**IMPORTED)),
    "popolo.imported": Shape("chambers", None, only(**IMPORTED, ended="int", parties_added="list")),
    "popolo.votes_imported": Shape(
        "stages", None, only(file="str", counts="dict", party_counts="dict", votes="int")
    ),
    "data.exported": Shape("states", None, only(what="str", via="str", restricted_content="bool")),
    "briefing.printed": Shape(
        "states",
        None,
        only(
            pack="str",
            reference="str",
            generated_at="str",
            pages="int",
            bytes="int",
            restricted_content="bool",
            via="str",
        ),
        target_optional=True,
    ),
    "demo_loaded": Shape("campaigns"),
    # Accounts, sessions, second factors and tokens.
    "user_created": Shape("users", None, only(email="str", role="str", sections="list")),
    "user_enabled": Shape("users", only(is_enabled="bool"), only(is_enabled="bool")),
    "user_disabled": Shape("users", only(is_enabled="bool"), only(is_enabled="bool")),
    "login": _account(),
    "login_failed": Shape("users", target_optional=True),
    "logout": _account(),
    "reauthenticated": _account(),
    "password_changed": _account(),
    "session_revoked": _account(),
    "second_factor_enrolment_started": _account(),
    "second_factor_enrolled": _account(),
    "second_factor_refused": _account(),
    "second_factor_disabled": _account(),
    "second_factor_reset": Shape("users", only(enrolled="bool"), only(enrolled="bool")),
    "recovery_codes_regenerated": _account(),
    "token_created": Shape(
        "api_tokens", None, only(name="str", scope="str", prefix="str", expires_at="str|null")
    ),
    "token_revoked": _account("api_tokens"),
    # An admin ran a failed background job again (crm.jobs.services.retry).
    "job_retried": Shape("jobs", only(status="str", attempts="int"), only(status="str")),
    # A user chose their e-mails, or stopped one kind from a message (crm.mail.services).
    "notifications_changed": Shape(
        "users",
        only(notifications="dict", time_zone="str", digest_weekday="int", digest_hour="int"),
        only(notifications="dict", time_zone="str", digest_weekday="int", digest_hour="int"),
    ),
    # A user chose the CRM's language, or to follow their browser's (null) (crm.i18n).
    "language_changed": Shape("users", only(locale="str|null"), only(locale="str|null")),
}

# Other targets an action may name: an export of one chamber, the one-pager of a person.
OTHER_TARGETS: dict[str, frozenset[str]] = {
    "data.exported": frozenset({"chambers"}),
    "briefing.printed": frozenset({"representatives"}),
}

_JSON_TYPES: dict[type, str] = {
    str: "str",
    int: "int",
    float: "float",
    bool: "bool",
    list: "list",
    dict: "dict",
    type(None): "null",
}


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _columns(table: str) -> frozenset[str]:
    found = Base.metadata.tables.get(table)
    return frozenset(found.columns.keys()) if found is not None else frozenset()


def _field_problems(side: str, fields: Fields | None, value: Any, table: str | None) -> list[str]:
    if fields is None:
        return [] if value is None else [f"{side} should be empty"]
    if value is None and fields.optional:
        return []
    if not isinstance(value, dict):
        return [f"{side} should be an object, not {_json_type(value)}"]
    columns = _columns(table) if fields.columns and table else frozenset()
    found = []
    for key, item in value.items():
        if key in fields.keys:
            allowed = fields.keys[key].split("|")
            if _json_type(item) not in allowed and not (
                _json_type(item) == "int" and "float" in allowed
            ):
                found.append(f"{side}[{key!r}] is {_json_type(item)}, not {fields.keys[key]}")
        elif key in columns:
            if _json_type(item) == "dict":
                found.append(f"{side}[{key!r}] is an object: a column is a plain value")
        else:
            found.append(f"{side} holds {key!r}, which its action does not name")
    return found


def problems(action: str, target_type: str | None, before: Any, after: Any) -> list[str]:
    """How an entry departs from its action's shape (nothing, when it keeps to it)."""
    shape = ACTIONS.get(action)
    if shape is None:
        return [f"{action!r} is not an audit action (crm/audit/actions.py)"]
    targets = {shape.target} | OTHER_TARGETS.get(action, frozenset())
    found = []
    if target_type is None:
        if shape.target is not None and not shape.target_optional:
            found.append(f"names no record, but is about {shape.target}")
    elif target_type not in targets:
        found.append(f"is about {target_type}, not {shape.target}")
    found += _field_problems("before", shape.before, before, target_type)
    found += _field_problems("after", shape.after, after, target_type)
    return [f"{action}: {problem}" for problem in found]
