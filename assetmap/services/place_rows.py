"""What a place's official files become in the store: area rows, indicator columns with their
metadata, district outlines, place names and the place's settings. Plain values in and out; the
caller (services.place_setup) stores them.

Deprivation indices become columns named after the index without its edition, so templates and
legends work for any edition: the IMD score is `imd`, its rank `imd_rank`, its decile
`imd_decile`; a domain is `imd_income`, `imd_income_decile`...; a CIMD dimension keeps the names
the Muskoka demo uses (`cimd_economic_dependency`, `cimd_economic_dependency_quintile`). The
edition is in the label ("IMD 2025: decile ..."). English areas also get `core20` (1 when the IMD
decile is 1 or 2: the most deprived 20% of England, NHS England's Core20PLUS5).

>>> index_base("imd2025_income"), index_base("cimd2021_economic_dependency")
('imd_income', 'cimd_economic_dependency')
>>> zoom_for((-2.478, 53.357, -2.253, 53.480)), zoom_for((-80.1, 44.6, -78.6, 45.6))
(12, 9)
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict

from shapely.geometry import mapping, shape
from shapely.ops import unary_union

from assetmap.formats.place_records import AgeBands, Area, AreaStat, IndexValue
from assetmap.geocoding import fold_name

# Canadian province (first two digits of a DAUID) -> (time zone, holidays subdivision)
PROVINCES = {
    "10": ("America/St_Johns", "CA-NL"),
    "11": ("America/Halifax", "CA-PE"),
    "12": ("America/Halifax", "CA-NS"),
    "13": ("America/Moncton", "CA-NB"),
    "24": ("America/Toronto", "CA-QC"),
    "35": ("America/Toronto", "CA-ON"),
    "46": ("America/Winnipeg", "CA-MB"),
    "47": ("America/Regina", "CA-SK"),
    "48": ("America/Edmonton", "CA-AB"),
    "59": ("America/Vancouver", "CA-BC"),
    "60": ("America/Whitehorse", "CA-YT"),
    "61": ("America/Yellowknife", "CA-NT"),
    "62": ("America/Iqaluit", "CA-NU"),
}
# First letter of an LSOA code -> holidays subdivision
UK_NATIONS = {"E": "GB-ENG", "W": "GB-WLS"}
CORE20 = "core20"
PARENT_LEVEL = "LAD"  # English local authority districts, the outline drawn over LSOAs
AGE_WORDS = {"0-15": "People aged 0 to 15", "0-14": "People aged 0 to 14", "16-64": "People aged 16 to 64"}
AGE_WORDS |= {"15-64": "People aged 15 to 64", "65+": "People aged 65 and over"}


def index_base(key: str) -> str:
    """An index key without its edition: 'imd2025_income' -> 'imd_income'."""
    return re.sub(r"^([a-z]+)\d{4}", r"\1", key)


def _scope_words(v: IndexValue) -> str:
    return "national" if v.scope == "national" else (v.scope_area or v.scope)


def index_columns(indices: list[IndexValue], source: str) -> tuple[list[dict], dict[str, dict]]:
    """(indicator declarations, values by area id) for deprivation index values."""
    decls: dict[str, dict] = {}
    values: dict[str, dict] = defaultdict(dict)
    for v in indices:
        base = index_base(v.key)
        edition = v.index.split(" — ")[0]  # "IMD 2025", "CIMD 2021"
        words = v.index.split(" — ", 1)[1] if " — " in v.index else ""
        common = {"index_key": base, "source": source, "scope": v.scope_area}
        if v.index.startswith("CIMD"):
            title = f"Deprivation ({edition}): {words}"
        else:
            title = f"{edition}" + (f" — {words}" if words else "")
        if v.score is not None:
            decls.setdefault(
                base,
                {"key": base, "label": f"{title}, score", "unit": "score", "direction": "higher is worse"}
                | common
                | {"role": "score"},
            )
            values[v.area_id][base] = v.score
        if v.rank is not None:
            decls.setdefault(
                f"{base}_rank",
                {
                    "key": f"{base}_rank",
                    "label": f"{title}, rank in {v.scope_area or 'the country'} (1 = most deprived)",
                    "unit": "rank",
                    "direction": "higher is better",
                    "role": "rank",
                }
                | common,
            )
            values[v.area_id][f"{base}_rank"] = v.rank
        for kind, n, band in (("decile", 10, v.decile), ("quintile", 5, v.quintile)):
            if band is None:
                continue
            most = v.most_deprived_band or (n if v.index.startswith("CIMD") else 1)
            part = "tenth" if n == 10 else "fifth"  # words, not "10%": a "%" in a label is a format sign to gettext
            if v.index.startswith("CIMD"):
                label = f"{title}, {_scope_words(v)} quintile"
            else:
                label = f"{title}: {kind} (1 = most deprived {part} of {v.scope_area or 'the country'})"
            key = f"{base}_{kind}"
            unit = f"{kind} ({most} = most deprived)"
            decls.setdefault(
                key,
                {"key": key, "label": label, "unit": unit, "direction": "", "role": "band", "bands": n}
                | common
                | {"most_deprived": most},
            )
            values[v.area_id][key] = band
        if v.core20 is not None:
            decls.setdefault(
                CORE20,
                {
                    "key": CORE20,
                    "label": f"Core20: the most deprived fifth of England ({edition} deciles 1–2)",
                    "unit": "flag",
                    "direction": "",
                    "role": "flag",
                    "bands": 2,
                    "most_deprived": 1,
                }
                | {k: c for k, c in common.items() if k != "index_key"}
                | {"index_key": index_base(v.key)},
            )
            values[v.area_id][CORE20] = 1 if v.core20 else 0
    return list(decls.values()), dict(values)


def age_columns(bands: list[AgeBands], source: str) -> tuple[list[dict], dict[str, dict]]:
    """People in each broad age group as 'people' indicators (they become reach's priority groups)."""
    decls: dict[str, dict] = {}
    values: dict[str, dict] = defaultdict(dict)
    for b in bands:
        for band, count in b.broad.items():
            key = "age_" + band.replace("-", "_").replace("+", "_plus")
            label = AGE_WORDS.get(band, f"People aged {band}")
            decls.setdefault(key, {"key": key, "label": label, "unit": "people", "source": source, "direction": ""})
            values[b.area_id][key] = count
    return list(decls.values()), dict(values)


def stat_columns(stats: list[AreaStat], source: str) -> tuple[list[dict], dict[str, dict]]:
    """Other statistics (low income, languages, Indigenous identity) as indicators. Totals that only
    give a denominator are 'people counted', so they never become a priority group."""
    decls: dict[str, dict] = {}
    values: dict[str, dict] = defaultdict(dict)
    for s in stats:
        unit = "people counted" if s.key.endswith("_total") else s.unit
        decls.setdefault(s.key, {"key": s.key, "label": s.label, "unit": unit, "source": source, "direction": ""})
        if s.value is not None:
            values[s.area_id][s.key] = s.value
    return list(decls.values()), dict(values)


def area_features(areas: list[Area], population: dict[str, int], parents: dict[str, tuple[str, str]]) -> list[dict]:
    """GeoJSON features (formats.area_import.area_records' input) for the boundary file's areas."""
    out = []
    for a in areas:
        props = {"id": a.id, "name": a.name, "population": population.get(a.id, a.population)}
        parent = parents.get(a.id, (a.parent_id, ""))[0]
        if parent:
            props["parent_id"] = parent
        if a.land_area_km2 is not None:
            props["land_area_km2"] = a.land_area_km2
        out.append({"type": "Feature", "geometry": a.geometry, "properties": props})
    return out


def parent_features(area_rows: list[dict], parents: dict[str, tuple[str, str]]) -> list[dict]:
    """One outline per district the areas belong to (the union of its areas), with their population."""
    members: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in area_rows:
        if row["id"] in parents:
            members[parents[row["id"]]].append(row)
    out = []
    for (code, name), rows in sorted(members.items()):
        geom = unary_union([shape(json.loads(r["geometry"])) for r in rows]).buffer(0)
        people = [r["population"] for r in rows if r.get("population") is not None]
        props = {"id": code, "name": name, "population": sum(people) if people else None}
        out.append({"type": "Feature", "geometry": mapping(geom), "properties": props})
    return out


def place_name_rows(area_rows: list[dict], named: list[tuple], source: str) -> list[dict]:
    """Place names the geocoder answers: districts and areas by name, and the wards and
    neighbourhoods a postcode list names (mean of their postcodes). The first of a name wins."""
    out: dict[str, dict] = {}
    for name, kind, lon, lat, _n in named:
        key = fold_name(name)
        if key and key not in out:
            out[key] = {"key": key, "name": name, "longitude": round(lon, 6), "latitude": round(lat, 6)}
            out[key] |= {"kind": kind, "source": f"{source}: mean of its postcodes"}
    for row in sorted(area_rows, key=lambda r: r["level"] != PARENT_LEVEL):
        key = fold_name(row["name"])
        if key and key not in out:
            out[key] = {"key": key, "name": row["name"], "longitude": row["rep_lon"], "latitude": row["rep_lat"]}
            out[key] |= {"kind": row["level"], "source": "a point inside the area's outline"}
    return list(out.values())


def settings_for(country: str, area_ids: list[str]) -> dict:
    """Time zone and holidays of a place from its area codes (province of a DAUID, nation of an LSOA)."""
    if not area_ids:
        return {}
    first = sorted(area_ids)[0]
    if country == "CA" and first[:2] in PROVINCES:
        timezone, holidays = PROVINCES[first[:2]]
        return {"timezone": timezone, "holidays": holidays}
    if country == "GB" and first[:1] in UK_NATIONS:
        return {"timezone": "Europe/London", "holidays": UK_NATIONS[first[:1]]}
    return {}


def zoom_for(bounds: tuple[float, float, float, float] | None) -> int:
    """A map zoom that shows the whole extent (minlon, minlat, maxlon, maxlat) on a laptop screen."""
    if not bounds:
        return 9
    minlon, minlat, maxlon, maxlat = bounds
    span = max((maxlon - minlon) * math.cos(math.radians((minlat + maxlat) / 2)), maxlat - minlat, 1e-4)
    return int(max(3, min(15, math.floor(math.log2(984 / span)))))
