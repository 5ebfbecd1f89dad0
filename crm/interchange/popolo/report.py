"""What an import did (or would do, in a dry run), as the command line prints it, and what of
it an import's page says (crm/interchange/imports.py) in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from crm.parliament.models import Party
from crm.said import Said
from crm.states.models import StageResult


@dataclass
class RosterReport:
    """What an import added, changed and ended (or would have, in a dry run). What it says in
    words is `Said`: English on the command line, the reader's language on a page; a change
    only the command line makes (a new chamber) is said in English only."""

    state: str
    chamber: str
    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[Said]]] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Said] = field(default_factory=list)
    other_chambers: int = 0
    parties_added: list[str] = field(default_factory=list)
    other_changes: list[Said | str] = field(default_factory=list)
    warnings: list[Said] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.added or self.changed or self.ended or self.parties_added or self.other_changes
        )

    def summary(self) -> str:
        return (
            f"{self.chamber} of {self.state}: {len(self.added)} added, {len(self.changed)} "
            f"changed, {len(self.ended)} ended, {self.unchanged} unchanged"
        )

    def entries(self) -> list[tuple[str, Any]]:
        """The report below its summary, a line each, as (kind, what): the command line
        says them in English (`lines`), a page in the reader's language. The kinds: change
        (Said), party, added and ended (a name), changed (a name and what, Said), left_alone
        and warnings (how many follow), skipped and warning (Said), other_chambers (how many
        persons)."""
        out: list[tuple[str, Any]] = [("change", change) for change in self.other_changes]
        out += [("party", name) for name in self.parties_added]
        out += [("added", name) for name in self.added]
        out += [("changed", (name, what)) for name, what in self.changed]
        out += [("ended", name) for name in self.ended]
        if self.skipped:
            out.append(("left_alone", len(self.skipped)))
            out += [("skipped", line) for line in self.skipped]
        if self.other_chambers:
            out.append(("other_chambers", self.other_chambers))
        if self.warnings:
            out.append(("warnings", len(self.warnings)))
            out += [("warning", line) for line in self.warnings]
        return out

    def lines(self) -> list[str]:
        """The report as printed by the command line, one change a line."""
        return [self.summary(), *(_english(kind, what) for kind, what in self.entries())]


def _english(kind: str, what: Any) -> str:
    """A line of a roster's report as the command line prints it."""
    if kind == "party":
        return f"  new party: {what}"
    if kind == "added":
        return f"  + {what}"
    if kind == "changed":
        name, changes = what
        return f"  ~ {name}: {'; '.join(map(str, changes))}"
    if kind == "ended":
        return f"  - {what}: seat ended"
    if kind == "left_alone":
        return f"Left alone ({what}):"
    if kind == "other_chambers":
        return f"Not in this chamber (skipped): {what} person(s)"
    if kind == "warnings":
        return f"Warnings ({what}):"
    return f"  {what}"  # a change, a person skipped, a warning


@dataclass
class VoteReport:
    """What a vote import recorded at a stage, or that it found it recorded already."""

    stage: str
    held_on: date
    result: StageResult
    unchanged: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    group_counts: int = 0
    votes: int = 0
    stances: int = 0
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as printed by the command line (votes are imported there only)."""
        if self.unchanged:
            head = f"{self.stage}: already recorded exactly like this; nothing changed"
        else:
            head = f"{self.stage}: vote of {self.held_on} recorded, result {self.result.value}"
        counts = ", ".join(f"{k} {v}" for k, v in self.counts.items()) or "none"
        out = [
            head,
            f"  counts: {counts}; group results: {self.group_counts}",
            f"  individual votes: {self.votes}; stance records made: {self.stances}",
        ]
        out += [f"  warning: {w}" for w in self.warnings]
        return out


def shown(value: Any) -> str:
    """A value as a report line shows it."""
    if value is None:
        return "—"
    if isinstance(value, Party):
        return value.name
    return str(value)
