"""Statistics Canada's 2021 Census Profile, the long comprehensive download (98-401-X2021006 for
dissemination areas), read for the characteristics a needs assessment uses.

The file has one row per geography and characteristic; Windows-1252 text; columns:
CENSUS_YEAR, DGUID, ALT_GEO_CODE, GEO_LEVEL, GEO_NAME, TNR_SF, TNR_LF, DATA_QUALITY_FLAG,
CHARACTERISTIC_ID, CHARACTERISTIC_NAME, CHARACTERISTIC_NOTE, C1_COUNT_TOTAL, SYMBOL,
C2_COUNT_MEN+, SYMBOL, C3_COUNT_WOMEN+, SYMBOL, C10_RATE_TOTAL, SYMBOL, C11_RATE_MEN+, SYMBOL,
C12_RATE_WOMEN+, SYMBOL. Suppressed cells are empty with SYMBOL "x" ("..." not applicable).

Characteristics are taken by CHARACTERISTIC_ID and only when the file's name for that id is the
expected one (names are compared without the indentation StatCan puts before them), so a file
with other ids (another census, another product) never fills the wrong value: the mismatch is
reported instead. The 2021 ids used (see README_meta and the dictionary of the product):

    1 Population, 2021
    8 Total - Age groups of the population - 100% data; 9 0 to 14 years; 10-12 0 to 4 ... 10 to 14;
    13 15 to 64 years; 14-23 15 to 19 ... 60 to 64; 24 65 years and over; 25-28 65 to 69 ... 80 to 84;
    29 85 years and over; 30-33 85 to 89, 90 to 94, 95 to 99, 100 years and over
    345 Prevalence of low income based on the Low-income measure, after tax (LIM-AT) (%)
    383 Total - Knowledge of official languages for the total population excluding institutional
        residents - 100% data; 384 English only; 385 French only; 386 English and French;
        387 Neither English nor French
    393 Total - Mother tongue for the total population excluding institutional residents - 100% data;
    398 Non-official languages (single responses)
    1402 Total - Indigenous identity for the population in private households - 25% sample data;
    1403 Indigenous identity
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from .place_records import AgeBands, AreaStat, PlaceData, PlaceFileError, area_wanted, iter_rows, number

AGE_TOTAL = 8
FIVE_YEAR = {
    10: "0-4",
    11: "5-9",
    12: "10-14",
    **{14 + i: f"{15 + 5 * i}-{19 + 5 * i}" for i in range(10)},  # 14 "15-19" ... 23 "60-64"
    **{25 + i: f"{65 + 5 * i}-{69 + 5 * i}" for i in range(4)},  # 25 "65-69" ... 28 "80-84"
    30: "85-89",
    31: "90-94",
    32: "95-99",
    33: "100+",
}
BROAD = {9: "0-14", 13: "15-64", 24: "65+"}


def _age_name(band: str) -> str:
    if band.endswith("+"):
        return f"{band[:-1]} years and over"
    low, high = band.split("-")
    return f"{low} to {high} years"


# id -> (expected CHARACTERISTIC_NAME, stat key or None for age/population rows, unit)
CHARACTERISTICS: dict[int, tuple[str, str | None, str]] = {
    1: ("Population, 2021", None, "people"),
    AGE_TOTAL: ("Total - Age groups of the population - 100% data", None, "people"),
    **{cid: (_age_name(band), None, "people") for cid, band in {**FIVE_YEAR, **BROAD}.items()},
    345: (
        "Prevalence of low income based on the Low-income measure, after tax (LIM-AT) (%)",
        "low_income_lim_at_pct",
        "%",
    ),
    383: (
        "Total - Knowledge of official languages for the total population excluding institutional residents - 100% data",
        "official_languages_total",
        "people",
    ),
    384: ("English only", "knows_english_only", "people"),
    385: ("French only", "knows_french_only", "people"),
    386: ("English and French", "knows_english_and_french", "people"),
    387: ("Neither English nor French", "knows_neither_official_language", "people"),
    393: (
        "Total - Mother tongue for the total population excluding institutional residents - 100% data",
        "mother_tongue_total",
        "people",
    ),
    398: ("Non-official languages", "mother_tongue_non_official", "people"),
    1402: (
        "Total - Indigenous identity for the population in private households - 25% sample data",
        "indigenous_identity_total",
        "people",
    ),
    1403: ("Indigenous identity", "indigenous_identity", "people"),
}
LABELS = {
    "low_income_lim_at_pct": "Low income (LIM-AT), 2021: prevalence",
    "official_languages_total": "Knowledge of official languages, 2021: all people counted",
    "knows_english_only": "Knows English only, 2021",
    "knows_french_only": "Knows French only, 2021",
    "knows_english_and_french": "Knows English and French, 2021",
    "knows_neither_official_language": "Knows neither English nor French, 2021",
    "mother_tongue_total": "Mother tongue, 2021: all people counted",
    "mother_tongue_non_official": "Mother tongue a non-official language (single response), 2021",
    "indigenous_identity_total": "Indigenous identity, 2021: people in private households counted",
    "indigenous_identity": "Indigenous identity, 2021",
}
# Percentages are published in the rate column in some downloads and the count column in others.
RATE_FIRST = {345}
REQUIRED = ("DGUID", "ALT_GEO_CODE", "GEO_LEVEL", "CHARACTERISTIC_ID", "CHARACTERISTIC_NAME", "C1_COUNT_TOTAL")


def is_census_profile(header: list[str]) -> bool:
    """True when the columns are those of a long Census Profile download."""
    return all(c in header for c in REQUIRED)


def _clean_name(name: str) -> str:
    return re.sub(r"\s+\(\d+\)$", "", name.strip())  # older products append footnote numbers


def read_census_profile(
    path: str | Path,
    *,
    ids: Collection[str] | None = None,
    id_prefix: str = "",
    geo_level: str | None = "Dissemination area",
) -> PlaceData:
    """Population, age bands, low income, official languages, mother tongue and Indigenous identity.

    Only rows of `geo_level` are kept (None keeps every level: Canada, provinces, CDs, CSDs, DAs);
    areas are keyed by ALT_GEO_CODE (the DAUID for a DA), else the code inside the DGUID.
    """
    path = Path(path)
    rows = iter_rows(path)
    header = [h.strip() for h in next(rows, [])]
    if not is_census_profile(header):
        raise PlaceFileError(f"{path.name}: not a long Census Profile file (needs {', '.join(REQUIRED)})")
    at = {h: header.index(h) for h in REQUIRED}
    rate = header.index("C10_RATE_TOTAL") if "C10_RATE_TOTAL" in header else None
    data = PlaceData(kind="statcan_census_profile", source=path.name, level="DA" if geo_level else "")
    data.population_label = "Population, 2021 (CHARACTERISTIC_ID 1)"
    wanted = {str(cid): cid for cid in CHARACTERISTICS}
    mismatched: dict[int, str] = {}
    other_levels: set[str] = set()
    ages: dict[str, dict[int, int | None]] = {}
    for number_, row in enumerate(rows, start=2):
        if len(row) <= at["C1_COUNT_TOTAL"]:
            continue
        cid = wanted.get(row[at["CHARACTERISTIC_ID"]].strip())
        if cid is None:
            continue
        if geo_level and row[at["GEO_LEVEL"]].strip() != geo_level:
            other_levels.add(row[at["DGUID"]])
            continue
        area_id = row[at["ALT_GEO_CODE"]].strip() or row[at["DGUID"]].strip()[9:]
        if not area_wanted(area_id, ids, id_prefix):
            continue
        expected, key, unit = CHARACTERISTICS[cid]
        found = _clean_name(row[at["CHARACTERISTIC_NAME"]])
        if found != expected:
            mismatched.setdefault(cid, found)
            continue
        try:
            cells = [row[rate]] if cid in RATE_FIRST and rate is not None else []
            value = next(
                (v for v in (number(c, expected) for c in cells + [row[at["C1_COUNT_TOTAL"]]]) if v is not None), None
            )
        except ValueError as exc:
            data.errors.append((number_, f"{area_id}: {exc}"))
            continue
        if value is None:
            data.skipped["suppressed values"] += 1
        if key is not None:
            data.stats.append(AreaStat(area_id, key, LABELS[key], value, unit))
        elif cid == 1:
            if value is not None:
                data.population[area_id] = int(value)
        else:
            ages.setdefault(area_id, {})[cid] = None if value is None else int(value)
    for cid, found in sorted(mismatched.items()):
        data.notes.append(f"characteristic {cid} is {found!r} in this file, not {CHARACTERISTICS[cid][0]!r}: not read")
    if other_levels:
        data.skipped[f"geographies other than {geo_level}"] += len(other_levels)
    for area_id, counts in ages.items():
        if counts.get(AGE_TOTAL) is None:
            continue  # suppressed area
        data.age_bands.append(
            AgeBands(
                area_id=area_id,
                total=counts[AGE_TOTAL],
                five_year={band: counts[c] for c, band in FIVE_YEAR.items() if counts.get(c) is not None},
                broad={band: counts[c] for c, band in BROAD.items() if counts.get(c) is not None},
            )
        )
    return data
