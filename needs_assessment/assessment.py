"""A needs assessment from plain values: indicators with comparators and judgements, tables, changes.

`compute()` evaluates every indicator of a template over the data of the geography (`evaluation`),
and over the whole district and the reference table for comparison; `judge()` says whether the
value is better, worse or similar by the indicator's direction; counts of people are suppressed
when small. With the report's tables (`report_tables`) the result is a JSON-able snapshot that is
saved with the run; `changes_since()` compares it with the previous run.

>>> from needs_assessment.template_files import parse_template
>>> t = parse_template('''
... name: mini
... version: 1
... title: Mini
... sections:
...   - id: people
...     title: People
...     indicators:
...       - {id: pop, label: People, definition: Residents, unit: people, source: Census,
...          year: 2021, direction: neutral, compute: sum(population)}
... ''')
>>> d = Data(areas=[{"id": "a", "population": 100, "parent_id": "m"}, {"id": "b", "population": 300, "parent_id": "m"}])
>>> row = compute(t, d)["indicators"][0]
>>> row["value"], row["suppressed"], row["judgement"]   # no district data given: nothing to judge against
(400.0, False, '')
>>> compute(t, Data(areas=[{"id": "a", "population": 3}]))["indicators"][0]["value"] is None   # 3 people: suppressed
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from needs_assessment import rounding
from needs_assessment.evaluation import Data, evaluate
from needs_assessment.report_tables import tables
from needs_assessment.rounding import Publisher
from needs_assessment.template import Indicator, Template

# Determinants of health -> asset categories whose sites could be mobilised for a priority.
DETERMINANTS = {
    "income_employment": ("Income and employment", ("social_services", "community_groups")),
    "housing": ("Housing", ("social_services",)),
    "food_security": ("Food security", ("food", "community_groups")),
    "transportation": ("Transportation", ("transport", "community_groups")),
    "education": ("Education and early years", ("early_years", "culture")),
    "social_connection": ("Social connection", ("community_groups", "recreation", "culture", "parks")),
    "health_care": ("Access to health care", ("health", "transport")),
    "deprivation": ("Deprivation", ("social_services", "food", "community_groups")),
    "other": ("Other", ()),
}


# --- comparing ---------------------------------------------------------------------------------


def judge(value: float | None, comparator: float | None, direction: str, similar_within: float = 0.05) -> str:
    """'better', 'worse' or 'similar' by the indicator's direction; '' when it cannot be judged.

    Similar means within `similar_within` (5%) of the comparator, relative to it.

    >>> judge(12.0, 10.0, "higher_is_better"), judge(12.0, 10.0, "higher_is_worse"), judge(10.4, 10.0, "higher_is_worse")
    ('better', 'worse', 'similar')
    >>> judge(1.0, None, "higher_is_better"), judge(3.0, 1.0, "neutral")
    ('', '')
    """
    if value is None or comparator is None or direction not in ("higher_is_better", "higher_is_worse"):
        return ""
    if abs(value - comparator) <= similar_within * abs(comparator) or value == comparator:
        return "similar"
    higher = value > comparator
    return "better" if higher == (direction == "higher_is_better") else "worse"


def changes_since(current: list[dict], previous: list[dict] | None) -> dict[str, dict]:
    """Per indicator id: the previous run's value and the change (None where either is unknown).

    >>> changes_since([{"id": "pop", "value": 110.0}], [{"id": "pop", "value": 100.0}])
    {'pop': {'previous': 100.0, 'change': 10.0, 'change_pct': 10.0, 'previously_suppressed': False}}
    """
    if not previous:
        return {}
    before = {row["id"]: row for row in previous}
    out = {}
    for row in current:
        prev = before.get(row["id"])
        if prev is None:
            continue
        a, b = row.get("value"), prev.get("value")
        change = None if a is None or b is None else a - b
        out[row["id"]] = {
            "previous": b,
            "change": change,
            "change_pct": (100 * change / b) if change is not None and b else None,
            "previously_suppressed": bool(prev.get("suppressed")),
        }
    return out


# --- the whole assessment ---------------------------------------------------------------------


def compute(
    template: Template,
    data: Data,
    *,
    threshold: int = 5,
    comparators: Sequence[str] = ("district", "ontario"),
    is_district: bool = False,
) -> dict:
    """Indicators and tables of an assessment (a JSON-able dict). Suppressed counts are stored as None.

    comparators: which comparator columns to compute ('district', 'ontario'); the district one is
    skipped when the geography is the whole district (is_district).
    """
    district = None
    if "district" in comparators and not is_district and data.district_areas is not None:
        district = Data(
            areas=data.district_areas,
            district_areas=data.district_areas,
            municipalities=data.municipalities,
            assets=data.assets,
            reach=data.reach,
            reference=data.reference,
            categories=data.categories,
            disclosure_key=(*data.disclosure_key, "district"),
        )
    rows = []
    pub = Publisher(data.disclosure_key, threshold)
    for section, ind in template.indicators():
        value, note = evaluate(ind.expression, data)
        row = _indicator_row(section.id, ind, value, note, pub, _numerator_small(ind.expression, data, threshold))
        if ind.expression[0] == "reach_share":
            row["note"] = "; ".join(n for n in (row["note"], _other_bound(ind.expression, data, threshold)) if n)
        comps = {}
        if district is not None and "district" in ind.comparators:
            cv, cnote = evaluate(ind.expression, district)
            comps["district"] = {"value": _round(cv), "note": cnote}
        if "ontario" in comparators and "ontario" in ind.comparators and ind.ontario is not None:
            ov, onote = evaluate(ind.ontario, data)
            comps["ontario"] = {"value": _round(ov), "note": onote}
        row["comparators"] = comps
        basis = next((k for k in ("district", "ontario") if comps.get(k, {}).get("value") is not None), None)
        row["judgement"] = (
            judge(row["value"], comps[basis]["value"], ind.direction, template.similar_within) if basis else ""
        )
        row["judged_against"] = basis if row["judgement"] else None
        rows.append(row)
    return {
        "indicators": rows,
        "tables": tables(data, threshold),
        "threshold": threshold,
        "suppression_rule": rounding.rule_text(threshold),
    }


def _numerator_small(expression: tuple, data: Data, threshold: int) -> bool:
    """True when a share or rate is worked out from a count the rule hides (so it is hidden too)."""
    name, args = expression[0], expression[1] if len(expression) > 1 else ()
    if name == "reach_share":
        numerator = ("reach", args)
    elif name in ("percent", "ratio", "rate_per_1000") and args:
        numerator = args[0]
    else:
        return False
    if not isinstance(numerator, tuple) or numerator[0] not in ("reach", "sum", "csd_sum"):
        return False  # counts of places (asset_count) are public, not people
    return rounding.is_small(evaluate(numerator, data)[0], threshold)


BOUND_WORDS = {"precise": "precise points only", "with_approximate": "counting approximate points too"}


def _other_bound(expression: tuple, data: Data, threshold: int) -> str:
    """The share beyond reach with the other choice of points (both bounds in every table), in words;
    hidden like the chosen one when its count is small."""
    category = expression[1][0]
    result = data.reach.get(category) or {}
    other = "with_approximate" if result.get("chosen", "precise") == "precise" else "precise"
    bound = (result.get("bounds") or {}).get(other)
    if bound is None:
        return ""
    swapped = dataclasses.replace(data, reach={**data.reach, category: bound})
    value, note = evaluate(expression, swapped)
    if value is None:
        return f"{BOUND_WORDS[other]}: {note or 'cannot be measured'}"
    if _numerator_small(expression, swapped, threshold):
        return f"{BOUND_WORDS[other]}: not shown (small numbers)"
    return f"{BOUND_WORDS[other]}: {value:.1f}%"


def _round(v: float | None, digits: int = 6) -> float | None:
    return None if v is None else round(float(v), digits)


def _indicator_row(
    section_id: str, ind: Indicator, value: float | None, note: str, pub: Publisher, derived_from_small: bool
) -> dict:
    if ind.is_count and "reach" in ind.compute:  # an estimate of people: always rounded
        shown, suppressed = pub.count(value, "indicator", ind.id)
        value = None if shown is None else float(shown)
    elif ind.is_count:  # a census count, published as it is unless small
        suppressed = rounding.is_small(value, pub.threshold)
    else:
        suppressed = derived_from_small and value is not None
    return {
        "id": ind.id,
        "section": section_id,
        "label": ind.label,
        "definition": ind.definition,
        "unit": ind.unit,
        "source": ind.source,
        "year": ind.year,
        "direction": ind.direction,
        "compute": ind.compute,
        "digits": ind.digits,
        "manual": ind.is_manual,
        "value": None if suppressed else _round(value),
        "suppressed": suppressed,
        "note": note,
    }
