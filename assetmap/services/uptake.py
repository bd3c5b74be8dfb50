"""Who isn't accessing a service: the loaded counts against their expected counts, per area.

Fetches plain arrays (areas, population by age band, counts, the reference), calls
needs_assessment.uptake, and shapes the result for the API, the map and the assessment. Results are
cached per (database, data version, parameters); every import bumps the data version. No Flask here.

How the loaded data become a computation:

* counts by age band with the population by age band: indirectly standardised, against the
  reference (when the import gave one) or all loaded areas together (internal standard);
* counts per area with the population by age band and a reference: standardised by the reference;
* otherwise (no age bands, or totals without a reference) the ratio compares crude rates: the
  standard is one band, all ages (`standardised: false`);
* an area missing from a counts file counts as 0;
* "far": an area where at least half the people live beyond reach of the chosen category (the
  reach analysis, services.reach) — the distance half of the four classes.
"""

from __future__ import annotations

import numpy as np
from sqlite_utils import Database

from assetmap import store
from assetmap.errors import InvalidParameter, NotFound
from assetmap.services import reach as reach_service
from assetmap.services.areadata import LRU, default_level, load_area_data
from needs_assessment import poisson, uptake
from needs_assessment.reach import DEFAULT_CIRCUITY
from needs_assessment.template_files import DEFAULT_TEMPLATE, template_by_name

FAR_SHARE = 0.5  # an area is "far" when at least this share of its people is beyond reach
AREA_FIELDS = (
    "id",
    "name",
    "population",
    "observed",
    "expected",
    "rate_per_1000",
    "ratio",
    "ratio_low95",
    "ratio_high95",
    "ratio_low998",
    "ratio_high998",
    "ci_method",
    "significance_95",
    "significance_998",
    "distance_class",
)
_cache = LRU(64)


class UnknownService(NotFound):
    """No counts are loaded for this service (or period): HTTP 404 with what is loaded."""

    def __init__(self, message: str, services: list[dict]):
        super().__init__(message)
        self.services = services


def default_threshold() -> int:
    """The small-number threshold of the default assessment template (the API's and the map's)."""
    return template_by_name(DEFAULT_TEMPLATE).suppression_threshold


def services(db: Database) -> list[dict]:
    """The loaded services, each with its periods as the importer recorded them."""
    out: dict[str, dict] = {}
    for use in store.list_service_uses(db):
        entry = out.setdefault(use["service"], {"service": use["service"], "periods": []})
        entry["periods"].append(
            {
                "period": use["period"] or None,
                "unit": use["unit"],
                "by_age_band": use["by_band"],
                "reference": use["reference_label"] or "areas",
                "source": use["source"],
                "allocated_from": use["allocated_from"],
                "total": use["total"],
                "unallocated": use["unallocated"],
                "imported_at": use["imported_at"],
            }
        )
    return list(out.values())


def find_use(db: Database, service: str | None, period: str | None) -> dict:
    """The loaded (service, period); the latest period (by label) when none is given.

    InvalidParameter without a service; UnknownService (with what is loaded) when there is none."""
    if not service or not service.strip():
        raise InvalidParameter("service is required: the name of a loaded service (see /api/uptake/services)")
    loaded = services(db)
    entry = next((s for s in loaded if s["service"] == service), None)
    if entry is None:
        names = ", ".join(repr(s["service"]) for s in loaded) or "none yet"
        raise UnknownService(f"no counts are loaded for the service {service!r}; loaded: {names}", loaded)
    periods = [p["period"] or "" for p in entry["periods"]]
    wanted = max(periods) if period is None or period == "" else period
    if wanted not in periods:
        raise UnknownService(
            f"no counts for {service!r} in period {period!r}; its periods: {', '.join(p or '(none)' for p in periods)}",
            loaded,
        )
    return store.get_service_use(db, service, wanted)


def _matrices(db: Database, use: dict, ids: list[str], population_total: np.ndarray):
    """population (areas, bands), counts by band or totals, the standard, and whether age-standardised."""
    bands, band_pop = store.population_bands(db)
    index = {a: i for i, a in enumerate(ids)}
    counts = store.service_use_counts(db, use["id"])
    reference = use["reference"]
    if bands and (use["by_band"] or reference is not None):
        pop = np.full((len(ids), len(bands)), np.nan)
        col = {b: j for j, b in enumerate(bands)}
        for area_id, by_band in band_pop.items():
            if area_id in index:
                for band, people in by_band.items():
                    pop[index[area_id], col[band]] = people
        if use["by_band"]:
            observed = np.zeros((len(ids), len(bands)))
            for area_id, band, count in counts:
                if area_id in index:
                    observed[index[area_id], col[band]] += count
            totals = None
        else:
            observed, totals = None, _totals(counts, index)
        standard = None
        if reference is not None:
            ref = {b: (c, p) for b, c, p in reference}
            standard = uptake.reference_standard(
                np.array([ref[b][0] for b in bands]), np.array([ref[b][1] for b in bands])
            )
        return pop, observed, totals, standard, True
    # Crude: one band, all ages, the areas' people (their bands' sum where loaded).
    people = np.array(
        [sum(band_pop[a].values()) if a in band_pop else population_total[i] for i, a in enumerate(ids)], dtype=float
    )[:, None]
    totals = _totals(counts, index)
    if reference is not None:
        standard = uptake.reference_standard(
            np.array([sum(c for _, c, _ in reference)]), np.array([sum(p for _, _, p in reference)])
        )
    else:
        standard = uptake.internal_standard(totals[:, None], people)
    return people, None, totals, standard, False


def _totals(counts, index) -> np.ndarray:
    out = np.zeros(len(index))
    for area_id, _, count in counts:
        if area_id in index:
            out[index[area_id]] += count
    return out


def _far(db, category, circuity, include_imprecise, level, ids) -> tuple[np.ndarray | None, dict | None]:
    if not category:
        return None, None
    report = reach_service.reach_report(
        db, category, circuity=circuity, include_imprecise=include_imprecise, level=level
    )
    facts = {"category": category, "category_label": report["category_label"]}
    if not report.get("measurable", True):  # no usable site: who is far cannot be said
        return None, {**facts, "far": None, "reason": report.get("reason")}
    share = {a["id"]: a["unreached_share"] or 0.0 for a in report["areas"]}
    far = np.array([share.get(a, 0.0) >= FAR_SHARE for a in ids])
    return far, {
        "category": category,
        "category_label": report["category_label"],
        "far": f"at least {FAR_SHARE:.0%} of the area's people live beyond reach of {report['category_label'].lower()}",
        "thresholds": report["thresholds"],
        "circuity": circuity,
    }


def uptake_report(
    db: Database,
    service: str | None,
    period: str | None = None,
    *,
    category: str | None = None,
    threshold: int | None = None,
    area_ids: list[str] | None = None,
    level: str | None = None,
    circuity: float = DEFAULT_CIRCUITY,
    include_imprecise: bool = False,
) -> dict:
    """Observed against expected per area, with limits, significance, four classes, deprivation and SII.

    area_ids limits the areas shown (an assessment's geography); the internal standard is still made
    of every loaded area. The JSON field names are the API's (README, "Who isn't accessing").
    """
    use = find_use(db, service, period)
    level = level or default_level(db)
    threshold = default_threshold() if threshold is None else threshold
    if category:
        store.get_category(db, category)  # InvalidParameter naming the known ones
    key = (store.db_key(db), store.data_version(db), use["id"], category, threshold,
           tuple(area_ids) if area_ids is not None else None, level, circuity, include_imprecise)  # fmt: skip
    cached = _cache.get(key)
    if cached is not None:
        return cached
    data = load_area_data(db, level)
    pop, observed, totals, standard, by_age = _matrices(db, use, data.ids, data.population)
    if standard is None:
        standard = uptake.internal_standard(observed, pop)
    keep = np.arange(len(data.ids))
    if area_ids is not None:
        wanted = set(area_ids)
        keep = np.array([i for i, a in enumerate(data.ids) if a in wanted], dtype=int)
    ids, names = [data.ids[i] for i in keep], [data.names[i] for i in keep]
    far, distance = _far(db, category, circuity, include_imprecise, level, data.ids)
    result = uptake.assess(
        pop[keep],
        None if observed is None else observed[keep],
        observed_total=None if totals is None else totals[keep],
        standard=standard,
        population_total=data.population[keep],
        far=None if far is None else far[keep],
        deprivation={k: v[keep] for k, v in data.quintiles.items()},
        threshold=threshold,
    )
    out = _shape(result, uptake.to_json(result, ids, names), use, by_age, data.quintile_labels)
    out["distance"] = distance
    out["level"] = level
    return _cache.put(key, out)


def _shape(result: uptake.Uptake, j: dict, use: dict, by_age: bool, labels: dict) -> dict:
    totals = j["totals"]
    expected = result.expected[np.isfinite(result.expected) & (result.expected > 0)]
    return {
        "service": use["service"],
        "period": use["period"] or None,
        "unit": use["unit"],
        # Age-standardised when every area with an expected count had its age bands.
        "standardised": bool(
            by_age and result.standardised[np.isfinite(result.expected) & (result.expected > 0)].all()
        ),
        "reference": use["reference_label"] or "areas",
        "observed": totals["observed"],
        "expected": totals["expected"],
        "ratio": totals["ratio"],
        "ratio_low95": totals["ratio_low95"],
        "ratio_high95": totals["ratio_high95"],
        "ratio_low998": totals["ratio_low998"],
        "ratio_high998": totals["ratio_high998"],
        "population": totals["population"],
        "areas": [{k: a[k] for k in AREA_FIELDS} for a in j["areas"]],
        "deprivation": {
            dim: {
                "label": labels.get(dim, dim),
                "quintiles": [
                    {
                        k: q[k]
                        for k in (
                            "quintile",
                            "areas",
                            "population",
                            "observed",
                            "expected",
                            "ratio",
                            "ratio_low95",
                            "ratio_high95",
                        )
                    }  # fmt: skip
                    for q in rows
                ],
            }
            for dim, rows in j["deprivation"].items()
        },
        "sii": j["sii"],
        "funnel": _funnel(expected),
        "source": {
            "source": use["source"],
            "imported_at": use["imported_at"],
            "allocated_from": use["allocated_from"],
            "unallocated": use["unallocated"],
            "by_age_band": use["by_band"],
        },
        "suppression": {**j["suppression"], "areas": sum(1 for a in j["areas"] if a["suppressed"])},
    }


def _funnel(expected: np.ndarray) -> list[dict]:
    """Control limits on a grid of expected counts spanning the areas', for drawing the funnel."""
    if expected.size == 0:
        return []
    f = poisson.funnel_limits(poisson.funnel_grid(expected, n_points=60))
    return [
        {"expected": float(e), "low95": float(a), "high95": float(b), "low998": float(c), "high998": float(d)}
        for e, a, b, c, d in zip(f.expected, f.low95, f.high95, f.low998, f.high998, strict=True)
    ]


def below(report: dict, limit: int = 20) -> list[dict]:
    """The areas most significantly below the standard: lower at 99.8% first, then at 95%, by ratio."""
    lower = [a for a in report["areas"] if a["significance_95"] == "lower"]
    lower.sort(key=lambda a: (a["significance_998"] != "lower", a["ratio"], a["id"]))
    return lower[:limit]


def significance_counts(report: dict) -> dict[str, dict[str, int]]:
    """Areas per significance (lower, similar, higher, not shown) at 95% and 99.8%."""
    out = {}
    for level in ("95", "998"):
        counts = {"lower": 0, "similar": 0, "higher": 0, "not shown": 0}
        for a in report["areas"]:
            counts[a[f"significance_{level}"] or "not shown"] += 1
        out[level] = counts
    return out


def distance_counts(report: dict) -> dict[str, int]:
    """Areas in each of the four classes (near/far x similar-or-higher/lower)."""
    counts = {c: 0 for c in uptake.DISTANCE_CLASSES if c}
    for a in report["areas"]:
        if a["distance_class"]:
            counts[a["distance_class"]] += 1
    return counts
