"""Briefing packs in a chosen language (issue 14, item 8): the state pack, the full roster,
the one-pager and the overview are made in the language asked for with `?lang=` (one of the
CRM's, by default the reader's), wherever they are made; an English and a French pack of the
same state are two jobs and two files; any other language is refused, never a 500; and a
pack's page offers the others, a one-pager first the representative's own.

The French words checked are read from the catalogs (`gettext` under the French locale), so
these tests say the same before and after the catalogs hold the packs' new strings; the
words already translated (stances, months, the CRM's labels) show that the PDF is French."""

from __future__ import annotations

import re

import pytest
from babel.dates import format_date
from bs4 import BeautifulSoup
from flask import render_template
from flask_babel import force_locale, gettext

from crm.briefings import services, stored, tasks
from crm.briefings.queries import TEMPLATES
from crm.db import today
from crm.extensions import db
from crm.jobs.models import JobStatus
from crm.parliament.models import Stance
from tests.briefings.made import pack_jobs, printed
from tests.briefings.pdf import read, squeeze
from tests.conftest import csrf_token, post_form, sign_in


@pytest.fixture(autouse=True)
def _packs_folder(app, tmp_path, monkeypatch) -> None:
    """The packs of each test in a folder of its own (as tests/briefings/conftest.py)."""
    monkeypatch.setitem(app.config, "PACKS_FOLDER", str(tmp_path / "packs"))


def _pdf(client, url: str, filename: str = r"briefing-[A-Za-z0-9-]+\.pdf"):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(f'attachment; filename="{filename}"', disposition), disposition
    return read(response.data)


def _in(locale: str, message: str, **variables) -> str:
    with force_locale(locale):
        return gettext(message, **variables)


def _squeezed_in(locale: str, message: str, **variables) -> str:
    return squeeze(_in(locale, message, **variables))


# --- A French state pack -------------------------------------------------------------------


def test_a_french_state_pack_is_french_and_another_pack_than_the_english_one(app, world):
    home = world.home
    client = sign_in(app.test_client(), world.staff)
    english = _pdf(client, f"/states/{home.state.iso2}/briefing.pdf")
    french = _pdf(
        client, f"/states/{home.state.iso2}/briefing.pdf?lang=fr", r"briefing-[A-Za-z0-9-]+-fr\.pdf"
    )

    assert english.language == "en"
    assert french.language == "fr"
    assert french.text != english.text
    # The PDF's title and the sections' headings (its bookmarks), in French.
    title = _in("fr", "Briefing pack: %(name)s", name=home.state.name)
    assert french.reader.metadata.title == title
    titles = [title for _depth, title in french.bookmarks()]
    for heading in ("At a glance", "Key messages", "Priority targets", "Open follow-ups"):
        assert _in("fr", heading) in titles
    # Words the catalogs already held: stances, the month of the cover, the margins.
    text = french.squeezed()
    for stance in (Stance.AGAINST_RATIFICATION, Stance.LEANING_FOR):
        with force_locale("fr"):
            label = stance.label
        assert squeeze(label) in text
        assert squeeze(stance.label) not in text  # the English label
    month = format_date(today(), "MMMM", locale="fr")
    assert month in text
    assert _squeezed_in("fr", "Page %(page)s of %(pages)s", page=1, pages=len(french.pages)) in (
        squeeze(french.pages[0])
    )
    assert "Page1of" in squeeze(english.pages[0])
    # The data stays as written.
    assert home.state.name in french.text
    assert world.campaign.name in french.text

    # Two jobs, two files: the language is part of the key, and the job says it.
    jobs = pack_jobs()
    assert [job.arguments["locale"] for job in jobs] == ["en", "fr"]
    assert [job.key.split(":")[5] for job in jobs] == ["en", "fr"]
    assert jobs[0].key != jobs[1].key
    assert all(job.status is JobStatus.SUCCEEDED for job in jobs)
    assert stored.path_of(jobs[0]) != stored.path_of(jobs[1])
    entries = printed()
    assert len(entries) == 2
    assert entries[1].summary.startswith(f"State briefing pack of {home.state.name}")
    assert entries[1].summary.endswith(", in French")
    assert "French" not in entries[0].summary

    # Asked again, each is the same file, served from storage.
    again = client.get(f"/states/{home.state.iso2}/briefing.pdf?lang=fr")
    assert again.data == stored.path_of(jobs[1]).read_bytes()
    assert len(pack_jobs()) == 2


def test_the_pack_is_in_the_readers_language_unless_another_is_asked_for(app, world):
    rep = world.home.reps[0]
    world.staff.locale = "fr"
    db.session.commit()
    client = sign_in(app.test_client(), world.staff)
    french = _pdf(
        client, f"/representatives/{rep.id}/briefing.pdf", r"briefing-[A-Za-z0-9-]+-fr\.pdf"
    )
    assert french.language == "fr"
    english = _pdf(client, f"/representatives/{rep.id}/briefing.pdf?lang=en")
    assert english.language == "en"
    assert english.reader.metadata.title == f"Meeting brief: {rep.name}"
    assert [job.arguments["locale"] for job in pack_jobs()] == ["fr", "en"]


def test_a_pack_made_without_a_request_is_in_the_language_it_was_asked_in(app, world):
    """A worker has no request and no reader's locale: the job says the language."""
    client = sign_in(app.test_client(), world.coordinator)
    page = client.get("/briefings/overview?lang=ru")
    assert page.status_code == 200
    (job,) = pack_jobs()
    assert job.status is JobStatus.QUEUED  # the page only asks: nothing takes it in the tests
    tasks.run_here(job.id)  # as a worker makes it: in the app, outside any request
    (job,) = pack_jobs()
    assert job.status is JobStatus.SUCCEEDED, job.last_error
    assert job.result["filename"].endswith("-ru.pdf")
    pdf = read(stored.path_of(job).read_bytes())
    assert pdf.language == "ru"
    assert pdf.reader.metadata.title == _in("ru", "Coordinator overview")
    ready = client.get(f"/briefings/packs/{job.id}")
    soup = BeautifulSoup(ready.get_data(as_text=True), "html.parser")
    assert "Russian" in soup.select_one(".pack-languages").get_text(" ")


def test_the_command_line_makes_packs_in_the_language_it_is_given(app, runner, world, tmp_path):
    iso2 = world.home.state.iso2
    result = runner.invoke(
        args=["crm", "briefings", "--state", iso2, "--out", str(tmp_path), "--lang", "ro"]
    )
    assert result.exit_code == 0, result.output
    (path,) = tmp_path.glob("*.pdf")
    assert path.name.endswith("-ro.pdf")
    pdf = read(path.read_bytes())
    assert pdf.language == "ro"
    assert _in("ro", "the command line") in pdf.text
    refused = runner.invoke(
        args=["crm", "briefings", "--state", iso2, "--out", str(tmp_path), "--lang", "de"]
    )
    assert refused.exit_code != 0
    assert "de" in refused.output


# --- Refused languages -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["xx", "de", "EN", "fr-FR", "en,fr", "%00"])
@pytest.mark.parametrize(
    "url",
    [
        "/states/{iso2}/briefing.pdf",
        "/states/{iso2}/briefing",
        "/states/{iso2}/roster.pdf",
        "/representatives/{rep}/briefing.pdf",
        "/representatives/{rep}/briefing",
        "/briefings/overview.pdf",
        "/briefings/overview",
    ],
)
def test_a_language_the_crm_does_not_speak_is_refused_with_a_400(app, world, url, lang):
    client = sign_in(app.test_client(), world.coordinator)
    address = url.format(iso2=world.home.state.iso2, rep=world.home.reps[0].id)
    response = client.get(f"{address}?lang={lang}")
    assert response.status_code == 400
    if lang != "%00":  # refused before any view, as every text holding a NUL is
        assert "the languages the CRM speaks" in response.get_data(as_text=True)
    assert pack_jobs() == []


def test_a_refused_language_is_refused_before_the_try_again_runs_anything(app, world):
    client = sign_in(app.test_client(), world.member)
    token = csrf_token(client.get("/account/language").get_data(as_text=True))
    response = client.post(
        f"/states/{world.home.state.iso2}/briefing?lang=zz", data={"csrf_token": token}
    )
    assert response.status_code == 400
    assert "the languages the CRM speaks" in response.get_data(as_text=True)
    assert pack_jobs() == []


# --- The pages offer the languages ------------------------------------------------------------


def _progress(client, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_a_packs_page_names_its_language_and_offers_the_others(app, world):
    iso2 = world.home.state.iso2
    client = sign_in(app.test_client(), world.member)
    soup = _progress(client, f"/states/{iso2}/briefing?lang=fr")
    section = soup.select_one(".pack-languages")
    assert "This pack is in French." in section.get_text(" ", strip=True)
    links = {a["hreflang"]: a for a in section.select("nav a")}
    assert sorted(links) == sorted(["en", "es", "ar", "ru", "pt", "ro"])
    # Each language named in itself, in its own language; the reader's own needs no `lang`.
    assert links["ar"].get_text() == "العربية"
    assert links["ar"]["lang"] == "ar"
    assert links["ar"]["href"] == f"/states/{iso2}/briefing?lang=ar"
    assert links["en"]["href"] == f"/states/{iso2}/briefing"
    # The language it is made in is not offered again.
    assert soup.select_one(".pack-languages a[hreflang=fr]") is None
    # The link is followed: the pack in Arabic, a job of its own.
    _progress(client, links["ar"]["href"])
    assert [job.arguments["locale"] for job in pack_jobs()] == ["fr", "ar"]


def test_try_again_asks_for_the_pack_in_its_own_language(app, world, tmp_path, monkeypatch):
    """A French pack that failed is tried again in French, whatever the reader speaks."""
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the packs' folder should be")
    monkeypatch.setitem(app.config, "PACKS_FOLDER", str(blocked / "packs"))
    monkeypatch.setitem(app.config, "JOBS_MAX_ATTEMPTS", 1)
    iso2 = world.home.state.iso2
    client = sign_in(app.test_client(), world.member)
    _progress(client, f"/states/{iso2}/briefing?lang=fr")
    (job,) = pack_jobs()
    tasks.run_here(job.id)
    assert pack_jobs()[0].status is JobStatus.FAILED
    page = f"/briefings/packs/{job.id}"
    soup = _progress(client, page)
    ask = f"/states/{iso2}/briefing?lang=fr"
    assert soup.select_one(f'main form[method=post][action="{ask}"]') is not None
    blocked.unlink()
    answer = post_form(client, ask, page=page)
    assert answer.status_code == 303
    assert answer.headers["Location"] == page  # the same job, run again
    (job,) = pack_jobs()
    assert job.status is JobStatus.QUEUED
    assert job.arguments["locale"] == "fr"


def test_a_one_pagers_page_offers_the_representatives_own_language(app, world):
    rep = world.home.reps[0]
    rep.languages = ["hu", "ro-RO", "pt", "ro"]
    db.session.commit()
    client = sign_in(app.test_client(), world.member)
    soup = _progress(client, f"/representatives/{rep.id}/briefing")
    own = soup.select(".pack-languages a.button")
    assert [(a["hreflang"], a["href"]) for a in own] == [
        ("ro", f"/representatives/{rep.id}/briefing?lang=ro"),
        ("pt", f"/representatives/{rep.id}/briefing?lang=pt"),
    ]
    assert own[0].get_text(" ", strip=True) == f"Make it in Romanian, a language {rep.name} speaks"
    # Made in Romanian, it offers Portuguese alone as the representative's.
    soup = _progress(client, own[0]["href"])
    own = soup.select(".pack-languages a.button")
    assert [a["hreflang"] for a in own] == ["pt"]
    # A state pack offers nobody's own language.
    soup = _progress(client, f"/states/{world.home.state.iso2}/briefing")
    assert soup.select(".pack-languages a.button") == []


def test_a_representative_with_no_language_of_the_crms_is_offered_none_of_their_own(app, world):
    rep = world.home.reps[0]
    rep.languages = ["hu", "xx-q"]
    db.session.commit()
    client = sign_in(app.test_client(), world.member)
    soup = _progress(client, f"/representatives/{rep.id}/briefing")
    assert soup.select(".pack-languages a.button") == []
    assert len(soup.select(".pack-languages nav a")) == 6


# --- Arabic, right to left ----------------------------------------------------------------------


def test_an_arabic_pack_is_set_right_to_left(app, world):
    html = _html("state", world.home.state, world.staff, "ar")
    assert re.search(r'<html lang="ar" dir="rtl">', html)
    assert _in("ar", "Key messages") in html
    english = _html("state", world.home.state, world.staff, "en")
    assert '<html lang="en" dir="ltr">' in english
    # The margins' words are written in CSS strings, safely.
    style = BeautifulSoup(html, "html.parser").style.string
    assert "counter(page)" in style
    assert "counter(pages)" in style
    assert "</" not in style


def _html(kind: str, target, reader, locale: str) -> str:
    """A pack's HTML before WeasyPrint lays it out, in `locale`."""
    with force_locale(locale):
        pack = services.build(kind, target, reader)
        return render_template(TEMPLATES[kind], pack=pack)
