"""The bare endpoint `make bench` measures the application's throughput against: the same
Flask, served by the same gunicorn with the same settings, answering a short text and
doing nothing else (no database, no session, no templates)."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def bare() -> tuple[str, int, dict[str, str]]:
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
