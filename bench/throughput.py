"""`make bench`, requests per second through gunicorn: the application's pages and API reads
against a bare endpoint (bench/bare.py: the same Flask, the same gunicorn settings, a short
text and nothing else), each under the same load from the same generator.

Each server is gunicorn with 2 sync workers on 127.0.0.1. The load is 4 connections
(threads of this process, `http.client`, each reusing its connection when the server keeps
it open: gunicorn's sync workers close it after each response, so each request connects
anew, for the bare endpoint and the application alike) sending requests back to back for a
fixed time. The bare endpoint is measured for half that time just before and half just
after each URL, so that whatever else the machine does weighs on both alike; the percent
is the URL's requests/s against those of the bare runs around it.

bench/pages.py builds the databases and calls `measure` on each.
"""

from __future__ import annotations

import http.client
import http.cookies
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HEADING = "## Requests per second through gunicorn"
WORKERS = 2
CONNECTIONS = 4
SECONDS = float(os.environ.get("BENCH_THROUGHPUT_SECONDS", "5"))
COORDINATOR = "coordinator@demo.example"


@dataclass(frozen=True)
class Url:
    label: str
    path: str
    # "anonymous", "cookie" (signed in through the form) or "bearer" (an API token)
    credentials: str
    # The share of the bare endpoint's requests/s it must serve (issue 15); None: none set.
    target: float | None


URLS = [
    Url("health check, no cookie", "/healthz", "anonymous", None),
    Url("health check, signed in", "/healthz", "cookie", None),
    Url("a representative", "/representatives/{rep}", "cookie", 0.15),
    Url("a state", "/states/{iso2}", "cookie", 0.08),
    Url("risk dashboard", "/dashboard", "cookie", 0.08),
    Url("API: a state's representatives", "/api/v1/representatives?state={iso2}", "bearer", 0.15),
    Url("API: risk of every state", "/api/v1/risk", "bearer", 0.15),
]


@dataclass
class Run:
    """What one load run saw."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[round(q * 100) - 1]

    def __add__(self, other: Run) -> Run:
        return Run(
            self.seconds + other.seconds,
            self.latencies + other.latencies,
            self.errors + other.errors,
        )


@dataclass(frozen=True)
class Row:
    url: Url
    path: str
    run: Run
    bare: Run

    @property
    def share(self) -> float:
        return self.run.per_second / self.bare.per_second if self.bare.per_second else 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: str, env: dict[str, str], ready: str) -> Iterator[int]:
    """gunicorn serving `app` (module:variable) on a free port of 127.0.0.1: its port."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    port = _free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            [gunicorn, "--workers", str(WORKERS), "--worker-class", "sync",
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app],
            cwd=ROOT, env=env, stdout=log, stderr=log,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"gunicorn {app} did not start: {log.read()[-2000:]!r}")
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    connection.request("GET", ready)
                    if connection.getresponse().status == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.2)
            yield port
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie = http.cookies.SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            jar[name] = morsel.value


def sign_in(port: int, email: str, password: str) -> str:
    """Sign in through the real form (its CSRF token in the session): the Cookie header."""
    jar: dict[str, str] = {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login")
    page = connection.getresponse()
    html = page.read().decode()
    _cookies(page, jar)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    if token is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    body = urllib.parse.urlencode(
        {"email": email, "password": password, "csrf_token": token.group(1)}
    )
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "POST",
        "/login",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    answer = connection.getresponse()
    answer.read()
    if answer.status != 302:
        raise RuntimeError(f"signing in as {email} answered {answer.status}")
    _cookies(answer, jar)
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def load(port: int, path: str, headers: dict[str, str], seconds: float) -> Run:
    """CONNECTIONS threads asking for `path` back to back for `seconds`."""
    started = time.perf_counter()
    deadline = started + seconds
    runs = [Run() for _ in range(CONNECTIONS)]
    ends = [started] * CONNECTIONS

    def client(n: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        run = runs[n]
        while True:
            begun = time.perf_counter()
            if begun >= deadline:
                break
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            ended = time.perf_counter()
            if ok:
                run.latencies.append(ended - begun)
                ends[n] = ended
            else:
                run.errors += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Run()
    for run in runs:
        total = total + run
    total.seconds = max(ends) - started
    return total


def measure(
    env: dict[str, str], iso2: str, rep: int, token: str, password: str, seconds: float = SECONDS
) -> list[Row]:
    """Every URL on the application against the bare endpoint, both served by gunicorn with
    `env` (the application's database and settings)."""
    rows = []
    with serving("bench.bare:app", env, "/") as bare, serving("wsgi:app", env, "/healthz") as app:
        cookie = sign_in(app, COORDINATOR, password)
        load(bare, "/", {}, 1.0)  # its workers warmed up as the application's are
        credentials = {
            "anonymous": {},
            "cookie": {"Cookie": cookie},
            "bearer": {"Authorization": f"Bearer {token}"},
        }
        for url in URLS:
            path = url.path.format(iso2=iso2, rep=rep)
            headers = credentials[url.credentials]
            warm = load(app, path, headers, 1.0)  # each worker's first view, caches filled
            if warm.errors or not warm.latencies:
                raise RuntimeError(f"{path} failed under load ({warm.errors} errors)")
            before = load(bare, "/", {}, seconds / 2)
            run = load(app, path, headers, seconds)
            after = load(bare, "/", {}, seconds / 2)
            if run.errors:
                raise RuntimeError(f"{path}: {run.errors} requests failed under load")
            rows.append(Row(url, path, run, before + after))
    return rows


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| URL | path | requests/s | p50 | p99 | bare endpoint, requests/s | of the bare "
        "| target |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        if row.url.target is None:
            verdict = ""
        else:
            met = "met" if row.share >= row.url.target else "**not met**"
            verdict = f"≥ {row.url.target:.0%}: {met}"
        lines.append(
            f"| {row.url.label} | `{row.path}` | {row.run.per_second:,.0f} | "
            f"{ms(row.run.quantile(0.5))} | {ms(row.run.quantile(0.99))} | "
            f"{row.bare.per_second:,.0f} | {row.share:.1%} | {verdict} |"
        )
    return lines


def section(measured: list[tuple[str, str, list[Row], float]]) -> list[str]:
    """The section from (database, data set, rows, load average) of each measurement."""
    from bench.pages import revision

    lines = [
        HEADING,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, code at `{revision()}`. "
        f"Each URL served by gunicorn ({WORKERS} sync workers, `wsgi:app`, development "
        "settings, on 127.0.0.1) against a bare endpoint (bench/bare.py: the same Flask and "
        "gunicorn settings, returning a short text). The load is "
        f"{CONNECTIONS} connections from threads of one Python process (`http.client`), "
        f"requests back to back for {SECONDS:g} s per URL after a second of warming up; "
        f"the bare endpoint is measured {SECONDS / 2:g} s just before and {SECONDS / 2:g} s "
        "just after each URL, so that other work on the machine weighs on both alike, and "
        "the percent is against those runs. gunicorn's sync workers close the connection "
        "after each response: every request connects anew. Pages are fetched signed in as "
        "the coordinator (through the sign-in form), the API with the coordinator's bearer "
        "token. Targets (issue 15): a representative's page and every API list at least 15 % "
        "of the bare endpoint's requests/s, every state page and the dashboard at least 8 %.",
        "",
        f"The server, its database and the load generator share the machine's "
        f"{os.cpu_count()} logical cores: the bare endpoint's figure is bounded by the load "
        "generator as much as by gunicorn, the same for every run here; the percentages "
        "measured side by side are what matter, not the absolute numbers.",
        "",
    ]
    for database, data, rows, load_average in measured:
        lines += [
            f"### {database}, {data}",
            "",
            f"Load average when measured: {load_average:.1f} on {os.cpu_count()} logical cores.",
            "",
            *table(rows),
            "",
        ]
    return lines
