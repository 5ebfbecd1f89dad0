"""`crm briefings`: the state briefing packs of many states at once, one job per pack.

Each pack is asked of the job queue as the web's buttons ask (crm.briefings.services), so
as many workers as run make them side by side, and a pack made before from the same
records is not made again. The command waits with a progress bar; when no worker takes
any pack, it makes them itself (crm.briefings.tasks.see_through).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from crm.auth.services import get_user_by_email
from crm.briefings import services, stored, tasks
from crm.cli_support import committed
from crm.extensions import db
from crm.i18n import DEFAULT_LOCALE, LOCALES
from crm.jobs.models import Job, JobStatus
from crm.parliament.models import Representative
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
@click.option(
    "--lang",
    type=click.Choice(LOCALES),
    default=DEFAULT_LOCALE,
    show_default=True,
    help="The language the packs are written in.",
)
def briefings_command(
    states: tuple[str, ...],
    all_states: bool,
    out: str,
    roster: bool,
    as_email: str | None,
    lang: str,
) -> None:
    """Write the state briefing packs of many states at once, with a progress bar.

    Each pack is one job on the queue: the workers make them side by side (the command
    makes them itself when no worker is running). Every pack made is audited, like one
    downloaded from the app.
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
    kinds = ("state", "roster") if roster else ("state",)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)

    # What each pack shows now names its job (a pack made before is found made). Each is
    # sent to the queue as soon as it is asked for, so the workers start while the rest
    # are read; the largest parliaments first, so that no worker is left alone with a
    # long layout at the end.
    members = _members(codes)
    codes.sort(key=lambda code: -members.get(code, 0))
    job_ids: list[int] = []
    names: dict[int, str] = {}
    with click.progressbar(codes, label="Asking for the packs") as bar:
        for code in bar:
            state = get_state(code)
            for kind in kinds:
                asked = services.ask(kind, state, actor, via="cli", locale=lang)
                db.session.rollback()  # the reads end: no transaction is held
                with committed():
                    job_id = services.ask_for(asked, actor, retry_failed=True).id
                job_ids.append(job_id)
                names[job_id] = f"{code} {kind}"

    with click.progressbar(
        length=len(job_ids), label="Making briefing packs", item_show_func=lambda name: name or ""
    ) as making:

        def done(job: Job) -> None:
            making.update(1, names.get(job.id))

        finished = tasks.see_through(job_ids, done)

    written: list[Path] = []
    failed: list[str] = []
    for job_id in sorted(job_ids, key=lambda i: names[i]):
        job = finished.get(job_id)
        path = stored.path_of(job) if job is not None else None
        if job is None or job.status is not JobStatus.SUCCEEDED or path is None:
            reason = (job.last_error if job is not None else None) or "not made"
            failed.append(f"  {names[job_id]}: {reason}")
            continue
        target = folder / str((job.result or {})["filename"])
        shutil.copyfile(path, target)
        written.append(target)
    for path in written:
        click.echo(f"  {path}")
    click.echo(f"Wrote {len(written)} PDF(s) to {folder}.")
    if failed:
        raise click.ClickException(
            f"{len(failed)} pack(s) could not be made:\n" + "\n".join(failed)
        )


def _members(codes: list[str]) -> dict[str, int]:
    """How many representatives each state has: the size of its pack's layout."""
    rows = db.session.execute(
        sa.select(State.iso2, sa.func.count(Representative.id))
        .join(Representative, Representative.state_id == State.id)
        .where(State.iso2.in_(codes), Representative.archived_at.is_(None))
        .group_by(State.iso2)
    )
    return {code: int(count) for code, count in rows}


COMMANDS = (briefings_command,)
