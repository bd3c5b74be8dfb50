"""Loading realised-uptake data: population by age band and counts of service use, all or nothing.

Each import reads and checks the whole file first (formats.uptake_files). When any row is bad,
nothing is saved and every problem is reported with its row number; otherwise one transaction
replaces what the import covers (all band populations; or one service and period). `save=False`
gives the same report without saving: the web page's preview.

Postal codes and FSAs. Counts given per postal code (A1A 1A1) or forward sortation area (A1A) are
shared among areas by population (needs_assessment.allocation): each postal code's point (GeoNames'
table, the offline geocoder's) is placed in the area it falls in; a full postal code goes to that
area; an FSA is shared among the areas its postal codes fall in, each weighted by the area's
population. Postal codes of an FSA that fall outside every loaded area keep their share unplaced, in
proportion to their number (each such code is assumed to stand for as many people as the codes
inside). A full postal code missing from the table is shared over its FSA (and says so). What
cannot be placed is reported and recorded with the import, never pushed onto other areas.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlite_utils import Database

from assetmap import store
from assetmap.errors import InvalidParameter
from assetmap.formats import uptake_files
from assetmap.services.area_lookup import area_index
from assetmap.services.areadata import default_level
from needs_assessment import allocation

UNITS = ("people", "visits")
OUTSIDE = "(outside the loaded areas)"
BAND_TOLERANCE = 0.01  # say so when an area's bands and its population differ by more than 1%
LISTED = 10  # warnings listing areas name at most this many


@dataclass
class ImportReport:
    """What an import found and did. errors: (where, reason); nothing is saved when there are any."""

    kind: str
    saved: bool = False
    rows: int = 0
    areas: int = 0
    bands: list[str] = field(default_factory=list)
    total: float = 0.0
    unallocated: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)  # the first rows as read
    use_id: int | None = None

    def summary(self) -> str:
        """One line for people."""
        if self.errors:
            return f"{len(self.errors)} problem(s) found; nothing was saved"
        what = "saved" if self.saved else "checked (not saved)"
        bands = f" in {len(self.bands)} age bands" if self.bands else ""
        placed = f", {self.unallocated:,.1f} not placed in any area" if self.unallocated else ""
        return f"{self.rows} rows {what}: {self.areas} areas{bands}, total {self.total:,.0f}{placed}"


def _rows_errors(report: ImportReport, errors, prefix: str = "row") -> None:
    report.errors += [(f"{prefix} {n}", reason) for n, reason in errors]


def _listed(ids: list[str]) -> str:
    return ", ".join(ids[:LISTED]) + (f" and {len(ids) - LISTED} more" if len(ids) > LISTED else "")


# --- population by age band -----------------------------------------------------------------------


def import_population_bands(
    db: Database,
    path: str | Path | None = None,
    *,
    from_indicators: dict[str, str] | None = None,
    source: str | None = None,
    actor: str = "",
    save: bool = True,
) -> ImportReport:
    """Replace the population by age band with a file's rows, or with area indicator columns
    (from_indicators: age band -> indicator key, e.g. loaded by import-census-profile)."""
    level = default_level(db)
    areas = {a["id"]: a for a in store.list_areas(db, level)}
    report = ImportReport("population_bands")
    if (path is None) == (from_indicators is None):
        raise InvalidParameter("give a file, or the indicator columns to read (--from-indicator BAND=KEY)")
    if path is not None:
        found = uptake_files.read_population_bands(path, set(areas))
        _rows_errors(report, found.errors)
        rows = [(a, b, p) for _, a, b, p in found.rows]
        bands = found.bands
    else:
        keys = set(store.indicator_keys(db))
        unknown = [k for k in from_indicators.values() if k not in keys]
        if unknown:
            raise InvalidParameter(f"no area indicator {', '.join(unknown)}; load it first (import-census-profile)")
        bands = list(from_indicators)
        rows = [
            (a["id"], band, float(a[key]))
            for a in areas.values()
            for band, key in from_indicators.items()
            if a.get(key) is not None
        ]
    report.rows, report.bands = len(rows), bands
    report.preview = [{"area_id": a, "age_band": b, "population": p} for a, b, p in rows[:10]]
    sums: dict[str, float] = defaultdict(float)
    for a, _, p in rows:
        sums[a] += p
    report.areas, report.total = len(sums), float(sum(sums.values()))
    off = [
        f"{a} ({sums[a]:,.0f} in bands, {areas[a]['population']:,} counted)"
        for a in sorted(sums)
        if areas[a].get("population")
        and abs(sums[a] - areas[a]["population"]) > BAND_TOLERANCE * areas[a]["population"]
    ]
    if off:
        report.warnings.append(
            f"{len(off)} area(s) whose age bands add up to more than 1% away from their population: {_listed(off)}. "
            "Expected counts use the bands."
        )
    missing = sorted(a for a in areas if a not in sums and areas[a].get("population"))
    if missing:
        report.warnings.append(
            f"{len(missing)} area(s) with people but no age bands: {_listed(missing)}. Their expected counts use "
            "their total population at the standard's crude rate (not age-standardised)."
        )
    if report.errors or not save:
        return report
    info = {"source": source or (Path(path).name if path else "area indicators"), "bands": bands, "imported_by": actor}
    info["imported_at"] = store.now_iso()
    store.replace_population_bands(db, rows, info)
    report.saved = True
    return report


# --- counts of service use -------------------------------------------------------------------------


def _text(value: str | None, name: str, limit: int, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise InvalidParameter(f"{name} is required")
    if len(text) > limit:
        raise InvalidParameter(f"{name} is longer than {limit} characters")
    return text


def postal_weights(db: Database, geocoder, codes: list[str], level: str) -> tuple[dict, list[str]]:
    """Population weights per postal code or FSA (see the module docstring), and notes."""
    index = area_index(db, level)
    points = geocoder.postal_points({c[:3] for c in codes})
    where = index.locate([(lon, lat) for _, lat, lon in points])
    people = {a: float(p or 0) for a, p in index.population.items()}
    by_fsa: dict[str, list[str | None]] = defaultdict(list)
    located: dict[str, str | None] = {}
    for (code, _, _), area in zip(points, where, strict=True):
        by_fsa[code[:3]].append(area)
        located[code] = area
    weights, notes = {}, []
    for code in codes:
        fsa = code[:3]
        if len(code) > 3 and code in located:
            area = located[code]
            weights[code] = [(area, people.get(area, 0.0))] if area else [(OUTSIDE, 1.0)]
            continue
        if len(code) > 3:
            notes.append(f"{code} is not in the postal code table: shared over its FSA {fsa}")
        areas = by_fsa.get(fsa) or []
        inside = sorted({a for a in areas if a})
        pairs = [(a, people.get(a, 0.0)) for a in inside]
        outside = sum(1 for a in areas if a is None)
        if pairs and outside:
            weight_in = sum(w for _, w in pairs)
            pairs.append((OUTSIDE, weight_in * outside / (len(areas) - outside)))
        elif outside:
            pairs = [(OUTSIDE, 1.0)]
        weights[code] = pairs
    return weights, notes


def _read_reference(report: ImportReport, path, label: str, bands: list[str]) -> list | None:
    if path is None:
        if label:
            raise InvalidParameter("a reference label needs a reference file (age_band,count,population)")
        return None
    found = uptake_files.read_reference(path, bands)
    _rows_errors(report, found.errors, "reference row")
    return [[b, c, p] for _, b, c, p in found.rows]


def import_service_use(
    db: Database,
    path: str | Path,
    *,
    service: str,
    period: str | None = None,
    unit: str = "people",
    reference_path: str | Path | None = None,
    reference_label: str | None = None,
    source: str | None = None,
    actor: str = "",
    geocoder=None,
    save: bool = True,
) -> ImportReport:
    """Check a file of counts and store it as (service, period), replacing an earlier import of both."""
    service = _text(service, "the service name", 100, required=True)
    period = _text(period, "the period", 40)
    label = _text(reference_label, "the reference label", 200)
    if unit not in UNITS:
        raise InvalidParameter(f"unit must be {' or '.join(UNITS)}, not {unit!r}")
    level = default_level(db)
    area_ids = [a["id"] for a in store.list_areas(db, level)]
    bands, _ = store.population_bands(db)
    report = ImportReport("service_use")
    found = uptake_files.read_service_use(path, set(area_ids), bands)
    _rows_errors(report, found.errors)
    reference = _read_reference(report, reference_path, label, bands)
    report.rows = len(found.rows)
    report.bands = bands if found.by_band else []
    report.preview = [{found.key: p, "age_band": b, "count": c} for _, p, b, c in found.rows[:10]]
    if report.errors:
        return report
    counts = _place_counts(db, report, found, area_ids, bands, geocoder, level)
    report.total = float(sum(c for _, _, c in counts)) + report.unallocated
    placed = {a for a, _, c in counts}
    report.areas = len(placed)
    absent = [a for a in area_ids if a not in placed]
    if absent and found.key == "area_id":
        report.warnings.append(f"{len(absent)} of {len(area_ids)} areas have no row: their count is 0")
    if not save:
        return report
    record = {
        "service": service,
        "period": period,
        "unit": unit,
        "by_band": int(found.by_band),
        "reference_label": (label or Path(reference_path).name) if reference is not None else "",
        "reference": reference,
        "source": _text(source, "the source", 300) or Path(path).name,
        "allocated_from": found.key,
        "unallocated": report.unallocated,
        "notes": report.warnings,
        "imported_at": store.now_iso(),
        "imported_by": actor,
    }
    report.use_id = store.replace_service_use(db, record, counts)
    report.saved = True
    return report


def _place_counts(db, report, found, area_ids, bands, geocoder, level) -> list[tuple[str, str, float]]:
    """(area_id, age_band or '', count) to store; postal codes are shared among areas."""
    if found.key == "area_id":
        return [(p, b, c) for _, p, b, c in found.rows]
    if geocoder is None:
        raise InvalidParameter("postal codes need the place's geocoder")
    columns = bands if found.by_band else [""]
    per_code: dict[str, np.ndarray] = {}
    rows_of: dict[str, list[int]] = defaultdict(list)
    for row, code, band, count in found.rows:
        per_code.setdefault(code, np.zeros(len(columns)))[columns.index(band)] += count
        rows_of[code].append(row)
    weights, notes = postal_weights(db, geocoder, list(per_code), level)
    report.warnings += notes
    placed = allocation.allocate(per_code, weights, area_ids)
    for code, (left, reason) in sorted(placed.unallocated.items()):
        amount = float(np.sum(left))
        report.unallocated += amount
        rows = ", ".join(str(n) for n in rows_of[code][:5])
        report.warnings.append(f"{code} (row {rows}): {amount:,.2f} not placed ({reason})")
    out = []
    for i, area in enumerate(area_ids):
        for j, band in enumerate(columns):
            if placed.counts[i, j] > 0:
                out.append((area, band, float(placed.counts[i, j])))
    return out
