"""The made packs of each test go to a folder of its own: tests sharing the worker's app
must not find each other's PDFs, nor leave them in instance/."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _packs_folder(request: pytest.FixtureRequest, tmp_path, monkeypatch) -> None:
    for name in ("app", "demo_app"):
        if name in request.fixturenames:
            app = request.getfixturevalue(name)
            monkeypatch.setitem(app.config, "PACKS_FOLDER", str(tmp_path / "packs"))
