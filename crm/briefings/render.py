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
  and the charts this module turns into images (`data:image/svg+xml;base64,` URLs), and
  nothing else: no network, no `file://` outside crm/static, no other data URL. Templates
  escape every value, so no user text can add a resource, and this makes sure of it anyway.
- The charts, written by the templates as inline <svg> (as the pages have them), are laid
  out as images of the same SVG: see `_svg_image`.
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

import base64
import binascii
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
_SVG_ATTRIBUTE = re.compile(r'\s([A-Za-z:-]+)="([^"]*)"')
_SVG_DATA_URL = "data:image/svg+xml;base64,"

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
        if url.startswith(_SVG_DATA_URL):
            return URLFetcherResponse(
                url, self.svg_image(url), headers={"Content-Type": "image/svg+xml"}
            )
        path = self.path_of(url)
        if path.suffix == ".woff2":
            data, content_type = self.font(path), "font/ttf"
        else:
            data = path.read_bytes()
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), data, headers={"Content-Type": content_type})

    @staticmethod
    def svg_image(url: str) -> bytes:
        """The SVG document of a chart's `data:image/svg+xml;base64,` URL (`_svg_image`).
        No other data URL is served; what the SVG itself loads comes through `fetch`."""
        try:
            return base64.b64decode(url.removeprefix(_SVG_DATA_URL), validate=True)
        except binascii.Error as error:
            raise ResourceRefused(f"not an SVG data URL: {url[:60]!r}") from error

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
            _setup = _PrintSetup(static, fetcher, fonts, stylesheet, svg_rules, {})
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


def _alt_text(opening: str, content: str) -> str:
    """A chart's text alternative, as its <svg> tag gives it: `aria-label`, the text of
    the elements `aria-labelledby` names, or none when it is `aria-hidden` (a bar whose
    number is printed beside it). Escaped for an attribute, as the template wrote it."""
    attributes: dict[str, str] = dict(_SVG_ATTRIBUTE.findall(opening))
    if attributes.get("aria-hidden") == "true":
        return ""
    if "aria-label" in attributes:
        return attributes["aria-label"]
    parts = []
    for key in attributes.get("aria-labelledby", "").split():
        found = re.search(rf'<(title|desc) id="{re.escape(key)}">(.*?)</\1>', content, re.S)
        if found:
            parts.append(" ".join(found.group(2).split()))
    return " ".join(parts)


def charts_as_images(html: str) -> str:
    """The HTML with each inline <svg> chart replaced by an <img> of it (`_svg_image`)."""
    setup = _print_setup()
    return _SVG_ELEMENT.sub(lambda svg: _svg_image(setup, svg), html)


def _svg_image(setup: _PrintSetup, svg: re.Match[str]) -> str:
    """An inline chart as an <img> of the same SVG document (a data URL), with its text
    alternative as `alt` and its classes, so that pack.css sizes it as it did the <svg>.
    WeasyPrint draws it with the same SVG code and the same fonts (its labels stay text),
    but no longer parses it as part of the page and styles each of its elements with the
    page's stylesheet: 0.15 to 0.2 s of the overview's 2 s of CPU time (85 charts)."""
    opening, content = svg.group(1), svg.group(2)
    document = (
        '<svg xmlns="http://www.w3.org/2000/svg"'
        + opening[len("<svg") :]
        + _svg_style(setup, svg.group(0))
        + content
    )
    classes = dict(_SVG_ATTRIBUTE.findall(opening)).get("class")
    src = _SVG_DATA_URL + base64.b64encode(document.encode()).decode("ascii")
    sized = f' class="{classes}"' if classes else ""
    return f'<img{sized} src="{src}" alt="{_alt_text(opening, content)}">'


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
    fonts at once. Each chart is then laid out as an image of its SVG, the chart rules of
    pdf/svg.css copied into it (the chart macros colour by class): `charts_as_images`.
    """
    setup = _print_setup()
    started = time.perf_counter()
    html = unicodedata.normalize("NFC", render_template(template, **context))
    html = charts_as_images(html)
    rendered = time.perf_counter()
    with _render_lock, _collector_paused():
        laid_out = time.perf_counter()
        page = HTML(
            string=html, base_url=(setup.static / "pdf").as_uri() + "/", url_fetcher=setup.fetcher
        )
        # Images are kept for one layout only: every chart is a URL of its own, and an
        # image holds the layout it was made in. The same chart twice is read once.
        document = page.render(font_config=setup.fonts, stylesheets=[setup.stylesheet], cache={})
        data = document.write_pdf()
        pages = len(document.pages)
        # The layout's boxes refer to each other: let go of them before the collection
        # that follows, which then frees them now instead of at some later full one.
        del page, document
    finished = time.perf_counter()  # the collection after the layout counts as the layout's
    return Pdf(
        data=data,
        pages=pages,
        template_seconds=rendered - started,
        layout_seconds=finished - laid_out,
    )
