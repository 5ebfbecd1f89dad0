"""The pages' fonts for the scripts a phone may lack: the app's stylesheet declares a WOFF2
face for each, served by the app itself from crm/static/fonts, limited by unicode-range to
its script (so a page fetches it only for a name in that script)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

# Each script whose font the pages serve (as "CRM Noto Sans <script>"), and one of its letters.
SCRIPTS = {"Arabic": "م", "Hebrew": "ש", "Devanagari": "क", "Sinhala": "ක", "Tamil": "த"}
FACE = re.compile(r"@font-face\s*\{(?P<body>[^}]*)\}")
DESCRIPTOR = re.compile(r"(?P<name>[a-z-]+)\s*:\s*(?P<value>[^;]+);?")
SOURCE = re.compile(
    r"""url\(\s*["']?(?P<url>[^"')]+)["']?\s*\)\s*format\(\s*["'](?P<format>[^"']+)["']\s*\)"""
)


def _ranges(value: str) -> list[tuple[int, int]]:
    """A unicode-range value as (first, last) code points: U+0600, U+0600-06FF, U+06??."""
    ranges = []
    for part in value.split(","):
        part = part.strip().upper().removeprefix("U+")
        if "-" in part:
            first, last = part.split("-")
        elif "?" in part:
            first, last = part.replace("?", "0"), part.replace("?", "F")
        else:
            first = last = part
        ranges.append((int(first, 16), int(last, 16)))
    return ranges


def _faces(css: str) -> list[dict[str, str]]:
    return [
        {d["name"]: d["value"].strip() for d in DESCRIPTOR.finditer(face["body"])}
        for face in FACE.finditer(css)
    ]


def _get(client, url: str) -> tuple[int, str, bytes]:
    """Status, type and body of a static file, its file closed (the app streams it)."""
    response = client.get(url)
    try:
        return response.status_code, response.mimetype, response.get_data()
    finally:
        response.close()


@pytest.fixture
def stylesheet(client) -> tuple[str, str]:
    """The URL of the stylesheet the pages link to, and the stylesheet served there
    (without its comments)."""
    page = client.get("/login").get_data(as_text=True)
    [href] = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    status, mimetype, css = _get(client, href)
    assert (status, mimetype) == (200, "text/css")
    return href, re.sub(r"/\*.*?\*/", "", css.decode("utf-8"), flags=re.S)


def test_each_script_has_a_font_served_by_the_app_for_its_letters_only(app, client, stylesheet):
    from fontTools.ttLib import TTFont

    href, css = stylesheet
    faces = _faces(css)
    [stack] = re.findall(r"--font:\s*([^;]+);", css)
    static = Path(app.static_folder)
    for script, letter in SCRIPTS.items():
        family = f"CRM Noto Sans {script}"
        ours = [f for f in faces if f.get("font-family", "").strip("\"'") == family]
        assert {f.get("font-weight") for f in ours} == {"400", "700"}, script
        assert f'"{family}"' in stack, f"{family} is not in --font"
        for face in ours:
            assert face.get("font-display") == "swap", family
            [(url, fmt)] = SOURCE.findall(face["src"])
            assert fmt == "woff2", family
            assert not url.startswith(("http:", "https:", "//", "data:")), url
            resolved = urljoin(href, url)
            assert urlsplit(resolved).netloc == "", resolved
            status, mimetype, font = _get(client, resolved)
            assert (status, mimetype) == (200, "font/woff2"), resolved
            path = urlsplit(resolved).path.removeprefix("/static/")
            assert font == (static / path).read_bytes(), resolved
            assert "unicode-range" in face, f"{family} would be fetched for every page"
            ranges = _ranges(face["unicode-range"])
            assert any(a <= ord(letter) <= b for a, b in ranges), f"{family}: {letter}"
            # Latin text never fetches it: the system fonts draw that.
            assert not any(a <= ord(c) <= b for c in "Aaz0" for a, b in ranges), family
            # And the file draws the letter its range claims.
            cmap = TTFont(io.BytesIO(font)).getBestCmap()
            assert ord(letter) in cmap, f"{family} has no {letter}"
    # Nor does any other face come from elsewhere.
    assert not re.search(r"url\(\s*[\"']?(https?:|//)", "".join(f.get("src", "") for f in faces))
