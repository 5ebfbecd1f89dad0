"""Briefing packs as PDFs: the state pack, the representative one-pager and the
coordinator overview (SPEC §4).

`render.py` holds the one `render_pdf` helper, `packs/` reads what each pack shows,
`services.py` writes the audit entry of every pack printed, and `views.py` serves them.
"""
