#!/usr/bin/env python3
"""Load test: 4 concurrent clients against the map, API, finder and reach endpoints, beside 1 client.

Usage: python scripts/bench_load.py [--duration 60] [--clients 4] [--rate 10] [--max-requests 20000] [--workers 2]

Builds the embedded Muskoka database in a temporary folder, starts the app under gunicorn in
production mode (as `scripts/serve --production` does) on 127.0.0.1, then runs the same weighted
mix of requests twice: with one client, and with --clients concurrent clients (separate processes),
each phase for --duration seconds or --max-requests requests, whichever comes first. Each client
paces itself at --rate requests a second (people clicking, not a flood); a shorter flat-out pair of
phases shows the saturated case too. Prints throughput, p50/p95/p99 latency and the error count
of each phase, and the concurrent/single ratios.
Target: 0 errors, p95 with 4 clients within 2x the single-client p95. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CATEGORIES = ["food", "health", "parks", "transport", "social_services", "recreation", "culture", "early_years"]
POSTAL = ["P1L 1T8", "P1H 1H7", "P1P 1T7", "P1L 2B5", "P1H 2J4"]


def request_mix(rng: random.Random) -> str:
    """One request path, drawn from a mix like real use (map loads, searches, analysis)."""
    r = rng.random()
    if r < 0.15:
        return "/"
    if r < 0.40:
        lon, lat = rng.uniform(-79.9, -79.0), rng.uniform(44.8, 45.4)
        return f"/api/assets?bbox={lon:.3f},{lat:.3f},{lon + 0.3:.3f},{lat + 0.2:.3f}"
    if r < 0.50:
        return f"/api/assets/{rng.randint(1, 141)}"
    if r < 0.65:
        return f"/api/search?near={urllib.request.quote(rng.choice(POSTAL))}&category={rng.choice(CATEGORIES)}"
    if r < 0.75:
        return f"/finder?near={urllib.request.quote(rng.choice(POSTAL))}"
    if r < 0.90:
        return f"/api/reach?category={rng.choice(CATEGORIES)}&threshold_m={rng.choice([2000, 5000, 10000, 20000])}&include_imprecise=1"
    if r < 0.95:
        return f"/reach?category={rng.choice(CATEGORIES)}"
    return "/api/areas?level=DA"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(db_path: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(
        os.environ,
        ASSETMAP_DATABASE=str(db_path),
        ASSETMAP_PRODUCTION="1",
        ASSETMAP_SECRET_KEY="bench-load-" + "0123456789abcdef" * 3,
    )
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    cmd = [gunicorn, "--workers", str(workers), "--threads", "4", "--bind", f"127.0.0.1:{port}", "app:create_app()"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):
                return proc, base
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError("gunicorn did not start")


def _client(base: str, n: int, seed: int, stop_at: float, budget, out, rate: float) -> None:
    """One client process: requests at `rate` a second (0: as fast as it can) until the time or the
    shared budget runs out. A late request goes at once; latency is measured from when it is sent."""
    rng = random.Random(seed * 1000 + n)
    latencies, errors = [], []
    start = time.time() + rng.random() / max(rate, 1.0)  # clients out of step, as people are
    sent = 0
    while time.time() < stop_at:
        if rate > 0:
            wait = start + sent / rate - time.time()
            if wait > 0:
                time.sleep(wait)
        sent += 1
        with budget.get_lock():
            if budget.value <= 0:
                break
            budget.value -= 1
        path = request_mix(rng)
        t0 = time.perf_counter()
        detail = None
        try:
            with urllib.request.urlopen(base + path, timeout=30) as resp:
                resp.read()
                if resp.status != 200:
                    detail = f"{resp.status} {path}"
        except urllib.error.HTTPError as exc:
            detail = f"{exc.code} {path}"
        except OSError as exc:
            detail = f"{exc.__class__.__name__} {path}"
        latencies.append((time.perf_counter() - t0) * 1000)
        if detail:
            errors.append(detail)
    out.put((latencies, errors))


def phase(base: str, clients: int, duration_s: float, max_requests: int, seed: int, rate: float = 0.0) -> dict:
    """Run `clients` client processes (separate processes: no shared interpreter lock on the client side)."""
    ctx = multiprocessing.get_context("fork")
    budget = ctx.Value("i", max_requests)
    out = ctx.Queue()
    stop_at = time.time() + duration_s
    procs = [ctx.Process(target=_client, args=(base, n, seed, stop_at, budget, out, rate)) for n in range(clients)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    wall = time.perf_counter() - t0
    lat = sorted(x for r in results for x in r[0])
    errors = [e for r in results for e in r[1]]

    def pct(p):
        return lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))]

    return {
        "requests": len(lat),
        "throughput": len(lat) / wall,
        "p50": statistics.median(lat),
        "p95": pct(95),
        "p99": pct(99),
        "errors": errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per phase (default 60)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--max-requests", type=int, default=20000, help="request cap per phase")
    parser.add_argument(
        "--rate",
        type=float,
        default=10.0,
        help="requests a second per client (default 10: a busy person clicking through the map); 0 = flat out",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2: one per core here)")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()

    from app.db import init_db
    from assetmap.services.demo import load_demo

    tmp = Path(tempfile.mkdtemp(prefix="bench_load_"))
    db_path = tmp / "load.db"
    db = init_db(db_path)
    load_demo(db)
    db.close()
    proc, base = start(db_path, args.workers)
    try:
        phase(base, 1, 3, 200, args.seed + 99)  # warm up caches and workers
        single = phase(base, 1, args.duration, args.max_requests, args.seed, args.rate)
        many = phase(base, args.clients, args.duration, args.max_requests, args.seed, args.rate)
        if args.rate:
            flat_single = phase(base, 1, args.duration / 3, args.max_requests, args.seed + 1)
            flat_many = phase(base, args.clients, args.duration / 3, args.max_requests, args.seed + 1)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    print(f"\ngunicorn, {args.workers} workers x 4 threads, Muskoka demo data, {args.duration:.0f} s per phase")
    print(
        f"{'clients':>8} {'pace':>12} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    pace = f"{args.rate:g}/s each" if args.rate else "flat out"
    rows = [("1", pace, single), (str(args.clients), pace, many)]
    if args.rate:
        rows += [("1", "flat out", flat_single), (str(args.clients), "flat out", flat_many)]
    for label, how, r in rows:
        print(
            f"{label:>8} {how:>12} {r['requests']:>9} {r['throughput']:8.1f} {r['p50']:8.1f} {r['p95']:8.1f} "
            f"{r['p99']:8.1f} {len(r['errors']):>7}"
        )
    ratio = many["p95"] / single["p95"]
    errors = sum(len(r["errors"]) for _, _, r in rows)
    print(
        f"\nthroughput x{many['throughput'] / single['throughput']:.2f}; p95 ratio {ratio:.2f} "
        f"(target <= 2.0: {'PASS' if ratio <= 2.0 else 'FAIL'}); errors {errors} (target 0: {'PASS' if errors == 0 else 'FAIL'})"
    )
    if args.rate:
        print(
            f"flat out (saturating both cores, clients included): throughput x{flat_many['throughput'] / flat_single['throughput']:.2f}, "
            f"p95 ratio {flat_many['p95'] / flat_single['p95']:.2f}"
        )
    for e in [e for _, _, r in rows for e in r["errors"]][:10]:
        print("  error:", e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
