"""Imports every mapped class so that the metadata is complete (migrations, relationships)."""

from crm.audit.models import AuditEntry
from crm.auth.models import ApiToken, Section, User, UserSession
from crm.events.models import Event, Invitation
from crm.interactions.models import FollowUp, Interaction
from crm.jobs.models import Job
from crm.mail.models import OutboxMessage
from crm.parliament.models import (
    Chamber,
    Committee,
    CommitteeMembership,
    ContactDetail,
    Identifier,
    Membership,
    OtherName,
    Party,
    Representative,
    StanceRecord,
)
from crm.risk.models import KeptForecast, RiskSnapshot
from crm.security.models import SecurityEvent
from crm.states.models import Agreement, Campaign, KeyMessage, KeyMessageText, Stage, State
from crm.submissions import SubmissionKey
from crm.votes.models import Count, Vote, VoteEvent

__all__ = [
    "Agreement",
    "ApiToken",
    "AuditEntry",
    "Campaign",
    "Chamber",
    "Committee",
    "CommitteeMembership",
    "ContactDetail",
    "Count",
    "Event",
    "FollowUp",
    "Identifier",
    "Interaction",
    "Invitation",
    "Job",
    "KeptForecast",
    "KeyMessage",
    "KeyMessageText",
    "Membership",
    "OtherName",
    "OutboxMessage",
    "Party",
    "Representative",
    "RiskSnapshot",
    "Section",
    "SecurityEvent",
    "Stage",
    "StanceRecord",
    "State",
    "SubmissionKey",
    "User",
    "UserSession",
    "Vote",
    "VoteEvent",
]
