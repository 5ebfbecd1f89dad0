"""Contact details and other names: their add, edit and remove pages.

One set of views serves both, driven by a `ChildPages` per kind of row: its service
(`services.CONTACT_DETAILS`, `services.OTHER_NAMES`), its URLs, its form and its wording.
The endpoints are `parliament.new_<kind>`, `parliament.edit_<kind>` and
`parliament.remove_<kind>` (`new_contact_detail`, `remove_other_name`, …).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_login import login_required

from crm.forms import VersionedForm
from crm.i18n import marked
from crm.parliament import queries, services
from crm.parliament.forms import ConfirmForm, ContactDetailForm, OtherNameForm
from crm.parliament.models import ContactDetail, OtherName, Representative
from crm.parliament.services.children import ChildKind
from crm.parliament.views.common import bp, change_form, form_page, representative_or_404, save_form
from crm.web import found


@dataclass(frozen=True)
class Wording:
    """What the pages say, marked for the catalogs and translated when a page says it."""

    heading: str
    # The message once saved; %(name)s is the person's name.
    done: str
    intro: str | None = None


@dataclass(frozen=True)
class ChildPages:
    """The pages of one kind of child row of a representative."""

    kind: ChildKind[Any]
    # The rows' URLs: /representatives/<id>/<path>/new, /<path>/<id_arg>/edit and /remove.
    path: str
    id_arg: str
    # The add and edit form; `fields` are its fields, named as the service's values.
    form: type[VersionedForm]
    fields: tuple[str, ...]
    # The row with its representative (and their state), or None.
    get: Callable[[int], Any]
    # What the remove page says of the row.
    facts: Callable[[Any], list[tuple[str, str]]]
    add: Wording
    edit: Wording
    remove: Wording


def _values(pages: ChildPages, form: VersionedForm) -> dict[str, Any]:
    return {field: form[field].data for field in pages.fields}


def _page(wording: Wording, rep: Representative, form: Any, write: Callable[[], Any], **page):
    response, conflict = save_form(form, write, rep=rep, done=_(wording.done, name=rep.name))
    intro = _(wording.intro) if wording.intro else None
    return response or form_page(
        rep, form, conflict, heading=_(wording.heading), intro=intro, **page
    )


def _fill(
    pages: ChildPages,
    wording: Wording,
    rep: Representative,
    target: Any,
    write: Callable[..., Any],
    **form_args: Any,
):
    """A page whose form gives the row's values: `write(actor, target, ...)` saves them."""
    actor, form = change_form(rep, pages.form, **form_args)
    return _page(
        wording,
        rep,
        form,
        lambda: write(
            actor, target, expected_version=form.expected_version, **_values(pages, form)
        ),
    )


def _new(pages: ChildPages, representative_id: int):
    rep = representative_or_404(representative_id)
    return _fill(pages, pages.add, rep, rep, pages.kind.add)


def _edit(pages: ChildPages, row_id: int):
    row = found(pages.get(row_id))
    return _fill(pages, pages.edit, row.representative, row, pages.kind.update, obj=row)


def _remove(pages: ChildPages, row_id: int):
    row = found(pages.get(row_id))
    rep = row.representative
    actor, form = change_form(rep, ConfirmForm)
    return _page(
        pages.remove,
        rep,
        form,
        lambda: pages.kind.remove(actor, row, expected_version=form.expected_version),
        facts=pages.facts(row),
        submit_label=_("Remove"),
        danger=True,
    )


def _route(view: Callable[[ChildPages, int], Any], pages: ChildPages) -> Callable[..., Any]:
    @login_required
    def route(**url: int):
        # Each of these URLs names one id: the representative's, or the row's.
        (row_id,) = url.values()
        return view(pages, row_id)

    return route


def register(pages: ChildPages) -> None:
    name = pages.kind.action
    row = f"/{pages.path}/<int:{pages.id_arg}>"
    for rule, endpoint, view in (
        (f"/representatives/<int:representative_id>/{pages.path}/new", f"new_{name}", _new),
        (f"{row}/edit", f"edit_{name}", _edit),
        (f"{row}/remove", f"remove_{name}", _remove),
    ):
        bp.add_url_rule(rule, endpoint, _route(view, pages), methods=["GET", "POST"])


def _contact_facts(detail: ContactDetail) -> list[tuple[str, str]]:
    label = [(_("Label"), detail.label)] if detail.label else []
    return [(detail.kind.label, detail.value), *label]


def _other_name_facts(other: OtherName) -> list[tuple[str, str]]:
    lang = [(_("Language"), other.lang)] if other.lang else []
    return [(_("Name"), other.name), *lang]


CONTACT_DETAIL_PAGES = ChildPages(
    kind=services.CONTACT_DETAILS,
    path="contact-details",
    id_arg="detail_id",
    form=ContactDetailForm,
    fields=("kind", "value", "label"),
    get=queries.get_contact_detail,
    facts=_contact_facts,
    add=Wording(marked("Add a contact detail"), marked("Added a contact detail for %(name)s.")),
    edit=Wording(marked("Edit a contact detail"), marked("Saved %(name)s's contact detail.")),
    remove=Wording(
        marked("Remove a contact detail"),
        marked("Removed a contact detail of %(name)s."),
        intro=marked("The contact detail is deleted; the audit log keeps what it was."),
    ),
)

OTHER_NAME_PAGES = ChildPages(
    kind=services.OTHER_NAMES,
    path="other-names",
    id_arg="other_name_id",
    form=OtherNameForm,
    fields=("name", "lang", "note"),
    get=queries.get_other_name,
    facts=_other_name_facts,
    add=Wording(
        marked("Add another name"),
        marked("Added another name of %(name)s."),
        intro=marked(
            "Another script, a transliteration or a former name: search finds the person "
            "by any of them."
        ),
    ),
    edit=Wording(marked("Edit another name"), marked("Saved another name of %(name)s.")),
    remove=Wording(
        marked("Remove another name"),
        marked("Removed another name of %(name)s."),
        intro=marked("The name is deleted; the audit log keeps what it was."),
    ),
)

register(CONTACT_DETAIL_PAGES)
register(OTHER_NAME_PAGES)
