"""Contact details and other names of a representative: what a good value is, and their
add, update and remove (the generic child-row writes of `children.py`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import format_number
from flask_babel import gettext as _

from crm.errors import ValidationFailed
from crm.parliament.models import ContactDetail, ContactKind, OtherName
from crm.parliament.services.children import ChildKind
from crm.said import Said

# BCP 47 in the shape people type: "hi", "ne", "sr-Latn", "zh-Hant-TW".
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
PHONE_NUMBER = re.compile(r"\+?[0-9 ()./-]+((ext\.?|x) ?[0-9]{1,6})?", re.IGNORECASE)
URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class NewOtherName:
    name: str
    lang: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class NewContactDetail:
    kind: ContactKind
    value: str
    label: str | None = None


def _is_web_address(value: str) -> bool:
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


def contact_value_problem(kind: ContactKind, value: str) -> str | None:
    """What is wrong with a contact detail's value for its kind, in the reader's language, or
    None if it is fine.

    Pages link e-mail, phone and web values, so those must be what they claim to be: a
    `javascript:` "website" must never become a link.
    """
    problem = contact_value_said(kind, value)
    return problem.translated() if problem is not None else None


def contact_value_said(kind: ContactKind, value: str) -> Said | None:
    """`contact_value_problem` kept to be said later (an import's row, checked by a worker:
    crm/interchange/csv_import)."""
    value = (value or "").strip()
    if not value:
        return Said.gettext("Enter the contact detail.")
    if len(value) > 300:
        return Said.gettext("At most %(limit)s characters.", limit=format_number(300))
    if kind is ContactKind.EMAIL:
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            return Said.gettext("Enter an e-mail address such as name@example.org.")
    elif kind is ContactKind.WEBSITE:
        if not _is_web_address(value):
            return Said.gettext("Enter a web address starting with http:// or https://.")
    elif kind is ContactKind.SOCIAL:
        if URL_SCHEME.match(value) and not _is_web_address(value):
            return Said.gettext(
                "Enter a handle such as @name, or a link starting with http:// or https://."
            )
    elif kind in (ContactKind.PHONE, ContactKind.FAX):
        digits = sum(ch.isdigit() for ch in value)
        if not PHONE_NUMBER.fullmatch(value) or not 3 <= digits <= 30:
            return Said.gettext("Enter a number using digits, spaces and + ( ) - . / only.")
    return None


# Where a problem was found on the new-representative form: the problem, said as the row's
# ("Contact 2: Enter the contact detail.").
OnRow = Callable[[str], str]


def _on(row: OnRow | None, problem: str) -> str:
    return row(problem) if row is not None else problem


def clean_contact(
    kind: ContactKind | str,
    value: str,
    label: str | None = None,
    *,
    prefix: str = "",
    row: OnRow | None = None,
) -> dict[str, Any]:
    """A contact detail's values, checked and stripped. `prefix` and `row` place an error
    on a row of the new-representative form ("Contact 2: …")."""
    kind = ContactKind(kind)
    problem = contact_value_problem(kind, value)
    if problem:
        raise ValidationFailed(_on(row, problem), field=f"{prefix}value")
    label = (label or "").strip() or None
    if label and len(label) > 120:
        raise ValidationFailed(
            _on(row, _("A label is at most 120 characters.")), field=f"{prefix}label"
        )
    return {"kind": kind, "value": value.strip(), "label": label}


def clean_other_name(
    name: str,
    lang: str | None = None,
    note: str | None = None,
    *,
    prefix: str = "",
    row: OnRow | None = None,
) -> dict[str, Any]:
    """Another name's values, checked and stripped (`prefix` and `row` as for contacts)."""
    name = (name or "").strip()
    lang = (lang or "").strip() or None
    note = (note or "").strip() or None
    if not name:
        raise ValidationFailed(_on(row, _("Enter the name.")), field=f"{prefix}name")
    if len(name) > 200:
        raise ValidationFailed(
            _on(row, _("A name is at most 200 characters.")), field=f"{prefix}name"
        )
    if lang and (len(lang) > 20 or not LANGUAGE_TAG.fullmatch(lang)):
        raise ValidationFailed(
            _on(row, _("Enter a language tag such as hi, ne or sr-Latn.")), field=f"{prefix}lang"
        )
    if note and len(note) > 200:
        raise ValidationFailed(
            _on(row, _("A note is at most 200 characters.")), field=f"{prefix}note"
        )
    return {"name": name, "lang": lang, "note": note}


CONTACT_DETAILS: ChildKind[ContactDetail] = ChildKind(
    model=ContactDetail,
    collection="contact_details",
    clean=clean_contact,
    action="contact_detail",
    # The audit log keeps English, whoever reads it.
    summary=lambda detail: f"{detail.kind.english}: {detail.value}",
)

OTHER_NAMES: ChildKind[OtherName] = ChildKind(
    model=OtherName,
    collection="other_names",
    clean=clean_other_name,
    action="other_name",
    summary=lambda other: other.name,
    searched=True,
)

# The names callers know: add_contact_detail(actor, rep, kind=…, value=…, label=…,
# expected_version=…), update_contact_detail(actor, detail, …), remove_contact_detail(actor,
# detail, expected_version=…); the same for other names (name=…, lang=…, note=…).
add_contact_detail = CONTACT_DETAILS.add
update_contact_detail = CONTACT_DETAILS.update
remove_contact_detail = CONTACT_DETAILS.remove
add_other_name = OTHER_NAMES.add
update_other_name = OTHER_NAMES.update
remove_other_name = OTHER_NAMES.remove
