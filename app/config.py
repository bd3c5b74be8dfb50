"""Settings read from ASSETMAP_* environment variables, declared once with a help line each."""

from __future__ import annotations

import os
from dataclasses import dataclass

PREFIX = "ASSETMAP_"


def _flag(raw: str) -> bool:
    word = raw.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(raw)


_flag.__name__ = "flag (0/1)"


def _count(raw: str) -> int:
    value = int(raw.strip() or "0")
    if not 0 <= value <= 10:
        raise ValueError(raw)
    return value


_count.__name__ = "number of proxies (0-10)"


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str
    kind: type = str


SETTINGS = [
    Setting("DATABASE", None, "Path of the SQLite database file (default: instance/assetmap.db)."),
    Setting("SECRET_KEY", None, "Secret for signing sessions; a random key is kept in instance/ when unset."),
    Setting(
        "TILE_URL",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "Base-map tile URL template; set to an empty string to draw no base map.",
    ),
    Setting(
        "TILE_ATTRIBUTION",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        "Attribution shown for the base-map tiles.",
    ),
    Setting(
        "MAP_CENTER",
        "",
        "Initial map centre as 'lat,lon' (Leaflet order); default: the centre of the loaded place's areas.",
    ),
    Setting("MAP_ZOOM", None, "Initial map zoom level; default: the place's (9 for a district).", int),
    Setting(
        "PRODUCTION",
        False,
        "1 in production (scripts/serve --production): requires a real secret key, Secure cookies by default.",
        _flag,
    ),
    Setting(
        "SECURE_COOKIES",
        False,
        "1 to send session cookies over HTTPS only (on by default in production; 0 turns it off there, e.g. behind a plain-HTTP test proxy).",
        _flag,
    ),
    Setting(
        "TRUST_PROXY",
        0,
        "Number of reverse proxies in front of the app that append to X-Forwarded-For (0: none). The client's "
        "address for rate limits is then the Nth from the right, as Werkzeug's ProxyFix reads it.",
        _count,
    ),
    Setting(
        "NOMINATIM_USER_AGENT",
        "",
        "Set (to your organisation's contact, e.g. 'asset-map/1.0 (you@example.org)') to geocode street "
        "addresses online with OpenStreetMap Nominatim (at most 1 request a second, cached). Unset: offline only.",
    ),
    Setting("NOMINATIM_DOMAIN", "nominatim.openstreetmap.org", "Nominatim server to use when online geocoding is on."),
    Setting(
        "ALLOW_POINTS_OUTSIDE",
        False,
        "1 lets editors save assets outside the place's region (the loaded areas plus about 50 km); by default "
        "such points are refused as likely typing mistakes.",
        _flag,
    ),
    Setting(
        "BASE_URL",
        "",
        "The public address of the site (e.g. https://assets.example.org): share links and HSDS URLs are built "
        "from it, never from the Host header a client sends.",
    ),
    Setting(
        "SMALL_COUNT_THRESHOLD",
        10,
        "Public reach figures per area, quintile and group: counts of people below this are not shown and the "
        "rest are randomly rounded to a multiple of 5 (needs_assessment/rounding.py). Assessments set their own.",
        int,
    ),
    Setting(
        "REQUEST_TIMEOUT_S",
        30,
        "Longest a request's database work may run before it is stopped with a 503 (0: no limit).",
        int,
    ),
    Setting(
        "RECORD_FINDER_DEMAND",
        True,
        "0 stops the finder counting searches for the unmet-demand figures (date, category filters, the area or "
        "postal district searched and whether a support came back nearby; never an IP address, text or point).",
        _flag,
    ),
    Setting("MAX_UPLOAD_MB", 20, "Largest file accepted by the browser import, in megabytes.", int),
    Setting(
        "TIMEZONE",
        "",
        "Time zone of the data: 'open now' and open_at times without a zone (default: the place's, "
        "e.g. America/Toronto or Europe/London).",
    ),
    Setting(
        "HOLIDAYS",
        "",
        "Country[-subdivision] whose holidays make weekly opening hours 'not known' (default: the place's, "
        "e.g. CA-ON or GB-ENG).",
    ),
]


def from_env(environ: dict[str, str] | None = None) -> dict[str, object]:
    """Return Flask config keys (without prefix) for every ASSETMAP_* variable that is set."""
    environ = os.environ if environ is None else environ
    out: dict[str, object] = {}
    for setting in SETTINGS:
        raw = environ.get(PREFIX + setting.name)
        if raw is None:
            continue
        try:
            out[setting.name] = setting.kind(raw)
        except ValueError as exc:
            raise ValueError(f"{PREFIX}{setting.name}={raw!r} is not a valid {setting.kind.__name__}") from exc
    return out


def defaults() -> dict[str, object]:
    """Return the default value of every setting."""
    return {s.name: s.default for s in SETTINGS}
