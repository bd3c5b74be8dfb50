"""Operations: a health check for load balancers and monitoring, and the site icon browsers ask for."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, send_from_directory

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


@bp.get("/favicon.ico")
def favicon():
    """The site icon (browsers ask for /favicon.ico whatever the page says)."""
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400
    )
