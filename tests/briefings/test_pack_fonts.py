"""Every letter, digit and sign of the packs comes from the vendored fonts embedded in the
PDF, in English and in Arabic: nothing falls back to a font of the machine that printed it
(which another machine may lack), the chart labels and the overview's changes included."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from crm.briefings import services
from crm.briefings.queries import TEMPLATES
from crm.briefings.render import render_pdf
from crm.extensions import db
from crm.states.models import State
from tests.briefings.pdf import read


@pytest.mark.parametrize(
    ("kind", "locale"), [("overview", "en"), ("overview", "ar"), ("state", "ar")]
)
def test_a_pack_draws_only_with_the_vendored_fonts(demo_app, kind, locale, caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    target = (
        db.session.scalar(sa.select(State).where(State.iso2 == "RO")) if kind == "state" else None
    )
    with demo_app.test_request_context(), force_locale(locale):
        pdf = read(render_pdf(TEMPLATES[kind], pack=services.build(kind, target, None)).data)
    families = {name.split("+", 1)[1] for name in pdf.fonts()}
    assert families
    assert all(f.startswith("CRM-Noto-Sans-") for f in families), families
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
