"""`crm risk` and `crm snapshot-risk`: the forecast in a terminal, and the daily snapshot."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from crm.cli_support import committed
from crm.risk.models import SnapshotReason
from crm.risk.services import backfill as rebuild
from crm.risk.services import forecasts, take_snapshots
from crm.states.models import Campaign
from crm.states.queries import active_campaign


@click.command("risk")
@with_appcontext
@click.option("--all", "include_closed", is_flag=True, help="Include closed agreements.")
def risk_command(include_closed: bool) -> None:
    """Print every state's ratification risk, highest first."""
    campaign = _campaign()
    click.echo(f"{campaign.name} (goal: {campaign.goal.value} ratification)")
    header = (
        f"{'state':<22} {'level':<9} {'risk':>6} {'p(ratify)':>9} {'next vote':>10} {'cover':>6}"
    )
    click.echo(header)
    click.echo("-" * len(header))
    for result in forecasts(campaign, open_only=not include_closed):
        f = result.forecast
        days = "" if f.days_to_next_vote is None else f"{f.days_to_next_vote} d"
        cover = "" if f.coverage is None else f"{f.coverage:.0%}"
        click.echo(
            f"{result.state.name[:22]:<22} {f.level.value:<9} {f.risk:>6.1%} "
            f"{f.probability:>9.1%} {days:>10} {cover:>6}"
        )
        for chamber in f.chambers:
            click.echo(
                f"    {chamber.name[:30]:<30} pass {chamber.pass_probability:>6.1%}  "
                f"expected yes {chamber.expected_yes:6.1f} / {chamber.threshold_label}"
            )


@click.command("snapshot-risk")
@with_appcontext
@click.option("--backfill", type=click.IntRange(1, 3650), help="Also rebuild this many days.")
@click.option("--step", type=click.IntRange(1, 90), default=7, show_default=True)
def snapshot_risk_command(backfill: int | None, step: int) -> None:
    """Record today's risk of every state (the scheduler does it daily; this, by hand)."""
    campaign = _campaign()
    with committed():
        rebuilt = rebuild(campaign, backfill, step) if backfill else 0
        written = take_snapshots(campaign, SnapshotReason.DAILY)
    click.echo(f"Wrote {written} snapshot(s) for today and {rebuilt} rebuilt from history.")


def _campaign() -> Campaign:
    campaign = active_campaign()
    if campaign is None:
        raise click.ClickException("There is no active campaign.")
    return campaign


COMMANDS = (risk_command, snapshot_risk_command)
