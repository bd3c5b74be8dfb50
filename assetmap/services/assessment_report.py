"""What assessment pages, print and exports show: indicator rows with hand-entered values and changes."""

from __future__ import annotations

from assetmap.errors import InvalidParameter
from assetmap.services.assessments import get_template
from needs_assessment import assessment as calc
from needs_assessment import rounding
from needs_assessment.evaluation import MANUAL, NO_DATA
from needs_assessment.template_files import TemplateError


def indicator_rows(row: dict, previous: dict | None = None) -> list[dict]:
    """The indicator table of a run: computed values, or hand-entered ones with their source, and the
    change since the previous run of the same place."""
    manual = row["narrative"].get("manual_values") or {}
    threshold = row["results"]["threshold"]
    similar = 0.05
    out = []
    for ind in row["results"]["indicators"]:
        r = dict(ind)
        entry = manual.get(ind["id"])
        if ind["value"] is None and not ind["suppressed"] and entry:
            small = ind["unit"] == "people" and rounding.is_small(entry["value"], threshold)
            r.update(
                value=None if small else entry["value"],
                suppressed=small,
                source=entry["source"],
                year=entry.get("year") or ind["year"],
                entered=True,
                note=MANUAL,
            )
            basis = next(
                (k for k in ("district", "ontario") if (r["comparators"].get(k) or {}).get("value") is not None), None
            )
            r["judgement"] = (
                calc.judge(r["value"], r["comparators"][basis]["value"], r["direction"], similar) if basis else ""
            )
            r["judged_against"] = basis if r["judgement"] else None
        else:
            r["entered"] = False
        out.append(r)
    if previous is not None:
        changes = calc.changes_since(out, indicator_rows(previous))
        for r in out:
            r["change"] = changes.get(r["id"])
    return out


def export_rows(row: dict) -> list[dict]:
    """One row per indicator for CSV/XLSX: section, indicator, value, unit, comparators, judgement, source."""
    sections = {s["id"]: s["title"] for s in section_titles(row)}
    out = []
    for r in indicator_rows(row):
        out.append(
            {
                "section": sections.get(r["section"], r["section"]),
                "indicator_id": r["id"],
                "indicator": r["label"],
                "value": _exported(r["value"], r["digits"]),
                "unit": r["unit"],
                "district_value": _exported((r["comparators"].get("district") or {}).get("value"), r["digits"]),
                "ontario_value": _exported((r["comparators"].get("ontario") or {}).get("value"), r["digits"]),
                "compared_with_comparator": r.get("judgement") or "",
                "direction": r["direction"].replace("_", " "),
                "source": r["source"],
                "year": r["year"],
                "entered_by_hand": "yes" if r.get("entered") else "no",
                "suppressed": "yes" if r["suppressed"] else "no",
                "note": "" if r["value"] is not None or r["suppressed"] else (r["note"] or NO_DATA),
                "computation": r["compute"],
            }
        )
    return out


def _exported(value: float | None, digits: int) -> float | int | None:
    """A value as exported: whole numbers (counts of people) as integers, others to the indicator's
    digits (at least two)."""
    if value is None:
        return None
    if digits == 0 and float(value).is_integer():
        return int(value)
    return round(value, max(digits, 2))


EXPORT_FIELDS = [
    "section",
    "indicator_id",
    "indicator",
    "value",
    "unit",
    "district_value",
    "ontario_value",
    "compared_with_comparator",
    "direction",
    "source",
    "year",
    "entered_by_hand",
    "suppressed",
    "note",
    "computation",
]


def section_titles(row: dict) -> list[dict]:
    """The run's template sections (id, title), from the template file (falls back to ids)."""
    try:
        template = get_template(row["template_name"])
    except (InvalidParameter, TemplateError):
        ids = list(dict.fromkeys(i["section"] for i in row["results"]["indicators"]))
        return [{"id": i, "title": i} for i in ids]
    return [{"id": s.id, "title": s.title} for s in template.sections]
