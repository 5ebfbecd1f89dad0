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
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from babel import Locale, UnknownLocaleError, support
from babel.dates import (
    format_date,
    format_datetime,
    get_day_names,
    get_month_names,
    tokenize_pattern,
)
from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import Babel, Domain, get_locale, ngettext, pgettext, refresh
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


class _KeptDomain(Domain):
    """The catalog of the page's language, found as Flask-Babel finds it, then kept for the
    request beside the locale it is of: a page says a few hundred strings, and finding the
    language and its catalog again for each one (three lookups of `g`, the locale's name
    built anew) cost 16 µs a string, several milliseconds a page in every language alike
    (bench/locales.py). A locale forced (force_locale) or refreshed is another object,
    whose catalog is then found again."""

    def get_translations(self) -> support.NullTranslations:
        try:
            kept = g.get("_flask_babel")
        except RuntimeError:  # outside an application context: no catalog
            return super().get_translations()
        locale = getattr(kept, "babel_locale", None)
        found = getattr(kept, "crm_translations", None)
        if locale is not None and found is not None and found[0] is locale and found[1] is self:
            return found[2]
        translations = super().get_translations()
        kept = g.get("_flask_babel")  # get_locale() has chosen the language now
        locale = getattr(kept, "babel_locale", None)
        if kept is not None and locale is not None:
            kept.crm_translations = (locale, self, translations)
        return translations


class _Babel(Babel):
    @functools.cached_property
    def domain_instance(self) -> Domain:
        return _KeptDomain(domain=self.domain)


babel = _Babel()
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


class Said:
    """Words a service says where nobody reads them yet (a worker checking an uploaded file,
    the command line), kept with their values: English as they stand (`str`: the command
    line, the audit log), and said in the reader's language where a page shows them
    (`translated`). Made as gettext's own calls are, so that the catalogs' extraction
    finds them: `Said.gettext("no party called “%(name)s”", name=name)`,
    `Said.ngettext(singular, plural, num, ...)`, `Said.pgettext(context, message)`.

    A value may itself be `Said`, said with its sentence, or a list of words (said one after
    the other, with commas); a date is written as ISO 8601, as the files write it. `kept`
    and `Said.of` carry them through a job's JSON result."""

    __slots__ = ("context", "message", "plural", "values")

    def __init__(
        self,
        message: str,
        values: dict[str, Any] | None = None,
        *,
        plural: str | None = None,
        context: str | None = None,
    ) -> None:
        self.message = message
        self.values = {key: _plain(value) for key, value in (values or {}).items()}
        self.plural = plural
        self.context = context

    @classmethod
    def gettext(cls, message: str, **values: Any) -> Said:
        return cls(message, values)

    @classmethod
    def ngettext(cls, singular: str, plural: str, num: int, **values: Any) -> Said:
        return cls(singular, {**values, "num": num}, plural=plural)

    @classmethod
    def pgettext(cls, context: str, message: str, **values: Any) -> Said:
        return cls(message, values, context=context)

    def __str__(self) -> str:
        """In English, as gettext says it where there is no catalog."""
        values = {key: _english(value) for key, value in self.values.items()}
        words = self.message
        if self.plural is not None and values["num"] != 1:
            words = self.plural
        return words % values if values else words

    def __repr__(self) -> str:
        return f"Said({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Said) and self.kept() == other.kept()

    def __hash__(self) -> int:
        return hash(self.message)

    def translated(self) -> str:
        """In the reader's language (English where there is no reader)."""
        values = {key: _translated(value) for key, value in self.values.items()}
        if self.plural is not None:
            num = values.pop("num")
            return ngettext(self.message, self.plural, num, **values)
        if self.context is not None:
            return pgettext(self.context, self.message, **values)
        return _(self.message, **values)

    def kept(self) -> dict[str, Any]:
        """As JSON keeps it (a job's result)."""
        kept: dict[str, Any] = {
            "message": self.message,
            "values": {key: _kept(value) for key, value in self.values.items()},
        }
        if self.plural is not None:
            kept["plural"] = self.plural
        if self.context is not None:
            kept["context"] = self.context
        return kept

    @classmethod
    def of(cls, kept: Any) -> Said | str:
        """Words `kept` rebuilt; an older job's words (a string) as they were kept."""
        if not isinstance(kept, dict) or not isinstance(kept.get("message"), str):
            return "" if kept is None else str(kept)
        values = {key: _rebuilt(value) for key, value in (kept.get("values") or {}).items()}
        return cls(kept["message"], values, plural=kept.get("plural"), context=kept.get("context"))


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(each) for each in value]
    return value


def _english(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(each) for each in value)
    return str(value) if isinstance(value, Said) else value


def _translated(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(translated(each) for each in value)
    return value.translated() if isinstance(value, Said) else value


def _kept(value: Any) -> Any:
    if isinstance(value, list):
        return [_kept(each) for each in value]
    return value.kept() if isinstance(value, Said) else value


def _rebuilt(value: Any) -> Any:
    if isinstance(value, list):
        return [_rebuilt(each) for each in value]
    return Said.of(value) if isinstance(value, dict) else value


def translated(words: Said | str | dict[str, Any] | None) -> str:
    """Words a service said (`Said`, or as a job's result keeps them) in the reader's
    language; a plain string (data, or an older job's English) as it is."""
    if isinstance(words, dict):
        words = Said.of(words)
    if isinstance(words, Said):
        return words.translated()
    return "" if words is None else str(words)


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
    without its day is named on its own ("декабрь 2026", not the "декабря" of a date).

    Worked out once for each format, word for "at" and zone name (`_cldr`): a page shows
    a hundred dates in a handful of formats, and reading the format again for each date
    made a page in any language but English a few per cent slower (issue 14). The word is
    still asked of the catalog for each date, as the page's language may change."""
    zone = value.tzname() if "%Z" in fmt and isinstance(value, datetime) else None
    at = pgettext("between a date and a time", "at") if _says_at(fmt) else None
    return _cldr(fmt, at, zone)


@functools.lru_cache(maxsize=1024)
def _cldr(fmt: str, at: str | None, zone: str | None) -> str:
    """`_pattern` of `fmt`, with `at` for the word "at" between a date and a time and `zone`
    for %Z."""
    parts: list[str] = []
    # Words between directives are quoted as one run: two quoted runs side by side ("' '"
    # then "'EET'") read as a quoted apostrophe in CLDR ("17:30 'EET").
    words = ""
    position = 0
    alone = "%B" in fmt and "%d" not in fmt and "%-d" not in fmt
    for match in _DIRECTIVE.finditer(fmt):
        words += _word(fmt[position : match.start()], at)
        directive = match.group()
        position = match.end()
        if directive == "%Z":
            words += zone or ""
            continue
        parts.append(_quoted(words))
        words = ""
        if directive == "%B" and alone:
            parts.append("LLLL")
        elif directive in _DIRECTIVES:
            parts.append(_DIRECTIVES[directive])
        else:
            raise ValueError(f"No CLDR pattern for {directive} in {fmt!r}")
    parts.append(_quoted(words + _word(fmt[position:], at)))
    return "".join(parts)


@functools.lru_cache(maxsize=256)
def _says_at(fmt: str) -> bool:
    """Whether the words between `fmt`'s directives hold "at" (translated by `_word`)."""
    return any(text.strip() == "at" for text in _DIRECTIVE.split(fmt))


def _word(text: str, at: str | None) -> str:
    if at is not None and text.strip() == "at":
        # The only word our formats hold: "%d %B %Y at %H:%M".
        return text.replace("at", at)
    return text


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'" if text else ""


def format_when(value: date | datetime, fmt: str) -> str:
    """`value` formatted as strftime's `fmt` formats it in English, in the reader's
    language: the same order of day, month and year, with the language's names of months
    and days ("04 déc. 2026", "04 дек. 2026")."""
    locale = get_locale()
    names = any(name in fmt for name in _NAMES)
    if locale is None or locale.language == DEFAULT_LOCALE or not names:
        return value.strftime(fmt)
    pattern = _pattern(fmt, value)
    if not isinstance(value, datetime) and ("%H" in fmt or "%M" in fmt):
        # A day with a time of day, as strftime gives it: midnight.
        value = datetime.combine(value, time())
    fields = _fields(locale, pattern)
    if fields is None:
        return _formatted(value, pattern, locale)
    return "".join(field if isinstance(field, str) else field(value) for field in fields)


def _formatted(value: date, pattern: str, locale: Locale) -> str:
    """`value` in the CLDR `pattern`, as Babel formats it."""
    if isinstance(value, datetime):
        return format_datetime(value, pattern, tzinfo=value.tzinfo, locale=locale)
    return format_date(value, pattern, locale=locale)


# A date's part as Babel writes it for each field our patterns hold (`_DIRECTIVES`), by the
# field's letter: a number is its digits, zero-padded to the field's length.
_NUMBERS: dict[str, Callable[[Any], int]] = {
    "d": lambda value: value.day,
    "M": lambda value: value.month,
    "H": lambda value: value.hour,
    "m": lambda value: value.minute,
    "s": lambda value: value.second,
}
_MONTH_WIDTHS = {3: "abbreviated", 4: "wide", 5: "narrow"}
_DAY_WIDTHS = {3: "abbreviated", 4: "wide", 5: "narrow", 6: "short"}


@functools.lru_cache(maxsize=1024)
def _fields(locale: Locale, pattern: str) -> tuple[str | Callable[[Any], str], ...] | None:
    """`pattern` read once for `locale`: its words as they are, and for each field what
    writes it, with the language's names of months and days looked up here. What Babel
    writes, without reading the pattern and looking the names up again for each date
    (issue 14); None where the pattern holds a field not written here (Babel writes it)."""
    fields: list[str | Callable[[Any], str]] = []
    for _kind, token in tokenize_pattern(pattern):
        if isinstance(token, str):
            fields.append(token)
            continue
        char, length = token
        if char in _NUMBERS and (char != "M" or length <= 2):
            number = _NUMBERS[char]
            fields.append(lambda value, n=number, length=length: f"{n(value):0{length}d}")
        elif char == "y":
            last = -2 if length == 2 else None  # "yy": the year's last two digits
            fields.append(lambda value, length=length, last=last: f"{value.year:0{length}d}"[last:])
        elif char in "ML" and length in _MONTH_WIDTHS:
            context = "format" if char == "M" else "stand-alone"
            names = get_month_names(_MONTH_WIDTHS[length], context, locale)
            months = {month: names[month] for month in range(1, 13)}
            fields.append(lambda value, months=months: months[value.month])
        elif char == "E" and max(length, 3) in _DAY_WIDTHS:
            names = get_day_names(_DAY_WIDTHS[max(length, 3)], "format", locale)
            days = {day: names[day] for day in range(7)}
            fields.append(lambda value, days=days: days[value.weekday()])
        else:
            return None
    return tuple(fields)


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

    # Templates say their strings straight from the kept catalog (Flask-Babel installs the
    # same callables around get_translations(), which finds the domain in `g` first).
    def kept() -> support.NullTranslations:
        return babel.domain_instance.get_translations()

    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: kept().ugettext(s),
        ngettext=lambda s, p, n: kept().ungettext(s, p, n),
        pgettext=lambda c, s: kept().upgettext(c, s),
        npgettext=lambda c, s, p, n: kept().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.add_template_filter(language_label)
    app.add_template_filter(translated)
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
            # Said in the language just chosen: this request's was worked out before.
            refresh()
            flash(_("Your language is saved."), "success")
            return redirect(url_for("i18n.account_language"))
    return render_template("account/language.html", form=form), form_status()


@functools.cache
def _offered() -> tuple[tuple[str, str], ...]:
    """Each language named in itself: the same on every page, so worked out once."""
    return tuple((code, language_name(code)) for code in LOCALES)
