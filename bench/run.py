"""`make bench`: measure, then write docs/benchmarks.md with the machine described.

Speed is measured here, never asserted in tests. Each figure is the best (minimum) of
several repetitions, which is the least disturbed by whatever else the machine does.
"""

from __future__ import annotations

import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "docs" / "benchmarks.md"

from crm.demo.synthetic import Scale


def best_of(
    fn: Callable[[], object], repeat: int = 5, *, remembered: bool = False
) -> tuple[float, float]:
    """(best, median) wall time in seconds over `repeat` runs. The risk model remembers
    the chambers it computed; each run starts without that memory unless `remembered`."""
    from crm.risk.model import forget_pass_probabilities

    times = []
    for _ in range(repeat):
        if not remembered:
            forget_pass_probabilities()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- CPU: {cpu}, {os.cpu_count()} logical cores",
        f"- Memory: {memory}",
        f"- OS: {platform.system()} {platform.release()} ({platform.machine()})",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
    ]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def risk_section() -> list[str]:
    from config import DevelopmentConfig
    from crm import create_app
    from crm.db import write_intent
    from crm.demo.loader import load_demo
    from crm.extensions import db
    from crm.risk import model
    from crm.risk.queries import risk_config, state_contexts
    from crm.risk.services import forecasts
    from crm.states.queries import active_campaign

    lines = ["## Ratification risk", ""]
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.sqlite")
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            with write_intent():
                load_demo()
                db.session.commit()
            campaign = active_campaign()
            config = risk_config()
            from crm.db import today

            contexts = state_contexts(campaign, today(), config)
            seats = sum(len(c.members) for ctx in contexts for c in ctx.model_input.chambers)

            def all_forecasts() -> None:
                for ctx in contexts:
                    model.state_forecast(ctx.model_input, config)

            def all_swings() -> None:
                for ctx in contexts:
                    model.swing_list(ctx.model_input, config)

            def end_to_end() -> None:
                db.session.expire_all()
                forecasts(campaign, today(), config)

            f_best, f_med = best_of(all_forecasts)
            s_best, s_med = best_of(all_swings)
            e_best, e_med = best_of(end_to_end)
            lines += [
                f"All {len(contexts)} demo states with open agreements ({seats:,} seated members):",
                "",
                "| what | best | median |",
                "|---|---:|---:|",
                f"| exact forecast of every state (model only) | {ms(f_best)} | {ms(f_med)} |",
                f"| swing list of every state (model only) | {ms(s_best)} | {ms(s_med)} |",
                f"| dashboard forecasts including the database reads | {ms(e_best)} | "
                f"{ms(e_med)} |",
                "",
            ]
            # India and Israel decide by the executive: their swing lists are empty. Timing
            # them as if parliament decided shows the heaviest case the model can meet.
            per_state = []
            largest = sorted(
                contexts, key=lambda c: -sum(len(x.members) for x in c.model_input.chambers)
            )[:3]
            for ctx in largest:
                as_parliament = replace(ctx.model_input, route="parliament")
                best, _ = best_of(lambda s=as_parliament: model.swing_list(s, config))
                n = sum(len(c.members) for c in ctx.model_input.chambers)
                per_state.append(f"| {ctx.state.name} ({n} members) | {ms(best)} |")
            lines += [
                "Largest states, swing list alone, as if parliament decided:",
                "",
                "| state | best |",
                "|---|---:|",
                *per_state,
                "",
            ]
            db.session.remove()
            db.engine.dispose()

    lines += [
        "Synthetic 800-seat chamber (attendance 0.9): exact dynamic programming against a",
        "10,000-draw Monte Carlo estimate of the same chamber, timed side by side. For each",
        "rule the members' stances are mixed so that the exact probability is near 0.5, where",
        "sampling error is largest.",
        "",
        "| majority rule | exact | swing list (800 members) | Monte Carlo 10,000 draws | exact p "
        "| Monte Carlo p |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    config = model.RiskConfig()
    for rule in sorted(model.RULES):
        chamber = _balanced_chamber(model, config, rule)
        state = model.StateInput("block", "parliament", None, (chamber,))
        exact_best, _ = best_of(lambda chamber=chamber: model.chamber_forecast(chamber, config))
        swing_best, _ = best_of(lambda state=state: model.swing_list(state, config), repeat=3)
        mc_best, _ = best_of(
            lambda chamber=chamber: model.monte_carlo_pass_probability(
                chamber, config, 10_000, random.Random(1)
            ),
            repeat=3,
        )
        exact_p = model.chamber_forecast(chamber, config).pass_probability
        mc_p = model.monte_carlo_pass_probability(chamber, config, 10_000, random.Random(1))
        lines.append(
            f"| `{rule}` | {ms(exact_best)} | {ms(swing_best)} | {ms(mc_best)} | "
            f"{exact_p:.4f} | {mc_p:.4f} |"
        )
    lines += [
        "",
        "The exact method is faster than sampling and has no sampling error (a 10,000-draw "
        "estimate has a standard error of about 0.005 near p = 0.5).",
        "",
    ]
    return lines


def _balanced_chamber(model, config, rule: str):
    """800 members, a share `q` of them for ratification and the rest against, with `q`
    found by bisection so that the chamber's exact pass probability is near 0.5."""

    def chamber(q: float):
        rng = random.Random(800)
        members = tuple(
            model.Member(
                id=n,
                stance="for_ratification" if rng.random() < q else "against_ratification",
                stale=rng.random() < 0.2,
                party_key=str(n % 6),
                in_government=n % 6 < 3,
            )
            for n in range(800)
        )
        return model.ChamberInput(1, "Synthetic", 800, rule, 0.9, members)

    low, high = 0.0, 1.0
    for _ in range(20):
        middle = (low + high) / 2
        if model.chamber_forecast(chamber(middle), config).pass_probability < 0.5:
            low = middle
        else:
            high = middle
    return chamber((low + high) / 2)


def briefings_section() -> list[str]:
    """Time each briefing pack on the demo data, split into the database reads, the
    templates and WeasyPrint's layout, all measured in the same runs."""
    from config import DevelopmentConfig
    from crm import create_app
    from crm.auth.models import User
    from crm.briefings import packs
    from crm.briefings.render import render_pdf, warm_up
    from crm.db import write_intent
    from crm.demo.loader import load_demo
    from crm.extensions import db
    from crm.parliament.models import Representative
    from crm.parliament.queries import get_representative
    from crm.states.queries import get_state

    lines = ["## Briefing packs", ""]
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.sqlite")
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            with write_intent():
                load_demo()
                db.session.commit()
            import sqlalchemy as sa

            staff = db.session.scalar(sa.select(User).where(User.email == "staff@demo.example"))
            fonts = warm_up()

            def most_influential(iso2: str) -> int:
                state = get_state(iso2)
                return db.session.scalar(
                    sa.select(Representative.id)
                    .where(Representative.state_id == state.id)
                    .order_by(Representative.influence.desc(), Representative.id)
                    .limit(1)
                )

            reps = {iso2: most_influential(iso2) for iso2 in ("RO", "IN")}
            cases = [
                ("State pack, Romania (485 members)", "pdf/state.html",
                 lambda: packs.state_pack(get_state("RO"), staff)),
                ("State pack, India (790 members)", "pdf/state.html",
                 lambda: packs.state_pack(get_state("IN"), staff)),
                ("Representative one-pager, Romania", "pdf/representative.html",
                 lambda: packs.representative_pack(get_representative(reps["RO"]), staff)),
                ("Representative one-pager, India", "pdf/representative.html",
                 lambda: packs.representative_pack(get_representative(reps["IN"]), staff)),
                ("Coordinator overview (19 states)", "pdf/overview.html",
                 lambda: packs.overview_pack(staff)),
            ]  # fmt: skip
            rows = []
            for label, template, build in cases:
                runs = []
                for _ in range(3):
                    db.session.expire_all()
                    started = time.perf_counter()
                    pack = build()
                    read = time.perf_counter() - started
                    pdf = render_pdf(template, pack=pack)
                    split = (read, pdf.template_seconds, pdf.layout_seconds)
                    runs.append((read + pdf.seconds, *split))
                    db.session.rollback()
                total, read, templates, layout = min(runs)
                outside = (read + templates) / total
                rows.append(
                    f"| {label} | {pdf.pages} | {ms(total)} | {ms(read)} | {ms(templates)} | "
                    f"{ms(layout)} | {outside:.0%} |"
                )
            load = os.getloadavg()[0]
            db.session.remove()
            db.engine.dispose()
    lines += [
        f"The demo data as the staff account sees it; each row is the fastest of three runs, "
        f"split into the parts measured in that same run. The fonts and the print "
        f"stylesheet are parsed once per process, before the first pack: {ms(fonts)} here.",
        "",
        f"Load average when measured: {load:.1f} on {os.cpu_count()} logical cores (other "
        "work on the machine slows these figures down in proportion).",
        "",
        "| pack | pages | total | database reads | templates | WeasyPrint layout "
        "| outside WeasyPrint |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"The state pack's roster appendix stops at the {packs.ROSTER_CAP} most influential "
        "members (India has 790): WeasyPrint spends most of its time on table rows, and the "
        "pack must lay out well inside gunicorn's 30-second worker timeout. "
        "The full roster is a pack of its own, at `/states/IN/roster` (from a script: "
        "`flask --app wsgi crm briefings --state IN --roster --out DIR`).",
        "",
    ]
    return lines


SCALE_PAGES = [
    ("risk dashboard", "/dashboard"),
    ("states", "/states"),
    ("a state", "/states/{iso2}"),
    ("a state's risk", "/states/{iso2}/risk"),
    ("all representatives (first page)", "/representatives"),
    ("search all representatives by name", "/representatives?q=popescu"),
    ("… by a spelling that only sounds alike", "/representatives?q=popesko"),
    ("a state's representatives", "/representatives?state={iso2}"),
    ("a representative", "/representatives/{rep}"),
    ("a state's interactions", "/states/{iso2}/interactions"),
    ("a state's follow-ups", "/states/{iso2}/follow-ups"),
    ("follow-ups (all states)", "/follow-ups"),
    ("events", "/events"),
    ("API: a state's representatives", "/api/v1/representatives?state={iso2}"),
    ("API: interactions", "/api/v1/interactions?state={iso2}"),
    ("API: risk of every state", "/api/v1/risk"),
]


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


def scale_section(scale: Scale | None = None) -> list[str]:
    """The SPEC's scale (200 states, 100,000 representatives, 1,000,000 interactions) on
    SQLite: generating it, the pages and API reads with their query counts, backup and
    restore with the peak memory of each command."""
    import sqlalchemy as sa

    from config import DevelopmentConfig
    from crm import create_app
    from crm.auth.models import Role, TokenScope, User
    from crm.auth.services import create_token
    from crm.backup import row_counts
    from crm.demo.loader import DEMO_PASSWORD
    from crm.extensions import db

    scale = scale or Scale()
    lines = ["## At campaign scale", ""]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/scale.sqlite"
        env = {**os.environ, "CRM_ENV": "development", "DATABASE_URL": url}
        _command(env, "db", "upgrade")
        made, made_rss = _command(
            env,
            "crm",
            "bench-data",
            f"--states={scale.states}",
            f"--representatives={scale.representatives}",
            f"--interactions={scale.interactions}",
        )
        app = create_app(
            DevelopmentConfig,
            SQLALCHEMY_DATABASE_URI=url,
            RATELIMIT_ENABLED=False,
            WTF_CSRF_ENABLED=False,
        )
        with app.app_context():
            counts = row_counts()
            coordinator = db.session.scalar(sa.select(User).where(User.role == Role.COORDINATOR))
            raw, _token = create_token(coordinator, coordinator, name="bench", scope=TokenScope.API)
            db.session.commit()
            iso2 = "AA"
            rep = db.session.scalar(
                sa.text("SELECT min(id) FROM representatives WHERE state_id = 1")
            )
        client = app.test_client()
        signed_in = client.post(
            "/login", data={"email": "coordinator@demo.example", "password": DEMO_PASSWORD}
        )
        if signed_in.status_code != 302:
            raise RuntimeError(f"sign-in failed: {signed_in.status_code}")
        statements: list[str] = []
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        rows = []
        for label, template in SCALE_PAGES:
            path = template.format(iso2=iso2, rep=rep)
            headers = {"Authorization": f"Bearer {raw}"} if path.startswith("/api/") else {}

            def get(path: str = path, headers: dict[str, str] = headers) -> None:
                statements.clear()
                response = client.get(path, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")

            first, _ = best_of(get, repeat=1)
            best, median = best_of(get, repeat=3, remembered=True)
            rows.append(
                f"| {label} | `{path}` | {ms(first)} | {ms(best)} | {ms(median)} | "
                f"{len(statements)} |"
            )
        with app.app_context():
            searches = _name_searches()
            db.session.remove()
            db.engine.dispose()

        backup = Path(tmp) / "scale.jsonl.gz"
        backed, backed_rss = _command(env, "crm", "backup", str(backup))
        second = {**env, "DATABASE_URL": f"sqlite:///{tmp}/restored.sqlite"}
        _command(second, "db", "upgrade")
        restored, restored_rss = _command(second, "crm", "restore", str(backup))

    total = sum(counts.values())
    lines += [
        f"`flask --app wsgi crm bench-data` on SQLite: {scale.states} states, "
        f"{counts['representatives']:,} representatives, {counts['interactions']:,} "
        f"interactions ({counts['interaction_representatives']:,} links to the members met), "
        f"{counts['follow_ups']:,} follow-ups, {counts['stance_records']:,} stance records: "
        f"{total:,} rows. Each page is fetched signed in as the coordinator (who sees every "
        "state): once as the first view (the risk model remembering no chamber, as after a "
        "restart), then three times more; the query count is that of one fetch.",
        "",
        "| page | path | first view | again, best | again, median | SQL statements |",
        "|---|---|---:|---:|---:|---:|",
        *rows,
        "",
        "A name search alone (`parliament.queries.NameMatch`, the rule of every people "
        f"search: the first 30 of {counts['representatives']:,} representatives, every "
        "state, as the pickers ask it):",
        "",
        "| search | found | best | median |",
        "|---|---:|---:|---:|",
        *searches,
        "",
        "Commands, each in a process of its own (wall time, peak resident memory):",
        "",
        "| command | time | peak memory |",
        "|---|---:|---:|",
        f"| `crm bench-data` (generate and write {total:,} rows) | {made:,.1f} s | "
        f"{made_rss:,.0f} MiB |",
        f"| `crm backup` ({total:,} rows) | {backed:,.1f} s | {backed_rss:,.0f} MiB |",
        f"| `crm restore` into an empty database | {restored:,.1f} s | {restored_rss:,.0f} MiB |",
        "",
    ]
    return lines


NAME_SEARCHES = [
    ("a family name as spelt", "popescu"),
    ("a spelling that only sounds alike", "popesko"),
    ("two words", "ana popescu"),
    ("a name nobody has", "zzyzx"),
]


def _name_searches() -> list[str]:
    """Time NameMatch's query over every representative (inside an app context)."""
    import sqlalchemy as sa

    from crm.extensions import db
    from crm.parliament.models import Representative
    from crm.parliament.queries import NameMatch

    rows = []
    for label, q in NAME_SEARCHES:
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

        best, median = best_of(search, repeat=5, remembered=True)
        rows.append(f"| {label} (`{q}`) | {len(found)} | {ms(best)} | {ms(median)} |")
    return rows


CSV_ROWS = 20_000


def _csv_rows(chambers: list[str], parties: list[str], count: int) -> bytes:
    """A roster of `count` new people with every column filled that a section fills."""
    header = (
        "name,given_name,family_name,chamber,party,constituency,start_date,influence,"
        "languages,tags,email,phone,wikidata\n"
    )
    rows = [
        f"Bench Person {n:05d},Bench,Person {n:05d},{chambers[n % len(chambers)]},"
        f"{parties[n % len(parties)]},District {n % 40},2024-01-{n % 28 + 1:02d},{n % 5 + 1},"
        f"ro; en,bench; t{n % 7},p{n}@parliament.example,+40 21 {n:06d},Q{900000 + n}\n"
        for n in range(count)
    ]
    return (header + "".join(rows)).encode()


def csv_import_section() -> list[str]:
    """A CSV upload of 20,000 rows (the limit) into Romania of the demo data: the check
    (reads only, what "check only" does), the bulk write, and the commit, which re-forecasts
    the state's risk with every new member in it; then the same file again, changing each
    person's tags and seat. On SQLite, and on PostgreSQL when BENCH_POSTGRES_URL names an
    empty database to use."""
    import sqlalchemy as sa

    from config import DevelopmentConfig
    from crm import create_app
    from crm.db import write_intent
    from crm.demo.loader import load_demo
    from crm.extensions import db
    from crm.interchange.csv_import import check_representatives, write_representatives
    from crm.parliament.models import Chamber, Party
    from crm.states.queries import get_state

    def measure(url: str) -> list[str]:
        app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url)
        rows = []
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            with write_intent():
                load_demo()
                db.session.commit()
            state = get_state("RO")
            chambers = [
                c.name for c in db.session.scalars(sa.select(Chamber).filter_by(state_id=state.id))
            ]
            parties = [
                p.name for p in db.session.scalars(sa.select(Party).filter_by(state_id=state.id))
            ]
            first = _csv_rows(chambers, parties, CSV_ROWS)
            second = first.replace(b",2024-01-", b",2023-01-").replace(b"bench; t", b"again; t")
            for label, raw in (("new people", first), ("the same people, changed", second)):
                db.session.commit()
                started = time.perf_counter()
                plan = check_representatives(raw, state)
                db.session.rollback()
                checked = time.perf_counter() - started
                with write_intent():
                    started = time.perf_counter()
                    report = write_representatives(plan, actor_label="bench", source="bench.csv")
                    written = time.perf_counter() - started
                    db.session.commit()
                    committed = time.perf_counter() - started - written
                rows.append(
                    f"| {db.engine.dialect.name} | {label} ({report.summary().split(': ')[1]}) | "
                    f"{checked:,.1f} s | {written:,.1f} s | {committed:,.1f} s |"
                )
            db.session.remove()
            db.engine.dispose()
        return rows

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += measure(f"sqlite:///{tmp}/csv.sqlite")
    if os.environ.get("BENCH_POSTGRES_URL"):
        rows += measure(os.environ["BENCH_POSTGRES_URL"])
    load = os.getloadavg()[0]
    return [
        "## CSV import (20,000 rows)",
        "",
        f"A file of {CSV_ROWS:,} representatives (the upload's limit, 3.6 MB) for Romania "
        "of the demo data, every column a section fills given. The check reads only and "
        'holds no lock (it is all "check only" does); the write holds the write lock, '
        "then the commit re-forecasts the state's risk with every member now seated, "
        "still holding it.",
        "",
        f"Load average when measured: {load:.1f} on {os.cpu_count()} logical cores.",
        "",
        "| database | file | check | bulk write | commit (risk re-forecast) |",
        "|---|---|---:|---:|---:|",
        *rows,
        "",
    ]


def main() -> None:
    from bench import packs

    sections = [risk_section, briefings_section, packs.section, csv_import_section, scale_section]
    body = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run.py); each figure is the best of several runs.",
        "",
        "## Machine",
        "",
        *machine(),
        "",
    ]
    for section in sections:
        body += section()
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("\n".join(body) + "\n", encoding="utf-8")
    print(f"Wrote {OUT.relative_to(ROOT)}")  # noqa: T201 - a command's output


if __name__ == "__main__":
    main()
