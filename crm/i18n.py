"""The sections' languages: which one a request is answered in, and what pages need to know
of it (`<html lang dir>`, the names of the languages offered).

The interface speaks English, French, Spanish, Arabic, Russian, Portuguese and Romanian.
A request is answered in the signed-in user's chosen language; else in the one chosen with
the switch on signed-out pages (kept in the session cookie); else in the best match of the
browser's `Accept-Language`; else in English. Dates and numbers follow the same locale
(Flask-Babel's `format_*`), in the signed-in user's time zone.

Catalogs are gettext files under crm/translations/ (`messages.pot` extracted by
`make translations`, one `.po` per locale, compiled to `.mo` by `make install`). The JSON
API and the command line stay English: they are for tools.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, time
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import Babel, get_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields import SelectChoice

DEFAULT_LOCALE = "en"
LOCALES = ("en", "fr", "es", "ar", "ru", "pt", "ro")
# The JSON API is for tools: its answers, problem documents included, stay English.
TOOLS_SPEAK_ENGLISH = ("/api/",)
# The session key of the language chosen on signed-out pages.
CHOSEN = "locale"

babel = Babel()
bp = Blueprint("i18n", __name__)


def marked(message: str) -> str:
    """`message` as it is, marked for the catalogs: for a string kept before it is said (a
    constant, a setting), and translated with `gettext` where it is said."""
    return message


def marked_label(context: str, message: str) -> tuple[str, str]:
    """A label marked for the catalogs with the context its translation needs (an enum
    member's words: "Cancelled" is said of an event, a stage or a follow-up, whose genders
    differ); crm.db.LabelledEnum translates it with `pgettext` where it is said."""
    return (context, message)


# strftime's directives as CLDR patterns (what Babel formats in the reader's language).
_DIRECTIVES = {
    "%d": "dd",
    "%-d": "d",
    "%m": "MM",
    "%b": "MMM",
    "%B": "MMMM",
    "%Y": "yyyy",
    "%y": "yy",
    "%H": "HH",
    "%M": "mm",
    "%S": "ss",
    "%a": "EEE",
    "%A": "EEEE",
}
# The directives that name something in a language (the others are digits).
_NAMES = ("%b", "%B", "%a", "%A")
_DIRECTIVE = re.compile(r"%-?[a-zA-Z]")


def _pattern(fmt: str, value: date) -> str:
    """`fmt` as a CLDR pattern: directives mapped, words between them translated and quoted
    ("%d %B %Y at %H:%M" is "dd MMMM yyyy 'à' HH:mm" in French), %Z the zone's name. A month
    without its day is named on its own ("декабрь 2026", not the "декабря" of a date)."""
    parts: list[str] = []
    position = 0
    alone = "%B" in fmt and "%d" not in fmt and "%-d" not in fmt
    for match in _DIRECTIVE.finditer(fmt):
        parts.append(_literal(fmt[position : match.start()]))
        directive = match.group()
        if directive == "%Z":
            zone = value.tzname() if isinstance(value, datetime) else None
            parts.append(_literal(zone or "", translate=False))
        elif directive == "%B" and alone:
            parts.append("LLLL")
        elif directive in _DIRECTIVES:
            parts.append(_DIRECTIVES[directive])
        else:
            raise ValueError(f"No CLDR pattern for {directive} in {fmt!r}")
        position = match.end()
    parts.append(_literal(fmt[position:]))
    return "".join(parts)


def _literal(text: str, *, translate: bool = True) -> str:
    if not text:
        return ""
    if translate and text.strip() == "at":
        # The only word our formats hold: "%d %B %Y at %H:%M".
        text = text.replace("at", pgettext("between a date and a time", "at"))
    return "'" + text.replace("'", "''") + "'"


def format_when(value: date | datetime, fmt: str) -> str:
    """`value` formatted as strftime's `fmt` formats it in English, in the reader's
    language: the same order of day, month and year, with the language's names of months
    and days ("04 déc. 2026", "04 дек. 2026")."""
    locale = get_locale()
    names = any(name in fmt for name in _NAMES)
    if locale is None or locale.language == DEFAULT_LOCALE or not names:
        return value.strftime(fmt)
    pattern = _pattern(fmt, value)
    if isinstance(value, datetime):
        return format_datetime(value, pattern, tzinfo=value.tzinfo, locale=locale)
    if "%H" in fmt or "%M" in fmt:
        # A day with a time of day, as strftime gives it: midnight.
        return format_datetime(datetime.combine(value, time()), pattern, locale=locale)
    return format_date(value, pattern, locale=locale)


def language_name(code: str, in_locale: str | None = None) -> str:
    """The language `code` named in `in_locale` (by default in itself: "Română")."""
    locale = Locale.parse(code)
    name = locale.get_display_name(in_locale or code) or code
    return name[:1].upper() + name[1:]


def language_label(code: str | None) -> str:
    """A language tag as people read it, in the page's language ("ro" is "Romanian" in
    English, "roumain" in French, "sr-Latn" "Serbian (Latin)"); a tag Babel does not know
    stays as it is."""
    if not code:
        return ""
    try:
        locale = Locale.parse(code.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return code
    reader = str(get_locale() or DEFAULT_LOCALE) if has_request_context() else DEFAULT_LOCALE
    return locale.get_display_name(reader) or code


def right_to_left(code: str) -> bool:
    return Locale.parse(code).character_order == "right-to-left"


def _signed_in_user() -> Any:
    user = current_user
    return user if user and user.is_authenticated else None


def select_locale() -> str:
    if not has_request_context() or request.path.startswith(TOOLS_SPEAK_ENGLISH):
        return DEFAULT_LOCALE
    user = _signed_in_user()
    if user is not None and getattr(user, "locale", None) in LOCALES:
        return str(user.locale)
    chosen = session.get(CHOSEN)
    if chosen in LOCALES:
        return str(chosen)
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def select_timezone() -> str | None:
    if not has_request_context():
        return None
    user = _signed_in_user()
    return getattr(user, "time_zone", None) if user is not None else None


def _page_language() -> dict[str, Any]:
    code = str(get_locale() or DEFAULT_LOCALE)
    context: dict[str, Any] = {
        "html_lang": code,
        "html_dir": "rtl" if right_to_left(code) else "ltr",
    }
    if has_request_context() and _signed_in_user() is None:  # signed-out pages' switch
        context["languages"] = _offered()
        context["language_back"] = _back_after_choosing()
    return context


def _back_after_choosing() -> str | None:
    """Where the switch comes back to: a sign-in page only. Any other address may hold a
    secret (a calendar link's token), which a page must not echo, and an error page must say
    nothing of what was asked (an expired link's answer is a revoked one's, byte for byte)."""
    if (request.endpoint or "").startswith("auth.login"):
        return request.full_path.rstrip("?")
    return None


def init_i18n(app: Flask, translations: str) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translations)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.add_template_filter(language_label)
    app.context_processor(_page_language)


@bp.get("/language/<code>")
def choose(code: str):
    """The language switch of signed-out pages (a link per language: no script, one tap):
    remembered in the session cookie, then back to the page it was chosen on. A signed-in
    user's own choice, on their account page, still comes first."""
    from crm.web import safe_next

    if code not in LOCALES:
        abort(404)
    session[CHOSEN] = code
    return redirect(safe_next(request.args.get("next"), url_for("auth.login")), 303)


# --- a signed-in user's own choice ------------------------------------------------------------

# The choice of following the browser (Accept-Language), stored as no locale.
BROWSER = ""


class LanguageForm(FlaskForm):
    locale = SelectField(_l("The CRM's language"), choices=[], default=BROWSER)


@bp.route("/account/language", methods=["GET", "POST"])
@login_required
def account_language():
    from crm.web import current_actor, form_status, save

    user = current_actor()
    form = LanguageForm(data=None if request.method == "POST" else {"locale": user.locale or ""})
    form.locale.choices = [
        SelectChoice(BROWSER, _("As my browser asks")),
        *(SelectChoice(code, name, render_kw={"lang": code}) for code, name in _offered()),
    ]
    if form.validate_on_submit():
        from crm.auth.services import choose_language

        if save(form, lambda: choose_language(user, form.locale.data or None)).ok:
            flash(_("Your language is saved."), "success")
            return redirect(url_for("i18n.account_language"))
    return render_template("account/language.html", form=form), form_status()


@functools.cache
def _offered() -> tuple[tuple[str, str], ...]:
    """Each language named in itself: the same on every page, so worked out once."""
    return tuple((code, language_name(code)) for code in LOCALES)
