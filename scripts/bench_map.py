#!/usr/bin/env python3
"""Benchmark the map page and the asset API against inline-folium baselines measured in the same run.

Usage: python scripts/bench_map.py [--assets 100000] [--seed 1]

Prints, for N synthetic assets spread over the Muskoka bounding box:
  * the map page size (ours: folium skeleton + API) vs an inline FastMarkerCluster page;
  * the time for a bbox query returning ~1k features (R*Tree) vs the same query by full scan;
  * the full GeoJSON (/api/assets, streamed): time to the last byte and the extra memory (peak RSS
    above the process's RSS before the request, sampled every 2 ms, each in a fresh process), read
    as a server does, one chunk at a time; beside the whole body built and kept as before (time
    and memory), and building an inline folium GeoJson page.
Targets: page <= 50 KB at any size, bbox query <= 20 ms, full GeoJSON <= 0.6 s with < 50 MB extra.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
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


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def with_peak_rss(fn) -> tuple[float, float, object]:
    """(seconds, peak RSS above the RSS before, in MB, result) of one call, RSS sampled every 2 ms."""
    base, peak, done = rss_mb(), [0.0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample)
    sampler.start()
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    return seconds, max(peak[0], rss_mb()) - base, result


def served(app, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    """(bytes, first 200 bytes) of a response read as a server writes it: one chunk at a time, none kept."""
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(path=path, headers=headers or {}).get_environ()
    size, head = 0, b""
    body = app(environ, lambda status, hdrs, exc=None: None)
    try:
        for chunk in body:
            size += len(chunk)
            head = head or chunk[:200]
    finally:
        getattr(body, "close", lambda: None)()
    return size, head


def measure_full_geojson(kind: str, db_path: str, encoding: str) -> int:
    """Child process: print seconds, extra MB (peak RSS above the RSS before) and bytes of the full
    GeoJSON, streamed by the app ('stream') or built whole and kept as before ('whole')."""
    from assetmap import store
    from assetmap.services.published import Published

    app = create_app({"DATABASE": db_path, "SECRET_KEY": "bench", "TESTING": True})
    served(app, "/api/categories")  # warm: the thread's connection, the app's first request
    if kind == "stream":
        headers = {"Accept-Encoding": "gzip"} if encoding == "gzip" else {}
        seconds, mb, (size, _) = with_peak_rss(lambda: served(app, "/api/assets", headers))
    else:
        db = store.open_database(db_path)
        seconds, mb, entry = with_peak_rss(lambda: Published(store.public_feature_collection(db)))
        size = len(entry.body)
    print(f"{seconds:.4f} {mb:.1f} {size}")
    return 0


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
    parser.add_argument("--measure", choices=["stream", "whole"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--headers", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure_full_geojson(args.measure, args.db, args.headers)

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
        api._published.data.clear()
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
        return store.public_rows(db, bbox=tuple(float(v) for v in box.split(",")))

    scan_times, rtree_times = [], []
    for box in boxes[:7]:
        t0 = time.perf_counter()
        full_scan(box)
        scan_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        rtree_query(box)
        rtree_times.append(time.perf_counter() - t0)
    scan_s, rtree_s = statistics.median(scan_times), statistics.median(rtree_times)

    # 3. full GeoJSON: streamed (ours), the whole body built and kept (as before), inline folium
    # Each measured in a fresh process (a heap that served big bodies before would hide growth).
    def measure(kind: str, headers: str = "") -> tuple[float, float, int]:
        out = subprocess.run(
            [sys.executable, __file__, "--measure", kind, "--db", str(db_path), "--headers", headers],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        seconds, mb, size = out.split()
        return float(seconds), float(mb), int(size)

    runs = [measure("stream") for _ in range(3)]
    full_s, full_mb, full_bytes = min(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2]
    gz_s, gz_mb, gz_bytes = measure("stream", "gzip")
    kept_runs = [measure("whole") for _ in range(3)]
    kept_s, kept_mb = min(r[0] for r in kept_runs), max(r[1] for r in kept_runs)
    full = client.get("/api/assets")

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
        f"{'full GeoJSON streamed (s) vs inline folium':44} {full_s:12.3f} {inline_geo_s:14.3f} {inline_geo_s / full_s:7.1f}x  "
        f"<= 0.6 s: {'PASS' if full_s <= 0.6 else 'FAIL'}"
    )
    print(f"{'full GeoJSON streamed (s) vs whole body kept':44} {full_s:12.3f} {kept_s:14.3f} {kept_s / full_s:7.1f}x")
    print(
        f"{'  extra memory (MB peak RSS) vs whole body':44} {full_mb:12.1f} {kept_mb:14.1f} {'':>8}  "
        f"< 50 MB: {'PASS' if full_mb < 50 else 'FAIL'}"
    )
    print(f"{'  gzip on request (s), extra MB':44} {gz_s:12.3f} {gz_mb:14.1f}")
    print(
        f"\n(full GeoJSON body {full_bytes / 1e6:.1f} MB, gzip {gz_bytes / 1e6:.1f} MB; inline GeoJson page "
        f"{len(inline_geo_html) / 1e6:.1f} MB; bbox feature counts {min(counts)}-{max(counts)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
