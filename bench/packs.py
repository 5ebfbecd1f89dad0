"""`make bench`, briefing packs on the job queue: a pack asked for at its fixed address the
first time (made in the request: no worker runs) and again (from storage), and
`crm briefings --all` with one and with two worker processes.

`python bench/packs.py` measures this section alone and puts it in docs/benchmarks.md in
place of the one there; bench/run.py calls `section()` with the others.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "docs" / "benchmarks.md"
HEADING = "## Briefing packs on the job queue"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
STAFF = "staff@demo.example"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _forget_packs() -> None:
    """Every pack made so far, gone (rows and files): the next ones are made anew."""
    import sqlalchemy as sa

    from crm.briefings import stored
    from crm.briefings.queries import MAKE_PACK
    from crm.db import write_intent
    from crm.extensions import db
    from crm.jobs.models import Job

    with write_intent():
        db.session.execute(sa.delete(Job).where(Job.kind == MAKE_PACK))
        db.session.commit()
    shutil.rmtree(stored.folder(), ignore_errors=True)


def _signed_in(app):
    from crm.demo.loader import DEMO_PASSWORD

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    answer = client.post(
        "/login", data={"email": STAFF, "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
    )
    if answer.status_code != 302:
        raise RuntimeError(f"signing in as {STAFF} answered {answer.status_code}")
    return client


def _fixed_addresses(app) -> list[tuple[str, str]]:
    import sqlalchemy as sa

    from crm.extensions import db
    from crm.parliament.models import Representative
    from crm.states.queries import get_state

    romania = get_state("RO")
    rep = db.session.scalar(
        sa.select(Representative.id)
        .where(Representative.state_id == romania.id)
        .order_by(Representative.influence.desc(), Representative.id)
        .limit(1)
    )
    db.session.rollback()
    return [
        ("State pack, Romania", "/states/RO/briefing.pdf"),
        ("State pack, India", "/states/IN/briefing.pdf"),
        ("Representative one-pager, Romania", f"/representatives/{rep}/briefing.pdf"),
        ("Coordinator overview", "/briefings/overview.pdf"),
    ]


def _timed_get(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or response.mimetype != "application/pdf":
        raise RuntimeError(f"{url} answered {response.status_code} {response.mimetype}")
    return elapsed


def _requests(app) -> list[str]:
    """Each fixed address as staff: first (made in the request) and again (stored)."""
    from crm.briefings.render import warm_up

    client = _signed_in(app)
    warm_up()  # the fonts, once per process, as a worker has them after its first pack
    rows = []
    for label, url in _fixed_addresses(app):
        first, again = [], []
        for _ in range(3):
            _forget_packs()
            first.append(_timed_get(client, url))
            again.append(_timed_get(client, url))
        rows.append(f"| {label} | {ms(min(first))} | {ms(min(again))} |")
    return rows


def _env(database: str, broker: str, queue: str, packs: Path) -> dict[str, str]:
    return os.environ | {
        "CRM_ENV": "development",
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": broker,
        "JOBS_QUEUE": queue,
        "PACKS_FOLDER": str(packs),
    }


def _start_workers(count: int, env: dict[str, str], logs: Path) -> list[subprocess.Popen[bytes]]:
    celery = str(Path(sys.executable).with_name("celery"))
    workers = []
    for n in range(count):
        log = (logs / f"worker-{count}-{n}.log").open("wb")
        workers.append(
            subprocess.Popen(  # noqa: S603 - our own worker
                [
                    *(celery, "--app", "crm.jobs.worker:celery", "worker"),
                    *("--pool", "prefork", "--concurrency", "1", "--loglevel", "WARNING"),
                    *("--hostname", f"bench{n}-{uuid.uuid4().hex[:6]}@%h"),
                    *("--without-heartbeat", "--without-mingle", "--without-gossip"),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    return workers


def _ready(app, count: int, redis: bool) -> None:
    if not redis:  # the embedded broker carries no remote control: give them time
        time.sleep(20)
        return
    celery = app.extensions["celery"]
    deadline = time.monotonic() + 120
    while len(celery.control.ping(timeout=1.0) or []) < count:
        if time.monotonic() > deadline:
            raise RuntimeError("the bench's workers did not start")


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _all_packs(env: dict[str, str], out: Path) -> float:
    """`crm briefings --all --out OUT`: its wall time."""
    flask = str(Path(sys.executable).with_name("flask"))
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    finished = subprocess.run(  # noqa: S603 - our own command line
        [flask, "--app", "wsgi", "crm", "briefings", "--all", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if finished.returncode != 0:
        raise RuntimeError(f"crm briefings --all failed: {finished.stderr.decode()[-2000:]}")
    return elapsed


def _burn(_: int) -> float:
    started = time.perf_counter()
    total = 0
    for n in range(20_000_000):
        total += n * n
    return time.perf_counter() - started


def _machine_parallelism() -> float:
    """The time two processes of pure CPU work take side by side, against one doing both
    in turn, now: 50 % on two free cores; near 100 % when other work already fills them."""
    import multiprocessing

    one = _burn(0) + _burn(1)
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_burn, [0, 1])
    return (time.perf_counter() - started) / one


def section() -> list[str]:
    from flask_migrate import upgrade

    from config import DevelopmentConfig
    from crm import create_app
    from crm.db import write_intent
    from crm.demo.loader import load_demo
    from crm.extensions import db

    lines = [HEADING, ""]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = f"sqlite:///{folder / 'bench.sqlite'}"
        packs = folder / "packs"
        redis = _redis_answers()
        broker = REDIS_URL if redis else f"sqla+sqlite:///{folder / 'broker.sqlite'}"
        queue = f"bench-{uuid.uuid4().hex[:8]}"
        # The requests: no worker can take a pack (memory broker), so each is made in the
        # request, as when every worker is busy.
        app = create_app(
            DevelopmentConfig,
            SQLALCHEMY_DATABASE_URI=database,
            CELERY_BROKER_URL="memory://",
            PACKS_FOLDER=str(packs),
            RATELIMIT_ENABLED=False,
        )
        with app.app_context():
            upgrade()
            with write_intent():
                load_demo()
                db.session.commit()
            import sqlalchemy as sa

            from crm.states.models import State

            states = db.session.scalar(sa.select(sa.func.count()).select_from(State))
            request_rows = _requests(app)
            _forget_packs()
            db.session.remove()

        # The command line, with one and with two worker processes on the same queue.
        queued = create_app(
            DevelopmentConfig,
            SQLALCHEMY_DATABASE_URI=database,
            CELERY_BROKER_URL=broker,
            JOBS_QUEUE=queue,
            PACKS_FOLDER=str(packs),
        )
        env = _env(database, broker, queue, packs)
        runs: dict[int, list[float]] = {1: [], 2: []}
        again = 0.0
        control = []
        with queued.app_context():
            # Alternately, twice: the machine's other work changes from minute to minute.
            for _ in range(2):
                control.append(_machine_parallelism())
                for count in (1, 2):
                    _forget_packs()
                    workers = _start_workers(count, env, folder)
                    try:
                        _ready(queued, count, redis)
                        runs[count].append(_all_packs(env, folder / "out"))
                        if count == 2:
                            again = _all_packs(env, folder / "again")
                    finally:
                        _stop(workers)
            control.append(_machine_parallelism())
            with queued.extensions["celery"].connection_for_write() as conn:
                conn.default_channel.queue_delete(queue)
            db.session.remove()
            db.engine.dispose()
        load = os.getloadavg()[0]

    one, two = min(runs[1]), min(runs[2])
    ratio = two / one
    lines += [
        "A pack asked for at its fixed address by the staff account: the first time it is "
        "made (here in the request itself: no worker runs, as when every worker is busy), "
        "then asked for again with nothing changed, when it is served from storage after "
        "reading what the pack shows to find its key. Best of three, the fonts already "
        "loaded.",
        "",
        "| pack | first time | again, from storage |",
        "|---|---:|---:|",
        *request_rows,
        "",
        f"`flask --app wsgi crm briefings --all --out DIR` on the demo data ({states} "
        f"states: one job per state pack), with the worker processes already started "
        f"(`celery worker --concurrency 1` each, on {'Redis' if redis else 'the embedded broker'}; "
        "each loads the fonts with its first pack), wall time of the command:",
        "",
        "| workers | time (best of two) | against one worker |",
        "|---:|---:|---:|",
        f"| 1 | {one:.1f} s | 100 % |",
        f"| 2 | {two:.1f} s | {ratio:.0%} |",
        f"| 2, every pack already made | {again:.1f} s | {again / one:.0%} |",
        "",
        f"Load average when measured: {load:.1f} on {os.cpu_count()} logical cores. Other "
        "work on the machine takes its share of the cores the workers share: measured "
        "between the runs, two processes of pure CPU work side by side took "
        f"{min(control):.0%} to {max(control):.0%} of the time one takes to do both in "
        "turn (50 % on two free cores), the most two workers could gain then.",
        "",
    ]
    return lines


def main() -> None:
    """Measure this section alone and replace it in docs/benchmarks.md."""
    body = "\n".join(section())
    text = OUT.read_text(encoding="utf-8") if OUT.exists() else "# Benchmarks\n"
    start = text.find(HEADING)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    else:
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + body + ("\n" + text[end + 1 :] if end != -1 else "\n")
    OUT.write_text(text, encoding="utf-8")
    print(f"Wrote the packs' section of {OUT.relative_to(ROOT)}")  # noqa: T201


if __name__ == "__main__":
    main()
