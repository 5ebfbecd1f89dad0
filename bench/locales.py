"""`make bench`, the pages in every language: what answering in French, Spanish, Portuguese,
Romanian, Russian or Arabic costs over English (issue 14: at most 5 % more server time).

On the demo data in a database of its own, signed in as the coordinator (who sees every
state, as bench/pages.py signs in): each page is fetched through Flask's test client, in
this process, in each language the coordinator can choose on their account page (the
preference stored on the user, which a request follows as a real user's would); the sign-in
page signed out, in the language chosen with the switch of signed-out pages (the session
cookie). The languages take turns page by page in every round, in an order that turns
round by round, so that whatever else the machine does falls on all of them alike; English
is also measured a second time, as a language of its own, which shows what the measurement
itself varies.

`python bench/locales.py` measures this section and prints it; bench/run.py calls
`section()` with the others.
"""

from __future__ import annotations

import gc
import math
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEADING = "## Pages in every language"
COORDINATOR = "coordinator@demo.example"
# The languages as the account page offers them, English first: the one the others are
# compared with.
LOCALES = ("en", "fr", "es", "pt", "ro", "ru", "ar")
# English measured again, as if it were another language: the noise of the measurement.
CONTROL = "en again"
# Rounds of samples: a multiple of the languages measured (eight, with the control), so that
# each takes each turn in a round as often as the others.
ROUNDS = int(os.environ.get("BENCH_LOCALE_ROUNDS", "32"))
TARGET = 0.05  # at most 5 % more server time than English
# The least time a sample takes: a page answered sooner is fetched several times in a row.
SAMPLE = 0.010

# (label, path, signed in). {iso2} is Romania; {rep} its first representative.
PAGES = [
    ("a representative", "/representatives/{rep}", True),
    ("a state", "/states/{iso2}", True),
    ("risk dashboard", "/dashboard", True),
    ("all representatives (first page)", "/representatives", True),
    ("contact form", "/states/{iso2}/interactions/new", True),
    ("activity feed", "/activity", True),
    ("account", "/account", True),
    ("sign-in (signed out)", "/login", False),
]
# The gettext measurement: strings every catalog holds, looked up this many times.
WORDS = ("Dashboard", "Representatives")
GETTEXT_CALLS = 20_000


class Fetch(NamedTuple):
    """One fetch's seconds: on the clock, and of this thread's CPU (the request is served
    in this thread: the view, the templates, SQLite), which other processes taking the
    cores do not lengthen."""

    wall: float
    cpu: float


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def _over(seconds: float, english: float) -> float:
    return seconds / english - 1


def _percent(share: float) -> str:
    return f"{share * 100:+.1f} %"


def _app(folder: Path):
    from config import DevelopmentConfig
    from crm import create_app

    return create_app(
        DevelopmentConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'locales.sqlite'}",
        RATELIMIT_ENABLED=False,
        CELERY_BROKER_URL="memory://",
        PACKS_FOLDER=str(folder / "packs"),
        MAIL_FOLDER=str(folder / "mail"),
    )


def _demo(app) -> tuple[int, int]:
    """The demo data loaded: the coordinator's id and Romania's first representative."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from crm.auth.models import User
    from crm.db import write_intent
    from crm.demo.loader import load_demo
    from crm.extensions import db
    from crm.parliament.models import Representative
    from crm.states.queries import get_state

    with app.app_context():
        upgrade()
        with write_intent():
            load_demo()
            db.session.commit()
        state = get_state("RO")
        rep = db.session.scalar(
            sa.select(sa.func.min(Representative.id)).where(Representative.state_id == state.id)
        )
        user = db.session.scalar(sa.select(User.id).where(User.email == COORDINATOR))
        db.session.remove()
    return user, rep


def _choose(app, user_id: int, locale: str | None) -> None:
    """The coordinator's language as their account page stores it (not audited: this is
    not a change anybody made)."""
    import sqlalchemy as sa

    from crm.auth.models import User
    from crm.db import write_intent
    from crm.extensions import db

    with app.app_context(), write_intent():
        db.session.execute(sa.update(User).where(User.id == user_id).values(locale=locale))
        db.session.commit()
        db.session.remove()


def _signed_in(app):
    from crm.demo.loader import DEMO_PASSWORD

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    answer = client.post(
        "/login",
        data={"email": COORDINATOR, "password": DEMO_PASSWORD, "csrf_token": token.group(1)},
    )
    if answer.status_code != 302:
        raise RuntimeError(f"signing in as {COORDINATOR} answered {answer.status_code}")
    return client


def _measure(app, user_id: int, rep: int) -> tuple[dict[tuple[str, str], list[Fetch]], dict]:
    """Each sample's times (one fetch's), by (page label, language): ROUNDS of each after
    two rounds to warm up (templates compiled, catalogs loaded; the second tells how many
    fetches in a row make a sample of each page, returned too)."""
    from crm.i18n import CHOSEN

    signed_in = _signed_in(app)
    signed_out = app.test_client()
    languages = [*LOCALES, CONTROL]
    times: dict[tuple[str, str], list[Fetch]] = {
        (label, code): [] for label, _path, _in in PAGES for code in languages
    }
    in_a_row = dict.fromkeys((label for label, *_ in PAGES), 1)

    def fetch(path: str, signed: bool, code: str, count: int) -> Fetch:
        locale = "en" if code == CONTROL else code
        if signed:
            _choose(app, user_id, locale)
            client = signed_in
        else:
            client = signed_out
            with client.session_transaction() as session:
                session[CHOSEN] = locale
        gc.collect()  # no debt of collecting left by the fetches before on these
        wall, cpu = time.perf_counter(), time.thread_time()
        answers = [client.get(path) for _ in range(count)]
        fetched = Fetch((time.perf_counter() - wall) / count, (time.thread_time() - cpu) / count)
        for answer in answers:
            if answer.status_code != 200:
                raise RuntimeError(f"{path} in {locale}: {answer.status_code}")
            if f'lang="{locale}"' not in answer.get_data(as_text=True)[:500]:
                raise RuntimeError(f"{path} was not answered in {locale}")
        return fetched

    for rounds, record in ((2, False), (ROUNDS, True)):
        # What the process holds so far (the app, the demo data loaded) kept out of the
        # collections that a fetch's own garbage sets off, as a worker that loaded it
        # before forking would.
        gc.collect()
        gc.freeze()
        for number in range(rounds):
            # The languages take turns page by page, starting one further on each round.
            turn = number % len(languages)
            order = languages[turn:] + languages[:turn]
            for label, template, signed in PAGES:
                path = template.format(iso2="RO", rep=rep)
                # Once untimed: the first sample after another page is slower (by up to
                # a tenth on the shortest pages), whichever its language.
                fetch(path, signed, order[0], 1)
                for code in order:
                    fetched = fetch(path, signed, code, in_a_row[label])
                    if record:
                        times[label, code].append(fetched)
                    elif code == "en":
                        # A short page is fetched several times in a row for each sample:
                        # what disturbs one fetch then weighs less on the sample.
                        in_a_row[label] = max(1, math.ceil(SAMPLE / fetched.wall))
    gc.unfreeze()
    return times, in_a_row


def _gettext_costs(app) -> dict[str, tuple[float, float, float]]:
    """Seconds per call of a string the catalogs hold, in a request in each language: a
    view's `gettext`, a template's `{{ _(…) }}` (less the same loop printing the string
    untranslated), and the catalog's own lookup within them. The languages take turns, as
    the pages do."""
    from flask_babel import force_locale, get_translations, gettext

    calls: dict[str, float] = dict.fromkeys(LOCALES, float("inf"))
    said: dict[str, float] = dict.fromkeys(LOCALES, float("inf"))
    lookups: dict[str, float] = dict.fromkeys(LOCALES, float("inf"))
    words = list(WORDS) * (GETTEXT_CALLS // len(WORDS))
    translating = app.jinja_env.from_string("{% for w in words %}{{ _(w) }}{% endfor %}")
    printing = app.jinja_env.from_string("{% for w in words %}{{ w }}{% endfor %}")

    def timed(run) -> float:
        started = time.perf_counter()
        run()
        return time.perf_counter() - started

    with app.test_request_context("/"):
        for _ in range(7):
            for code in LOCALES:
                with force_locale(code):
                    catalog = get_translations()
                    calls[code] = min(calls[code], timed(lambda: [gettext(w) for w in words]))
                    template = timed(lambda: translating.render(words=words))
                    template -= timed(lambda: printing.render(words=words))
                    said[code] = min(said[code], template)
                    lookups[code] = min(
                        lookups[code], timed(lambda c=catalog: [c.ugettext(w) for w in words])
                    )
    return {
        code: (calls[code] / len(words), said[code] / len(words), lookups[code] / len(words))
        for code in LOCALES
    }


def _lookups(app, user_id: int, rep: int) -> dict[str, int]:
    """How many times each page asks Flask-Babel for its catalog (a string to translate), in
    English."""
    from crm.i18n import babel

    signed_in, signed_out = _signed_in(app), app.test_client()
    _choose(app, user_id, "en")
    counted = {"calls": 0}
    with app.app_context():
        kind = type(babel.domain_instance)
    original = kind.get_translations

    def counting(domain):
        counted["calls"] += 1
        return original(domain)

    found = {}
    kind.get_translations = counting  # type: ignore[method-assign]
    try:
        for label, template, signed in PAGES:
            counted["calls"] = 0
            (signed_in if signed else signed_out).get(template.format(iso2="RO", rep=rep))
            found[label] = counted["calls"]
    finally:
        kind.get_translations = original  # type: ignore[method-assign]
    return found


def _table(title: str, figures: dict[tuple[str, str], float], languages: list[str]) -> list[str]:
    lines = [
        title,
        "",
        "| page | path | " + " | ".join(languages) + " |",
        "|---|---|" + "---:|" * len(languages),
    ]
    for label, template, _signed in PAGES:
        english = figures[label, "en"]
        cells = [ms(english)]
        for code in languages[1:]:
            seconds = figures[label, code]
            cells.append(f"{ms(seconds)} ({_percent(_over(seconds, english))})")
        shown = template.replace("{iso2}", "RO").replace("{rep}", "‹id›")
        lines.append(f"| {label} | `{shown}` | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _worst(figures: dict[tuple[str, str], float], code: str) -> tuple[float, str]:
    return max((_over(figures[label, code], figures[label, "en"]), label) for label, *_ in PAGES)


def section() -> list[str]:
    from crm.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        app = _app(Path(tmp))
        user_id, rep = _demo(app)
        before = os.getloadavg()[0]
        started = time.perf_counter()
        try:
            times, in_a_row = _measure(app, user_id, rep)
            lookups = _lookups(app, user_id, rep)
        finally:
            _choose(app, user_id, None)  # as the demo data has it: the browser's language
        elapsed = time.perf_counter() - started
        after = os.getloadavg()[0]
        costs = _gettext_costs(app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    languages = [*LOCALES, CONTROL]
    best = {key: min(each.cpu for each in values) for key, values in times.items()}
    median = {key: statistics.median(each.cpu for each in values) for key, values in times.items()}
    wall = {key: min(each.wall for each in values) for key, values in times.items()}
    paired = {
        (label, code): statistics.median(
            each.cpu / english.cpu for each, english in zip(values, times[label, "en"], strict=True)
        )
        - 1
        for (label, code), values in times.items()
    }
    target = f"{TARGET * 100:g} %"
    lines = [
        HEADING,
        "",
        "The demo data, signed in as the coordinator (every state): each page timed "
        f"through the test client in this process, {ROUNDS} times in each language after "
        "two rounds to warm up, the language being the coordinator's own choice (the "
        "preference their account page stores); the sign-in page signed out, in the "
        "language chosen with its switch. The languages take turns page by page in every "
        "round, in an order that turns round by round, so that other work on the machine "
        f"falls on all of them alike. *{CONTROL}* is English measured a second time as "
        "though it were a language of its own: how far it strays from English is the "
        "measurement's own noise. Server time is the CPU time of the thread that serves "
        "the request (the view, its queries in SQLite, the templates), which other "
        "processes taking the cores do not lengthen; the time on the clock is the check "
        "beside it. A page answered in less than "
        f"{SAMPLE * 1000:g} ms is fetched several times in a row for each sample ("
        + ", ".join(f"{label} {count}" for label, count in in_a_row.items() if count > 1)
        + "), a sample's time being the mean of its fetches; each page is fetched once untimed "
        "before its first sample of a round (the first after another page is slower, "
        "whichever its language), and the garbage of earlier samples is collected before "
        "each one.",
        "",
        f"Load average when measured: {before:.1f} before, {after:.1f} after, on "
        f"{os.cpu_count()} logical cores ({elapsed:.0f} s of fetches).",
        "",
        *_table(f"Server time, best of {ROUNDS}, and the share over English:", best, languages),
        *_table(f"Server time, median of {ROUNDS}:", median, languages),
        f"Target: each page at most {target} slower than in English. The verdict takes, "
        "for each page, the ratio of its server time to English's in the same round, and "
        f"the median of the {ROUNDS} rounds' ratios: what the machine's load does to one "
        "round it does to both sides of its ratio, so this is the steadiest figure of the "
        "ones here (compare the noise of *en again* in each column).",
        "",
        "| language | worst page | over English (rounds' ratios) | best of, worst "
        "| median, worst | on the clock (best of), worst | target |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for code in languages[1:]:
        share, label = max((paired[label, code], label) for label, *_ in PAGES)
        verdict = f"≤ {target}: " + ("met" if share <= TARGET else "**not met**")
        if code == CONTROL:
            verdict = "(the noise)"
        lines.append(
            f"| {code} | {label} | {_percent(share)} | {_worst_cell(best, code)} | "
            f"{_worst_cell(median, code)} | {_worst_cell(wall, code)} | {verdict} |"
        )
    english, template, lookup = costs["en"]
    most = max(lookups, key=lambda label: lookups[label])
    others = LOCALES[1:]
    lines += [
        "",
        "One string the catalogs hold, said in a request: "
        f"{english * 1e6:.2f} µs by a view's `gettext` and {template * 1e6:.2f} µs by a "
        "template's `{{ _(…) }}` in English, where there is no catalog and the string is "
        "its own translation; in the others "
        + ", ".join(
            f"{code} {costs[code][0] * 1e6:.2f} and {costs[code][1] * 1e6:.2f} µs"
            for code in others
        )
        + f". The catalog's own lookup is {lookup * 1e6:.2f} µs of it in English, from "
        f"{min(costs[code][2] for code in others) * 1e6:.2f} to "
        f"{max(costs[code][2] for code in others) * 1e6:.2f} µs in the others; the rest is "
        "finding the request's catalog (kept for the request beside its language, "
        "crm.i18n._KeptDomain) and, in a template, Jinja's call and escaping. The pages "
        f"above say from {min(lookups.values())} to {lookups[most]} such strings ({most}: "
        f"about {ms(lookups[most] * max(english, template))} of it).",
        "",
    ]
    return lines


def _worst_cell(figures: dict[tuple[str, str], float], code: str) -> str:
    share, label = _worst(figures, code)
    return f"{_percent(share)} ({label})"


if __name__ == "__main__":
    for line in section():
        print(line)  # noqa: T201 - the section, printed
