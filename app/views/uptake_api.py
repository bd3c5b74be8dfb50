"""JSON API of realised uptake and unmet demand: GET /api/uptake, /api/uptake/services, /api/demand.

Bad parameters get a 400 with a message; a service (or period) that is not loaded gets a 404 with
the list of what is.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from app.db import get_db
from app.params import analysis_args
from assetmap import values
from assetmap.errors import InvalidParameter, NotFound
from assetmap.services import demand
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


@bp.get("/demand")
def demand_api():
    """Searches of the finder per area (per 1,000 people) and the share with no nearby result."""
    since = values.parse_date(request.args.get("since"), "since")
    until = values.parse_date(request.args.get("until"), "until")
    if since and until and since > until:
        raise InvalidParameter("since must not be after until")
    report = demand.demand_report(get_db(), since=since, until=until, threshold=uptake_service.default_threshold())
    return jsonify(recording=bool(current_app.config["RECORD_FINDER_DEMAND"]), nearby=demand.NEARBY_WORDS, **report)
