"""Briefing packs as PDFs: the state pack, the representative one-pager and the
coordinator overview (SPEC §4), made on the job queue (SPEC §8).

`packs/` reads what each pack shows, `render.py` holds the one `render_pdf` helper,
`services.py` names the job that makes a pack (its key) and asks for it, and writes the
audit entry of every pack made, `tasks.py` makes it (on a worker, or in the process that
waits for it), `stored.py` keeps the PDFs made, `queries.py` says whose a pack's job is,
`views.py` serves the buttons' progress pages and the PDFs, and `cli.py` many at once.

A pack is made in one of the CRM's languages (crm.i18n.LOCALES), the reader's unless
another is asked for (`?lang=` on the web, `--lang` on the command line): its words, dates
and `<html lang dir>` (Arabic right to left) follow it, and its language is part of its
job's key, so packs of one record in two languages are two PDFs.
"""
