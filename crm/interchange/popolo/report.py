"""What an import did (or would do, in a dry run), as the command line prints it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from crm.parliament.models import Party
from crm.states.models import StageResult


@dataclass
class RosterReport:
    """What an import added, changed and ended (or would have, in a dry run)."""

    state: str
    chamber: str
    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    other_chambers: int = 0
    parties_added: list[str] = field(default_factory=list)
    other_changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

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

    def lines(self) -> list[str]:
        """The report as printed by the command line, one change a line."""
        out = [self.summary()]
        out += [f"  {change}" for change in self.other_changes]
        out += [f"  new party: {name}" for name in self.parties_added]
        out += [f"  + {name}" for name in self.added]
        out += [f"  ~ {name}: {'; '.join(what)}" for name, what in self.changed]
        out += [f"  - {name}: seat ended" for name in self.ended]
        if self.skipped:
            out.append(f"Left alone ({len(self.skipped)}):")
            out += [f"  {line}" for line in self.skipped]
        if self.other_chambers:
            out.append(f"Not in this chamber (skipped): {self.other_chambers} person(s)")
        if self.warnings:
            out.append(f"Warnings ({len(self.warnings)}):")
            out += [f"  {line}" for line in self.warnings]
        return out


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
