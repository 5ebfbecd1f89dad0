"""The sections' languages: which one a request is answered in, and what pages need to know
of it (`<html lang dir>`, the names of the languages offered).

The interface speaks English, French, Spanish, Arabic, Russian, Portuguese and Romanian.
A request is answered in the signed-in user's chosen language; else in the one chosen with
the switch on signed-out pages (kept in the session cookie); else in the best match of the
browser's `Accept-Language`; else in English. Dates and numbers follow the same locale
(Flask-Babel's `format_*`; dates written as strftime would, crm/dates.py), in the signed-in
user's time zone. Words a service says where nobody reads them yet are `Said`
(crm/said.py), said in the reader's language where a page shows them.

Catalogs are gettext files under crm/translations/ (`messages.pot` extracted by
`make translations`, one `.po` per locale, compiled to `.mo` by `make install`). The JSON
API and the command line stay English: they are for tools.
"""

from __future__ import annotations

import functools
from typing import Any

from babel import Locale, UnknownLocaleError, support
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
from flask_babel import Babel, Domain, get_locale, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields import SelectChoice

from crm.said import translated

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
    from crm.saving import form_status, save
    from crm.web import current_actor

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
