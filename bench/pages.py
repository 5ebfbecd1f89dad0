"""`make bench`, the pages and API reads side by side: the demo data (`crm demo`) and campaign
scale (`crm bench-data`: 200 states, 100,000 representatives, 1,000,000 interactions), on
SQLite and on PostgreSQL; then each data set served by gunicorn for bench/throughput.py.

Each database is made once and serves both sections, one after the other (PostgreSQL holds
one data set at a time, in a database of its own that is dropped and made again:
BENCH_POSTGRES_URL, by default postgresql+psycopg://postgres@127.0.0.1:5432/bench).

`python bench/run.py --only pages,throughput` measures these sections alone and puts them
in docs/benchmarks.md in place of the ones there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import throughput
from bench.run import best_of, ms
from crm.demo.synthetic import Scale

HEADING = "## Pages and API reads, demo data and campaign scale"
# What this section was called before it measured the demo data beside the scale data.
FORMER_HEADINGS = ("## At campaign scale",)
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
)
REPEAT = 5

# (label, path, bounded): a bounded page is a list or a search, the dashboard or the API's
# risk list, which must cost at campaign scale at most BOUND times what it costs on the demo
# data (issue 15). {iso2} is Romania in the demo data and the first state (AA) at scale;
# {rep} that state's first representative.
PAGES = [
    ("risk dashboard", "/dashboard", True),
    ("states", "/states", True),
    ("a state", "/states/{iso2}", False),
    ("a state's risk", "/states/{iso2}/risk", False),
    ("all representatives (first page)", "/representatives", True),
    ("search all representatives by name", "/representatives?q=popescu", True),
    ("… by a spelling that only sounds alike", "/representatives?q=popesko", True),
    ("a state's representatives", "/representatives?state={iso2}", True),
    ("a representative", "/representatives/{rep}", False),
    ("a state's interactions", "/states/{iso2}/interactions", True),
    ("a state's follow-ups", "/states/{iso2}/follow-ups", True),
    ("follow-ups (all states)", "/follow-ups", True),
    ("events", "/events", True),
    ("API: a state's representatives", "/api/v1/representatives?state={iso2}", True),
    ("API: interactions", "/api/v1/interactions?state={iso2}", True),
    ("API: risk of every state", "/api/v1/risk", True),
]
BOUND = 1.5

NAME_SEARCHES = [
    ("a family name as spelt", "popescu"),
    ("a spelling that only sounds alike", "popesko"),
    ("two words", "ana popescu"),
    ("a name nobody has", "zzyzx"),
]


@dataclass(frozen=True)
class Page:
    path: str
    first: float
    best: float
    median: float
    statements: int


@dataclass
class DataSet:
    """One data set in one database, and what was measured on it."""

    database: str  # "SQLite" or "PostgreSQL"
    data: str  # "demo" or "scale"
    url: str
    iso2: str = ""
    rep: int = 0
    state_name: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    made: tuple[float, float] = (0.0, 0.0)  # the command's seconds and peak MiB
    pages: dict[str, Page] = field(default_factory=dict)
    searches: dict[str, tuple[int, float, float]] = field(default_factory=dict)
    commands: dict[str, tuple[float, float]] = field(default_factory=dict)
    load: float = 0.0  # the load average after the pages were timed


def _command(env: dict[str, str], *args: str) -> tuple[float, float]:
    """Run `flask --app wsgi …`: (wall seconds, peak memory in MiB) of that process.

    The peak is the process's own high-water mark (VmHWM), read while it runs: the
    rusage of a child also counts the memory of the parent it was forked from."""
    flask = str(Path(sys.executable).with_name("flask"))
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603 - our own command line
            [flask, "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        peak_kib = 0
        status = Path(f"/proc/{process.pid}/status")
        while process.poll() is None:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak_kib = max(peak_kib, int(line.split()[1]))
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{' '.join(args)} failed: {errors.read().decode()[-2000:]}")
    return elapsed, peak_kib / 1024


def _postgres_fresh(url: str) -> bool:
    """Drop the database `url` names and make it again, empty: False when PostgreSQL does
    not answer. Never the test suite's database."""
    import psycopg
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    if parsed.database in (None, "", "postgres", "template0", "template1", "test"):
        raise RuntimeError(f"refusing to drop the database {parsed.database!r}")
    maintenance = parsed.set(drivername="postgresql", database="postgres")
    try:
        connection = psycopg.connect(
            maintenance.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
        )
    except psycopg.OperationalError:
        return False
    with connection:
        name = psycopg.sql.Identifier(parsed.database)
        connection.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(name))
    return True


def revision() -> str:
    """The code measured: BENCH_REVISION, or the checkout's commit (and whether it has
    changes not committed)."""
    if os.environ.get("BENCH_REVISION"):
        return os.environ["BENCH_REVISION"]
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"],  # noqa: S607 - read only
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _env(url: str, folder: Path) -> dict[str, str]:
    return os.environ | {
        "CRM_ENV": "development",
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),  # this checkout's code, whatever the virtualenv points at
        # Nothing written into the checkout's instance/ folder.
        "CELERY_BROKER_URL": f"sqla+sqlite:///{folder / 'broker.sqlite'}",
        "PACKS_FOLDER": str(folder / "packs"),
        "MAIL_FOLDER": str(folder / "mail"),
    }


def _app(url: str, folder: Path):
    from config import DevelopmentConfig
    from crm import create_app

    return create_app(
        DevelopmentConfig,
        SQLALCHEMY_DATABASE_URI=url,
        RATELIMIT_ENABLED=False,
        WTF_CSRF_ENABLED=False,
        CELERY_BROKER_URL="memory://",
        PACKS_FOLDER=str(folder / "packs"),
        MAIL_FOLDER=str(folder / "mail"),
    )


def _prepare(app, data: DataSet) -> str:
    """The data set's state and representative, its row counts, and a new API token of the
    coordinator (returned)."""
    import sqlalchemy as sa

    from crm.auth.models import Role, TokenScope, User
    from crm.auth.services import create_token
    from crm.backup import row_counts
    from crm.extensions import db
    from crm.parliament.models import Representative
    from crm.states.queries import get_state

    with app.app_context():
        data.counts = row_counts()
        data.iso2 = "RO" if data.data == "demo" else "AA"
        state = get_state(data.iso2)
        data.state_name = state.name
        data.rep = db.session.scalar(
            sa.select(sa.func.min(Representative.id)).where(Representative.state_id == state.id)
        )
        coordinator = db.session.scalar(
            sa.select(User).where(User.role == Role.COORDINATOR).order_by(User.id).limit(1)
        )
        raw, _token = create_token(coordinator, coordinator, name="bench", scope=TokenScope.API)
        db.session.commit()
        db.session.remove()
    return raw


def _time_pages(app, data: DataSet, token: str) -> None:
    """Each page signed in as the coordinator: the first view (the risk model remembering
    no chamber, as after a restart), then REPEAT times more; the statements of one fetch."""
    import sqlalchemy as sa

    from crm.demo.loader import DEMO_PASSWORD
    from crm.extensions import db

    client = app.test_client()
    signed_in = client.post(
        "/login", data={"email": throughput.COORDINATOR, "password": DEMO_PASSWORD}
    )
    if signed_in.status_code != 302:
        raise RuntimeError(f"sign-in failed: {signed_in.status_code}")
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _label, template, _bounded in PAGES:
            path = template.format(iso2=data.iso2, rep=data.rep)
            headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}

            def get(path: str = path, headers: dict[str, str] = headers) -> None:
                statements.clear()
                response = client.get(path, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")

            first, _ = best_of(get, repeat=1)
            best, median = best_of(get, repeat=REPEAT, remembered=True)
            data.pages[template] = Page(path, first, best, median, len(statements))
    finally:
        with app.app_context():
            sa.event.remove(db.engine, "before_cursor_execute", count)


def _name_searches(app, data: DataSet) -> None:
    """NameMatch's query alone over every representative."""
    import sqlalchemy as sa

    from crm.extensions import db
    from crm.parliament.models import Representative
    from crm.parliament.queries import NameMatch

    with app.app_context():
        for _label, q in NAME_SEARCHES:
            match = NameMatch(q)
            stmt = (
                sa.select(Representative.id)
                .where(Representative.archived_at.is_(None), match.condition)
                .order_by(*match.order, Representative.sort_name, Representative.id)
                .limit(30)
            )
            found: list[int] = []

            def search(stmt: sa.Select[tuple[int]] = stmt, found: list[int] = found) -> None:
                found[:] = db.session.scalars(stmt).all()

            best, median = best_of(search, repeat=REPEAT, remembered=True)
            data.searches[q] = (len(found), best, median)
        db.session.remove()


def _measure_one(
    data: DataSet, folder: Path, scale: Scale, *, pages: bool, serve: bool
) -> list[throughput.Row]:
    from crm.demo.loader import DEMO_PASSWORD
    from crm.extensions import db

    env = _env(data.url, folder)
    _command(env, "db", "upgrade")
    if data.data == "demo":
        data.made = _command(env, "crm", "demo")
    else:
        data.made = _command(
            env,
            "crm",
            "bench-data",
            f"--states={scale.states}",
            f"--representatives={scale.representatives}",
            f"--interactions={scale.interactions}",
        )
    app = _app(data.url, folder)
    token = _prepare(app, data)
    if pages:
        _time_pages(app, data, token)
        data.load = os.getloadavg()[0]
        if data.data == "scale":
            _name_searches(app, data)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    rows = []
    if serve:
        rows = throughput.measure(env, data.iso2, data.rep, token, DEMO_PASSWORD)
    if pages and data.data == "scale" and data.database == "SQLite":
        backup = folder / "scale.jsonl.gz"
        data.commands["backup"] = _command(env, "crm", "backup", str(backup))
        second = _env(f"sqlite:///{folder / 'restored.sqlite'}", folder)
        _command(second, "db", "upgrade")
        data.commands["restore"] = _command(second, "crm", "restore", str(backup))
    return rows


def measure(
    scale: Scale | None = None, *, pages: bool = True, serve: bool = True
) -> dict[str, list[str]]:
    """Both data sets on SQLite and on PostgreSQL (when it answers): the sections' lines,
    by heading."""
    scale = scale or Scale()
    measured: list[DataSet] = []
    served: list[tuple[str, str, list[throughput.Row], float]] = []
    postgres = True
    for database in ("SQLite", "PostgreSQL"):
        for data in ("demo", "scale"):
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                if database == "SQLite":
                    url = f"sqlite:///{folder / f'{data}.sqlite'}"
                else:
                    url = POSTGRES_URL
                    postgres = _postgres_fresh(url)
                    if not postgres:
                        break
                started = time.perf_counter()
                print(f"{database}, {data}: …", file=sys.stderr, flush=True)  # noqa: T201
                one = DataSet(database, data, url)
                rows = _measure_one(one, folder, scale, pages=pages, serve=serve)
                measured.append(one)
                if serve:
                    label = "demo data" if data == "demo" else "campaign scale"
                    served.append((database, label, rows, os.getloadavg()[0]))
                print(  # noqa: T201 - progress of a long command
                    f"{database}, {data}: {time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
    if not postgres:
        print("PostgreSQL did not answer: SQLite only", file=sys.stderr)  # noqa: T201
    if postgres and any(d.database == "PostgreSQL" for d in measured):
        _postgres_fresh(POSTGRES_URL)  # leave it empty
    sections = {}
    if pages:
        sections[HEADING] = _section(measured)
    if serve:
        sections[throughput.HEADING] = throughput.section(served)
    return sections


def _ratio(demo: float, scale: float) -> str:
    return f"{scale / demo:,.2f}×" if demo else "—"


def _page_table(demo: DataSet, scale: DataSet) -> list[str]:
    lines = [
        "| page | path | demo, first view | demo | scale, first view | scale | scale ÷ demo "
        "| SQL statements (demo, scale) | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for label, template, bounded in PAGES:
        d, s = demo.pages[template], scale.pages[template]
        ratio = s.best / d.best
        verdict = ""
        if bounded:
            verdict = f"≤ {BOUND:g}×: " + ("met" if ratio <= BOUND else "**not met**")
        shown = template.replace("{iso2}", "‹state›").replace("{rep}", "‹id›")
        lines.append(
            f"| {label} | `{shown}` | {ms(d.first)} | {ms(d.best)} | {ms(s.first)} | "
            f"{ms(s.best)} | {_ratio(d.best, s.best)} | {d.statements}, {s.statements} | "
            f"{verdict} |"
        )
    return lines


def _describe(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    return (
        f"{counts['states']:,} states, {counts['representatives']:,} representatives, "
        f"{counts['interactions']:,} interactions ({counts['interaction_representatives']:,} "
        f"links to the members met), {counts['follow_ups']:,} follow-ups, "
        f"{counts['stance_records']:,} stance records: {total:,} rows"
    )


def _section(measured: list[DataSet]) -> list[str]:
    by = {(d.database, d.data): d for d in measured}
    demo, big = by[("SQLite", "demo")], by[("SQLite", "scale")]
    lines = [
        HEADING,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, code at `{revision()}`. "
        "The demo data (`flask --app wsgi "
        f"crm demo`: {_describe(demo.counts)}) and campaign scale (`flask --app wsgi crm "
        f"bench-data`: {_describe(big.counts)}), each in a database of its own, on SQLite "
        "and on PostgreSQL. Each page is fetched in the process (Flask's test client) signed "
        "in as the coordinator, who sees every state: once as the first view (the risk model "
        f"remembering no chamber, as after a restart), then {REPEAT} times more, of which "
        "the best is shown; the statements are those of one fetch. ‹state› is "
        f"{demo.state_name} ({demo.iso2}) in the demo data and the first state "
        f"({big.iso2}) at scale, ‹id› that state's first representative. Target (issue "
        f"15): at campaign scale, every list and search, the dashboard and `/api/v1/risk` "
        f"cost at most {BOUND:g}× their demo time. The two data sets of a database are "
        "measured one after the other (a database holds one at a time), not interleaved: "
        "a change of the machine's load between them moves the ratio, which the load "
        "averages shown with each table tell.",
        "",
    ]
    for database in ("SQLite", "PostgreSQL"):
        if (database, "scale") not in by:
            continue
        lines += [
            f"### {database}",
            "",
            f"Load average when measured: {by[(database, 'demo')].load:.1f} (demo data), "
            f"{by[(database, 'scale')].load:.1f} (campaign scale) on {os.cpu_count()} "
            "logical cores.",
            "",
            *_page_table(by[(database, "demo")], by[(database, "scale")]),
            "",
        ]
    databases = [d for d in ("SQLite", "PostgreSQL") if (d, "scale") in by]
    lines += [
        "A name search alone (`parliament.queries.NameMatch`, the rule of every people "
        f"search: the first 30 of {big.counts['representatives']:,} representatives, every "
        "state, as the pickers ask it), best of five:",
        "",
        "| search | found | " + " | ".join(databases) + " |",
        "|---|---:|" + "---:|" * len(databases),
    ]
    for label, q in NAME_SEARCHES:
        found = big.searches[q][0]
        times = " | ".join(ms(by[(d, "scale")].searches[q][1]) for d in databases)
        lines.append(f"| {label} (`{q}`) | {found} | {times} |")
    total = sum(big.counts.values())
    lines += [
        "",
        "Commands, each in a process of its own (wall time, peak resident memory):",
        "",
        "| command | " + " | ".join(databases) + " |",
        "|---|" + "---:|" * len(databases),
        "| `crm demo` | " + " | ".join(_made(by[(d, "demo")].made) for d in databases) + " |",
        f"| `crm bench-data` (generate and write {total:,} rows) | "
        + " | ".join(_made(by[(d, "scale")].made) for d in databases)
        + " |",
    ]
    for command, label in (
        ("backup", f"`crm backup` ({total:,} rows)"),
        ("restore", "`crm restore` into an empty database"),
    ):
        cells = [
            _made(by[(d, "scale")].commands[command])
            if command in by[(d, "scale")].commands
            else "not measured"
            for d in databases
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def _made(made: tuple[float, float]) -> str:
    seconds, peak = made
    return f"{seconds:,.1f} s, {peak:,.0f} MiB"
