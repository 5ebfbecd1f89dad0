"""The API's schemas: they validate what comes in, shape what goes out, and are the
OpenAPI document (flask-smorest renders them through apispec)."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import marshmallow as ma
from marshmallow import validate

from crm.auth.models import Role
from crm.events.models import EventKind, EventStatus, Rsvp
from crm.events.services import MAX_INVITED_AT_ONCE
from crm.interactions.models import MAX_FOLLOW_UPS, Confidentiality, FollowUpStatus, InteractionKind
from crm.interactions.queries import MAX_ID
from crm.parliament.models import (
    ChamberKind,
    CommitteeFocus,
    CommitteeRole,
    Confidence,
    ContactKind,
    MajorityRule,
    Stance,
    StanceSource,
)
from crm.parliament.services.rules import OVERRIDE_REASON_LIMIT
from crm.risk.model import RiskLevel
from crm.states.models import (
    AgreementStatus,
    RatificationRoute,
    RomeStatuteStatus,
    StageKind,
    StageResult,
    StageStatus,
)
from crm.submissions import KEY_MAX_LENGTH, KEY_PATTERN
from crm.votes.models import VoteOption

# Dates outside this span are typing mistakes, and some would overflow time-zone arithmetic.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
MAX_PER_PAGE = 100


class Schema(ma.Schema):
    """Unknown fields in a request body are refused, not silently dropped."""

    class Meta:
        unknown = ma.RAISE


# --- Fields ------------------------------------------------------------------------------------


# PostgreSQL refuses NUL in text, and no person types it: the document says so too.
NO_NUL = validate.Regexp(r"^[^\x00]*$", error="Text may not contain NUL characters.")


class Text(ma.fields.String):
    """A string without NUL; surrounding space is trimmed."""

    def __init__(self, *, validate: Any = None, **kwargs: Any) -> None:
        validators = [validate] if callable(validate) else list(validate or [])
        if not any(isinstance(v, type(NO_NUL)) for v in validators):
            validators.insert(0, NO_NUL)
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            # JSON can spell half of a character ("\ud800"); no database can store it.
            raise ma.ValidationError("Text must be whole characters (UTF-8).") from None
        return text.strip()


class Day(ma.fields.Date):
    """An ISO date within a sensible span."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ma.ValidationError(f"Give a date between {FIRST_DAY} and {LAST_DAY}.")
        return day


class Moment(ma.fields.AwareDateTime):
    """An RFC 3339 date-time with its offset, returned in UTC."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_DAY <= moment.date() <= LAST_DAY:
            raise ma.ValidationError(f"Give a time between {FIRST_DAY} and {LAST_DAY}.")
        return moment.astimezone(UTC)


def Id(*, strict: bool = True, **kwargs: Any) -> ma.fields.Integer:
    """A record's id: a JSON integer in a body, digits in a query string."""
    return ma.fields.Integer(strict=strict, validate=validate.Range(1, MAX_ID), **kwargs)


def Enum(enum: Any, **kwargs: Any) -> ma.fields.Enum:
    return ma.fields.Enum(enum, by_value=True, **kwargs)


def Iso2(**kwargs: Any) -> Text:
    kwargs.setdefault("metadata", {"description": "ISO 3166 alpha-2 code of the state."})
    return Text(
        validate=validate.Regexp(r"^[A-Za-z]{2}$", error="Give an ISO 3166 alpha-2 code."), **kwargs
    )


# --- Common shapes -----------------------------------------------------------------------------


class OtherChangeOut(ma.Schema):
    field = ma.fields.String(required=True)
    before = ma.fields.Raw(allow_none=True)
    after = ma.fields.Raw(allow_none=True)
    by = ma.fields.String(allow_none=True, metadata={"description": "Who, by name."})
    at = ma.fields.DateTime(required=True)


class Problem(ma.Schema):
    """An RFC 9457 problem document: every 4xx answer of the API."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={"description": "Messages by location and field, for invalid input."},
    )
    changes = ma.fields.List(
        ma.fields.Nested(OtherChangeOut),
        metadata={"description": "409: what others changed since the version sent."},
    )
    current_version = ma.fields.Integer(
        metadata={"description": "409: the record's version now; send it with your edit again."}
    )


IDEMPOTENCY_HELP = (
    "A key of your choosing (1 to 100 printable ASCII characters, no spaces; a UUID will "
    "do) that makes this POST safe to send again: within a day, the same key with the same "
    "request answers what the first answered (with `Idempotency-Replayed: true`) and writes "
    "nothing; with another request it is refused (422). Keys are your own: another user's "
    "key is a different key. A request that failed leaves its key unused."
)


class IdempotencyHeader(ma.Schema):
    """The `Idempotency-Key` header every POST reads (other headers are not its business)."""

    idempotency_key = ma.fields.String(
        data_key="Idempotency-Key",
        validate=[
            validate.Length(min=1, max=KEY_MAX_LENGTH),
            validate.Regexp(
                KEY_PATTERN, error="Use 1 to 100 printable ASCII characters, without spaces."
            ),
        ],
        metadata={"description": IDEMPOTENCY_HELP},
    )


class PageArgs(Schema):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(1, 1_000_000))
    per_page = ma.fields.Integer(load_default=50, validate=validate.Range(1, MAX_PER_PAGE))


class PageMeta(ma.Schema):
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True)


def page_of(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A page of `item`s with its position."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item), required=True),
            "pagination": ma.fields.Nested(PageMeta, required=True),
        },
        name=name,
    )


VERSION_HELP = (
    "The version of the record as last read. If someone changed it since, the answer is "
    "409 with what they changed, and nothing is overwritten."
)


def patch_of(schema: type[Schema], name: str, *, without: tuple[str, ...]) -> type[Schema]:
    """A PATCH body: `schema`'s fields, each optional (absent means unchanged), and the
    version the client last read."""
    fields: dict[str, ma.fields.Field] = {}
    for field_name, field in schema._declared_fields.items():
        if field_name in without:
            continue
        optional = copy.deepcopy(field)
        optional.required = False
        optional.load_default = ma.missing
        fields[field_name] = optional
    fields["version"] = Id(required=True, metadata={"description": VERSION_HELP})
    return Schema.from_dict(fields, name=name)


def list_of(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    return ma.Schema.from_dict(
        {"items": ma.fields.List(ma.fields.Nested(item), required=True)}, name=name
    )


class Ref(ma.Schema):
    """Another record, named."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


# --- Reading: who am I, states, chambers, parties ----------------------------------------------


class SectionOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    states = ma.fields.List(ma.fields.String(), required=True)


class MeOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    role = Enum(Role, required=True)
    sections = ma.fields.List(ma.fields.Nested(SectionOut), required=True)


class AgreementOut(ma.Schema):
    status = Enum(AgreementStatus, required=True)
    route = Enum(RatificationRoute, required=True)
    signed_on = ma.fields.Date(allow_none=True)
    executive_probability = ma.fields.Float(allow_none=True)


class StateOut(ma.Schema):
    iso2 = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    capital = ma.fields.String(allow_none=True)
    timezone = ma.fields.String(required=True)
    rome_statute_status = Enum(RomeStatuteStatus, required=True)
    rome_statute_date = ma.fields.Date(allow_none=True)
    sections = ma.fields.List(ma.fields.Nested(Ref), required=True)
    agreement = ma.fields.Nested(
        AgreementOut,
        allow_none=True,
        metadata={"description": "The agreement in the active campaign, if any."},
    )


class StateFilter(Schema):
    state = Iso2()


class CommitteeOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    abbreviation = ma.fields.String(allow_none=True)
    focus = Enum(CommitteeFocus, required=True)


class ChamberOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    state = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    classification = Enum(ChamberKind, required=True)
    seats = ma.fields.Integer(required=True)
    majority_rule = Enum(MajorityRule, required=True)
    attendance = ma.fields.Float(required=True)
    roster_verified_on = ma.fields.Date(allow_none=True)
    popolo_id = ma.fields.String(allow_none=True)
    committees = ma.fields.List(ma.fields.Nested(CommitteeOut), required=True)


class PartyOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    state = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    abbreviation = ma.fields.String(allow_none=True)
    in_government = ma.fields.Boolean(required=True)
    popolo_id = ma.fields.String(allow_none=True)


# --- Representatives and stances --------------------------------------------------------------


class RepresentativeArgs(PageArgs):
    state = Iso2()
    chamber = Id(strict=False, metadata={"description": "Only members of this chamber."})
    party = Id(strict=False, metadata={"description": "Only members sitting for this party."})
    stance = Enum(Stance, metadata={"description": "Only this current stance."})
    q = Text(
        validate=validate.Length(max=200),
        metadata={"description": "Part of a name, in any script; accents are ignored."},
    )
    include_former = ma.fields.Boolean(
        load_default=False, metadata={"description": "Also those no longer sitting."}
    )


class SeatOut(ma.Schema):
    chamber = ma.fields.Nested(Ref, required=True)
    party = ma.fields.Nested(Ref, allow_none=True)
    constituency = ma.fields.String(allow_none=True)


class RepresentativeSummaryOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    state = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    sort_name = ma.fields.String(required=True)
    stance = Enum(Stance, required=True)
    stance_on = ma.fields.Date(
        allow_none=True,
        metadata={
            "description": "When the current stance was observed; null when it was observed "
            "in a restricted contact the reader may not read (see `stance_month`)."
        },
    )
    stance_month = ma.fields.String(
        allow_none=True, metadata={"description": "The month the current stance was observed."}
    )
    stance_stale = ma.fields.Boolean(required=True)
    influence = ma.fields.Integer(required=True)
    do_not_contact = ma.fields.Boolean(required=True)
    seat = ma.fields.Nested(
        SeatOut, allow_none=True, metadata={"description": "The current chamber seat."}
    )


class MembershipOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    chamber = ma.fields.Nested(Ref, required=True)
    party = ma.fields.Nested(Ref, allow_none=True)
    constituency = ma.fields.String(allow_none=True)
    legislative_period = ma.fields.String(allow_none=True)
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)


class CommitteeSeatOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    committee = ma.fields.Nested(Ref, required=True)
    role = Enum(CommitteeRole, required=True)
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)


class ContactDetailOut(ma.Schema):
    kind = Enum(ContactKind, required=True)
    value = ma.fields.String(required=True)
    label = ma.fields.String(allow_none=True)


class OtherNameOut(ma.Schema):
    name = ma.fields.String(required=True)
    lang = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)


class IdentifierOut(ma.Schema):
    scheme = ma.fields.String(required=True)
    value = ma.fields.String(required=True)


class RepresentativeOut(RepresentativeSummaryOut):
    given_name = ma.fields.String(allow_none=True)
    family_name = ma.fields.String(allow_none=True)
    gender = ma.fields.String(allow_none=True)
    languages = ma.fields.List(ma.fields.String(), required=True)
    tags = ma.fields.List(ma.fields.String(), required=True)
    notes = ma.fields.String(allow_none=True)
    do_not_contact_reason = ma.fields.String(allow_none=True)
    archived = ma.fields.Boolean(required=True)
    memberships = ma.fields.List(ma.fields.Nested(MembershipOut), required=True)
    committee_seats = ma.fields.List(ma.fields.Nested(CommitteeSeatOut), required=True)
    contact_details = ma.fields.List(ma.fields.Nested(ContactDetailOut), required=True)
    other_names = ma.fields.List(ma.fields.Nested(OtherNameOut), required=True)
    identifiers = ma.fields.List(ma.fields.Nested(IdentifierOut), required=True)


_WITHHELD = {"description": "Null when observed in a restricted contact the reader may not read."}


class StanceRecordOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    representative_id = ma.fields.Integer(required=True)
    stance = Enum(Stance, required=True)
    source = Enum(StanceSource, allow_none=True, metadata=_WITHHELD)
    confidence = Enum(Confidence, allow_none=True, metadata=_WITHHELD)
    observed_on = ma.fields.Date(allow_none=True, metadata=_WITHHELD)
    observed_month = ma.fields.String(
        required=True, metadata={"description": "The month observed, as YYYY-MM."}
    )
    note = ma.fields.String(allow_none=True, metadata=_WITHHELD)
    recorded_at = ma.fields.DateTime(allow_none=True, metadata=_WITHHELD)
    interaction_id = ma.fields.Integer(allow_none=True, metadata=_WITHHELD)
    vote_id = ma.fields.Integer(allow_none=True)
    from_restricted_contact = ma.fields.Boolean(
        required=True,
        metadata={
            "description": "Observed in a restricted contact. Without access to restricted "
            "content, the record shows only its stance and month."
        },
    )


class StanceRecordIn(Schema):
    @ma.post_load
    def _source(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        return data | {"source": StanceSource(data["source"])}

    stance = Enum(Stance, required=True)
    # Votes become stances when a stage's roll call is recorded, not by hand.
    source = ma.fields.String(
        required=True,
        validate=validate.OneOf([s.value for s in StanceSource if s is not StanceSource.VOTE]),
    )
    observed_on = Day(required=True)
    confidence = Enum(Confidence, load_default=Confidence.MEDIUM)
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=5_000))


# --- Interactions and follow-ups -----------------------------------------------------------------


class InteractionArgs(PageArgs):
    state = Iso2()
    representative = Id(
        strict=False, metadata={"description": "Only contacts with this representative."}
    )
    kind = Enum(InteractionKind)


class InteractionOut(ma.Schema):
    id = ma.fields.Integer(
        allow_none=True, metadata={"description": "Withheld for a restricted contact."}
    )
    state = ma.fields.String(required=True)
    date = ma.fields.Date(required=True, metadata={"description": "The day, in the state's zone."})
    restricted = ma.fields.Boolean(required=True)
    redacted = ma.fields.Boolean(
        required=True,
        metadata={
            "description": "True when the reader may not see this restricted contact: only "
            "that it happened, and on what day, is shown (SPEC §2)."
        },
    )
    occurred_at = ma.fields.DateTime(allow_none=True)
    kind = Enum(InteractionKind, allow_none=True)
    summary = ma.fields.String(allow_none=True)
    outcome = ma.fields.String(allow_none=True)
    representatives = ma.fields.List(ma.fields.Nested(Ref), allow_none=True)
    participants = ma.fields.List(ma.fields.Nested(Ref), allow_none=True)
    follow_up_ids = ma.fields.List(ma.fields.Integer(), allow_none=True)
    version = ma.fields.Integer(
        allow_none=True, metadata={"description": "Send it back to edit the contact."}
    )


class StanceSeenIn(Schema):
    representative_id = Id(required=True)
    stance = Enum(Stance, required=True)
    confidence = Enum(Confidence, load_default=Confidence.MEDIUM)
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=5_000))


class FollowUpDraftIn(Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    details = Text(load_default=None, allow_none=True, validate=validate.Length(max=5_000))
    due_on = Day(load_default=None, allow_none=True)
    assignee_id = Id(load_default=None, allow_none=True)


class DoNotContactOverrideIn(Schema):
    reason = Text(required=True, validate=validate.Length(min=1, max=OVERRIDE_REASON_LIMIT))


DO_NOT_CONTACT_HELP = (
    "Needed to reach someone who asked not to be contacted (`do_not_contact`): why, kept in "
    "the audit log. Without it such a request is refused (422) naming them."
)


def _do_not_contact_override() -> ma.fields.Nested:
    return ma.fields.Nested(
        DoNotContactOverrideIn,
        load_default=None,
        allow_none=True,
        metadata={"description": DO_NOT_CONTACT_HELP},
    )


class InteractionIn(Schema):
    state = Iso2(required=True)
    occurred_at = Moment(required=True)
    kind = Enum(InteractionKind, required=True)
    representative_ids = ma.fields.List(
        Id(), required=True, validate=validate.Length(min=1, max=50)
    )
    participant_ids = ma.fields.List(Id(), load_default=list, validate=validate.Length(max=50))
    summary = Text(required=True, validate=validate.Length(min=1, max=10_000))
    outcome = Text(load_default=None, allow_none=True, validate=validate.Length(max=5_000))
    confidentiality = Enum(Confidentiality, load_default=Confidentiality.NORMAL)
    stances = ma.fields.List(
        ma.fields.Nested(StanceSeenIn), load_default=list, validate=validate.Length(max=50)
    )
    follow_ups = ma.fields.List(
        ma.fields.Nested(FollowUpDraftIn),
        load_default=list,
        validate=validate.Length(max=MAX_FOLLOW_UPS),
    )
    do_not_contact_override = _do_not_contact_override()


InteractionPatch = patch_of(
    InteractionIn, "InteractionPatch", without=("state", "stances", "follow_ups")
)


class FollowUpArgs(PageArgs):
    state = Iso2()
    status = Enum(FollowUpStatus, load_default=FollowUpStatus.OPEN)
    mine = ma.fields.Boolean(
        load_default=False, metadata={"description": "Only those assigned to me."}
    )


class FollowUpOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    state = ma.fields.String(required=True)
    title = ma.fields.String(allow_none=True)
    details = ma.fields.String(allow_none=True)
    due_on = ma.fields.Date(allow_none=True)
    overdue = ma.fields.Boolean(required=True)
    status = Enum(FollowUpStatus, required=True)
    assignee = ma.fields.Nested(Ref, allow_none=True)
    representative = ma.fields.Nested(Ref, allow_none=True)
    interaction_id = ma.fields.Integer(allow_none=True)
    completed_at = ma.fields.DateTime(allow_none=True)
    from_restricted_contact = ma.fields.Boolean(
        required=True,
        metadata={
            "description": "Agreed in a restricted contact. Without access to restricted "
            "content, its title, details and contact are withheld."
        },
    )


class FollowUpIn(Schema):
    state = Iso2(required=True)
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    details = Text(load_default=None, allow_none=True, validate=validate.Length(max=5_000))
    due_on = Day(load_default=None, allow_none=True)
    assignee_id = Id(load_default=None, allow_none=True)
    representative_id = Id(load_default=None, allow_none=True)


class FollowUpStatusIn(Schema):
    status = Enum(
        FollowUpStatus, required=True, metadata={"description": "done, cancelled, or open again."}
    )


# --- Events ------------------------------------------------------------------------------------


class EventArgs(PageArgs):
    state = Iso2()
    kind = Enum(EventKind)
    status = Enum(EventStatus)
    when = ma.fields.String(
        load_default="upcoming", validate=validate.OneOf(["upcoming", "past", "all"])
    )


class EventOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    state = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    kind = Enum(EventKind, required=True)
    status = Enum(EventStatus, required=True)
    city = ma.fields.String(allow_none=True)
    venue = ma.fields.String(allow_none=True)
    starts_at = ma.fields.DateTime(required=True)
    ends_at = ma.fields.DateTime(allow_none=True)
    timezone = ma.fields.String(required=True)
    description = ma.fields.String(allow_none=True)
    section = ma.fields.Nested(Ref, allow_none=True)
    stage_id = ma.fields.Integer(allow_none=True)
    after_the_vote = ma.fields.Boolean(
        required=True, metadata={"description": "It starts after the vote it aims at."}
    )
    expected_attendance = ma.fields.Integer(allow_none=True)
    actual_attendance = ma.fields.Integer(allow_none=True)
    signatures_handed_over = ma.fields.Integer(allow_none=True)
    press_links = ma.fields.List(ma.fields.String(), required=True)
    outcome = ma.fields.String(allow_none=True)
    version = ma.fields.Integer(
        required=True, metadata={"description": "Send it back to edit the event."}
    )


class InvitationOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    representative = ma.fields.Nested(Ref, required=True)
    rsvp = Enum(Rsvp, required=True)
    attended = ma.fields.Boolean(allow_none=True)
    note = ma.fields.String(allow_none=True)
    version = ma.fields.Integer(required=True)


InvitationList = list_of(InvitationOut, "InvitationList")


class InvitationsIn(Schema):
    representative_ids = ma.fields.List(
        Id(),
        required=True,
        validate=validate.Length(min=1, max=MAX_INVITED_AT_ONCE),
        metadata={"description": "Current members of the event's state's parliament."},
    )
    do_not_contact_override = _do_not_contact_override()


def _count(**kwargs: Any) -> ma.fields.Integer:
    return ma.fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(0, 100_000_000), **kwargs
    )


class EventIn(Schema):
    state = Iso2(required=True)
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    kind = Enum(EventKind, required=True)
    status = Enum(EventStatus, load_default=EventStatus.PLANNED)
    city = Text(load_default=None, allow_none=True, validate=validate.Length(max=120))
    venue = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))
    starts_at = Moment(required=True)
    ends_at = Moment(load_default=None, allow_none=True)
    description = Text(load_default=None, allow_none=True, validate=validate.Length(max=10_000))
    section_id = Id(load_default=None, allow_none=True)
    stage_id = Id(load_default=None, allow_none=True)
    expected_attendance = _count()
    actual_attendance = _count()
    signatures_handed_over = _count()
    press_links = ma.fields.List(
        Text(validate=validate.URL(schemes={"http", "https"})),
        load_default=list,
        validate=validate.Length(max=20),
    )
    outcome = Text(load_default=None, allow_none=True, validate=validate.Length(max=5_000))


EventPatch = patch_of(EventIn, "EventPatch", without=("state",))


# --- Stages and votes --------------------------------------------------------------------------


class CountOut(ma.Schema):
    option = Enum(VoteOption, required=True)
    value = ma.fields.Integer(required=True)
    party = ma.fields.Nested(
        Ref, allow_none=True, metadata={"description": "Set for a party group's count."}
    )


class VoteOut(ma.Schema):
    representative = ma.fields.Nested(Ref, required=True)
    option = Enum(VoteOption, required=True)
    party_id = ma.fields.Integer(allow_none=True)


class VoteEventOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    chamber_id = ma.fields.Integer(allow_none=True)
    motion = ma.fields.String(allow_none=True)
    held_on = ma.fields.Date(allow_none=True)
    result = ma.fields.String(allow_none=True)
    source = ma.fields.String(allow_none=True)
    counts = ma.fields.List(ma.fields.Nested(CountOut), required=True)
    votes = ma.fields.List(ma.fields.Nested(VoteOut), required=True)


class StageOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    position = ma.fields.Integer(required=True)
    kind = Enum(StageKind, required=True)
    chamber = ma.fields.Nested(Ref, allow_none=True)
    committee = ma.fields.Nested(Ref, allow_none=True)
    scheduled_on = ma.fields.Date(allow_none=True)
    held_on = ma.fields.Date(allow_none=True)
    status = Enum(StageStatus, required=True)
    result = Enum(StageResult, allow_none=True)
    notes = ma.fields.String(allow_none=True)
    vote_event = ma.fields.Nested(VoteEventOut, allow_none=True)


# --- Risk ----------------------------------------------------------------------------------------


class RiskSummaryOut(ma.Schema):
    state = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    agreement_status = Enum(AgreementStatus, required=True)
    route = Enum(RatificationRoute, required=True)
    probability = ma.fields.Float(
        required=True, metadata={"description": "Probability of ratification."}
    )
    risk = ma.fields.Float(required=True, metadata={"description": "Risk for the campaign."})
    level = Enum(RiskLevel, required=True)
    coverage = ma.fields.Float(
        allow_none=True,
        metadata={"description": "Share of seats whose stance was recorded in the last 90 days."},
    )
    days_to_next_vote = ma.fields.Integer(allow_none=True)


class MemberProbabilityOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    probability = ma.fields.Float(required=True)


class ChamberRiskOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    majority_rule = Enum(MajorityRule, required=True)
    seats = ma.fields.Integer(required=True)
    attendance = ma.fields.Float(required=True)
    status = ma.fields.String(required=True)
    pass_probability = ma.fields.Float(required=True)
    model_pass_probability = ma.fields.Float(required=True)
    expected_yes = ma.fields.Float(required=True)
    expected_no = ma.fields.Float(required=True)
    threshold = ma.fields.Float(required=True)
    threshold_label = ma.fields.String(required=True)
    members = ma.fields.List(ma.fields.Nested(MemberProbabilityOut), required=True)


class StateRiskOut(RiskSummaryOut):
    campaign = ma.fields.String(required=True)
    goal = ma.fields.String(required=True)
    computed_at = ma.fields.DateTime(required=True)
    coverage_target = ma.fields.Float(
        required=True,
        metadata={
            "description": "The share of seats still to vote that should have a stance "
            "recorded recently (RISK_MODEL coverage_target)."
        },
    )
    coverage_flagged = ma.fields.Boolean(
        required=True,
        metadata={
            "description": "Below a coverage target: too few seats with a recent stance, or "
            "some of the swing list's first members without one."
        },
    )
    seats_covered = ma.fields.Integer(
        required=True,
        metadata={"description": "Seats still to vote whose stance was recorded recently."},
    )
    seats_counted = ma.fields.Integer(
        required=True, metadata={"description": "Occupied seats of the chambers still to vote."}
    )
    contacts_to_target = ma.fields.Integer(
        required=True,
        metadata={
            "description": "How many more seats need a recent stance to reach coverage_target."
        },
    )
    swing_target_top = ma.fields.Integer(
        required=True,
        metadata={
            "description": "How many of the swing list's first members should all have a "
            "recent stance (RISK_MODEL swing_target_top)."
        },
    )
    swing_top_counted = ma.fields.Integer(
        required=True,
        metadata={
            "description": "The swing list's first members counted: swing_target_top, or "
            "fewer when the list is shorter."
        },
    )
    swing_top_uncovered = ma.fields.Integer(
        required=True,
        metadata={
            "description": "How many of the swing list's first swing_top_counted members have "
            "no recent stance."
        },
    )
    chambers = ma.fields.List(ma.fields.Nested(ChamberRiskOut), required=True)
