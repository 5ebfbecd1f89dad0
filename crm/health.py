"""`GET /healthz`: for load balancers and monitoring; checks the database answers."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from crm.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
        revision = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable or not migrated"), 503
    return jsonify(status="ok", database="ok", schema_revision=revision)
