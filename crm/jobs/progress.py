"""The page that follows a job while it runs (a CSV import, a briefing pack): it comes
again by itself, without JavaScript, until the job is over.

The strict Content-Security-Policy allows no inline script, so the page asks for itself
again with a `Refresh` header: it does what `<meta http-equiv="refresh">` does (HTML's
shared declarative refresh) without a meta element, which axe-core counts as a critical
violation. The page says that it refreshes and offers to stop (WCAG 2.2.2): `?refresh=off`
shows the same page once, and a link brings the refreshing back (the `refresh_note` macro
in templates/_macros/ui.html).
"""

from __future__ import annotations

from flask import Response, request

# How often a progress page looks again, in seconds.
REFRESH_SECONDS = 2
# How long a script told "not yet" (503) waits before asking again.
RETRY_AFTER_SECONDS = REFRESH_SECONDS * 5


def refreshing(is_open: bool) -> bool:
    """Whether this answer comes again by itself: while the job is open, unless the reader
    stopped it."""
    return is_open and request.args.get("refresh") != "off"


def follow(response: Response, here: str, *, refreshing: bool, then: str | None = None) -> Response:
    """`response` with the header that moves the reader on: to `then` at once when the job
    has something to go to, else to this page `here` again while `refreshing`."""
    if then is not None:
        response.headers["Refresh"] = f"0; url={then}"
    elif refreshing:
        response.headers["Refresh"] = f"{REFRESH_SECONDS}; url={here}"
    return response
