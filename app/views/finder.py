"""Resident finder: the /finder page, the printable handout (HTML and PDF) and GET /api/search.

The page and the API take the same query parameters, so every search is a shareable link and the
server-rendered list works without JavaScript. A search near a place on the page adds one to an
anonymous count (app.views.uptake.record_demand; off with ASSETMAP_RECORD_FINDER_DEMAND=0).
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request, url_for
from flask_babel import format_date, gettext

from app.auth import rate_limited
from app.context import external_url, offline_geocoder, place
from app.db import get_db
from app.i18n import current_language
from app.views.finder_words import (
    AGE_LABELS,
    FILTER_LANGUAGES,
    LANGUAGE_LABELS,
    category_labels,
    decorate,
    origin_note,
    request_cards,
    route_start,
)
from app.views.uptake import record_demand
from assetmap import store, values
from assetmap.errors import InvalidParameter, NotFound
from assetmap.formats import printing, qr
from assetmap.services import finder, published
from assetmap.services.finder_index import COST_CHOICES
from assetmap.values import parse_categories, parse_choice, parse_query
from assetmap.vocab import supports

bp = Blueprint("finder", __name__)
api_bp = Blueprint("search_api", __name__, url_prefix="/api")


@api_bp.errorhandler(InvalidParameter)
def _bad_parameter(exc):
    return jsonify(error=error_text(exc)), 400


def error_text(exc: Exception) -> str:
    """The message for a bad request, in the request's language where we have one."""
    if isinstance(exc, finder.UnknownPlace):
        if place().postcode_label == "postcode":
            return gettext("We couldn't find '%(query)s'. Try a full postcode or a town name.", query=exc.query)
        return gettext("We couldn't find '%(query)s'. Try a full postal code or a town name.", query=exc.query)
    if isinstance(exc, finder.OutsideRegion) and place().postcode_label == "postcode":
        return gettext(
            "'%(query)s' is outside the area this map covers (%(place)s). Try a postcode, an address or a town "
            "in that area.",
            query=exc.query,
            place=exc.place_name,
        )
    if isinstance(exc, finder.OutsideRegion):
        return gettext(
            "'%(query)s' is outside the area this map covers (%(place)s). Try a postal code, an address or a town "
            "in that area.",
            query=exc.query,
            place=exc.place_name,
        )
    return str(exc)


def _zone() -> str:
    return place().timezone


def _region() -> str:
    return place().holidays


def finder_index():
    """The finder's index of the current data (with its categories), once per request."""
    if "finder_index" not in g:
        g.finder_index = finder.index_for(get_db())
    return g.finder_index


def parse_search_args(args) -> tuple[finder.Origin | None, finder.Filters, int]:
    """The finder's query parameters (shared by /finder and /api/search); raises InvalidParameter."""
    given = args.to_dict(flat=False)  # plain lists: a MultiDict raises (and catches) for each absent key

    def first(key: str) -> str | None:
        return given[key][0] if key in given else None

    cats = parse_categories(given.get("category", []), [c["slug"] for c in finder_index().categories])
    open_at, open_now = values.parse_open_at(given.get("open_at", []), _zone())
    filters = finder.Filters(
        categories=tuple(cats) if cats else None,
        q=parse_query(first("q")),
        languages=values.parse_languages(given.get("language", [])),
        wheelchair=parse_choice(first("wheelchair"), "wheelchair", ["0", "1"]) == "1",
        cost=parse_choice(first("cost"), "cost", list(COST_CHOICES)),
        age=parse_choice(first("age"), "age", list(supports.AGE_GROUPS)),
        open_at=open_at,
        open_now=open_now,
    )
    # Offline only: what a resident types never leaves the server.
    origin = finder.parse_near(first("near"), offline_geocoder(), place())
    return origin, filters, values.parse_limit(first("limit"))


@bp.app_template_filter("tel_href")
def tel_href(phone: str | None) -> str | None:
    """'705-687-3412 (Town); toll-free ...' -> 'tel:7056873412' (the first number), else None."""
    first = re.sub(r"\([^)]*[a-z][^)]*\)", "", (phone or "").split(";")[0], flags=re.I)
    digits = re.sub(r"[^\d+]", "", first)
    return "tel:" + digits if len(digits) >= 7 else None


@bp.app_template_filter("phone_links")
def phone_links(phone: str | None) -> list[tuple[str, str | None]]:
    """Each number of a phone field with its own tel: link (None when a part holds no number):
    '705-645-2100 (general); 1-800-461-4210' -> two links. An extension is left to the caller."""
    parts = [p.strip() for p in (phone or "").split(";") if p.strip()]
    return [(p, tel_href(re.split(r"\b(?:ext|x)\.?\s*\d", p, maxsplit=1, flags=re.I)[0])) for p in parts]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="minutes") if moment else None


# --- API --------------------------------------------------------------------------------------


@api_bp.get("/search")
def search_api():
    """Supports near a place, ordered (see app/finder.py), with distances and words in `lang`."""
    db = get_db()
    origin, filters, limit = parse_search_args(request.args)
    index = finder_index()
    found = finder.search(db, origin, filters, limit=limit, zone=_zone(), region=_region(), index=index)
    cards, start = request_cards(index), route_start(origin)
    near = None
    if origin is not None:
        near = {
            "query": origin.query,
            "label": origin.label,
            "latitude": round(origin.latitude, 5),
            "longitude": round(origin.longitude, 5),
            "precision": origin.precision,
            "approximate": origin.approximate,
            "note": origin_note(origin, cards.words),
        }
    return jsonify(
        language=cards.words["language"],
        near=near,
        open_at=_iso(filters.open_at),
        evaluated_at=_iso(found.evaluated_at),
        count=len(found.results),
        more=found.more,
        results=[cards.card(r, start, api=True) for r in found.results],
    )


# --- pages ------------------------------------------------------------------------------------


def _searched(args) -> bool:
    keys = ("near", "q", "category", "language", "wheelchair", "cost", "age", "open_at")
    return any(v.strip() for k in keys for v in args.getlist(k))


@bp.get("/finder")
def finder_page():
    """The finder: form, results by distance (server-rendered), small map, selection for a handout."""
    db = get_db()
    cards = request_cards(finder_index())
    labels = cards.labels
    categories = store.list_categories(db)
    error = None
    origin = filters = found = None
    limit = values.DEFAULT_LIMIT
    try:
        selected = values.parse_ids(request.args.getlist("ids"), max_ids=values.MAX_LIMIT)
    except InvalidParameter:
        selected = []
    try:
        origin, filters, limit = parse_search_args(request.args)
        if _searched(request.args):
            found = finder.search(
                db, origin, filters, limit=limit, zone=_zone(), region=_region(), index=finder_index()
            )
            record_demand(db, origin, filters, found, _zone())
    except InvalidParameter as exc:
        error = error_text(exc)
    start = route_start(origin)
    results = [cards.card(r, start) for r in found.results] if found else []
    now = datetime.now(ZoneInfo(_zone()))
    chosen = finder.assets_by_ids(db, selected, evaluated_at=now, zone=_zone(), region=_region())
    args = request.args
    config = {
        "results": [
            {"number": n, **{k: r[k] for k in ("id", "name", "latitude", "longitude", "category", "place_text")}}
            for n, r in enumerate(results, start=1)
            if r["latitude"] is not None
        ],
        "origin": [origin.latitude, origin.longitude] if origin else None,
        "tileUrl": current_app.config["TILE_URL"],
        "tileAttribution": current_app.config["TILE_ATTRIBUTION"],
        "maxIds": values.MAX_IDS,
        "handoutUrl": url_for("finder.handout"),
        "lang": current_language(),
    }
    no_hours_url = (
        url_for("finder.finder_page") + "?" + urlencode([(k, v) for k, v in args.items(multi=True) if k != "open_at"])
    )
    more_url = None
    if found and found.more and limit < values.MAX_LIMIT:
        more_args = [(k, v) for k, v in args.items(multi=True) if k != "limit"]
        more_url = (
            url_for("finder.finder_page") + "?" + urlencode(more_args + [("limit", min(limit + 20, values.MAX_LIMIT))])
        )
    return render_template(
        "finder/index.html",
        categories=categories,
        labels=labels,
        args=args,
        wanted_categories=set(filters.categories or ()) if filters else set(args.getlist("category")),
        open_now=bool(filters and filters.open_now),
        open_at_value=(
            filters.open_at.strftime("%Y-%m-%dT%H:%M") if filters and filters.open_at and not filters.open_now else ""
        ),
        origin=origin,
        origin_note=origin_note(origin),
        found=found,
        results=results,
        error=error,
        searched=bool(found or error),
        selected=selected,
        chosen=[decorate(r, labels, None) for r in chosen],
        config=config,
        more_url=more_url,
        no_hours_url=no_hours_url,
        filter_languages=[(c, LANGUAGE_LABELS[c]) for c in FILTER_LANGUAGES],
        age_labels=AGE_LABELS,
        api_url=url_for("search_api.search_api")
        + ("?" + request.query_string.decode() if request.query_string else ""),
    ), (400 if error else 200)


def _handout_context():
    db = get_db()
    ids = values.parse_ids(request.args.getlist("ids"))
    if not ids:
        raise InvalidParameter(gettext("Choose at least one support for the handout."))
    now = datetime.now(ZoneInfo(_zone()))
    labels = category_labels(finder_index().categories)
    chosen = [
        decorate(r, labels, None)
        for r in finder.assets_by_ids(db, ids, evaluated_at=now, zone=_zone(), region=_region())
    ]
    if not chosen:
        raise NotFound(gettext("None of these supports exist any more."))
    lang = current_language()
    share = external_url("finder.handout") + "?" + urlencode({"ids": ",".join(str(i) for i in ids), "lang": lang})
    return {
        "supports": chosen,
        "missing": len(ids) - len(chosen),
        "today": format_date(now.date(), format="long"),
        "share_url": share,
        "ids_param": ",".join(str(r["id"]) for r in chosen),
        "lang": lang,
        "qr_uri": qr.qr_data_uri(share),
        "help_line": help_line(),
    }


def help_line() -> str:
    """The place's help line ('Call or text 211 ...') in the request's language; '' when it has none."""
    line = place().help_line
    return gettext(line).rstrip(".") if isinstance(line, str) and line.strip() else ""


@bp.get("/finder/handout")
def handout():
    """One printable page: the chosen supports' contact details, the date and 'check before you go'."""
    try:
        context = _handout_context()
    except (InvalidParameter, NotFound) as exc:
        return render_template("error.html", message=str(exc), status=400), 400
    return render_template("print/handout.html", pdf=False, **context)


HANDOUT_LAYOUT = 7  # part of a cached PDF's name: a new layout is never served from an old file
HANDOUT_PDF_LIMIT = (30, 600)  # PDFs per client per 10 minutes (each can take a second of CPU)


@bp.get("/finder/handout.pdf")
def handout_pdf():
    """The handout as a PDF (WeasyPrint), in the chosen language; made once per (supports, language,
    data version) and kept on disk."""
    try:
        context = _handout_context()
    except (InvalidParameter, NotFound) as exc:
        return render_template("error.html", message=str(exc), status=400), 400
    db = get_db()
    folder = published.folder_for(current_app.instance_path, "handout-cache", current_app.config["DATABASE"])
    name = f"handout-v{HANDOUT_LAYOUT}-{context['ids_param'].replace(',', '-')}-{context['lang']}-{store.data_version(db)}.pdf"
    if not (folder / name).exists():
        wait = rate_limited("handout_pdf", *HANDOUT_PDF_LIMIT)
        if wait is not None:
            return render_template(
                "error.html", message=gettext("Too many PDFs at once. Please wait a minute and try again."), status=429
            ), 429

    def build() -> bytes:
        html = render_template("print/handout.html", pdf=True, **context)
        return printing.pdf_bytes(
            html, base_url=request.url_root, stylesheets=[current_app.root_path + "/static/css/handout.css"]
        )

    pdf = published.file_cached(folder, name, build, keep=200, group="handout-")
    filename = "supports" if context["lang"] == "en" else "ressources"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}-{datetime.now().date().isoformat()}.pdf"'},
    )
