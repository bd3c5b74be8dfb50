"""Gathering the plain data an assessment is computed from: areas, municipalities, assets placed in
their municipality, reach with both bounds, reference values. No Flask here.

Assets are counted in the municipality they belong to: their `municipality` field when it names a
municipality of the place, else the area their point falls in, else the nearest area within
NEAREST_AREA_M (coarse area outlines leave lakeshore and border sites outside every polygon); each
asset says how it was assigned. Confidential sites carry no municipality or point in public: they
are counted in the district's totals only, never placed.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
from shapely.geometry import shape
from sqlite_utils import Database

from assetmap import DATA_DIR, store
from assetmap.services import reach as reach_service
from needs_assessment.evaluation import Data
from needs_assessment.geo import assign_points, projection_for
from needs_assessment.precision import PRECISE

NEAREST_AREA_M = 5_000.0
ASSIGNED_BY = {
    "field": "its municipality field",
    "point": "its point, inside the municipality's areas",
    "nearest": f"its point, within {NEAREST_AREA_M / 1000:.0f} km of the municipality's nearest area",
}


def reference_rows(data_dir: Path = DATA_DIR) -> dict[str, dict]:
    """Comparator reference values (assets_data/comparators.csv) by geography name."""
    path = data_dir / "comparators.csv"
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["geography"]: r for r in csv.DictReader(fh)}


def _name_key(name: str | None) -> str:
    """A municipality name folded for matching: 'Moose Point 79 (Moose Deer Point First Nation)' -> 'moose point 79'."""
    base = re.sub(r"\s*\(.*\)\s*$", "", name or "")
    return " ".join(re.findall(r"\w+", base.lower()))


def asset_rows(db: Database, area_rows: list[dict], municipalities: dict[str, dict]) -> list[dict]:
    """Active assets as the public may see them, each with the small area its point falls in and the
    municipality it is counted in (`municipality_id`, and `assigned_by`: field, point, nearest or None)."""
    rows = store.public_rows(db)
    polygons = {a["id"]: shape(json.loads(a["geometry"])) for a in area_rows if a.get("geometry")}
    parent = {a["id"]: a.get("parent_id") for a in area_rows}
    points = [
        (r["longitude"], r["latitude"]) if r["latitude"] is not None and r["longitude"] is not None else None
        for r in rows
    ]
    inside = assign_points(points, polygons) if polygons else [None] * len(rows)
    nearest = _nearest_areas(points, area_rows)
    by_name = {_name_key(m.get("name")): mid for mid, m in municipalities.items()}
    out = []
    for r, p, area_id, near in zip(rows, points, inside, nearest, strict=True):
        municipality_id, how = by_name.get(_name_key(r.get("municipality"))), "field"
        if municipality_id is None and area_id is not None:
            municipality_id, how = parent.get(area_id), "point"
        if municipality_id is None and near is not None:
            municipality_id, how = parent.get(near), "nearest"
        out.append(
            {
                "id": r["id"],
                "name": r["name"],
                "category": r["category"],
                "area_id": area_id,
                "municipality_id": municipality_id,
                "assigned_by": how if municipality_id is not None else None,
                "has_point": p is not None,
                "precise": r["location_precision"] in PRECISE,
                "precision": r["location_precision"],
                "confidential": bool(r["confidential"]),
                "lon": None if p is None else round(p[0], 5),
                "lat": None if p is None else round(p[1], 5),
            }
        )
    return out


def _nearest_areas(points: list, area_rows: list[dict]) -> list[str | None]:
    """For each point, the id of the nearest area's representative point within NEAREST_AREA_M (or None)."""
    from scipy.spatial import cKDTree

    reps = [(a["rep_lon"], a["rep_lat"]) for a in area_rows if a.get("rep_lon") is not None]
    ids = [a["id"] for a in area_rows if a.get("rep_lon") is not None]
    located = [i for i, p in enumerate(points) if p is not None]
    out: list[str | None] = [None] * len(points)
    if not reps or not located:
        return out
    proj = projection_for([x for x, _ in reps], [y for _, y in reps])
    tree = cKDTree(proj.xy(np.array(reps)))
    distance, index = tree.query(proj.xy(np.array([points[i] for i in located])), k=1)
    for i, d, k in zip(located, distance, index, strict=True):
        out[i] = ids[int(k)] if d <= NEAREST_AREA_M else None
    return out


def _bound(report: dict) -> dict:
    return {
        "measurable": report["measurable"],
        "reason": report["reason"],
        "unreached": {a["id"]: a["unreached_population"] for a in report["areas"]} if report["measurable"] else {},
        "assets_used": report["assets_used"],
        "excluded_by_precision": report["excluded_by_precision"],
        "precisions_used": report["precisions_used"],
    }


def reach_inputs(db: Database, categories: list[dict], circuity: float, include_imprecise: bool) -> dict:
    """Per category, both bounds of who is beyond reach: with precise points only and with approximate
    points too; `unreached` and `measurable` are the run's chosen bound (include_imprecise)."""
    out = {}
    for cat in categories:
        strict = reach_service.reach_report(db, cat["slug"], circuity=circuity, include_imprecise=False)
        loose = reach_service.reach_report(db, cat["slug"], circuity=circuity, include_imprecise=True)
        chosen = loose if include_imprecise else strict
        out[cat["slug"]] = {
            **_bound(chosen),
            "bounds": {"precise": _bound(strict), "with_approximate": _bound(loose)},
            "chosen": "with_approximate" if include_imprecise else "precise",
            "uncertain": [a["id"] for a in strict["areas"] if a["uncertain"]],
            "excluded_assets": chosen["excluded_assets"],
            "thresholds": chosen["thresholds"],
        }
    return out


def gather(db: Database, geo: dict, circuity: float, include_imprecise: bool) -> tuple[str, Data, str]:
    """(geography label, the plain data for the computation, area level)."""
    from assetmap.services.areadata import default_level
    from assetmap.services.assessment_geography import geography_key, resolve_geography

    level = default_level(db)
    label, rows = resolve_geography(db, geo, level)
    district = store.list_areas(db, level)
    municipalities = {r["id"]: r for r in store.other_level_areas(db, level)}
    categories = [{"slug": c["slug"], "label": c["label"]} for c in store.list_categories(db)]
    data = Data(
        areas=rows,
        district_areas=district,
        municipalities=municipalities,
        assets=asset_rows(db, district, municipalities),
        reach=reach_inputs(db, categories, circuity, include_imprecise),
        reference=reference_rows(),
        categories=categories,
        disclosure_key=(geography_key(geo), circuity, include_imprecise),
        bands={b["key"]: b for b in store.deprivation_bands(db, level)},
    )
    return label, data, level
