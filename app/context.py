"""What every request may need, built once: the place's settings and its geocoder."""

from __future__ import annotations

from dataclasses import replace

from flask import current_app, g

from app.db import get_db
from assetmap.geocoding import make_geocoder
from assetmap.place import Place, load_place


def place() -> Place:
    """The place the database describes (settings stored with the data), once per request."""
    if "place" not in g:
        found = load_place(get_db())
        cfg = current_app.config
        overrides = {}
        if cfg.get("MAP_CENTER"):  # explicit ASSETMAP_* settings win over the stored place
            overrides["center"] = tuple(float(v) for v in str(cfg["MAP_CENTER"]).split(","))
        if cfg.get("MAP_ZOOM"):
            overrides["zoom"] = int(cfg["MAP_ZOOM"])
        for key, setting in (("timezone", "TIMEZONE"), ("holidays", "HOLIDAYS")):
            if cfg.get(setting):
                overrides[key] = cfg[setting]
        if cfg.get("ALLOW_POINTS_OUTSIDE"):
            overrides["allow_points_outside"] = True
        g.place = replace(found, **overrides) if overrides else found
    return g.place


def geocoder():
    """The app's one geocoder for this place (offline, plus Nominatim for street addresses when
    configured), built on first use and shared by forms, imports and the finder."""
    p = place()
    cfg = current_app.config
    key = ("assetmap.geocoder", p.name, p.country, p.center)
    found = current_app.extensions.get(key)
    if found is None:
        found = make_geocoder(
            p,
            db_path=cfg["DATABASE"],
            user_agent=cfg.get("NOMINATIM_USER_AGENT") or "",
            domain=cfg.get("NOMINATIM_DOMAIN") or "",
            adapter_factory=cfg.get("GEOCODER_ADAPTER_FACTORY"),
        )
        current_app.extensions[key] = found
    return found


def offline_geocoder():
    """The offline part of the app's geocoder (fast: imports use it; street addresses go online later)."""
    return geocoder().offline


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for links people share: ASSETMAP_BASE_URL when set, never a client-sent Host
    blindly (in production without it, the request's own host is used only as the last resort)."""
    from flask import url_for

    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def local_time(stamp: str | None) -> str:
    """A stored UTC ISO timestamp in the place's time zone, as people read it: 'Nov 29, 2026, 1:05 PM'.
    Values without a zone are UTC (the store writes UTC); anything unreadable is shown as stored."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime
    from flask_babel import get_locale

    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone = ZoneInfo(place().timezone)
    return format_datetime(moment, "MMM d, y, h:mm a", tzinfo=zone, locale=str(get_locale() or "en"))
