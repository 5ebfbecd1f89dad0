"""Writing down that a pack was printed: one audit entry per generated PDF."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm.audit.models import AuditEntry
from crm.audit.services import record
from crm.extensions import db

if TYPE_CHECKING:
    from crm.briefings.render import Pdf

PRINTED = "briefing.printed"

_KINDS = {
    "state": "State briefing pack",
    "roster": "Roster appendix",
    "representative": "Representative one-pager",
    "overview": "Coordinator overview",
}


def describe(pack: Any) -> str:
    """The pack's name for people: "State briefing pack of Romania"."""
    kind = _KINDS[pack.kind]
    if pack.kind == "representative":
        return f"{kind} of {pack.rep.name} ({pack.state.name})"
    if pack.target is not None:
        return f"{kind} of {pack.target.name}"
    return kind


def record_printed(actor: Any, pack: Any, pdf: Pdf, *, via: str = "web") -> AuditEntry:
    """Audit a generated pack: who, which pack of what, its reference and whether it held
    restricted content. Call after rendering, in a short transaction of its own."""
    entry = record(
        actor,
        PRINTED,
        pack.target,
        summary=f"{describe(pack)}, {pdf.pages} page{'' if pdf.pages == 1 else 's'}, "
        f"reference {pack.imprint.reference}"
        + (", with restricted content" if pack.can_see_restricted else "")
        + (" (command line)" if via == "cli" else ""),
        after={
            "pack": pack.kind,
            "reference": pack.imprint.reference,
            "pages": pdf.pages,
            "bytes": len(pdf.data),
            "restricted_content": bool(pack.can_see_restricted),
            "generated_at": pack.imprint.at.isoformat(),
            "via": via,
        },
    )
    db.session.flush()
    return entry
