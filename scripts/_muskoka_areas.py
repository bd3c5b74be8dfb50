"""The Muskoka area files of assets_data/ (build_assets_data.py writes the assets and calls these):
dissemination-area polygons with their representative points, municipality outlines, and the
gazetteer of community names for offline geocoding."""

from __future__ import annotations

import csv
import json
from pathlib import Path


def read_csv(path: Path) -> list[dict]:
    """Rows of a UTF-8 CSV file as dicts."""
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_csv(path: Path, rows: list[dict], fields: list[str]) -> None:
    """Write rows under a header, Unix line ends."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def round_coords(coords, ndigits: int = 5):
    """Round nested GeoJSON coordinates (5 decimals is ~1 m)."""
    if isinstance(coords[0], (int, float)):
        return [round(c, ndigits) for c in coords]
    return [round_coords(c, ndigits) for c in coords]


def build_areas(src: Path, out: Path) -> None:
    """DA polygons (approximate) with their representative points, and municipality outlines."""
    polys = json.loads((src / "muskoka_da_2021_approx_voronoi.geojson").read_text())
    points = {row["dauid"]: row for row in read_csv(src / "muskoka_da_2021.csv")}
    features = []
    for feat in polys["features"]:
        props = dict(feat["properties"])
        rep = points[props["dauid"]]
        props["rep_lon"] = float(rep["rep_lon"])
        props["rep_lat"] = float(rep["rep_lat"])
        geom = feat["geometry"]
        geom = {"type": geom["type"], "coordinates": round_coords(geom["coordinates"])}
        features.append({"type": "Feature", "properties": props, "geometry": geom})
    features.sort(key=lambda f: f["properties"]["dauid"])
    (out / "dissemination_areas.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=None) + "\n"
    )
    outlines = []
    for filename, in_muskoka in (
        ("muskoka_csd_2011geom_2021pop.geojson", True),
        ("almaguin_csd_2011geom.geojson", False),
    ):
        for feat in json.loads((src / filename).read_text())["features"]:
            props = dict(feat["properties"])
            props["in_muskoka"] = in_muskoka
            outlines.append({"type": "Feature", "properties": props, "geometry": feat["geometry"]})
    (out / "municipalities.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": outlines}, ensure_ascii=False) + "\n"
    )


def build_gazetteer(src: Path, out: Path) -> None:
    """Community names with a point and its precision, for offline geocoding of place names.

    Towns use GeoNames' place point for their urban FSA; townships use the representative point
    of their (coarse) outline. Rural post-office points are left out: they are often 20-40 km off.
    """
    rows = []
    towns = {r["name"]: r for r in read_csv(src / "muskoka_fsa_centroids_geonames.csv") if r["fsa"][1] != "0"}
    for fact in read_csv(src / "muskoka_csd_facts_2021.csv"):
        name = fact["name"].split(" (")[0]
        if name in towns:
            town = towns[name]
            rows.append(
                {
                    "name": name,
                    "kind": "town",
                    "latitude": town["lat"],
                    "longitude": town["lon"],
                    "precision": "community",
                    "municipality": name,
                    "source": f"GeoNames place point of FSA {town['fsa']} (CC BY 4.0)",
                }
            )
        elif fact["rep_lat"]:
            rows.append(
                {
                    "name": name,
                    "kind": "municipality",
                    "latitude": fact["rep_lat"],
                    "longitude": fact["rep_lon"],
                    "precision": "municipality",
                    "municipality": name,
                    "source": f"Statistics Canada census subdivision {fact['csduid']}: {fact['rep_point_source']}",
                }
            )
    write_csv(
        out / "gazetteer.csv", rows, ["name", "kind", "latitude", "longitude", "precision", "municipality", "source"]
    )
