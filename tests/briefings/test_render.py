"""The one PDF helper: vendored fonts for every script the campaign meets, a fetcher that
serves only the app's static files, and fonts and stylesheet parsed once per process."""

from __future__ import annotations

import base64
import gc
import io
import logging
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from crm.briefings import packs
from crm.briefings.render import ResourceRefused, StaticFilesFetcher, charts_as_images, render_pdf
from crm.parliament.models import OtherName
from crm.states.models import State
from tests.briefings.pdf import embedded_file, read, squeeze
from tests.factories import (
    AgreementFactory,
    CampaignFactory,
    ChamberFactory,
    PartyFactory,
    StateFactory,
    seated_representative,
)

# Names in every script the campaign's states write in. They must be drawn from the
# vendored fonts, and read back from the PDF as they were written.
NAMES = {
    "Latin, Romanian": ("Ștefan Țăranu", None),
    "Latin, Vietnamese": ("Nguyễn Thị Hằng", None),
    "Cyrillic, Russian": ("Дмитрий Рахмонов", "ru"),
    "Cyrillic, Tajik": ("Ҷамшед Қодиров", "tg"),
    "Cyrillic, Uzbek": ("Ўткир Ғуломов", "uz-Cyrl"),
    "Arabic": ("محمد عبدالله", "ar"),
    "Arabic, Dari": ("شاه ولی", "fa-AF"),
    "Arabic, Pashto": ("ځدراڼ", "ps"),
    "Hebrew": ("שלום כהן", "he"),
    "Devanagari, Hindi": ("सुशील कोइराला", "hi"),
    "Devanagari, Nepali": ("पुष्प कमल दाहाल", "ne"),
    "Sinhala": ("නිමල් පෙරේරා", "si"),
    "Tamil": ("இரா. சம்பந்தன்", "ta"),
    "Tamil, one name": ("சுமந்திரன்", "ta"),
}
# Drawn correctly, but not always read back in order: WeasyPrint's text map gives each
# glyph one meaning for the whole PDF, while Noto Sans Arabic builds ف ز ن ی from a shared
# dotless letter plus dots, and Devanagari draws a reph (र् of शर्मा) after the letter it
# precedes and the short i-sign (ि) before its consonant; Tamil draws the e-signs (ெ ே)
# before their consonant and splits ொ around it (பொ). These are checked for glyphs only.
DRAWN_ONLY = {
    "Arabic, Persian letters": ("فرهاد کریمی", "fa"),
    "Arabic, Pashto, full name": ("احمد ځدراڼ", "ps"),
    "Devanagari with a reph and short i": ("गिरिजा प्रसाद शर्मा", "ne"),
    "Tamil with vowel signs drawn before the consonant": ("கஜேந்திரகுமார் பொன்னம்பலம்", "ta"),
}
FONT_FAMILIES = {
    "Latin",
    "Latin-Ext",
    "Vietnamese",
    "Cyrillic",
    "Cyrillic-Ext",
    "Arabic",
    "Hebrew",
    "Devanagari",
    "Sinhala",
    "Tamil",
}


def _state_named(names) -> State:
    """A state whose members are named in the given scripts, each once as their name and
    once as another name with its language."""
    campaign = CampaignFactory()
    state = StateFactory(name="Scriptland")
    AgreementFactory(campaign=campaign, state=state)
    chamber = ChamberFactory(state=state, seats=len(names) * 2)
    party = PartyFactory(state=state, name="Partidul Țărănesc")
    for n, (name, lang) in enumerate(names):
        seated_representative(chamber, party, name=name, sort_name=name)
        seated_representative(
            chamber,
            party,
            name=f"Transliterated {n}",
            sort_name=f"Transliterated {n:02d}",
            other_names=[OtherName(name=name, lang=lang)],
        )
    return state


@pytest.fixture
def script_state(app):
    return _state_named(NAMES.values())


@pytest.fixture
def every_script_state(app):
    return _state_named([*NAMES.values(), *DRAWN_ONLY.values()])


def test_names_in_every_script_come_back_from_the_pdf(script_state, caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    pdf = render_pdf("pdf/roster.html", pack=packs.roster_pack(script_state, None))
    text = read(pdf.data).squeezed()
    for script, (name, _lang) in NAMES.items():
        # Each name is printed twice: as a name and as another name with its language.
        assert text.count(squeeze(name)) >= 2, script
    # WeasyPrint warns when it draws a .notdef box for a letter no font has.
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]


def test_every_glyph_comes_from_the_vendored_fonts_embedded_in_the_pdf(every_script_state, caplog):
    from fontTools.ttLib import TTFont

    caplog.set_level(logging.WARNING, logger="weasyprint")
    pack = packs.roster_pack(every_script_state, None)
    pdf = read(render_pdf("pdf/roster.html", pack=pack).data)
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    fonts = pdf.fonts()
    # Subset prefix "ABCDEF+", then our family: no letter fell back to a system font.
    families = {name.split("+", 1)[1] for name in fonts}
    assert all(f.startswith("CRM-Noto-Sans-") for f in families), families
    used = {f.removeprefix("CRM-Noto-Sans-").removesuffix("-Bold") for f in families}
    assert used >= FONT_FAMILIES
    assert families >= {f"CRM-Noto-Sans-{f}-Bold" for f in FONT_FAMILIES}
    for name, font in fonts.items():
        program = embedded_file(font)
        assert program is not None, f"{name} is not embedded"
        assert len(program.get_data()) > 200, name
        # Bold text is drawn from the script's own bold, not from its regular made heavier
        # (which Pango does, under the bold name, when a family has no bold face).
        weight = TTFont(io.BytesIO(program.get_data()))["OS/2"].usWeightClass
        assert weight == (700 if name.endswith("-Bold") else 400), name


def test_the_fonts_ship_with_their_licences():
    fonts = Path(__file__).resolve().parents[2] / "crm" / "static" / "fonts"
    folders = [p for p in fonts.iterdir() if p.is_dir()]
    assert {p.name for p in folders} == {
        "noto-sans",
        "noto-sans-arabic",
        "noto-sans-hebrew",
        "noto-sans-devanagari",
        "noto-sans-sinhala",
        "noto-sans-tamil",
    }
    for folder in folders:
        licence = (folder / "OFL.txt").read_text(encoding="utf-8")
        assert "SIL Open Font License, Version 1.1" in licence
        assert list(folder.glob("*.woff2"))
    assert "npm" in (fonts / "README.md").read_text(encoding="utf-8")


def test_fonts_and_stylesheet_are_parsed_once_and_reused(script_state):
    from crm.briefings import render

    pack = packs.roster_pack(script_state, None)
    render_pdf("pdf/roster.html", pack=pack)
    first = render._print_setup()
    render_pdf("pdf/roster.html", pack=pack)
    assert render._print_setup() is first
    assert render._print_setup().fonts is first.fonts
    assert render._print_setup().stylesheet is first.stylesheet
    # What was alive once they were ready is left out of later collections.
    assert gc.get_freeze_count() > 0


@pytest.fixture
def collector_on():
    """The cyclic garbage collector on, as a process has it, and on again after the test."""
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_paused_during_a_layout_and_on_again_after_it(
    script_state, collector_on, monkeypatch
):
    from crm.briefings import render

    during = []
    layout = render.HTML.render

    def watched(self, *args, **kwargs):
        during.append(gc.isenabled())
        return layout(self, *args, **kwargs)

    monkeypatch.setattr(render.HTML, "render", watched)
    pack = packs.roster_pack(script_state, None)
    gc.collect()  # what earlier tests left is not counted as the layout's
    pdf = render_pdf("pdf/roster.html", pack=pack)
    assert pdf.pages >= 1
    assert during == [False]
    assert gc.isenabled()
    # The layout, whose boxes refer to each other, was freed by that collection: no
    # cycles of it are left for a later one.
    assert gc.collect() < 100


def test_the_collector_is_restored_when_a_layout_fails(script_state, collector_on, monkeypatch):
    from crm.briefings import render

    def broken(self, *args, **kwargs):
        assert not gc.isenabled()
        raise RuntimeError("layout failed")

    monkeypatch.setattr(render.HTML, "render", broken)
    pack = packs.roster_pack(script_state, None)
    with pytest.raises(RuntimeError, match="layout failed"):
        render_pdf("pdf/roster.html", pack=pack)
    assert gc.isenabled()
    assert not render._render_lock.locked()
    # A collector someone else turned off stays off.
    gc.disable()
    with pytest.raises(RuntimeError, match="layout failed"):
        render_pdf("pdf/roster.html", pack=pack)
    assert not gc.isenabled()


@pytest.fixture
def fetcher(app):
    return StaticFilesFetcher(Path(app.static_folder))


def test_the_fetcher_serves_the_apps_static_files(fetcher, app):
    sheet = Path(app.static_folder) / "pdf" / "pack.css"
    response = fetcher.fetch(sheet.as_uri())
    assert response.read() == sheet.read_bytes()
    assert response.content_type == "text/css"


def test_fonts_are_served_decompressed_from_a_cache_that_a_changed_font_misses(app, tmp_path):
    """WeasyPrint would decompress each WOFF2 font in every new process (seconds); the
    fetcher does it once, into the cache, under a name that changes with the font."""
    from fontTools.ttLib import TTFont

    static = tmp_path / "static"
    (static / "fonts").mkdir(parents=True)
    vendored = Path(app.static_folder) / "fonts" / "noto-sans" / "noto-sans-latin-400-normal.woff2"
    font = static / "fonts" / "latin.woff2"
    font.write_bytes(vendored.read_bytes())
    cache = tmp_path / "cache"
    fetcher = StaticFilesFetcher(static, cache)

    first = fetcher.fetch(font.as_uri())
    data = first.read()
    assert data[:4] == b"\x00\x01\x00\x00"  # TrueType, no longer WOFF2
    assert first.content_type == "font/ttf"
    assert "A" in {chr(code) for code in TTFont(io.BytesIO(data)).getBestCmap()}
    [cached] = cache.iterdir()
    assert cached.read_bytes() == data
    assert not list(cache.glob("*.partial"))

    # Read from the cache: what it holds is what is served.
    cached.write_bytes(data + b"\x00")
    assert StaticFilesFetcher(static, cache).fetch(font.as_uri()).read() == data + b"\x00"

    # Another font under the same name is decompressed again, never served stale.
    other = Path(app.static_folder) / "fonts" / "noto-sans" / "noto-sans-latin-700-normal.woff2"
    font.write_bytes(other.read_bytes())
    bold = StaticFilesFetcher(static, cache).fetch(font.as_uri()).read()
    assert bold[:4] == b"\x00\x01\x00\x00"
    assert bold not in (data, data + b"\x00")
    assert len(list(cache.iterdir())) == 2


def test_the_fetcher_serves_a_chart_drawn_as_an_svg_data_url(fetcher):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"></svg>'
    response = fetcher.fetch("data:image/svg+xml;base64," + base64.b64encode(svg).decode())
    assert response.read() == svg
    assert response.content_type == "image/svg+xml"
    with pytest.raises(ResourceRefused):
        fetcher.fetch("data:image/svg+xml;base64,not base64!")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "https://fonts.example.org/noto.woff2",
        "http://127.0.0.1:9/x.png",
        "ftp://example.org/x",
        "data:text/plain,hello",
        "data:image/svg+xml,<svg></svg>",
        "data:image/png;base64,iVBORw0KGgo=",
        "file://evil.example.org/etc/passwd",
    ],
)
def test_the_fetcher_refuses_anything_else(fetcher, url):
    with pytest.raises(ResourceRefused):
        fetcher.fetch(url)


def test_the_fetcher_refuses_to_climb_out_of_the_static_folder(fetcher, app):
    outside = Path(app.static_folder) / ".." / "__init__.py"
    assert outside.resolve().is_file()
    with pytest.raises(ResourceRefused):
        fetcher.fetch(outside.as_uri().replace(str(outside.resolve()), str(outside)))
    with pytest.raises(ResourceRefused):
        fetcher.fetch(Path(app.static_folder).as_uri() + "/../__init__.py")


def test_a_resource_outside_the_static_files_is_left_out_of_the_pdf(app, caplog):
    """A page that asks for another host or a private file still renders, without it."""
    from weasyprint import HTML

    from crm.briefings import render

    setup = render._print_setup()
    caplog.set_level(logging.DEBUG, logger="weasyprint")
    html = (
        '<html lang="en"><body><p>Text stays.</p>'
        '<img src="file:///etc/passwd" alt="a"><img src="http://127.0.0.1:9/x.png" alt="b">'
        "</body></html>"
    )
    data = (
        HTML(
            string=html, base_url=Path(app.static_folder).as_uri() + "/", url_fetcher=setup.fetcher
        )
        .render(font_config=setup.fonts, stylesheets=[setup.stylesheet])
        .write_pdf()
    )
    assert "Text stays." in read(data).text
    refused = " ".join(r.getMessage() for r in caplog.records)
    assert "/etc/passwd" in refused
    assert "127.0.0.1" in refused


def _svg_of(img) -> ElementTree.Element:
    src = img["src"]
    assert src.startswith("data:image/svg+xml;base64,")
    return ElementTree.fromstring(base64.b64decode(src.split(",", 1)[1]))  # noqa: S314 - ours


def test_charts_are_laid_out_as_images_that_keep_their_text_alternatives(app, world):
    from bs4 import BeautifulSoup
    from flask import render_template

    from tests.risk.test_risk_history import _causes, _snapshots

    _causes(world)
    _snapshots(world)
    html = render_template("pdf/overview.html", pack=packs.overview_pack(world.staff))
    charts = BeautifulSoup(html, "html.parser").select("svg")
    assert {"sparkline", "prob-bar", "history-svg", "band-key"} <= {
        name for svg in charts for name in svg.get("class", [])
    }
    soup = BeautifulSoup(charts_as_images(html), "html.parser")
    assert not soup.select("svg")
    images = soup.select("img")
    assert len(images) == len(charts)
    for svg, img in zip(charts, images, strict=True):
        assert img.get("class") == svg.get("class")  # sized by pack.css as the chart was
        drawn = _svg_of(img)
        assert drawn.tag == "{http://www.w3.org/2000/svg}svg"
        if svg.get("aria-hidden") == "true":
            assert img["alt"] == ""  # its number is printed beside it
        elif svg.get("aria-label"):
            assert img["alt"] == svg["aria-label"]
        else:
            said = [
                svg.find(id=key).get_text(" ", strip=True) for key in svg["aria-labelledby"].split()
            ]
            assert img["alt"] == " ".join(" ".join(said).split())
            assert "over the last 12 months" in img["alt"]
        # Coloured as before: the chart rules of pdf/svg.css it uses are inside it.
        if svg.select("[class]"):
            assert drawn.find("{http://www.w3.org/2000/svg}style") is not None
    labels = [
        text.text
        for img in images
        for text in _svg_of(img).iter("{http://www.w3.org/2000/svg}text")
    ]
    assert "100 %" in labels


def test_a_charts_labels_are_still_text_in_the_pdf(app):
    from weasyprint import HTML

    from crm.briefings import render

    setup = render._print_setup()
    chart = (
        '<svg class="history-svg" viewBox="0 0 200 40" role="img" aria-label="A chart">'
        '<text class="axis-text" x="2" y="20">Februarie 2027</text></svg>'
    )
    html = f'<html lang="en"><body><p>Before.</p>{charts_as_images(chart)}</body></html>'
    assert re.search(
        r'<img class="history-svg" src="data:image/svg\+xml;base64,[^"]+" alt="A chart">', html
    )
    data = (
        HTML(string=html, base_url=setup.static.as_uri() + "/", url_fetcher=setup.fetcher)
        .render(font_config=setup.fonts, stylesheets=[setup.stylesheet])
        .write_pdf()
    )
    assert "Februarie 2027" in read(data).text
