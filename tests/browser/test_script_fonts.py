"""A name in Tamil or Sinhala is drawn, in a real browser, from the font the app serves
(crm/static/fonts), fetched because the page shows that script and only then."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from crm.extensions import db
from crm.parliament.models import OtherName, Representative
from crm.states.models import State
from tests.browser.helpers import PHONE, in_browser, needs_chromium, sign_in, watch

pytestmark = needs_chromium

# Each face of our families, as "family weight": its status once the page's fonts are ready.
FACES = """async () => {
  await document.fonts.ready;
  const faces = {};
  for (const face of document.fonts) {
    const family = face.family.replace(/["']/g, "");
    if (family.startsWith("CRM Noto Sans")) faces[`${family} ${face.weight}`] = face.status;
  }
  return faces;
}"""


def test_a_tamil_and_sinhala_name_load_our_fonts_and_no_other(live_server):
    # A Sri Lankan member of the demo, whose other names are Sinhala, given a Tamil one too.
    lanka = db.session.scalar(sa.select(State).where(State.iso2 == "LK"))
    rep = db.session.scalars(
        sa.select(Representative)
        .where(Representative.state_id == lanka.id, Representative.other_names.any())
        .order_by(Representative.id)
    ).first()
    rep.other_names.append(OtherName(name="இரா. சம்பந்தன்", lang="ta"))
    rep_id = rep.id
    db.session.commit()

    def steps(chromium: Any) -> dict[str, Any]:
        context = chromium.new_context(viewport=PHONE)
        try:
            page = context.new_page()
            watched = watch(page)
            sign_in(page, live_server, "coordinator@demo.example")
            page.goto(f"{live_server}/representatives/{rep_id}")
            faces = page.evaluate(FACES)
            fonts = {urlsplit(u).path for u in watched.requested if u.endswith(".woff2")}
            return {"faces": faces, "fonts": fonts, "hosts": watched.hosts()}
        finally:
            context.close()

    seen = in_browser(steps)
    assert seen["faces"]["CRM Noto Sans Tamil 400"] == "loaded"
    assert seen["faces"]["CRM Noto Sans Sinhala 400"] == "loaded"
    # No Arabic on the page: its font is declared but never fetched.
    assert seen["faces"]["CRM Noto Sans Arabic 400"] == "unloaded"
    assert seen["fonts"] >= {
        "/static/fonts/noto-sans-tamil/noto-sans-tamil-tamil-400-normal.woff2",
        "/static/fonts/noto-sans-sinhala/noto-sans-sinhala-sinhala-400-normal.woff2",
    }
    assert seen["hosts"] == {urlsplit(live_server).netloc}
