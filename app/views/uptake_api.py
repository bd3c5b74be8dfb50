"""JSON API of realised uptake: GET /api/uptake and /api/uptake/services.

Bad parameters get a 400 with a message; a service (or period) that is not loaded gets a 404 with
the list of what is.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from app.db import get_db
from app.params import analysis_args
from assetmap.errors import InvalidParameter, NotFound
from assetmap.services import uptake as uptake_service

bp = Blueprint("uptake_api", __name__, url_prefix="/api")


@bp.errorhandler(InvalidParameter)
def _bad_parameter(exc):
    return jsonify(error=str(exc)), 400


@bp.errorhandler(uptake_service.UnknownService)
def _unknown_service(exc):
    return jsonify(error=str(exc), services=exc.services), 404


@bp.errorhandler(NotFound)
def _not_found(exc):
    return jsonify(error=str(exc)), 404


def uptake_args(db, args) -> dict:
    """The parameters of /api/uptake and the map mode, typed (InvalidParameter when malformed)."""
    return {
        "service": args.get("service"),
        "period": args.get("period") or None,
        "category": args.get("category") or None,
        **analysis_args(db, args),
    }


@bp.get("/uptake")
def uptake():
    """One service and period: observed against expected per area, limits, significance, classes, deprivation."""
    db = get_db()
    return jsonify(uptake_service.uptake_report(db, **uptake_args(db, request.args)))


@bp.get("/uptake/services")
def uptake_services():
    """The loaded services and their periods, as the importer recorded them."""
    return jsonify(services=uptake_service.services(get_db()))
