"""`crm briefings`: the state briefing packs of many states at once."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from crm.auth.services import get_user_by_email
from crm.briefings import packs
from crm.briefings.services import record_printed
from crm.briefings.views import slug
from crm.cli_support import committed
from crm.extensions import db
from crm.states.models import State
from crm.states.queries import get_state


@click.command("briefings")
@with_appcontext
@click.option("--state", "states", multiple=True, help="ISO 3166 code of a state (repeatable).")
@click.option("--all", "all_states", is_flag=True, help="Every state.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, writable=True),
    required=True,
    help="Folder to write the PDFs into (created if missing).",
)
@click.option(
    "--roster", is_flag=True, help="Also write each state's full roster (no cap) as a PDF."
)
@click.option(
    "--as",
    "as_email",
    help="Make the packs for this user: restricted content only if they may read it. "
    "Without it, the packs hold no restricted content.",
)
def briefings_command(
    states: tuple[str, ...], all_states: bool, out: str, roster: bool, as_email: str | None
) -> None:
    """Write the state briefing packs of many states at once, with a progress bar.

    Every pack written is audited, like one downloaded from the app.
    """
    if bool(states) == all_states:
        raise click.UsageError("Give --state (one or more) or --all.")
    actor = None
    if as_email:
        actor = get_user_by_email(as_email)
        if actor is None or not actor.is_enabled:
            raise click.ClickException(f"No enabled account for {as_email}.")
    if all_states:
        codes = list(db.session.scalars(sa.select(State.iso2).order_by(State.name)))
    else:
        codes = list(dict.fromkeys(code.upper() for code in states))
        known = set(db.session.scalars(sa.select(State.iso2).where(State.iso2.in_(codes))))
        if missing := [code for code in codes if code not in known]:
            raise click.ClickException(f"No such state: {', '.join(missing)}")
    # WeasyPrint takes half a second to import: loaded when packs are made, not with the app.
    from crm.briefings.render import render_pdf, warm_up

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    warm_up()  # the fonts, once, before the bar starts
    written: list[Path] = []
    jobs = [(code, kind) for code in codes for kind in ("state", "roster")[: 2 if roster else 1]]
    with click.progressbar(
        jobs,
        label="Writing briefing packs",
        item_show_func=lambda job: f"{job[0]} {job[1]}" if job else "",
    ) as bar:
        for code, kind in bar:
            state = get_state(code)
            if kind == "state":
                pack = packs.state_pack(state, actor)
                pdf = render_pdf("pdf/state.html", pack=pack)
                name = f"briefing-{state.iso2}-{slug(state.name)}-{pack.today.isoformat()}.pdf"
            else:
                pack = packs.roster_pack(state, actor)
                pdf = render_pdf("pdf/roster.html", pack=pack)
                name = f"roster-{state.iso2}-{slug(state.name)}-{pack.today.isoformat()}.pdf"
            # Rendered outside any write transaction; audited in a short one; no entry, no file.
            db.session.commit()
            with committed():
                record_printed(actor, pack, pdf, via="cli")
            path = folder / name
            path.write_bytes(pdf.data)
            written.append(path)
    for path in written:
        click.echo(f"  {path}")
    click.echo(f"Wrote {len(written)} PDF(s) to {folder}.")


COMMANDS = (briefings_command,)
