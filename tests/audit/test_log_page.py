"""The audit log page: its filters narrow what admins read, and bad ones are explained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm.audit.models import AuditEntry
from crm.auth.models import Role
from crm.extensions import db
from tests.conftest import sign_in
from tests.factories import UserFactory
from tests.pages import page, text


def _entry(action: str, email: str, days_ago: int = 0) -> None:
    db.session.add(
        AuditEntry(
            at=datetime.now(UTC) - timedelta(days=days_ago),
            actor_email=email,
            action=action,
            summary=f"{action} by {email}",
        )
    )


def test_the_audit_log_filters_by_who_action_and_date(app, client):
    admin = UserFactory(role=Role.ADMIN)
    _entry("interaction.created", "ana@audit.test")
    _entry("stance.recorded", "ana@audit.test", days_ago=3)
    _entry("interaction.created", "radu@audit.test")
    db.session.commit()
    sign_in(client, admin.email)

    def rows(query: str) -> list[str]:
        soup = page(client, "/admin/audit" + query)
        return [
            text(row)
            for row in soup.select("table.audit-log tbody tr")
            if "audit.test" in text(row)
        ]

    assert len(rows("")) == 3
    assert len(rows("?actor=ANA")) == 2
    assert len(rows("?action=interaction.created")) == 2
    today = datetime.now(UTC).date()
    assert len(rows(f"?since={today - timedelta(days=1)}&actor=ana")) == 1
    assert len(rows(f"?until={today - timedelta(days=2)}")) == 1
    # The action filter offers the actions the log holds.
    options = {o["value"] for o in page(client, "/admin/audit").select("select#action option")}
    assert {"", "interaction.created", "stance.recorded"} <= options


def test_an_unusable_date_filter_is_explained_and_the_log_shown_whole(app, client):
    admin = UserFactory(role=Role.ADMIN)
    _entry("interaction.created", "ana@audit.test")
    db.session.commit()
    sign_in(client, admin.email)

    response = client.get("/admin/audit?since=yesterday")

    assert response.status_code == 400
    assert "Some filters could not be used" in response.get_data(as_text=True)
    assert "ana@audit.test" in response.get_data(as_text=True)
