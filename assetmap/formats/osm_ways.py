"""OpenStreetMap ways as a router sees them: which ways each mode may use, in which direction, at what
speed. Pure functions of a way's tags (osm_network reads the file and builds the graph).

Ways used per mode (`highway=*`):

  car      motorway, trunk, primary, secondary, tertiary (and their _link roads), unclassified,
           residential, living_street, service, road
  walk     trunk ... tertiary (and links), unclassified, residential, living_street, service, road,
           track, path, footway, pedestrian, steps, cycleway, bridleway  (never motorway)
  bicycle  trunk ... tertiary (and links), unclassified, residential, living_street, service, road,
           track, path, cycleway; footway and pedestrian only when tagged bicycle=yes/designated/
           permissive  (never motorway or steps)

Access: the most specific tag present decides (car: motorcar, motor_vehicle, vehicle, access;
walk: foot, access; bicycle: bicycle, vehicle, access). no, private, agricultural and forestry
exclude the way; yes, designated, permissive and destination allow it, also on a class not listed
above (a footway with bicycle=yes). A way whose highway is not in the list and has no such tag is
not used (construction, proposed, platform, bus_guideway...). Ferries are not read.

Direction: car and bicycle follow oneway=yes/true/1 and oneway=-1/reverse; junction=roundabout or
circular and highway=motorway are one way unless tagged oneway=no. oneway=reversible/alternating
ways are left out for car and bicycle (their direction depends on the time). Bicycles may go both
ways where oneway:bicycle=no or cycleway=opposite*. Walking is always both ways.

Speeds: walk 4.8 km/h and bicycle 15 km/h everywhere (no hills, no waiting). Car: the way's
`maxspeed` (parse_maxspeed: "50", "50 km/h", "30 mph", several values separated by ";" -> the
lowest, zones such as "CA:urban" -> ZONE_SPEEDS_KMH) else CAR_SPEEDS_KMH for its class (roughly
Ontario's unposted limits). Car times are free-flow at the limit, with no turn costs, signals or
congestion: they are lower bounds.
"""

from __future__ import annotations

import re

MODES = ("car", "walk", "bicycle")
WALK_KMH = 4.8
BICYCLE_KMH = 15.0
MPH_KMH = 1.609344

_MAJOR = ("trunk", "primary", "secondary", "tertiary")
_LINKS = tuple(f"{c}_link" for c in _MAJOR)
_MINOR = ("unclassified", "residential", "living_street", "service", "road")
HIGHWAYS = {
    "car": frozenset(("motorway", "motorway_link", *_MAJOR, *_LINKS, *_MINOR)),
    "walk": frozenset(
        (*_MAJOR, *_LINKS, *_MINOR, "track", "path", "footway", "pedestrian", "steps", "cycleway", "bridleway")
    ),
    "bicycle": frozenset((*_MAJOR, *_LINKS, *_MINOR, "track", "path", "cycleway")),
}
NEVER = {"walk": frozenset(("motorway", "motorway_link")), "bicycle": frozenset(("motorway", "motorway_link", "steps"))}
ACCESS_KEYS = {
    "car": ("motorcar", "motor_vehicle", "vehicle", "access"),
    "walk": ("foot", "access"),
    "bicycle": ("bicycle", "vehicle", "access"),
}
DENY = frozenset(("no", "private", "agricultural", "forestry"))
ALLOW = frozenset(("yes", "designated", "permissive", "destination"))

# Default car speed (km/h) by class when a way has no usable maxspeed.
CAR_SPEEDS_KMH = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 70.0,
    "primary_link": 50.0,
    "secondary": 60.0,
    "secondary_link": 40.0,
    "tertiary": 50.0,
    "tertiary_link": 40.0,
    "unclassified": 50.0,
    "residential": 40.0,
    "living_street": 10.0,
    "service": 20.0,
    "road": 40.0,
}
# Implicit limits written as maxspeed=<country>[:<region>]:<zone>. Exact codes first, then by zone.
ZONE_SPEEDS_KMH = {
    "CA:urban": 50.0,
    "CA:rural": 80.0,
    "CA:ON:urban": 50.0,
    "CA:ON:rural": 80.0,
    "CA:QC:urban": 50.0,
    "CA:QC:rural": 90.0,
    "US:urban": 40.0,  # 25 mph
    "US:rural": 88.5,  # 55 mph
    "GB:nsl_single": 60 * MPH_KMH,
    "GB:nsl_dual": 70 * MPH_KMH,
    "GB:motorway": 70 * MPH_KMH,
    "DE:urban": 50.0,
    "DE:rural": 100.0,
    "FR:urban": 50.0,
    "FR:rural": 80.0,
    "FR:motorway": 130.0,
}
ZONE_DEFAULT_KMH = {"urban": 50.0, "rural": 80.0, "living_street": 10.0, "walk": 7.0, "bicycle_road": 30.0}
_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?$")
_ZONE = re.compile(r"^[A-Z]{2}(?::[A-Z0-9]{1,3})?:([a-z_]+?)(\d+)?$")


def parse_maxspeed(value: str | None) -> float | None:
    """km/h from an OSM maxspeed value, or None when it gives no number (use the class default).

    >>> [parse_maxspeed(v) for v in ("50", "60 km/h", "30 mph", "CA:urban", "DE:zone30", "50;30", "none", "walk")]
    [50.0, 60.0, 48.28032, 50.0, 30.0, 30.0, None, None]
    """
    if not value:
        return None
    speeds = []
    for part in str(value).split(";"):
        part = part.strip()
        m = _NUMBER.match(part.lower())
        if m:
            number = float(m.group(1))
            unit = m.group(2)
            speed = number * MPH_KMH if unit == "mph" else number * 1.852 if unit == "knots" else number
            if 0 < speed <= 200:
                speeds.append(round(speed, 6))
            continue
        if part in ZONE_SPEEDS_KMH:
            speeds.append(ZONE_SPEEDS_KMH[part])
            continue
        z = _ZONE.match(part)
        if z:
            zone, number = z.group(1), z.group(2)
            if zone == "zone" and number:
                speeds.append(float(number))
            elif zone in ZONE_DEFAULT_KMH:
                speeds.append(ZONE_DEFAULT_KMH[zone])
    return min(speeds) if speeds else None


def way_rule(tags, mode: str) -> tuple[bool, bool, str] | None:
    """(forward allowed, backward allowed, reason) for a way's tags and a mode; None when not usable.

    tags needs only `.get`. The reason is the highway class, or "access" when access tags excluded it.

    >>> way_rule({"highway": "residential", "oneway": "-1"}, "car")
    (False, True, 'residential')
    >>> way_rule({"highway": "footway", "bicycle": "yes"}, "bicycle")
    (True, True, 'footway')
    >>> way_rule({"highway": "service", "access": "private"}, "walk")
    (False, False, 'access')
    """
    highway = tags.get("highway")
    if not highway or highway in NEVER.get(mode, ()):
        return None
    if highway in ("proposed", "construction"):
        return None
    decided = next((tags.get(k) for k in ACCESS_KEYS[mode] if tags.get(k)), None)
    if highway not in HIGHWAYS[mode] and decided not in ALLOW:
        return None
    if decided in DENY:
        return (False, False, "access")
    if mode == "walk":
        return (True, True, highway)
    oneway = tags.get("oneway", "")
    if oneway in ("reversible", "alternating"):
        return None
    forward = backward = True
    if oneway in ("yes", "true", "1"):
        backward = False
    elif oneway in ("-1", "reverse"):
        forward = False
    elif oneway not in ("no", "false", "0") and (
        tags.get("junction") in ("roundabout", "circular") or highway == "motorway"
    ):
        backward = False
    if mode == "bicycle" and (
        tags.get("oneway:bicycle") == "no" or (tags.get("cycleway") or "").startswith("opposite")
    ):
        forward = backward = True
    return (forward, backward, highway)
