"""The one way the app makes a PDF: `render_pdf(template, **context)`.

WeasyPrint is slow to start and easy to misuse, so everything about it lives here:

- The font configuration and the parsed print stylesheet are built once per process and
  reused: parsing the @font-face rules registers every vendored font with Fontconfig.
- The fonts are vendored as WOFF2 (what browsers are served), which WeasyPrint would
  decompress in pure Python each time a process starts: one to two seconds, longer than a
  one-pager's whole layout. The fetcher hands it each font decompressed instead, from a
  cache (`PDF_FONT_CACHE`) filled on first use and named after the WOFF2 file's digest, so
  a changed font is never served stale.
- Resources are fetched by `StaticFilesFetcher`, which serves the app's own static files
  and nothing else: no network, no `file://` outside crm/static. Templates escape every
  value, so no user text can add a resource, and this makes sure of it anyway.
- The shared font configuration (Fontconfig and Pango objects) is not meant for several
  threads at once, so one process lays out one PDF at a time (gunicorn's sync workers run
  one request each anyway).
- Python's cyclic garbage collector is paused while WeasyPrint lays a pack out, and run
  once afterwards. A layout keeps most of what it allocates (boxes, styles, text runs)
  until it ends, so the collector, started every few hundred allocations, walked a
  growing heap again and again to free little: 0.4 to 0.7 s of CPU time of Romania's
  state pack or the overview, for about 30 MB more at the peak. What is alive once the
  fonts and stylesheet are ready (the app, its modules, the fonts) is frozen then
  (`gc.freeze`), so that later collections do not walk it again.

Callers render while no write transaction is open: a layout of several seconds must never
hold SQLite's write lock or a PostgreSQL row lock (see crm/briefings/views.py).
"""

from __future__ import annotations

import gc
import hashlib
import io
import logging
import mimetypes
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from fontTools.ttLib import woff2  # type: ignore[import-untyped]
from weasyprint import CSS, HTML  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

STYLESHEET = Path("pdf") / "pack.css"  # under the app's static folder
SVG_STYLESHEET = Path("pdf") / "svg.css"
# An inline <svg> element: its opening tag and its content (charts hold no nested <svg>;
# attribute values are escaped, so no ">" inside a tag).
_SVG_ELEMENT = re.compile(r"(<svg\b[^>]*>)(.*?</svg>)", re.S)
_CLASS_ATTRIBUTE = re.compile(r'\bclass="([^"]*)"')
_CSS_RULE = re.compile(r"([^{}]+)\{([^}]*)\}")
_CSS_CLASS = re.compile(r"\.([A-Za-z0-9_-]+)")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)

log = logging.getLogger(__name__)


class ResourceRefused(ValueError):
    """A PDF asked for something other than one of the app's static files."""


class StaticFilesFetcher(URLFetcher):  # type: ignore[misc]
    """Fetches `file:` URLs inside the static folder; refuses everything else."""

    def __init__(self, root: Path, font_cache: Path | None = None) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()
        self.font_cache = font_cache

    def path_of(self, url: str) -> Path:
        """The static file a URL names, or ResourceRefused."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ResourceRefused(f"PDFs load only the app's own static files, not {url!r}")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ResourceRefused(f"{url!r} is not one of the app's static files")
        return path

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = self.path_of(url)
        if path.suffix == ".woff2":
            data, content_type = self.font(path), "font/ttf"
        else:
            data = path.read_bytes()
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), data, headers={"Content-Type": content_type})

    def font(self, path: Path) -> bytes:
        """A WOFF2 font decompressed to TrueType, from the cache when it holds this font."""
        packed = path.read_bytes()
        name = f"{path.stem}-{hashlib.sha256(packed).hexdigest()[:16]}.ttf"
        cached = self.font_cache / name if self.font_cache else None
        if cached is not None and cached.is_file():
            return cached.read_bytes()
        out = io.BytesIO()
        woff2.decompress(io.BytesIO(packed), out)
        data = out.getvalue()
        if cached is not None:
            # Written aside and renamed: another process never reads half a font.
            cached.parent.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(dir=cached.parent, suffix=".partial")
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(partial, cached)
        return data


@dataclass(frozen=True)
class _SvgRule:
    css: str
    classes: frozenset[str]  # every class its selectors name: it may apply if one is used


def _svg_rules(text: str) -> tuple[_SvgRule, ...]:
    text = " ".join(_CSS_COMMENT.sub("", text).split())
    return tuple(
        _SvgRule(f"{selector.strip()}{{{body.strip()}}}", frozenset(_CSS_CLASS.findall(selector)))
        for selector, body in _CSS_RULE.findall(text)
    )


@dataclass(frozen=True)
class _PrintSetup:
    static: Path
    fetcher: StaticFilesFetcher
    fonts: FontConfiguration
    stylesheet: CSS
    svg_rules: tuple[_SvgRule, ...]  # pdf/svg.css, rule by rule
    svg_styles: dict[frozenset[str], str]  # the <style> for each set of classes seen
    image_cache: dict[str, Any]


@dataclass(frozen=True)
class Pdf:
    """A rendered PDF, with where the time went (for `make bench`)."""

    data: bytes
    pages: int
    template_seconds: float  # Jinja: the HTML of the pack
    layout_seconds: float  # WeasyPrint: parsing, layout and writing the PDF

    @property
    def seconds(self) -> float:
        return self.template_seconds + self.layout_seconds


_setup: _PrintSetup | None = None
_setup_lock = threading.Lock()
# One layout at a time per process: the shared font configuration is not thread-safe.
_render_lock = threading.Lock()


def _print_setup() -> _PrintSetup:
    """The fonts and the stylesheet, parsed on first use and kept for the process."""
    global _setup
    static = Path(current_app.static_folder or "").resolve()
    with _setup_lock:
        if _setup is None or _setup.static != static:
            started = time.perf_counter()
            fetcher = StaticFilesFetcher(static, Path(current_app.config["PDF_FONT_CACHE"]))
            fonts = FontConfiguration()
            sheet = static / STYLESHEET
            stylesheet = CSS(
                string=sheet.read_text(encoding="utf-8"),
                base_url=sheet.as_uri(),
                url_fetcher=fetcher,
                font_config=fonts,
            )
            svg_rules = _svg_rules((static / SVG_STYLESHEET).read_text("utf-8"))
            _setup = _PrintSetup(static, fetcher, fonts, stylesheet, svg_rules, {}, {})
            log.info("PDF fonts and stylesheet ready in %.2f s", time.perf_counter() - started)
            _freeze_once()
        return _setup


_frozen = False


def _freeze_once() -> None:
    """Move everything alive now, once per process, out of the collector's reach: a
    process that makes packs has loaded its app, its modules and the fonts by now, and
    keeps them; collections after each layout need not walk them again."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()  # what is garbage now is not frozen with the rest
        gc.freeze()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (a layout), then the collector as it
    was before, whether the block ends or raises, and one collection when it was on. The
    collector is the process's: hold _render_lock, so that two layouts never pause it at
    once."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect()


def _svg_style(setup: _PrintSetup, svg: str) -> str:
    """The <style> element for one chart: the rules of pdf/svg.css that name a class the
    chart uses. WeasyPrint parses each chart's <style> anew, and a pack has a hundred
    charts; the whole file in each cost about a second of an overview's layout."""
    used = frozenset(name for value in _CLASS_ATTRIBUTE.findall(svg) for name in value.split())
    style = setup.svg_styles.get(used)
    if style is None:
        rules = "".join(rule.css for rule in setup.svg_rules if rule.classes & used)
        style = setup.svg_styles[used] = f"<style>{rules}</style>" if rules else ""
    return style


def warm_up() -> float:
    """Build the fonts and stylesheet now (seconds taken; 0 when already built)."""
    started = time.perf_counter()
    ready = _setup is not None
    _print_setup()
    return 0.0 if ready else time.perf_counter() - started


def render_pdf(template: str, **context: Any) -> Pdf:
    """Render a template under templates/pdf/ to a PDF.

    The HTML is normalised to NFC first: the vendored fonts hold precomposed letters
    (ș, ệ), and a name typed with combining accents would otherwise be drawn from two
    fonts at once. WeasyPrint styles an inline SVG only from a <style> inside it, so the
    chart rules of pdf/svg.css are copied into each one (the chart macros colour by class).
    """
    setup = _print_setup()
    started = time.perf_counter()
    html = unicodedata.normalize("NFC", render_template(template, **context))
    html = _SVG_ELEMENT.sub(lambda m: m.group(1) + _svg_style(setup, m.group(0)) + m.group(2), html)
    rendered = time.perf_counter()
    with _render_lock, _collector_paused():
        laid_out = time.perf_counter()
        document = HTML(
            string=html, base_url=(setup.static / "pdf").as_uri() + "/", url_fetcher=setup.fetcher
        ).render(font_config=setup.fonts, stylesheets=[setup.stylesheet], cache=setup.image_cache)
        data = document.write_pdf()
    finished = time.perf_counter()  # the collection after the layout counts as the layout's
    return Pdf(
        data=data,
        pages=len(document.pages),
        template_seconds=rendered - started,
        layout_seconds=finished - laid_out,
    )
