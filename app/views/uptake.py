"""The "Who isn't accessing" map (/uptake), beside "Who isn't reached": areas shaded by significance
or by the four classes, the funnel plot, and the areas most significantly below.

The summary, the four-class counts and the ranked table are rendered here, and the funnel plot and
the deprivation gradient are SVG images made on the server, so the page works without JavaScript
and prints.
"""

from __future__ import annotations

import sqlite3

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext

from app.context import page_map
from app.db import get_db
from app.i18n import category_label, current_language
from app.views.uptake_api import uptake_args
from assetmap import store
from assetmap.errors import Busy, InvalidParameter, NotFound
from assetmap.formats import uptake_charts
from assetmap.services import demand
from assetmap.services import uptake as uptake_service
from assetmap.services.areadata import LRU

bp = Blueprint("uptake", __name__)
DEFAULT_CATEGORY = "health"
_charts = LRU(32)


@bp.app_context_processor
def _demand_setting() -> dict:
    return {"finder_counts_searches": bool(current_app.config.get("RECORD_FINDER_DEMAND"))}


def record_demand(db, origin, filters, found, zone: str) -> None:
    """Count a finder search near a place for the unmet-demand figures, unless turned off
    (services.demand says what is kept). A busy database loses the count, never the search."""
    if origin is None or found is None or not current_app.config.get("RECORD_FINDER_DEMAND"):
        return
    try:
        demand.record_search(
            db,
            lonlat=(origin.longitude, origin.latitude),
            query=origin.query,
            postal_code=origin.postal_code,
            categories=filters.categories,
            nearest_m=found.stats.get("nearest_m"),
            zone=zone,
        )
    except (Busy, sqlite3.OperationalError) as exc:
        current_app.logger.warning("a finder search was not counted: %s", exc)


def chart_words() -> dict[str, str]:
    """The charts' words in the request's language."""
    return {
        "expected": gettext("expected count (log scale)"),
        "ratio": gettext("ratio observed / expected"),
        "lower": gettext("lower"),
        "similar": gettext("similar"),
        "higher": gettext("higher"),
        "limit95": gettext("limits at 95%"),
        "limit998": gettext("limits at 99.8%"),
        "quintile": gettext("quintile (5 = most deprived)"),
        "not_shown": gettext("%(count)s areas not shown (small numbers)"),
    }


@bp.get("/uptake/<any(funnel, gradient):chart>.svg")
def chart(chart: str):
    """The funnel plot or the deprivation gradient of the page with the same parameters, as SVG."""
    db = get_db()
    params = uptake_args(db, request.args)
    key = (store.db_key(db), store.data_version(db), chart, tuple(sorted(params.items())), current_language())
    svg = _charts.get(key)
    if svg is None:
        report = uptake_service.uptake_report(db, **params)
        draw = uptake_charts.funnel_chart if chart == "funnel" else uptake_charts.gradient_chart
        svg = _charts.put(key, draw(report, chart_words()) or "")
    if not svg:
        raise NotFound("nothing to draw")
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-cache"})


@bp.get("/uptake")
def map_page():
    """Who isn't accessing a service: the map, the funnel plot and the areas most significantly below."""
    db = get_db()
    categories = store.list_categories(db)
    slugs = [c["slug"] for c in categories]
    loaded = uptake_service.services(db)
    args = request.args.to_dict()
    args.setdefault("category", DEFAULT_CATEGORY if DEFAULT_CATEGORY in slugs else (slugs[0] if slugs else ""))
    if not args.get("service") and loaded:
        args["service"] = loaded[0]["service"]
    error, report, params = None, None, {}
    if loaded:
        try:
            params = uptake_args(db, args)
            report = uptake_service.uptake_report(db, **params)
        except (InvalidParameter, NotFound) as exc:
            error = str(exc)
            params = {"service": loaded[0]["service"], "category": None}
            report = uptake_service.uptake_report(db, params["service"])
    service = next((s for s in loaded if report and s["service"] == report["service"]), None)
    config = {
        "api": url_for("api.categories").rsplit("/", 1)[0],
        "areaLevel": report["level"] if report else None,
        "params": {k: v for k, v in params.items() if k in ("service", "period", "category") and v},
        "view": "distance" if request.args.get("view") == "distance" and params.get("category") else "significance",
    }
    return render_template(
        "uptake/map.html",
        map=page_map(config, "UptakeMap.init", ("js/uptake.js",)),
        loaded=loaded,
        service=service,
        report=report,
        error=error,
        categories=categories,
        category=params.get("category"),
        category_name=next((category_label(c) for c in categories if c["slug"] == params.get("category")), ""),
        view=config["view"],
        below=uptake_service.below(report) if report else [],
        counts=uptake_service.significance_counts(report) if report else {},
        classes=uptake_service.distance_counts(report) if report and report["distance"] else {},
        api_params=config["params"],
        dim_labels={k: gettext(d["label"]) for k, d in report["deprivation"].items()} if report else {},
    ), (400 if error else 200)
