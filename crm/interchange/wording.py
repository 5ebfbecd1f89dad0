"""The words the importers (crm/interchange/csv_import, crm/interchange/popolo) share to say what
an import changes of a representative: a field, a contact detail, an identifier, a seat.

They are `Said` (crm/said.py): the importers run in a worker or on the command line, where
nobody reads them yet; the command line prints them in English, and the import's page says
them in the reader's language. Their English is what the command line has always printed
("sort name", "email ana@example.org", "identifier wikidata Q42").
"""

from __future__ import annotations

from crm.i18n import marked, marked_label
from crm.parliament.models import CommitteeRole, ContactKind
from crm.said import Said

# A field of a representative or of a seat, as an import's report names it.
FIELDS = {
    "name": marked_label("a field an import changes", "name"),
    "sort_name": marked_label("a field an import changes", "sort name"),
    "given_name": marked_label("a field an import changes", "given name"),
    "family_name": marked_label("a field an import changes", "family name"),
    "gender": marked_label("a field an import changes", "gender"),
    "influence": marked_label("a field an import changes", "influence"),
    "languages": marked_label("a field an import changes", "languages"),
    "tags": marked_label("a field an import changes", "tags"),
    "do_not_contact": marked_label("a field an import changes", "do not contact"),
    "do_not_contact_reason": marked_label("a field an import changes", "do not contact reason"),
    "party": marked_label("a field an import changes", "party"),
    "constituency": marked_label("a field an import changes", "constituency"),
    "role": marked_label("a field an import changes", "role"),
    "legislative_period": marked_label("a field an import changes", "legislative period"),
    "start_date": marked_label("a field an import changes", "start date"),
    "end_date": marked_label("a field an import changes", "end date"),
}

# A contact detail an import adds, by its kind.
_CONTACT_ADDED = {
    ContactKind.EMAIL: marked("email %(value)s"),
    ContactKind.PHONE: marked("phone %(value)s"),
    ContactKind.FAX: marked("fax %(value)s"),
    ContactKind.ADDRESS: marked("address %(value)s"),
    ContactKind.WEBSITE: marked("website %(value)s"),
    ContactKind.SOCIAL: marked("social %(value)s"),
    ContactKind.OTHER: marked("other %(value)s"),
}

# A kind of contact detail inside a sentence ("is not a valid email").
CONTACT_KINDS = {
    ContactKind.EMAIL: marked_label("a kind of contact detail, inside a sentence", "email"),
    ContactKind.PHONE: marked_label("a kind of contact detail, inside a sentence", "phone"),
    ContactKind.FAX: marked_label("a kind of contact detail, inside a sentence", "fax"),
    ContactKind.ADDRESS: marked_label("a kind of contact detail, inside a sentence", "address"),
    ContactKind.WEBSITE: marked_label("a kind of contact detail, inside a sentence", "website"),
    ContactKind.SOCIAL: marked_label("a kind of contact detail, inside a sentence", "social"),
    ContactKind.OTHER: marked_label("a kind of contact detail, inside a sentence", "other"),
}

# A role on a committee inside a sentence ("new seat on Budget (rapporteur)").
ROLES = {
    CommitteeRole.MEMBER: marked_label("a committee role, inside a sentence", "member"),
    CommitteeRole.CHAIR: marked_label("a committee role, inside a sentence", "chair"),
    CommitteeRole.VICE_CHAIR: marked_label("a committee role, inside a sentence", "vice chair"),
    CommitteeRole.RAPPORTEUR: marked_label("a committee role, inside a sentence", "rapporteur"),
}


def field(name: str) -> Said:
    """A field by its column or attribute name ("sort_name": "sort name")."""
    return Said.pgettext(*FIELDS[name])


def contact_added(kind: ContactKind, value: str) -> Said:
    return Said.gettext(_CONTACT_ADDED[kind], value=value)


def contact_kind(kind: ContactKind) -> Said:
    return Said.pgettext(*CONTACT_KINDS[kind])


def role(role: CommitteeRole) -> Said:
    return Said.pgettext(*ROLES[role])


def identifier_added(scheme: str, value: str) -> Said:
    return Said.gettext("identifier %(scheme)s %(value)s", scheme=scheme, value=value)


def new_seat(chamber: str, period: str | None = None) -> Said:
    if period:
        return Said.gettext("new seat in %(chamber)s (%(period)s)", chamber=chamber, period=period)
    return Said.gettext("new seat in %(chamber)s", chamber=chamber)


def changed(name: str, before: str, after: str) -> Said:
    """A field that changes from one value to another ("gender female → f")."""
    return Said.gettext(
        "%(field)s %(before)s → %(after)s", field=field(name), before=before, after=after
    )


def other_name(name: str, lang: str | None) -> Said:
    if lang:
        return Said.gettext("other name %(name)s (%(lang)s)", name=name, lang=lang)
    return Said.gettext("other name %(name)s", name=name)
