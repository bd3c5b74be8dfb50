#!/usr/bin/env python3
"""Write the SYNTHETIC realised-uptake example (assets_data/examples/) for the Muskoka DAs. Deterministic.

Usage: python scripts/make_uptake_example.py [--out assets_data/examples] [--seed 2025]

Only the DA ids and their 2021 populations are real (assets_data/dissemination_areas.geojson). Every
other number is invented here, by the stated rules below, for trying the uptake computation:

* Age split: the real age profile of each DA is not available offline, so each DA's population is
  split over eight bands by a SYNTHETIC profile (MUSKOKA_PROFILE, an older-than-average profile),
  varied per DA by a Dirichlet draw (concentration 150) and rounded to whole people (largest
  remainder, so bands add up to the DA's 2021 population).
* Service use: a fictional "Example community nursing visits" service (unit: people, period 2025).
  Each DA-band count is Poisson(population x RATE_PER_1000 / 1000 x area effect), the area effect
  log-normal (sd 0.1), except LOW_AREAS (chosen by the seed among DAs with at least 30 expected
  people), whose effect is LOW_EFFECT: those DAs are deliberately low.
* Reference: a fictional province of 15 million people with a younger SYNTHETIC profile
  (REFERENCE_PROFILE) and exactly RATE_PER_1000, counts rounded.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BANDS = ("0-4", "5-14", "15-24", "25-44", "45-64", "65-74", "75-84", "85+")
MUSKOKA_PROFILE = (0.04, 0.09, 0.09, 0.18, 0.30, 0.16, 0.10, 0.04)  # synthetic, not census data
REFERENCE_PROFILE = (0.05, 0.11, 0.12, 0.27, 0.26, 0.10, 0.06, 0.03)  # synthetic, not census data
RATE_PER_1000 = (4.0, 2.0, 3.0, 5.0, 12.0, 35.0, 90.0, 220.0)  # people seen per 1,000 a year, invented
REFERENCE_PEOPLE = 15_000_000
N_LOW = 5
LOW_EFFECT = 0.45

POPULATION_FILE = "synthetic_uptake_population.csv"
SERVICE_FILE = "synthetic_uptake_service_use.csv"
REFERENCE_FILE = "synthetic_uptake_reference.csv"


def split_whole(total: int, shares: np.ndarray) -> np.ndarray:
    """Whole numbers in proportion to shares that add up to total (largest remainder)."""
    raw = total * shares / shares.sum()
    out = np.floor(raw).astype(int)
    out[np.argsort(-(raw - out), kind="stable")[: total - out.sum()]] += 1
    return out


def build(seed: int):
    """DA ids, population by band, counts by band, low DA ids, reference counts and population."""
    features = json.loads((ROOT / "assets_data" / "dissemination_areas.geojson").read_text(encoding="utf-8"))
    das = sorted(
        (f["properties"]["dauid"], int(f["properties"]["pop_2021"]))
        for f in features["features"]
        if f["properties"].get("pop_2021")  # Wahta Mohawk Territory has no 2021 count: left out
    )
    rng = np.random.default_rng(seed)
    base = np.array(MUSKOKA_PROFILE)
    population = np.array([split_whole(n, rng.dirichlet(base * 150)) for _, n in das])
    rate = np.array(RATE_PER_1000) / 1000
    expected = population @ rate
    effect = rng.lognormal(0.0, 0.1, size=len(das))
    candidates = np.flatnonzero(expected >= 30)
    low = np.sort(rng.choice(candidates, size=N_LOW, replace=False))
    effect[low] = LOW_EFFECT
    counts = rng.poisson(population * rate * effect[:, None])
    ref_population = split_whole(REFERENCE_PEOPLE, np.array(REFERENCE_PROFILE))
    ref_counts = np.round(ref_population * rate).astype(int)
    return [d for d, _ in das], population, counts, [das[i][0] for i in low], ref_counts, ref_population


def write_csv(path: Path, header: tuple[str, ...], rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "assets_data" / "examples")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    ids, population, counts, low, ref_counts, ref_population = build(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    cells = [(da, band, k, j) for k, da in enumerate(ids) for j, band in enumerate(BANDS)]
    write_csv(args.out / POPULATION_FILE, ("area_id", "age_band", "population"),
              ((da, band, int(population[k, j])) for da, band, k, j in cells))  # fmt: skip
    write_csv(args.out / SERVICE_FILE, ("area_id", "age_band", "count"),
              ((da, band, int(counts[k, j])) for da, band, k, j in cells))  # fmt: skip
    write_csv(args.out / REFERENCE_FILE, ("age_band", "count", "population"),
              ((band, int(ref_counts[j]), int(ref_population[j])) for j, band in enumerate(BANDS)))  # fmt: skip
    print(
        f"SYNTHETIC example written to {args.out}: {len(ids)} DAs x {len(BANDS)} bands, "
        f"{int(population.sum()):,} people, {int(counts.sum()):,} people seen; deliberately low: {', '.join(low)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
