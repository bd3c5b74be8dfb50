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
    Setting("MAP_CENTER", "45.12,-79.35", "Initial map centre as 'lat,lon' (Leaflet order)."),
    Setting("MAP_ZOOM", 9, "Initial map zoom level.", int),
    Setting(
        "PRODUCTION",
        False,
        "1 in production (scripts/serve --production): requires a real secret key, Secure cookies by default.",
        _flag,
    ),
    Setting("SECURE_COOKIES", False, "1 to send session cookies over HTTPS only (always on in production).", _flag),
    Setting("TRUST_PROXY", False, "1 when behind a reverse proxy that sets X-Forwarded-For (for rate limits).", _flag),
    Setting(
        "NOMINATIM_USER_AGENT",
        "",
        "Set (to your organisation's contact, e.g. 'asset-map/1.0 (you@example.org)') to geocode street "
        "addresses online with OpenStreetMap Nominatim (at most 1 request a second, cached). Unset: offline only.",
    ),
    Setting("NOMINATIM_DOMAIN", "nominatim.openstreetmap.org", "Nominatim server to use when online geocoding is on."),
    Setting("MAX_UPLOAD_MB", 20, "Largest file accepted by the browser import, in megabytes.", int),
    Setting("TIMEZONE", "America/Toronto", "Time zone of the data: 'open now' and open_at times without a zone."),
    Setting("HOLIDAYS", "CA-ON", "Country[-subdivision] whose holidays make weekly opening hours 'not known'."),
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
