"""Operations: a health check for load balancers and monitoring."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.db import get_db
from assetmap import store

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """200 with the data version when the database answers; 503 otherwise."""
    try:
        db = get_db()
        version = store.data_version(db)
        assets = store.count_active(db)
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        return jsonify(status="error", database=f"{exc.__class__.__name__}: {exc}"), 503
    return jsonify(status="ok", database="ok", data_version=version, active_assets=assets)
