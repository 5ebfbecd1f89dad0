"""`make bench`: measure, then write docs/benchmarks.md with the machine described.

Speed is measured here, never asserted in tests. Each figure is the best (minimum) of
several repetitions, which is the least disturbed by whatever else the machine does.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
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
    from crm.briefings.packs.common import TARGETS
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
                cpu = []
                for _ in range(5):
                    db.session.expire_all()
                    started, processed = time.perf_counter(), time.process_time()
                    pack = build()
                    read = time.perf_counter() - started
                    pdf = render_pdf(template, pack=pack)
                    cpu.append(time.process_time() - processed)
                    split = (read, pdf.template_seconds, pdf.layout_seconds)
                    runs.append((read + pdf.seconds, *split))
                    db.session.rollback()
                total, read, templates, layout = min(runs)
                outside = (read + templates) / total
                rows.append(
                    f"| {label} | {pdf.pages} | {ms(total)} | {ms(min(cpu))} | {ms(read)} | "
                    f"{ms(templates)} | {ms(layout)} | {outside:.0%} |"
                )
            load = os.getloadavg()[0]
            db.session.remove()
            db.engine.dispose()
    from bench.pages import revision

    lines += [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, code at `{revision()}`. "
        f"The demo data as the staff account sees it; each row is the fastest of five runs "
        f"(wall time), split into the parts measured in that same run, and the least CPU time "
        f"of the five, which other work on the machine disturbs less. The fonts and the print "
        f"stylesheet are parsed once per process, before the first pack: {ms(fonts)} here. "
        "The garbage collector is paused during each layout and collects once after it, "
        "which the layout's time includes (crm/briefings/render.py).",
        "",
        f"Load average when measured: {load:.1f} on {os.cpu_count()} logical cores (other "
        "work on the machine slows these figures down in proportion); "
        f"{machine()[1].removeprefix('- ')}, {machine()[3].removeprefix('- ')} (this section "
        "may be measured on its own, after the machine described above).",
        "",
        "| pack | pages | total | total, CPU time | database reads | templates "
        "| WeasyPrint layout | outside WeasyPrint |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"The state pack's roster appendix stops at the {packs.ROSTER_CAP} most influential "
        f"members (Romania has 485, India 790) and it profiles the {TARGETS} priority targets "
        "to meet next: WeasyPrint spends milliseconds on each table row and each profile, "
        "and a pack is asked for while someone waits (target: 1.5 s for Romania's, 1 s for "
        "the overview). "
        "The full roster is a pack of its own, at `/states/IN/roster` (from a script: "
        "`flask --app wsgi crm briefings --state IN --roster --out DIR`).",
        "",
    ]
    return lines


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


SECTIONS = ("risk", "briefings", "queue", "csv", "pages", "throughput", "locales")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help="the sections to measure, separated by commas (default: all): "
        f"{', '.join(SECTIONS)}; the others stay as docs/benchmarks.md has them",
    )
    parser.add_argument(
        "--scale",
        metavar="STATES,REPRESENTATIVES,INTERACTIONS",
        help="a smaller campaign scale, to try the pages and throughput sections quickly "
        "(their figures are then not those of the campaign's scale)",
    )
    return parser.parse_args()


def _replace(
    text: str, heading: str, body: str, former: tuple[str, ...] = (), after: str = ""
) -> str:
    """`text` with the section under `heading` (or under a former heading) replaced by
    `body`; when there is none, `body` after the section headed `after`, or at the end."""
    for name in (heading, *former):
        start = text.find(name + "\n")
        if start != -1:
            end = text.find("\n## ", start + len(name))
            return text[:start] + body + ("\n" + text[end + 1 :] if end != -1 else "\n")
    start = text.find(after + "\n") if after else -1
    end = text.find("\n## ", start + len(after)) if start != -1 else -1
    if end != -1:
        return text[: end + 1] + body + "\n\n" + text[end + 1 :]
    return text.rstrip("\n") + "\n\n" + body + "\n"


def main() -> None:
    from bench import locales, packs, pages

    arguments = _arguments()
    chosen = [name.strip() for name in arguments.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        sys.exit(f"unknown sections: {', '.join(unknown)} (known: {', '.join(SECTIONS)})")
    scale = Scale()
    if arguments.scale:
        states, representatives, interactions = (int(n) for n in arguments.scale.split(","))
        scale = Scale(states, representatives, interactions)
    measured: dict[str, list[str]] = {}
    simple = {
        "risk": risk_section,
        "briefings": briefings_section,
        "queue": packs.section,
        "csv": csv_import_section,
        "locales": locales.section,
    }
    for name in chosen:
        if name in simple:
            lines = simple[name]()
            measured[lines[0]] = lines
    if "pages" in chosen or "throughput" in chosen:
        measured |= pages.measure(scale, pages="pages" in chosen, serve="throughput" in chosen)
    OUT.parent.mkdir(exist_ok=True)
    if set(chosen) == set(SECTIONS):
        body = [
            "# Benchmarks",
            "",
            "Written by `make bench` (bench/run.py; `make bench ONLY=pages,throughput` measures "
            "those sections alone and replaces them here); each figure is the best of several "
            "runs.",
            "",
            "## Machine",
            "",
            *machine(),
            "",
        ]
        for lines in measured.values():
            body += lines
        OUT.write_text("\n".join(body) + "\n", encoding="utf-8")
    else:
        text = OUT.read_text(encoding="utf-8") if OUT.exists() else "# Benchmarks\n"
        for heading, lines in measured.items():
            former = pages.FORMER_HEADINGS if heading == pages.HEADING else ()
            text = _replace(text, heading, "\n".join(lines), former, after=pages.HEADING)
        OUT.write_text(text, encoding="utf-8")
    print(f"Wrote {OUT.relative_to(ROOT)}")  # noqa: T201 - a command's output


if __name__ == "__main__":
    main()
