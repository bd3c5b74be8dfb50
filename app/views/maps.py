"""Map pages: the asset map at / and the data sources page."""

from __future__ import annotations

import functools
import re
import sqlite3

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext

from app import deprivation
from app.auth import rate_limited
from app.context import page_map, place
from app.db import get_db
from app.i18n import N_, category_label, current_language
from app.params import travel_args
from assetmap import store, values
from assetmap.errors import InvalidParameter
from assetmap.formats import printing
from assetmap.place import Place
from assetmap.services import reach, travel, travel_whatif
from needs_assessment.precision import PRECISION_WORDS
from needs_assessment.reach import DEFAULT_CIRCUITY

bp = Blueprint("maps", __name__)

SCHEME_PALETTES = {"higher is worse": "reds", "higher is better": "greens"}


def choropleth_options(db, level: str) -> list[dict]:
    """Indicators that can shade areas of this level, population density first; an index is shown by
    its bands (CIMD quintiles, IMD deciles, Core20), not its score or rank."""
    options = [
        {
            "key": "population_density_km2",
            "label": gettext("Population density (people per km²)"),
            "scheme": "quantile",
            "palette": "blues",
        }
    ]
    indicators = store.list_indicators(db)
    keys = {i["key"] for i in indicators}
    banded = {b["index_key"] for b in store.deprivation_bands(db)}
    for ind in indicators:
        key, label, unit = ind["key"], ind["label"], ind["unit"]
        if key.startswith("pop_density") or f"{key}_quintile" in keys or not re.fullmatch(r"[a-z0-9_]+", key):
            continue
        if ind.get("role") in ("score", "rank") and ind.get("index_key") in banded:
            continue
        if not store.indicator_present(db, key, level):
            continue
        if ind.get("role") in ("band", "flag") or key.endswith("_quintile"):
            meta = ind if ind.get("role") else {**ind, "role": "band", "bands": 5, "most_deprived": 5}
            classes = deprivation.legend_classes(meta)
            options.append({"key": key, "label": gettext(label), "scheme": "classes", "classes": classes})
        else:
            unit = f" ({gettext(unit)})" if unit else ""
            options.append(
                {
                    "key": key,
                    "label": gettext(label) + unit,
                    "scheme": "quantile",
                    "palette": SCHEME_PALETTES.get(ind["direction"], "blues"),
                }
            )
    return options


def map_levels(db) -> tuple[str | None, str | None]:
    """(level shaded as population areas, level drawn as outlines)."""
    counts = store.level_counts(db)
    if not counts:
        return None, None
    area_level = "DA" if "DA" in counts else max(counts, key=counts.get)
    # Outlines: the coarser level (municipalities over DAs, districts over LSOAs).
    coarser = [level for level in counts if level != area_level and counts[level] < counts[area_level]]
    outline_level = "CSD" if "CSD" in coarser else (max(coarser, key=counts.get) if coarser else None)
    return area_level, outline_level


@bp.get("/")
def index():
    """The asset map: outlines, population areas and clustered assets by category."""
    db = get_db()
    categories = store.list_categories(db)
    area_level, outline_level = map_levels(db)
    notes = store.geometry_notes(db, area_level) if area_level else []
    api_base = url_for("api.categories").rsplit("/", 1)[0]
    config = {
        "api": api_base,
        "categories": [
            {**{k: c[k] for k in ("slug", "colour", "symbol", "asset_count")}, "label": category_label(c)}
            for c in categories
        ],
        "areaLevel": area_level,
        "outlineLevel": outline_level,
        "choropleth": choropleth_options(db, area_level) if area_level else [],
    }
    parts = page_map(config, "AssetMap.init", ("js/assetmap.js",))
    cfg = current_app.config
    return render_template(
        "maps/index.html",
        map=parts,
        categories=categories,
        choropleth=config["choropleth"],
        area_level=area_level,
        outline_level=outline_level,
        area_notes=notes,
        tiles=bool(cfg["TILE_URL"]),
    )


def _km(raw: str | None) -> float | None:
    """A distance typed in km on a form, as metres (None when blank)."""
    if raw is None or raw.strip() == "":
        return None
    try:
        km = float(raw.replace(",", "."))
    except ValueError:
        raise InvalidParameter(f"threshold must be a number of kilometres, not {raw!r}") from None
    return values.parse_distance(km * 1000, "threshold")


@bp.get("/reach")
def reach_page():
    """Who isn't reached: areas shaded by the share beyond reach, ranked table, what-if tools.

    The summary and the ranked table are rendered here, so they work without JavaScript.
    """
    db = get_db()
    categories = store.list_categories(db)
    if request.args.get("mode") not in (None, "", "straight"):
        return _reach_page_by_time(db, categories)
    category = request.args.get("category") or "food"
    error = None
    try:
        threshold_m = _km(request.args.get("threshold_km"))
        circuity = values.parse_circuity(request.args.get("circuity"))
        include_imprecise = values.parse_flag(request.args.get("include_imprecise"), "include_imprecise")
        report = reach.reach_report(
            db, category, threshold_m=threshold_m, circuity=circuity, include_imprecise=include_imprecise
        )
        other = reach.reach_report(
            db, category, threshold_m=threshold_m, circuity=circuity, include_imprecise=not include_imprecise
        )
    except InvalidParameter as exc:
        error = str(exc)
        category, threshold_m, circuity, include_imprecise = "food", None, DEFAULT_CIRCUITY, False
        report = reach.reach_report(db, category)
        other = reach.reach_report(db, category, include_imprecise=True)
    small = current_app.config["SMALL_COUNT_THRESHOLD"]
    report, other = reach.published(report, small), reach.published(other, small)
    area_level, _ = map_levels(db)
    config = {
        "api": url_for("api.categories").rsplit("/", 1)[0],
        "areaLevel": report["level"],
        "category": category,
        "smallCount": small,
        "categories": [
            {**{k: c[k] for k in ("slug", "colour", "symbol")}, "label": category_label(c)} for c in categories
        ],
        "params": {
            "category": category,
            "threshold_m": threshold_m,
            "circuity": circuity,
            "include_imprecise": 1 if include_imprecise else 0,
        },
    }
    parts = page_map(config, "ReachMap.init", ("js/reach.js",))
    return render_template(
        "maps/reach.html",
        map=parts,
        categories=categories,
        category=category,
        category_name=next((category_label(c) for c in categories if c["slug"] == category), report["category_label"]),
        report=report,
        other=other,
        threshold_km=request.args.get("threshold_km", "") if not error else "",
        circuity=circuity,
        include_imprecise=include_imprecise,
        error=error,
        precision_words=PRECISION_WORDS,
        small_count=small,
        api_params={k: v for k, v in config["params"].items() if v is not None},
        travel=travel_choices(db, "straight", ""),
    ), (400 if error else 200)


MODE_PHRASES = {
    "car": N_("by car"),
    "transit": N_("by public transport"),
    "walk": N_("on foot"),
    "bicycle": N_("by bicycle"),
}
MODE_LABELS = {  # "How people travel" on the reach page
    "straight": N_("Straight line (estimated)"),
    "car": N_("Car"),
    "transit": N_("Public transport"),
    "walk": N_("Walking"),
    "bicycle": N_("Bicycle"),
}


def travel_choices(db, mode: str, threshold_min: str) -> dict:
    """The reach page's "How people travel" choice: straight line and every mode with times loaded."""
    choices = [{"value": "straight", "label": gettext(MODE_LABELS["straight"])}]
    for m in travel.available_modes(db):
        src = m["matrix"] or m["network"]
        label = f"{gettext(MODE_LABELS[m['mode']])} ({src.label}, {src.imported_at[:10]})"
        choices.append({"value": m["mode"], "label": label})
    return {"mode": mode, "threshold_min": threshold_min, "choices": choices}


def _reach_page_by_time(db, categories):
    """/reach with mode=car|transit|walk|bicycle: minutes from a matrix or along a road network."""
    category = request.args.get("category") or "food"
    try:
        by_time = travel_args(request.args)
        include_imprecise = values.parse_flag(request.args.get("include_imprecise"), "include_imprecise")
        report = travel.reach_report(db, category, travel.TravelQuery(**by_time, include_imprecise=include_imprecise))
        other = travel.reach_report(
            db, category, travel.TravelQuery(**by_time, include_imprecise=not include_imprecise)
        )
        small = current_app.config["SMALL_COUNT_THRESHOLD"]
        report, other = reach.published(report, small), reach.published(other, small)
        can_add = travel_whatif.can_add_sites(db, by_time["mode"], by_time["prefer"])
    except InvalidParameter as exc:  # the straight-line page for food, with what was wrong
        small = current_app.config["SMALL_COUNT_THRESHOLD"]
        report = reach.published(reach.reach_report(db, "food"), small)
        return render_template(
            "maps/reach.html",
            map=page_map(
                _reach_config(categories, "food", report, {"category": "food"}), "ReachMap.init", ("js/reach.js",)
            ),
            categories=categories,
            category="food",
            category_name=next(
                (category_label(c) for c in categories if c["slug"] == "food"), report["category_label"]
            ),
            report=report,
            other=reach.published(reach.reach_report(db, "food", include_imprecise=True), small),
            threshold_km="",
            circuity=DEFAULT_CIRCUITY,
            include_imprecise=False,
            error=str(exc),
            precision_words=PRECISION_WORDS,
            small_count=small,
            api_params={"category": "food"},
            travel=travel_choices(db, "straight", ""),
        ), 400
    params = {
        "category": category,
        "mode": report["mode"],
        "threshold_min": report["threshold_min"],
        "travel_source": by_time["prefer"],
        "include_imprecise": 1 if include_imprecise else 0,
    }
    config = _reach_config(categories, category, report, params)
    config["smallCount"] = small
    config["travel"] = {
        "mode": report["mode"],
        "canAdd": can_add,
        "cannotAdd": gettext(
            "The travel-time matrix has no times to a new site: load a road network for this mode to try one, "
            "or measure by straight line. Closing a site works."
        ),
    }
    return render_template(
        "maps/reach_by_time.html",
        map=page_map(config, "ReachMap.init", ("js/reach.js",)),
        categories=categories,
        category=category,
        category_name=next((category_label(c) for c in categories if c["slug"] == category), report["category_label"]),
        report={**report, "areas": [a for a in report["areas"] if a["measured"]]},  # the left-out are named
        other=other,
        threshold_km="",
        circuity=DEFAULT_CIRCUITY,
        include_imprecise=include_imprecise,
        error=None,
        precision_words=PRECISION_WORDS,
        small_count=small,
        api_params={k: v for k, v in params.items() if v is not None},
        travel=travel_choices(db, report["mode"], request.args.get("threshold_min", "")),
        mode_label=gettext(MODE_LABELS[report["mode"]]),
        mode_phrase=gettext(MODE_PHRASES[report["mode"]]),
    )


def _reach_config(categories, category: str, report: dict, params: dict) -> dict:
    return {
        "api": url_for("api.categories").rsplit("/", 1)[0],
        "areaLevel": report["level"],
        "category": category,
        "categories": [
            {**{k: c[k] for k in ("slug", "colour", "symbol")}, "label": category_label(c)} for c in categories
        ],
        "params": params,
    }


@bp.app_template_global()
def band_words(meta: dict, band) -> str:
    """A deprivation band in words ('decile 1 (the most deprived tenth)'), for templates."""
    return deprivation.band_words(meta, band)


def _place_for_page():
    """The place, for page furniture (titles, footer); the defaults when the database is not set up yet."""
    try:
        return place()
    except sqlite3.OperationalError:
        return Place()


@bp.app_context_processor
def _current_place():
    # A callable, so pages that never mention the place never read it.
    return {"current_place": _place_for_page}


COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}")


@bp.get("/categories.css")
def category_css():
    """Category colours as CSS custom properties (a stylesheet, so pages need no inline styles)."""
    rules = [
        f".cat-{c['slug']} {{ --pin: {c['colour']}; }}"
        for c in store.list_categories(get_db())
        if re.fullmatch(r"[a-z0-9_]+", c["slug"]) and COLOUR_RE.fullmatch(c["colour"] or "")
    ]
    return Response("\n".join(rules) + "\n", mimetype="text/css", headers={"Cache-Control": "no-cache"})


@bp.get("/sources")
def sources():
    """Where every dataset and every asset comes from, with licences."""
    return render_template("maps/sources.html", assets=store.public_sources(get_db()))


REACH_PDF_LIMIT = (30, 600)  # PDFs per client per 10 minutes (each can take a second of CPU)


@bp.get("/reach.pdf")
def reach_pdf():
    """The reach figure as a document: the summary, how it was measured (the mode, its source label and
    date) and the areas with the most people beyond reach. Same parameters as /api/reach."""
    db = get_db()
    category = request.args.get("category") or "food"
    by_time = travel_args(request.args)
    include_imprecise = values.parse_flag(request.args.get("include_imprecise"), "include_imprecise")
    if rate_limited("reach_pdf", *REACH_PDF_LIMIT) is not None:
        return render_template(
            "error.html", message=gettext("Too many PDFs at once. Please wait a minute and try again."), status=429
        ), 429
    if by_time:

        def measure(include_imprecise: bool) -> dict:
            return travel.reach_report(db, category, travel.TravelQuery(**by_time, include_imprecise=include_imprecise))

    else:
        measure = functools.partial(
            reach.reach_report,
            db,
            category,
            threshold_m=values.parse_distance(request.args.get("threshold_m"), "threshold_m"),
            circuity=values.parse_circuity(request.args.get("circuity")),
        )
    small = current_app.config["SMALL_COUNT_THRESHOLD"]
    # both bounds, as on the page: the figure asked for and the one with the other choice of points
    report = reach.published(measure(include_imprecise=include_imprecise), small)
    other = reach.published(measure(include_imprecise=not include_imprecise), small)
    mode = report.get("mode")
    html = render_template(
        "print/reach.html",
        report=report,
        other=other,
        rows=[a for a in report["areas"] if a.get("unreached_suppressed") or a["unreached_population"]][:40],
        small_count=small,
        category_name=category_label(store.get_category(db, category)),
        mode_label=gettext(MODE_LABELS[mode]) if mode else "",
        mode_phrase=gettext(MODE_PHRASES[mode]) if mode else "",
        place_name=place().name,
        today=place().today().isoformat(),
        lang=current_language(),
    )
    pdf = printing.pdf_bytes(html, base_url=request.url_root)
    name = f"reach-{category}-{mode or 'straight'}-{place().today().isoformat()}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})
