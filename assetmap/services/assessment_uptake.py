"""The uptake blocks of an assessment run: per loaded service (its latest period) the ratio table, the
funnel plot's points and the deprivation gradient over the geography's areas; and the finder's
unmet demand over the year before the run. Saved in the run's snapshot like the other tables."""

from __future__ import annotations

from datetime import date, timedelta

from sqlite_utils import Database

from assetmap.services import demand
from assetmap.services import uptake as uptake_service

BELOW_ROWS = 10
DEMAND_DAYS = 365


def uptake_tables(db: Database, area_ids: list[str], threshold: int) -> list[dict]:
    """One entry per loaded service, for the geography's areas (the standard stays every area's)."""
    out = []
    for entry in uptake_service.services(db):
        latest = max(p["period"] or "" for p in entry["periods"])
        report = uptake_service.uptake_report(db, entry["service"], latest, threshold=threshold, area_ids=area_ids)
        keep = ("service", "period", "unit", "standardised", "reference", "observed", "expected", "ratio",
                "ratio_low95", "ratio_high95", "ratio_low998", "ratio_high998", "population", "funnel",
                "deprivation", "sii", "source", "suppression")  # fmt: skip
        out.append(
            {
                **{k: report[k] for k in keep},
                "counts": uptake_service.significance_counts(report),
                "below": uptake_service.below(report, BELOW_ROWS),
                "areas": [
                    {k: a[k] for k in ("id", "expected", "ratio", "significance_95", "significance_998")}
                    for a in report["areas"]
                ],
            }
        )
    return out


def demand_table(db: Database, area_ids: list[str], threshold: int, run_date: str) -> dict:
    """Searches of the finder in the geography over the year up to the run date, small counts hidden."""
    until = date.fromisoformat(run_date)
    since = (until - timedelta(days=DEMAND_DAYS - 1)).isoformat()
    report = demand.demand_report(db, since=since, until=until.isoformat(), threshold=threshold, area_ids=area_ids)
    report["nearby"] = demand.NEARBY_WORDS
    return report


def add_tables(db: Database, results: dict, template, area_ids: list[str], threshold: int, run_date: str) -> None:
    """Put the uptake and demand tables into a run's results when its template shows them."""
    blocks = {b for s in template.sections for b in s.blocks}
    if "uptake" in blocks:
        results["tables"]["uptake"] = uptake_tables(db, area_ids, threshold)
    if "finder_demand" in blocks:
        results["tables"]["finder_demand"] = demand_table(db, area_ids, threshold, run_date)
