"""Writes about a campaign's key messages (coordinators' data): add, edit with their
translations, reorder, remove.

A key message is its English text and, for each other language of the CRM, a translation
or none (a pack in that language then prints the English: `crm.states.queries.key_messages`).
The translations are part of the message's record, as a representative's contact details
are part of theirs: every change checks the permission and the version the form was opened
on, moves the message's version on, and is audited on the message, each translation under
the key `text_<locale>` (crm.audit.actions), so a form opened before the change gets a
conflict that names the language changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask_babel import format_number
from flask_babel import gettext as _

from crm import records
from crm.audit.services import diff
from crm.auth.permissions import Action, require
from crm.errors import ValidationFailed
from crm.extensions import db
from crm.states.models import (
    KEY_MESSAGE_LIMIT,
    TRANSLATED_LOCALES,
    Campaign,
    KeyMessage,
    KeyMessageText,
    translation_field,
)

if TYPE_CHECKING:
    from crm.auth.models import User


def _too_long(field: str) -> ValidationFailed:
    return ValidationFailed(
        _(
            "Keep a key message to %(limit)s characters at most.",
            limit=format_number(KEY_MESSAGE_LIMIT),
        ),
        field=field,
    )


def _cleaned(
    text: str | None, translations: Mapping[str, str | None]
) -> tuple[str, dict[str, str | None]]:
    """The English text, and each translation given by its locale, stripped (empty: none);
    refuses an empty English text, any text over the limit (next to its field), and a
    language the CRM does not translate into (a caller's mistake)."""
    unknown = set(translations) - set(TRANSLATED_LOCALES)
    if unknown:
        raise ValueError(f"no key message is translated into {', '.join(sorted(unknown))}")
    english = (text or "").strip()
    if not english:
        raise ValidationFailed(_("Enter the key message in English."), field="text")
    if len(english) > KEY_MESSAGE_LIMIT:
        raise _too_long("text")
    cleaned: dict[str, str | None] = {}
    for locale in TRANSLATED_LOCALES:
        if locale not in translations:
            continue
        translated = (translations[locale] or "").strip() or None
        if translated is not None and len(translated) > KEY_MESSAGE_LIMIT:
            raise _too_long(translation_field(locale))
        cleaned[locale] = translated
    return english, cleaned


def _values(message: KeyMessage) -> dict[str, str | None]:
    """The message's texts as its audit entries name them."""
    return {
        "text": message.text,
        **{translation_field(locale): message.translation(locale) for locale in TRANSLATED_LOCALES},
    }


def _ordered(campaign: Campaign) -> list[KeyMessage]:
    return sorted(campaign.key_messages, key=lambda m: (m.position, m.id or 0))


def add_key_message(
    actor: User, campaign: Campaign, text: str | None, translations: Mapping[str, str | None]
) -> KeyMessage:
    """Add a key message at the end of the campaign's list, in English and in the languages
    given (`translations`: locale → text; empty or missing means none)."""
    require(actor, Action.CREATE, KeyMessage)
    english, translated = _cleaned(text, translations)
    given = {locale: words for locale, words in translated.items() if words is not None}
    position = max((m.position for m in campaign.key_messages), default=-1) + 1
    message = KeyMessage(
        campaign_id=campaign.id,
        position=position,
        text=english,
        texts=[KeyMessageText(locale=locale, text=words) for locale, words in given.items()],
    )
    note = {translation_field(locale): words for locale, words in given.items()}
    records.create(actor, message, action="key_message.created", checked=True, note=note)
    # The campaign's list is read again with the new message in its place.
    db.session.expire(campaign, ["key_messages"])
    return message


def update_key_message(
    actor: User,
    message: KeyMessage,
    text: str | None,
    translations: Mapping[str, str | None],
    *,
    expected_version: int | None,
) -> dict[str, Any]:
    """Change a key message's English text and its translations (`translations`: locale →
    text for the languages the form holds; empty means none). Returns what changed (nothing
    is written when nothing did)."""
    records.begin_edit(actor, message, expected_version)
    english, translated = _cleaned(text, translations)
    before = _values(message)
    message.text = english
    for locale, words in translated.items():
        _set_translation(message, locale, words)
    changed_before, changed_after = diff(before, _values(message))
    if not changed_after:
        return {}
    records.touch_parent(
        actor,
        message,
        "key_message.updated",
        before=changed_before,
        after=changed_after,
        summary=message.text[:120],
    )
    return changed_after


def _set_translation(message: KeyMessage, locale: str, text: str | None) -> None:
    row = next((t for t in message.texts if t.locale == locale), None)
    if text is None:
        if row is not None:
            message.texts.remove(row)  # deleted as an orphan, in the same flush
    elif row is None:
        message.texts.append(KeyMessageText(locale=locale, text=text))
    else:
        row.text = text


def move_key_message(actor: User, message: KeyMessage, direction: str) -> bool:
    """Swap a key message with its neighbour above ("up") or below ("down"). Returns False
    when it is already first or last (nothing is written)."""
    require(actor, Action.EDIT, message)
    ordered = _ordered(message.campaign)
    refused = _("Move a key message up or down.")
    if not records.swap_with_neighbour(ordered, message, direction, refused=refused):
        return False
    # Positions 0, 1, 2… in the new order; only the messages whose place changed are written
    # (and audited), so a move does not bump the version of every message.
    for position, each in enumerate(ordered):
        if each.position != position:
            records.update(actor, each, {"position": position}, action="key_message.moved")
    return True


def remove_key_message(actor: User, message: KeyMessage, *, expected_version: int | None) -> None:
    """Delete a key message with its translations; the audit entry keeps what they said."""
    records.begin_edit(actor, message, expected_version)
    campaign = message.campaign
    translated = {
        translation_field(locale): value
        for locale in TRANSLATED_LOCALES
        if (value := message.translation(locale)) is not None
    }
    records.delete(
        actor, message, action="key_message.removed", summary=message.text[:120], note=translated
    )
    db.session.expire(campaign, ["key_messages"])
