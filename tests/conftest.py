"""Fixtures: an app on its own freshly migrated database for every test.

The schema is built by running the real migrations once per run into a template; each
test then gets a copy of it (a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on
PostgreSQL), so views commit for real and no test sees another's rows. Set
TEST_DATABASE_URL to a PostgreSQL server to run the suite there.
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import os
import re
import shutil
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from hypothesis import settings
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from config import TestingConfig
from crm import backup, create_app
from crm.auth import mfa, signin
from crm.auth.services import get_user_by_email
from crm.db import write_intent
from crm.extensions import db, limiter, login_manager
from tests.world import World, build_world

# The mail tests' fixtures (a real SMTP server on loopback), for tests/mail and tests/i18n.
pytest_plugins = ("tests.mail.smtp",)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PG_URL = os.environ.get("TEST_DATABASE_URL")
DEMO_PASSWORD = "impunity-demo"

# Property tests check what the code does, not how fast: on a loaded two-core CI machine a
# single example can take half a second, and speed is measured by `make bench` instead.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL ' + _safe(PG_URL) if PG_URL else 'SQLite'}"


# The template databases (migrated; demo loaded) are built once per run and shared by the
# workers of pytest-xdist: building the demo one takes 10–20 s, and each worker built its own.
# The run's id names them, so the controller (the process that started the workers) knows
# which to drop at the end.
def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and hasattr(config.option, "testrunuid"):
        config.option.testrunuid = config.option.testrunuid or uuid.uuid4().hex


def pytest_sessionfinish(session: pytest.Session) -> None:
    run = getattr(session.config.option, "testrunuid", None)
    if PG_URL and run and not hasattr(session.config, "workerinput"):
        engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for kind in TEMPLATE_KINDS:
                for name in (_template_name(kind, run), f"{_template_name(kind, run)}_b"):
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        engine.dispose()


TEMPLATE_KINDS = ("empty", "demo")


def _template_name(kind: str, run: str) -> str:
    return f"crm_tpl_{kind}_{run[:12]}"


def _safe(url: str | None) -> str:
    return make_url(url).render_as_string(hide_password=True) if url else ""


class IsolatedClient(FlaskClient):
    """A test client whose requests run like real ones, on their own session.

    Tests keep an app context open for factories and assertions. Without this, a request
    would reuse that context and its database session, and a view that forgot to commit
    would still look right. Before each request the test's session commits (its pending
    rows become visible, its read snapshot ends); afterwards its objects reload.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


class _CompiledTemplates(BytecodeCache):
    """The templates' compiled code, shared by every app of the test process: a test that
    builds an app of its own would otherwise compile each template it renders again
    (Jinja checks the source's checksum, so an edited template is compiled anew)."""

    def __init__(self) -> None:
        self.code: dict[tuple[str, str], Any] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        bucket.code = self.code.get((bucket.key, bucket.checksum))

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[(bucket.key, bucket.checksum)] = bucket.code


_COMPILED_TEMPLATES = _CompiledTemplates()


def make_app(url: str, **overrides: object) -> Flask:
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, **overrides)
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = _COMPILED_TEMPLATES
    return app


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = make_app(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _load_demo(url: str) -> None:
    from crm.demo.loader import load_demo

    app = make_app(url)
    with app.app_context(), write_intent():
        load_demo()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


class Databases:
    """Hands out isolated databases copied from migrated templates.

    `shared` is the folder every worker of this run sees, and `run` the run's id: the
    templates are built there (SQLite) or named after it (PostgreSQL), once, by whichever
    worker needs one first, under a lock that the others wait on."""

    def __init__(self, workdir: Path, shared: Path, run: str, worker: str) -> None:
        self.workdir = workdir
        self.shared = shared
        self.run = run
        self.templates: dict[str, str] = {}
        self.created: list[str] = []
        self.run_id = f"{run[:8]}_{worker}"
        self.app: Flask | None = None
        self.app_config: dict[str, Any] = {}
        self.limiter_state: dict[str, Any] = {}
        self.admin: sa.Engine | None = None
        self.empty_pg: str | None = None

    def _pg_url(self, name: str) -> str:
        # A test's commits need not wait for the disk: the databases are thrown away, and
        # waiting for each commit's WAL flush was much of the PostgreSQL run's time.
        url = make_url(PG_URL).set(database=name)
        url = url.update_query_dict({"options": "-c synchronous_commit=off"})
        return url.render_as_string(hide_password=False)

    def _create_pg(self, name: str, template: str | None = None) -> str:
        with self._maintenance() as conn:
            clause = f" TEMPLATE {template}" if template else ""
            conn.exec_driver_sql(f"CREATE DATABASE {name}{clause}")
        self.created.append(name)
        return self._pg_url(name)

    def template(self, kind: str) -> str:
        """The URL of a template database: 'empty' (migrated) or 'demo' (demo loaded)."""
        if kind in self.templates:
            return self.templates[kind]
        with open(self.shared / f"template-{kind}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if PG_URL:
                name = _template_name(kind, self.run)
                url = self._pg_url(name)
                with self._maintenance() as conn:
                    built = conn.exec_driver_sql(
                        "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
                    ).first()
                if not built:
                    # Built aside and renamed: a template that exists is complete (a build
                    # that failed leaves nothing the other workers would copy).
                    building = f"{name}_b"
                    with self._maintenance() as conn:
                        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {building} WITH (FORCE)")
                        conn.exec_driver_sql(f"CREATE DATABASE {building}")
                    self._build(self._pg_url(building), kind)
                    with self._maintenance() as conn:
                        conn.exec_driver_sql(f"ALTER DATABASE {building} RENAME TO {name}")
            else:
                path = self.shared / f"template-{kind}.sqlite"
                url = f"sqlite:///{path}"
                if not path.exists():
                    # Built aside and moved in whole: a file that exists is complete.
                    building = self.shared / f"template-{kind}.building.sqlite"
                    building.unlink(missing_ok=True)
                    self._build(f"sqlite:///{building}", kind)
                    building.rename(path)
        self.templates[kind] = url
        return url

    @staticmethod
    def _build(url: str, kind: str) -> None:
        _migrate(url)
        if kind == "demo":
            _load_demo(url)

    # One app per worker, on one database of its own, reset before each test: building an
    # app costs tens of milliseconds and starts with no compiled templates, URL rules or
    # SQL statements, which over 2,000 tests was most of the suite's time.
    def worker_app(self) -> Flask:
        if self.app is None:
            if PG_URL:
                url = self._create_pg(f"crm_pool_{self.run_id}", self._pg_name("empty"))
            else:
                url = f"sqlite:///{self.workdir / 'worker.sqlite'}"
                shutil.copyfile(self._file(self.template("empty")), self._file(url))
            self.app = make_app(url)
            self.app_config = dict(self.app.config)
            # The limiter is one object for every app, holding the storage of the app that
            # initialised it last (another test may build an app of its own).
            self.limiter_state = dict(vars(limiter))
        return self.app

    def reset(self, kind: str) -> None:
        """Give the worker's app the database of template `kind` again, and its settings."""
        app = self.worker_app()
        app.config.clear()
        app.config.update(self.app_config)
        vars(limiter).update(self.limiter_state)
        limiter.reset()
        with app.app_context():
            db.session.remove()
            if PG_URL and kind == "empty":
                self._empty_pg()
                return
            db.engine.dispose()  # keeps the engine's compiled statements
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        if not PG_URL:
            target = self._file(url)
            for leftover in ("-wal", "-shm"):
                Path(f"{target}{leftover}").unlink(missing_ok=True)
            shutil.copyfile(self._file(self.template(kind)), target)
            return
        name = make_url(url).database
        with self._maintenance() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {self._pg_name(kind)}")

    def _empty_pg(self) -> None:
        """Empty every table of the worker's PostgreSQL database through the app's own pooled
        connection, in one round trip (new connections and a statement per table cost most
        of a test's set-up)."""
        name = make_url(db.engine.url).database
        with self._maintenance() as conn:
            # A transaction a test left open elsewhere must not hold a lock on what is
            # emptied; idle connections (the app's pool among them) hold none.
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND state <> 'idle' AND pid <> pg_backend_pid()"
            )
        if self.empty_pg is None:
            self.empty_pg = "; ".join(
                # Without triggers, foreign keys do not order the deletes.
                [
                    "SET LOCAL session_replication_role = replica",
                    *(f'DELETE FROM "{table.name}"' for table in db.metadata.sorted_tables),
                    "SELECT setval(c.oid, 1, false) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind = 'S' AND n.nspname = 'public'",
                ]
            )
        with db.engine.begin() as conn:
            conn.exec_driver_sql(self.empty_pg)

    def _maintenance(self) -> sa.Connection:
        """A connection to the server's maintenance database, kept open for the run."""
        if self.admin is None:
            self.admin = sa.create_engine(
                make_url(PG_URL).update_query_dict({"options": "-c synchronous_commit=off"}),
                isolation_level="AUTOCOMMIT",
            )
        return self.admin.connect()

    def _pg_name(self, kind: str) -> str:
        return str(make_url(self.template(kind)).database)

    @staticmethod
    def _file(url: str) -> str:
        return str(make_url(url).database)

    def fresh(self, kind: str, tmp_path: Path) -> str:
        template = self.template(kind)
        if PG_URL:
            template_name = make_url(template).database
            return self._create_pg(f"crm_t_{uuid.uuid4().hex[:12]}", template_name)
        target = tmp_path / "crm.sqlite"
        shutil.copyfile(self._file(template), target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        if not PG_URL:
            return
        name = make_url(url).database
        with self._maintenance() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.created.remove(name)

    def close(self, *, drop_templates: bool) -> None:
        if self.app is not None:
            # The worker app's pooled connections are closed, not left to the garbage
            # collector (psycopg warns of every connection deleted while open).
            with self.app.app_context():
                db.session.remove()
                db.engine.dispose()
        if not PG_URL:
            return
        names = list(self.created)
        if drop_templates:
            names += [_template_name(kind, self.run) for kind in TEMPLATE_KINDS]
        with self._maintenance() as conn:
            for name in names:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if self.admin is not None:
            self.admin.dispose()


@pytest.fixture
def blank_database_url(databases: Databases, tmp_path: Path) -> Iterator[str]:
    """An empty database with no schema at all (for migration tests)."""
    if PG_URL:
        url = databases._create_pg(f"crm_t_{uuid.uuid4().hex[:12]}")
        yield url
        databases.drop(url)
    else:
        yield f"sqlite:///{tmp_path / 'blank.sqlite'}"


@pytest.fixture(scope="session", autouse=True)
def _shared_browser() -> Iterator[None]:
    """The test process's Chromium (tests/browser/helpers.py) is stopped when it ends."""
    yield
    helpers = sys.modules.get("tests.browser.helpers")
    if helpers is not None:
        helpers.close_shared_browser()


@pytest.fixture(scope="session")
def databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    workerinput = getattr(request.config, "workerinput", None)
    base = tmp_path_factory.getbasetemp()
    if workerinput is None:  # one process: the templates are its own
        run, worker, shared = uuid.uuid4().hex, "main", base
    else:  # an xdist worker: its folder sits in the run's, beside the other workers'
        run, worker, shared = workerinput["testrunuid"], workerinput["workerid"], base.parent
    handed_out = Databases(tmp_path_factory.mktemp("db"), shared, run, worker)
    yield handed_out
    handed_out.close(drop_templates=workerinput is None)


@contextlib.contextmanager
def app_on(databases: Databases, kind: str, tmp_path: Path, **overrides: object) -> Iterator[Flask]:
    """A new app inside its app context, on a fresh copy of the `kind` template database
    (for tests that need an app of their own: most take the worker's, below)."""
    url = databases.fresh(kind, tmp_path)
    app = make_app(url, **overrides)
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        databases.drop(url)


@contextlib.contextmanager
def worker_app(databases: Databases, kind: str) -> Iterator[Flask]:
    """The worker's app inside a new app context, its database a copy of template `kind`."""
    databases.reset(kind)
    app = databases.worker_app()
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def app(databases: Databases) -> Iterator[Flask]:
    """An app on an empty, freshly migrated database, inside an app context."""
    with worker_app(databases, "empty") as fresh:
        yield fresh


@pytest.fixture
def demo_app(databases: Databases) -> Iterator[Flask]:
    """An app on a database holding the demo data set."""
    with worker_app(databases, "demo") as fresh:
        yield fresh


@pytest.fixture
def own_app(databases: Databases, tmp_path: Path) -> Iterator[Flask]:
    """An app of its own on an empty database, for a test that changes what a reset cannot
    take back (it adds a route)."""
    with app_on(databases, "empty", tmp_path) as fresh:
        yield fresh


@pytest.fixture
def fresh_app(databases: Databases, tmp_path_factory: pytest.TempPathFactory):
    """Opens more apps on empty databases, for tests that compare two of them."""

    def open_app() -> contextlib.AbstractContextManager[Flask]:
        return app_on(databases, "empty", tmp_path_factory.mktemp("app"))

    return open_app


@contextlib.contextmanager
def read_only_worlds(
    databases: Databases,
    tmp_path_factory: pytest.TempPathFactory,
    build: Callable[[int], dict[str, Any]],
    sizes: tuple[int, ...],
) -> Iterator[dict[int, tuple[Flask, dict[str, Any]]]]:
    """For a module of tests that only read: one database per size, built once by
    `build(size)`, which returns plain values (ids, codes, a signed-in test client), never
    ORM objects. Yields {size: (app, values)}; use each app inside its own app context."""
    with contextlib.ExitStack() as stack:
        worlds = {}
        rows = []
        for size in sizes:
            folder = tmp_path_factory.mktemp(f"size-{size}")
            app = stack.enter_context(app_on(databases, "empty", folder))
            worlds[size] = (app, build(size))
            db.session.commit()
            rows.append(sum(row_counts().values()))
        # Equal query counts only mean something if the bigger world holds more.
        assert rows == sorted(set(rows)), f"rows per size {sizes}: {rows}"
        yield worlds


@pytest.fixture
def world(app: Flask) -> World:
    """The two-state world most tests use (tests/world.py); a module may build its own."""
    return build_world()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def demo_client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, email: str, password: str = DEMO_PASSWORD):
    """Sign in through the real form (CSRF token included); returns the response."""
    page = client.get("/login")
    token = csrf_token(page.get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def sign_in(client: FlaskClient, who: str | Any) -> FlaskClient:
    """Sign an account in (an e-mail address or a user) without the form, as a test that is
    not about signing in needs: the same server-side session, audit entry and cookie as
    `login`, in no requests. tests/auth signs in through the form, and so do a few tests
    elsewhere."""
    email = who if isinstance(who, str) else who.email
    if has_app_context():
        db.session.commit()  # what the test made is what the sign-in sees, as with login
    environ = {"REMOTE_ADDR": "127.0.0.1", **client.environ_base}

    def open_session() -> tuple[str, str]:
        # In a request of its own (its own database session), as signing in is.
        with client.application.test_request_context(environ_base=environ):
            user = get_user_by_email(email)
            assert user is not None, email
            assert user.is_enabled, email
            # Whoever signs in with a code, or must enrol first, signs in through the form.
            assert not user.has_second_factor, email
            assert not mfa.lacks_required_factor(user), email
            with write_intent():
                made = signin.complete(
                    user,
                    how="password",
                    ip=environ["REMOTE_ADDR"],
                    user_agent=environ.get("HTTP_USER_AGENT"),
                )
                db.session.commit()
            db.session.remove()
            return made.token, login_manager._session_identifier_generator()

    token, identifier = contextvars.Context().run(open_session)
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = token
        session["_fresh"] = True
        session["_id"] = identifier
    return client


def post_form(client: FlaskClient, url: str, data: dict | None = None, *, page: str | None = None):
    """POST a form with a CSRF token taken from `page` (or from the account page)."""
    html = client.get(page or "/account").get_data(as_text=True)
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(html)})


# Signing in and out legitimately writes sessions and audit entries, a refusal writes
# its security-log entry, and a wrong password or code counts against the account.
SIGN_IN_TABLES = ("user_sessions", "audit_entries", "security_events", "sign_in_throttles")


def row_counts(*, ignore: tuple[str, ...] = ()) -> dict[str, int]:
    """How many rows every table holds, read in one query (a refused write must change none).
    The session's snapshot ends first, so the counts are what is committed now."""
    db.session.rollback()
    return {name: count for name, count in backup.row_counts().items() if name not in ignore}


def every_row(*, ignore: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every value of every table, as the application reads it: a refused edit must change
    none (counting rows cannot see an overwrite)."""
    db.session.rollback()
    return {
        table.name: [
            tuple(row)
            for row in db.session.execute(sa.select(table).order_by(*table.primary_key.columns))
        ]
        for table in db.metadata.sorted_tables
        if table.name not in ignore
    }


@pytest.fixture
def as_user(client: FlaskClient):
    """Sign the client in as the given user (created by the factories)."""

    def as_(user):
        return sign_in(client, user.email)

    return as_


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextlib.contextmanager
def counting_queries() -> Iterator[QueryCounter]:
    """Count the SQL statements the current app's engine runs inside the block."""
    counter = QueryCounter()
    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)


def page_queries(app: Flask, client: FlaskClient, url: str) -> int:
    """The SQL statements of one GET of `url` (asked twice: the first request after
    sign-in may note the session's activity, so only the second is counted)."""
    with app.app_context():
        client.get(url)
        with counting_queries() as counter:
            response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def _closed_before_sending(app: Flask) -> Callable[..., list[bytes]]:
    """`app` with each response read whole and closed before the server sends it.

    werkzeug's development server closes a response only after draining the request
    socket; when the browser drops the connection first (it does, between pages), that
    drain raises, the close is skipped and a static file stays open — a ResourceWarning
    the suite treats as an error. gunicorn, which serves the app for real, closes it.
    """

    def wsgi(environ, start_response) -> list[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return wsgi


class _Counted:
    """A WSGI app that knows how many of its requests are still being answered."""

    def __init__(self, app: Callable[..., list[bytes]]) -> None:
        self.app = app
        self.running = 0
        self.idle = threading.Condition()

    def __call__(self, environ, start_response) -> list[bytes]:
        with self.idle:
            self.running += 1
        try:
            return self.app(environ, start_response)
        finally:
            with self.idle:
                self.running -= 1
                self.idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: self.running == 0, timeout)


@pytest.fixture
def live_server(demo_app) -> Iterator[str]:
    """The demo app served on a free local port; yields its base URL.

    The server answers each request on a daemon thread that its shutdown does not wait for:
    a request still running (a page's script sending in the background as the browser
    closes) would finish after the next test reset the database, and drop its connection
    unclosed. So the fixture ends only once every request has been answered."""
    db.session.remove()
    app = _Counted(_closed_before_sending(demo_app))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        assert app.wait_idle(30), "a request to the live server never finished"
