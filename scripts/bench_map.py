#!/usr/bin/env python3
"""Benchmark the map page and the asset API against inline-folium baselines measured in the same run.

Usage: python scripts/bench_map.py [--assets 100000] [--seed 1]

Prints, for N synthetic assets spread over the Muskoka bounding box:
  * the map page size (ours: folium skeleton + API) vs an inline FastMarkerCluster page;
  * the time for a bbox query returning ~1k features (R*Tree) vs the same query by full scan;
  * the time to serve the full GeoJSON (cold) vs building an inline folium GeoJson page.
Targets: page <= 50 KB at any size, bbox query <= 20 ms, full GeoJSON <= 1 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.db import init_db  # noqa: E402
from app.views import api  # noqa: E402
from assetmap.services.demo import load_categories  # noqa: E402

BBOX = (-79.95, 44.75, -78.85, 45.5)  # minlon, minlat, maxlon, maxlat


def synthetic_assets(n: int, seed: int, categories: list[str]):
    rng = random.Random(seed)
    precisions = ["exact", "address", "postal_code", "community"]
    for i in range(n):
        yield {
            "external_id": f"bench:{i}",
            "name": f"Synthetic asset {i}",
            "category": categories[i % len(categories)],
            "latitude": round(rng.uniform(BBOX[1], BBOX[3]), 6),
            "longitude": round(rng.uniform(BBOX[0], BBOX[2]), 6),
            "location_precision": precisions[i % len(precisions)],
            "confidential": 0,
            "status": "active",
            "version": 1,
        }


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    """Median seconds over repeat calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench_map_"))
    db_path = tmp / "bench.db"
    db = init_db(db_path)
    load_categories(db)
    cats = [r["slug"] for r in db.query("SELECT slug FROM categories")]
    print(f"Inserting {args.assets:,} synthetic assets ...", flush=True)
    t0 = time.perf_counter()
    with db.atomic():
        db["assets"].insert_all(synthetic_assets(args.assets, args.seed, cats), batch_size=5000)
    print(f"  inserted in {time.perf_counter() - t0:.1f} s")
    rows = list(db.query("SELECT latitude, longitude, name FROM assets"))

    app = create_app({"DATABASE": str(db_path), "SECRET_KEY": "bench", "TESTING": True})
    client = app.test_client()

    # 1. page size
    page_s, page = timed(lambda: client.get("/"), repeat=3)
    import folium
    from folium.plugins import FastMarkerCluster

    def inline_cluster_page():
        m = folium.Map(location=[45.1, -79.35], zoom_start=9)
        FastMarkerCluster([[r["latitude"], r["longitude"]] for r in rows]).add_to(m)
        return m.get_root().render()

    inline_s, inline_html = timed(inline_cluster_page, repeat=1)

    # 2. bbox query returning ~1k features: a box holding ~1% of the district, moved each call
    frac = (1000 / args.assets) ** 0.5
    w, h = (BBOX[2] - BBOX[0]) * frac, (BBOX[3] - BBOX[1]) * frac
    rng = random.Random(args.seed)
    boxes = []
    for _ in range(20):
        x = rng.uniform(BBOX[0], BBOX[2] - w)
        y = rng.uniform(BBOX[1], BBOX[3] - h)
        boxes.append(f"{x:.5f},{y:.5f},{x + w:.5f},{y + h:.5f}")
    counts, times = [], []
    for box in boxes:
        api._cache.clear()
        t0 = time.perf_counter()
        resp = client.get("/api/assets?bbox=" + box)
        times.append(time.perf_counter() - t0)
        counts.append(len(resp.get_json(force=True)["features"]))
    bbox_s = statistics.median(times)

    def full_scan(box):
        x0, y0, x1, y1 = (float(v) for v in box.split(","))
        return list(
            db.query(
                "SELECT * FROM assets NOT INDEXED WHERE status = 'active' AND longitude BETWEEN ? AND ? AND latitude BETWEEN ? AND ?",
                [x0, x1, y0, y1],
            )
        )

    from assetmap import store

    def rtree_query(box):
        return store.query_assets(db, bbox=tuple(float(v) for v in box.split(",")))

    scan_times, rtree_times = [], []
    for box in boxes[:7]:
        t0 = time.perf_counter()
        full_scan(box)
        scan_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        rtree_query(box)
        rtree_times.append(time.perf_counter() - t0)
    scan_s, rtree_s = statistics.median(scan_times), statistics.median(rtree_times)

    # 3. full GeoJSON (cold cache) vs inline folium GeoJson page
    def full_geojson():
        api._cache.clear()
        return client.get("/api/assets")

    full_s, full = timed(full_geojson, repeat=3)

    def inline_geojson_page():
        m = folium.Map(location=[45.1, -79.35], zoom_start=9)
        folium.GeoJson(full.get_json(force=True)).add_to(m)
        return m.get_root().render()

    inline_geo_s, inline_geo_html = timed(inline_geojson_page, repeat=1)

    page_kb = len(page.data) / 1024
    print()
    print(f"{'measure':44} {'ours':>12} {'baseline':>14} {'ratio':>8}  target")
    print(
        f"{'map page size (KB)':44} {page_kb:12.1f} {len(inline_html) / 1024:14.1f} {len(inline_html) / 1024 / page_kb:7.0f}x  <= 50 KB: {'PASS' if page_kb <= 50 else 'FAIL'}"
    )
    print(
        f"{'map page build (ms) vs inline FastMarkerCluster':44} {page_s * 1000:12.1f} {inline_s * 1000:14.1f} {inline_s / page_s:7.0f}x"
    )
    print(
        f"{f'bbox query, ~{statistics.median(counts):.0f} rows (ms): R*Tree vs full scan':44} {rtree_s * 1000:12.2f} {scan_s * 1000:14.2f} "
        f"{scan_s / rtree_s:7.1f}x"
    )
    print(
        f"{'bbox API request, cold cache (ms) vs scan query':44} {bbox_s * 1000:12.2f} {scan_s * 1000:14.2f} "
        f"{scan_s / bbox_s:7.1f}x  <= 20 ms: {'PASS' if bbox_s <= 0.020 else 'FAIL'}"
    )
    print(
        f"{'full GeoJSON (s) vs inline folium GeoJson':44} {full_s:12.3f} {inline_geo_s:14.3f} {inline_geo_s / full_s:7.1f}x  "
        f"<= 1 s: {'PASS' if full_s <= 1.0 else 'FAIL'}"
    )
    print(
        f"\n(full GeoJSON body {len(full.data) / 1e6:.1f} MB; inline GeoJson page {len(inline_geo_html) / 1e6:.1f} MB; bbox feature counts {min(counts)}-{max(counts)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
