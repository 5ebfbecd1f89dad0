"""What the campaign has done and has coming, in the demo: the agreement's stages in
parliament (with the committee votes already held), contacts with members and the stances and
follow-ups they gave rise to, and public events.

Dates are placed around the day of loading; every draw comes from the load's one random
generator, in a fixed order.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from crm.auth.models import User
from crm.demo.parliament import Seated, draw_stance
from crm.demo.plan import PLENARY_VOTE_IN_DAYS, StatePlan
from crm.events.models import Event, EventKind, EventStatus, Invitation, Rsvp
from crm.extensions import db
from crm.interactions.models import (
    Confidentiality,
    FollowUp,
    FollowUpStatus,
    Interaction,
    InteractionKind,
)
from crm.parliament.models import (
    Chamber,
    Committee,
    Confidence,
    Party,
    Representative,
    Stance,
    StanceRecord,
    StanceSource,
)
from crm.states.models import (
    Agreement,
    AgreementStatus,
    Stage,
    StageKind,
    StageResult,
    StageStatus,
    State,
)
from crm.votes.models import Count, Vote, VoteEvent, VoteOption

_MEETING_SUMMARIES = (
    "Discussed the impunity agreement and the obligations under the Rome Statute.",
    "Presented the coalition's legal analysis; asked about the committee timetable.",
    "Handed over the briefing paper and the petition figures for the constituency.",
    "Raised the risk to the state's obligations to prosecute international crimes.",
    "Explained that the agreement lacks any US commitment to investigate or prosecute.",
    "Short meeting in the parliament corridor; agreed to meet again before the vote.",
)
_OUTCOMES = (
    "Will read the legal analysis before the committee meets.",
    "Undecided; under pressure from the party leadership.",
    "Supportive in private, will not speak publicly yet.",
    "Asked for the comparison with other states' decisions.",
    "Firmly in favour of ratification; cites aid commitments.",
    "Offered to raise the issue in the party group.",
)
_FOLLOW_UPS = (
    "Send the legal analysis in the member's language",
    "Arrange a meeting with the committee rapporteur",
    "Share the petition figures for the constituency",
    "Ask for the committee's timetable",
    "Invite to the public briefing",
)


class ActivityBuilder:
    """Builds each state's stages, contacts and events in turn."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today

    def stages(self, agreement: Agreement, chambers: list[Chamber], seated: Seated) -> None:
        """An agreement before parliament: submitted, then committee and plenary votes."""
        if agreement.status is not AgreementStatus.BEFORE_PARLIAMENT or not chambers:
            return
        lower = chambers[0]
        key = next((c for c in lower.committees if c.is_key), None)
        offset = PLENARY_VOTE_IN_DAYS[agreement.state.iso2]
        stages = [
            Stage(
                kind=StageKind.SUBMITTED_TO_PARLIAMENT,
                chamber=lower,
                scheduled_on=self.today - timedelta(days=offset + 40),
                held_on=self.today - timedelta(days=offset + 40),
                status=StageStatus.HELD,
            ),
            Stage(
                kind=StageKind.COMMITTEE_VOTE,
                chamber=lower,
                committee=key,
                scheduled_on=self.today + timedelta(days=offset - 14),
                status=StageStatus.SCHEDULED,
            ),
            Stage(
                kind=StageKind.PLENARY_VOTE,
                chamber=lower,
                scheduled_on=self.today + timedelta(days=offset),
                status=StageStatus.SCHEDULED,
            ),
        ]
        for chamber in chambers[1:]:
            stages.append(
                Stage(
                    kind=StageKind.PLENARY_VOTE,
                    chamber=chamber,
                    scheduled_on=self.today + timedelta(days=offset + 21),
                    status=StageStatus.SCHEDULED,
                )
            )
        for position, stage in enumerate(stages):
            stage.position = position
            agreement.stages.append(stage)
        committee_vote = stages[1]
        if committee_vote.scheduled_on and committee_vote.scheduled_on < self.today and key:
            self._held_committee_vote(committee_vote, key, seated[lower])

    def _held_committee_vote(
        self, stage: Stage, committee: Committee, members: list[tuple[Representative, Party | None]]
    ) -> None:
        """A committee vote already held, with its roll call (Romania and Tajikistan)."""
        stage.status = StageStatus.HELD
        stage.held_on = stage.scheduled_on
        party_of = {rep.id: party for rep, party in members}
        seats = committee_seats(committee, members)
        vote_event = VoteEvent(
            stage=stage,
            chamber=committee.chamber,
            motion=f"That the {committee.name} recommend ratification of the agreement",
            held_on=stage.held_on,
        )
        tally = dict.fromkeys(VoteOption, 0)
        for rep in seats:
            option = self.rng.choices(
                (VoteOption.YES, VoteOption.NO, VoteOption.ABSTAIN, VoteOption.ABSENT),
                weights=(6, 3, 1, 1),
            )[0]
            tally[option] += 1
            vote = Vote(representative=rep, option=option, party=party_of.get(rep.id))
            vote_event.votes.append(vote)
            if option in (VoteOption.YES, VoteOption.NO):
                db.session.add(
                    StanceRecord(
                        representative=rep,
                        stance=Stance.FOR_RATIFICATION
                        if option is VoteOption.YES
                        else Stance.AGAINST_RATIFICATION,
                        source=StanceSource.VOTE,
                        confidence=Confidence.HIGH,
                        observed_on=stage.held_on,
                        note=f"Voted {option.value} in the {committee.name}.",
                        vote=vote,
                    )
                )
        for option, value in tally.items():
            if value:
                vote_event.counts.append(Count(option=option, value=value))
        passed = tally[VoteOption.YES] > tally[VoteOption.NO]
        stage.result = StageResult.PASS if passed else StageResult.FAIL
        vote_event.result = "pass" if passed else "fail"
        db.session.add(vote_event)

    def contacts(self, state: State, plan: StatePlan, seated: Seated, author: User | None) -> None:
        """The section's contacts of the past five months (a few, where no account is the
        section's), the stances they showed and the follow-ups they asked for."""
        members = [pair for chamber_members in seated.values() for pair in chamber_members]
        if not members:
            return
        busy = author is not None
        count = self.rng.randint(25, 40) if busy else self.rng.randint(0, 6)
        zone = ZoneInfo(state.timezone)
        for _n in range(count):
            day = self.today - timedelta(days=self.rng.randrange(0, 150))
            at = datetime.combine(day, time(self.rng.randrange(8, 19), self.rng.choice((0, 30))))
            met = self.rng.sample(members, k=self.rng.choice((1, 1, 1, 2, 3)))
            restricted = self.rng.random() < 0.2
            interaction = Interaction(
                state=state,
                occurred_at=at.replace(tzinfo=zone).astimezone(UTC),
                kind=self.rng.choice(
                    (
                        InteractionKind.MEETING,
                        InteractionKind.MEETING,
                        InteractionKind.CALL,
                        InteractionKind.LETTER,
                        InteractionKind.EMAIL,
                        InteractionKind.EVENT_ENCOUNTER,
                    )
                ),
                summary=self.rng.choice(_MEETING_SUMMARIES)
                + (
                    " Spoke about pressure from the embassy; not to be shared."
                    if restricted
                    else ""
                ),
                outcome=self.rng.choice(_OUTCOMES),
                confidentiality=Confidentiality.RESTRICTED
                if restricted
                else Confidentiality.NORMAL,
                created_by=author,
                representatives=[rep for rep, _party in met],
                participants=[author] if author else [],
            )
            db.session.add(interaction)
            for rep, party in met:
                if self.rng.random() < 0.7:
                    db.session.add(
                        StanceRecord(
                            representative=rep,
                            stance=draw_stance(self.rng, plan, party),
                            source=StanceSource.PRIVATE_MEETING,
                            confidence=self.rng.choice((Confidence.MEDIUM, Confidence.HIGH)),
                            observed_on=day,
                            recorded_by=author,
                            interaction=interaction,
                            note="Observed in the meeting."
                            if not restricted
                            else "Said so only in confidence.",
                        )
                    )
            for _f in range(self.rng.choice((0, 0, 1, 1, 2))):
                self._follow_up(state, interaction, day, met[0][0], author)

    def _follow_up(
        self,
        state: State,
        interaction: Interaction,
        day: date,
        rep: Representative,
        author: User | None,
    ) -> None:
        due = day + timedelta(days=self.rng.randrange(3, 30))
        status = FollowUpStatus.OPEN
        if due < self.today and self.rng.random() < 0.6:
            status = self.rng.choice((FollowUpStatus.DONE, FollowUpStatus.CANCELLED))
        db.session.add(
            FollowUp(
                state=state,
                title=self.rng.choice(_FOLLOW_UPS),
                assignee=author,
                due_on=due,
                status=status,
                completed_at=datetime.combine(due, time(12), UTC)
                if status is FollowUpStatus.DONE
                else None,
                interaction=interaction,
                representative=rep,
                created_by=author,
            )
        )

    def events(self, state: State, agreement: Agreement, seated: Seated) -> None:
        """A petition handed over, a briefing for members coming, perhaps a vigil."""
        members = [rep for chamber_members in seated.values() for rep, _p in chamber_members]
        zone = ZoneInfo(state.timezone)
        section = state.sections[0] if state.sections else None
        vote = next((s for s in agreement.stages if s.kind is StageKind.PLENARY_VOTE), None)
        plans = [(-35, EventKind.PETITION_HANDOVER, EventStatus.HELD)]
        if members:
            plans.append(
                (self.rng.randrange(3, 20), EventKind.PARLIAMENTARY_BRIEFING, EventStatus.CONFIRMED)
            )
        if self.rng.random() < 0.5:
            plans.append((self.rng.randrange(20, 60), EventKind.VIGIL, EventStatus.PLANNED))
        for offset, kind, status in plans:
            day = self.today + timedelta(days=offset)
            starts = datetime.combine(day, time(self.rng.choice((10, 11, 17, 18)))).replace(
                tzinfo=zone
            )
            event = Event(
                state=state,
                title=f"{kind.label} in {state.capital}",
                kind=kind,
                status=status,
                city=state.capital,
                venue="Parliament square" if kind is EventKind.VIGIL else "Press centre",
                starts_at=starts.astimezone(UTC),
                ends_at=(starts + timedelta(hours=2)).astimezone(UTC),
                section=section,
                stage=vote if offset > 0 else None,
                expected_attendance=self.rng.choice((40, 80, 150, 300)),
                description="Demonstration event.",
            )
            if status is EventStatus.HELD:
                event.actual_attendance = self.rng.randrange(30, 400)
                event.signatures_handed_over = self.rng.randrange(500, 9000)
                event.outcome = "The petition was received by the speaker's office."
            if members and kind is EventKind.PARLIAMENTARY_BRIEFING:
                for rep in self.rng.sample(members, k=min(6, len(members))):
                    event.invitations.append(
                        Invitation(representative=rep, rsvp=self.rng.choice(list(Rsvp)))
                    )
            db.session.add(event)


def committee_seats(
    committee: Committee, members: list[tuple[Representative, Party | None]]
) -> list[Representative]:
    """The chamber members holding a seat on the committee."""
    return [
        rep
        for rep, _party in members
        if any(cm.committee is committee for cm in rep.committee_memberships)
    ]
