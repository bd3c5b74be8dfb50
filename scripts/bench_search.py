#!/usr/bin/env python3
"""Benchmark GET /api/search on 100k synthetic assets, beside a full-scan baseline in the same run.

Usage: python scripts/bench_search.py [--assets 100000] [--requests 400] [--clients 4] [--seed 6] [--repeat 3]
                                     [--skip-http]

Builds a temporary database of synthetic assets over the Muskoka bounding box (mixed location
precision, some confidential or unlocated, some with structured opening hours), then:
  * in-process: the app's WSGI callable answers every search `--repeat` times (after a warm-up of
    other searches), and the CPU time per search (the best pass, and the first: before any of
    these searches' results were kept with the index) and the SQL statements per search are
    printed (statements counted with sqlite3's trace callback on the request's connection; FTS5's
    own inner statements, which SQLite reports with a leading "--", are not statements the app runs);
  * over HTTP: two real servers on 127.0.0.1 (gunicorn, 2 workers x 2 threads, as production runs):
      - the app as it is (in-memory index with a KD-tree + FTS5, services/finder.py);
      - the same app with the ranking replaced by a full scan (every located row read from SQLite
        and measured, no spatial index);
    the same bounded list of searches (lat,lon points and postal codes, categories, text, open_at)
    is sent to each by `--clients` concurrent client threads; p50/p95 latencies and ratios printed.
Targets: CPU <= 1.5 ms and <= 3 statements a search; p95 <= 40 ms and >= 25x the full scan.
Text searches use four words, so after the first one a word's matches come from the finder's
per-data-version cache (as repeated words do in real use). Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BBOX = (-79.95, 44.75, -78.85, 45.5)  # minlon, minlat, maxlon, maxlat
WORDS = ["food bank", "clinic", "library", "arena", "Société", "community centre", "park", "transit", "legion"]
HOURS = ["Mo-Fr 08:30-16:30", "24/7", "Tu,Th 10:00-14:00", "Mo-Sa 09:00-21:00", "Fr-Sa 20:00-02:00"]
PRECISIONS = ["exact"] * 4 + ["address"] * 2 + ["postal_code", "community", "community", "municipality"]


def synthetic_assets(n: int, seed: int, categories: list[str]):
    rng = random.Random(seed)
    for i in range(n):
        precision = "none" if rng.random() < 0.03 else rng.choice(PRECISIONS)
        yield {
            "external_id": f"bench:{i}",
            "name": f"{rng.choice(WORDS).title()} {i}",
            "description": f"Synthetic {rng.choice(WORDS)} for the search benchmark",
            "category": categories[i % len(categories)],
            "community": rng.choice(["Bracebridge", "Huntsville", "Gravenhurst", "Bala", "Dwight"]),
            "latitude": None if precision == "none" else round(rng.uniform(BBOX[1], BBOX[3]), 6),
            "longitude": None if precision == "none" else round(rng.uniform(BBOX[0], BBOX[2]), 6),
            "location_precision": precision,
            "confidential": 1 if rng.random() < 0.005 else 0,
            "opening_hours": rng.choice(HOURS) if rng.random() < 0.3 else "",
            "phone": "705-555-0100",
            "status": "active",
            "version": 1,
        }


def build_database(path: Path, n: int, seed: int) -> None:
    from app.db import init_db
    from assetmap.services.demo import load_categories

    db = init_db(path)
    load_categories(db)
    cats = [r["slug"] for r in db.query("SELECT slug FROM categories")]
    with db.atomic():
        db["assets"].insert_all(synthetic_assets(n, seed, cats), batch_size=5000)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def queries(count: int, seed: int) -> list[str]:
    """A bounded, reproducible mix of searches, as query strings."""
    rng = random.Random(seed + 1)
    with open(ROOT / "assets_data" / "postal_codes_geonames.csv", newline="", encoding="utf-8") as fh:
        codes = [r["postal_code"] for r in csv.DictReader(fh) if r["postal_code"][1] != "0"]
    cats = ["food", "health", "parks", "transport", "social_services", "recreation", "culture"]
    out = []
    for _ in range(count):
        params: list[tuple[str, str]] = []
        if rng.random() < 0.6:
            lat, lon = rng.uniform(44.8, 45.45), rng.uniform(-79.9, -78.9)
            params.append(("near", f"{lat:.4f},{lon:.4f}"))
        else:
            params.append(("near", rng.choice(codes)))
        r = rng.random()
        if r < 0.5:
            params.append(("category", rng.choice(cats)))
        elif r < 0.6:
            params.append(("category", ",".join(rng.sample(cats, 2))))
        if rng.random() < 0.1:
            params.append(("q", rng.choice(["food", "societe", "clinic", "arena"])))
        if rng.random() < 0.2:
            params.append(("open_at", "2026-11-24T10:00"))
        out.append(urllib.parse.urlencode(params))
    return out


# --- servers ----------------------------------------------------------------------------------


_request = threading.local()  # the baseline's view of the request's database


def use_full_scan() -> None:
    """Baseline: rank by reading every located public row from SQLite and measuring all of them
    (no KD-tree), then the same filters, order and accept rule as FinderIndex.nearest."""
    import numpy as np

    from assetmap.services import finder
    from assetmap.services.finder_index import GEOD, FinderIndex

    index_for = finder.index_for

    def remember_db(db):
        _request.db = db
        return index_for(db)

    def full_scan_nearest(self, lat, lon, keep, limit, accept=None):
        accept = accept or (lambda _p: True)
        rows = _request.db.execute(
            "SELECT id, latitude, longitude FROM public_assets WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
        ).fetchall()
        positions = self.positions_of([r[0] for r in rows])
        lats = np.array([r[1] for r in rows], dtype=float)
        lons = np.array([r[2] for r in rows], dtype=float)
        wanted = keep[positions]
        positions, lats, lons = positions[wanted], lats[wanted], lons[wanted]
        _, _, dist = GEOD.inv(np.full_like(lons, lon), np.full_like(lats, lat), lons, lats)
        return self.first_accepted(positions, dist, accept, limit)

    finder.index_for = remember_db
    FinderIndex.nearest = full_scan_nearest


def bench_app():
    """WSGI app for gunicorn: the app, or with BENCH_FULL_SCAN=1 the full-scan baseline."""
    from app import create_app

    if os.environ.get("BENCH_FULL_SCAN") == "1":
        use_full_scan()
    return create_app({"DATABASE": os.environ["BENCH_DB"], "SECRET_KEY": "bench"})


def in_process(
    db_path: Path, searches: list[str], warmup: list[str], repeat: int
) -> tuple[float, float, float, float, float]:
    """(CPU ms per search, wall ms per search, SQL statements per search) of the app's WSGI
    callable in this process, best of `repeat` passes over the searches (statements: the last);
    then the CPU ms and statements per search of the first pass, when nothing of these searches'
    results was kept yet (the warm-up searches are others)."""
    from werkzeug.test import EnvironBuilder

    from app import create_app

    app = create_app({"DATABASE": str(db_path), "SECRET_KEY": "bench"})
    environs = [EnvironBuilder(path="/api/search", query_string=q).get_environ() for q in searches]

    def call(environ) -> None:
        status = []
        body = b"".join(app(dict(environ), lambda s, h, exc=None: status.append(s)))
        assert status[0].startswith("200"), (status, body[:200])

    for q in warmup:
        call(EnvironBuilder(path="/api/search", query_string=q).get_environ())
    statements = [0]

    def count(sql: str) -> None:
        if not sql.startswith("--"):  # FTS5's inner statements: run by SQLite, not by the app
            statements[0] += 1

    # The request's connection is this thread's own (app.db): trace it.
    conn = app.extensions["assetmap_connections"].by_path[str(db_path)].conn
    cpu = wall = float("inf")
    first: tuple[float, float] | None = None
    for _ in range(repeat):
        statements[0] = 0
        conn.set_trace_callback(count)
        c0, w0 = time.process_time(), time.perf_counter()
        for environ in environs:
            call(environ)
        pass_cpu = (time.process_time() - c0) * 1000 / len(environs)
        cpu = min(cpu, pass_cpu)
        wall = min(wall, (time.perf_counter() - w0) * 1000 / len(environs))
        conn.set_trace_callback(None)
        first = first or (pass_cpu, statements[0] / len(environs))
    return cpu, wall, statements[0] / len(environs), *first


def serve(db_path: str, port: int, full_scan: bool) -> None:
    from werkzeug.serving import run_simple

    from app import create_app

    if full_scan:
        use_full_scan()
    app = create_app({"DATABASE": db_path, "SECRET_KEY": "bench"})
    run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False, use_debugger=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    db_path: Path, full_scan: bool, server: str = "gunicorn", workers: int = 2
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, BENCH_DB=str(db_path), BENCH_FULL_SCAN="1" if full_scan else "0", PYTHONPATH=str(ROOT))
    if server == "gunicorn":
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        cmd = [
            gunicorn,
            "--workers",
            str(workers),
            "--threads",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(ROOT / "scripts"),
            "bench_search:bench_app()",
        ]
    else:
        cmd = [sys.executable, __file__, "--serve", str(port), "--db", str(db_path)] + (
            ["--full-scan"] if full_scan else []
        )
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def load(base: str, searches: list[str], clients: int) -> tuple[list[float], int]:
    """Send every search once, spread over `clients` threads; latencies in ms and the error count."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    work = list(searches)

    def client():
        while True:
            with lock:
                if not work:
                    return
                query = work.pop()
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(f"{base}/api/search?{query}", timeout=30) as resp:
                    json.loads(resp.read())
            except Exception:  # noqa: BLE001 (counted and reported)
                with lock:
                    errors[0] += 1
                continue
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3, help="in-process passes over the searches; the best counts")
    parser.add_argument("--skip-http", action="store_true", help="only the in-process figures")
    parser.add_argument(
        "--server",
        choices=["gunicorn", "werkzeug"],
        default="gunicorn",
        help="gunicorn (as scripts/serve --production runs it) or the threaded development server",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn worker processes (default: 2, one per core here)"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--full-scan", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.db, args.serve, args.full_scan)
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="bench_search_"))
    db_path = tmp / "bench.db"
    print(f"Building {args.assets:,} synthetic assets in {db_path} ...", flush=True)
    t0 = time.perf_counter()
    build_database(db_path, args.assets, args.seed)
    print(f"  built in {time.perf_counter() - t0:.1f} s")
    searches = queries(args.requests, args.seed)
    warmup = queries(20, args.seed + 100)
    cpu_ms, wall_ms, statements, first_cpu_ms, first_statements = in_process(db_path, searches, warmup, args.repeat)
    print(
        f"in-process, {len(searches)} searches: CPU {cpu_ms:.2f} ms a search (wall {wall_ms:.2f} ms), "
        f"{statements:.2f} SQL statements a search   "
        f"CPU <= 1.5 ms: {'PASS' if cpu_ms <= 1.5 else 'FAIL'}; <= 3 statements: {'PASS' if statements <= 3 else 'FAIL'}\n"
        f"  first pass (results not kept yet): CPU {first_cpu_ms:.2f} ms a search, "
        f"{first_statements:.2f} SQL statements a search",
        flush=True,
    )
    if args.skip_http:
        return 0
    results = {}
    for label, full_scan in (("index + FTS (the app)", False), ("full scan (baseline)", True)):
        proc, base = start_server(db_path, full_scan, args.server, args.workers)
        try:
            load(base, warmup, args.clients)
            t0 = time.perf_counter()
            latencies, errors = load(base, searches, args.clients)
            wall = time.perf_counter() - t0
        finally:
            proc.terminate()
            proc.wait(10)
        results[label] = latencies
        print(
            f"{label:<26} p50 {statistics.median(latencies):7.1f} ms   p95 {pct(latencies, 95):7.1f} ms   "
            f"{len(latencies) / wall:6.1f} req/s   errors {errors}",
            flush=True,
        )
    ours, base = results["index + FTS (the app)"], results["full scan (baseline)"]
    p95 = pct(ours, 95)
    print(
        f"\n/api/search, {args.assets:,} assets, {args.clients} clients, {len(ours)} requests, {args.server}"
        f"{f' ({args.workers} workers)' if args.server == 'gunicorn' else ''}: "
        f"p50 {statistics.median(ours):.1f} ms vs {statistics.median(base):.1f} ms "
        f"({statistics.median(base) / statistics.median(ours):.1f}x), "
        f"p95 {p95:.1f} ms vs {pct(base, 95):.1f} ms ({pct(base, 95) / p95:.1f}x)   "
        f"p95 <= 40 ms: {'PASS' if p95 <= 40 else 'FAIL'}; >= 25x: {'PASS' if pct(base, 95) / p95 >= 25 else 'FAIL'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
