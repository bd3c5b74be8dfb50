"""Deprivation indices by small area, from the files their publishers release.

English Indices of Deprivation "File 7" (all ranks, deciles and scores for the indices and
domains, with population denominators), IoD 2019 on 2011 LSOAs or IoD 2025 on 2021 LSOAs. Its
columns, exactly as published (IoD 2025 shown; IoD 2019 has "(2011)" and "(2019)"):

    LSOA code (2021), LSOA name (2021), Local Authority District code (2024), ...name (2024),
    Index of Multiple Deprivation (IMD) Score,
    Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),
    Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),
    Income Score (rate), Income Rank (...), Income Decile (...), Employment Score (rate), ...,
    Education, Skills and Training / Health Deprivation and Disability / Crime /
    Barriers to Housing and Services / Living Environment  Score, Rank, Decile,
    IDACI and IDAOPI Score (rate), Rank, Decile, sub-domains ...,
    Total population: mid 2022   (IoD 2019: Total population: mid 2015 (excluding prisoners))

Ranks are among all LSOAs in England (1 = most deprived); decile 1 is the most deprived 10%.
Core20 (NHS England's Core20PLUS5) is IMD deciles 1 and 2, the most deprived 20% nationally.

Canadian Index of Multiple Deprivation (Statistics Canada 45-20-0001), national
(can_scores_quintiles_EN.csv) or regional/provincial files: a DA key column ("PRCDDA" in the 2016
files, "Dissemination Area (DA)" in 2021), "Province", a population column, then for each of
the four dimensions "<Dimension> Quintiles" and "<Dimension> Scores": Residential instability,
Economic dependency, Ethno-cultural composition, Situational vulnerability. Quintile 1 is the
least and 5 the most deprived, within the file's own scope (Canada, or the province/region).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from .place_records import IndexValue, PlaceData, PlaceFileError, area_wanted, iter_rows, number, whole

RANK = "Rank (where 1 is most deprived)"
DECILE = "Decile (where 1 is most deprived 10% of LSOAs)"
IMD = "Index of Multiple Deprivation (IMD)"

# (key suffix, words for the label, column stem, score column)
IOD_DOMAINS = (
    ("", "", IMD, f"{IMD} Score"),
    ("income", "income", "Income", "Income Score (rate)"),
    ("employment", "employment", "Employment", "Employment Score (rate)"),
    ("education", "education, skills and training", "Education, Skills and Training", None),
    ("health", "health deprivation and disability", "Health Deprivation and Disability", None),
    ("crime", "crime", "Crime", None),
    ("barriers", "barriers to housing and services", "Barriers to Housing and Services", None),
    ("living_environment", "living environment", "Living Environment", None),
    (
        "idaci",
        "income deprivation affecting children (IDACI)",
        "Income Deprivation Affecting Children Index (IDACI)",
        "Income Deprivation Affecting Children Index (IDACI) Score (rate)",
    ),
    (
        "idaopi",
        "income deprivation affecting older people (IDAOPI)",
        "Income Deprivation Affecting Older People (IDAOPI)",
        "Income Deprivation Affecting Older People (IDAOPI) Score (rate)",
    ),
)
# The year in the district column's name -> the IoD edition (2015 used 2013 districts).
IOD_EDITION_BY_LAD_YEAR = {"2013": 2015, "2019": 2019, "2024": 2025}
IOD_EDITION_BY_POPULATION_YEAR = {"2012": 2015, "2015": 2019, "2022": 2025}


def is_core20(decile: int | None) -> bool | None:
    """True for IMD deciles 1-2 (the most deprived 20% of England), None when unknown.

    >>> is_core20(2), is_core20(3), is_core20(None)
    (True, False, None)
    """
    return None if decile is None else decile <= 2


def is_iod(header: list[str]) -> bool:
    """True when the columns are those of an IoD file with the overall IMD score, rank and decile."""
    return f"{IMD} Score" in header and f"{IMD} {RANK}" in header and any(h.startswith("LSOA code (") for h in header)


def _edition(header: list[str], path: Path, edition: int | None) -> int:
    if edition:
        return edition
    for h in header:
        lad = re.fullmatch(r"Local Authority District code \((\d{4})\)", h)
        if lad and lad.group(1) in IOD_EDITION_BY_LAD_YEAR:
            return IOD_EDITION_BY_LAD_YEAR[lad.group(1)]
    for h in header:
        pop = re.match(r"Total population: mid (\d{4})", h)
        if pop and pop.group(1) in IOD_EDITION_BY_POPULATION_YEAR:
            return IOD_EDITION_BY_POPULATION_YEAR[pop.group(1)]
    raise PlaceFileError(f"{path.name}: cannot tell which IoD edition this is; say edition=2019 or 2025")


def read_iod(
    path: str | Path,
    *,
    ids: Collection[str] | None = None,
    id_prefix: str = "",
    name_prefix: str = "",
    edition: int | None = None,
) -> PlaceData:
    """Scores, ranks and deciles of the IMD and every domain present, per LSOA, with Core20."""
    path = Path(path)
    rows = iter_rows(path)
    header = [h.strip() for h in next(rows, [])]
    if not is_iod(header):
        raise PlaceFileError(f"{path.name}: not an English Indices of Deprivation file (no '{IMD} Score' column)")
    code_col = next(h for h in header if h.startswith("LSOA code ("))
    vintage = code_col[-3:-1]  # "LSOA code (2021)" -> "21"
    name_col = f"LSOA name (20{vintage})"
    year = _edition(header, path, edition)
    data = PlaceData(kind="iod_file7", source=path.name, level=f"LSOA{vintage}")
    pop_col = next((h for h in header if h.startswith("Total population:")), None)
    data.population_label = pop_col or ""
    columns = []
    for key, words, stem, score in IOD_DOMAINS:
        score = score or f"{stem} Score"
        if score in header:
            rank, decile = f"{stem} {RANK}", f"{stem} {DECILE}"
            columns.append((key, words, header.index(score), _pos(header, rank), _pos(header, decile)))
    at = {h: i for i, h in enumerate(header)}
    lad = [next((h for h in header if h.startswith(f"Local Authority District {w} (")), None) for w in ("code", "name")]
    for number_, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        area_id = cells[at[code_col]].strip()
        name = cells[at[name_col]].strip() if name_col in at else ""
        if not area_wanted(area_id, ids, id_prefix) or not name.startswith(name_prefix):
            data.skipped["areas outside the selection"] += 1
            continue
        try:
            values = []
            for key, words, s, r, d in columns:
                decile = whole(cells[d], f"{words or 'IMD'} decile", 1, 10) if d is not None else None
                values.append(
                    IndexValue(
                        area_id=area_id,
                        key=f"imd{year}" + (f"_{key}" if key else ""),
                        index=f"IMD {year}" + (f" — {words}" if words else ""),
                        score=number(cells[s], f"{words or 'IMD'} score"),
                        rank=whole(cells[r], f"{words or 'IMD'} rank", 1) if r is not None else None,
                        decile=decile,
                        most_deprived_band=1,
                        scope="national",
                        scope_area="England",
                        core20=is_core20(decile) if not key else None,
                    )
                )
            population = whole(cells[at[pop_col]], pop_col, 0) if pop_col else None
        except ValueError as exc:
            data.errors.append((number_, f"{area_id}: {exc}"))
            continue
        data.indices += values
        if population is not None:
            data.population[area_id] = population
        if lad[0] and lad[1] and cells[at[lad[0]]].strip():
            data.parents[area_id] = (cells[at[lad[0]]].strip(), cells[at[lad[1]]].strip())
    own = {v: k for k, v in IOD_EDITION_BY_POPULATION_YEAR.items()}.get(year)
    pop_year = re.match(r"Total population: mid (\d{4})", pop_col or "")
    if pop_year and pop_year.group(1) != own:
        data.notes.append(f"population is {pop_col!r}, not the IoD {year} denominator (mid {own})")
    return data


def _pos(header: list[str], name: str) -> int | None:
    return header.index(name) if name in header else None


# --- CIMD -------------------------------------------------------------------------------------

CIMD_DIMENSIONS = (
    ("residential_instability", "Residential instability"),
    ("economic_dependency", "Economic dependency"),
    ("ethnocultural_composition", "Ethno-cultural composition"),
    ("situational_vulnerability", "Situational vulnerability"),
)
CIMD_KEY_COLUMNS = ("PRCDDA", "Dissemination Area (DA)", "Dissemination area (DA)", "DAUID", "DGUID")
# File-name prefix -> (scope, area): can_scores_quintiles_EN.csv, on_..., qc_..., atl_..., bc_..., pr_...
CIMD_SCOPES = {
    "can": ("national", "Canada"),
    "atl": ("regional", "Atlantic region"),
    "qc": ("provincial", "Quebec"),
    "on": ("provincial", "Ontario"),
    "pr": ("regional", "Prairie region"),
    "bc": ("provincial", "British Columbia"),
}


def is_cimd(header: list[str]) -> bool:
    """True when the columns include the CIMD dimension scores."""
    return all(f"{label} Scores" in header for _, label in CIMD_DIMENSIONS[:2])


def cimd_scope(path: Path, scope_area: str | None) -> tuple[str, str] | None:
    """(scope, area) from an explicit area name or the file name's prefix; None if neither tells."""
    if scope_area:
        for scope, area in CIMD_SCOPES.values():
            if area.lower() == scope_area.lower():
                return scope, area
        return ("national", "Canada") if scope_area.lower() == "canada" else ("provincial", scope_area)
    prefix = path.name.lower().split("_", 1)[0]
    return CIMD_SCOPES.get(prefix)


def read_cimd(
    path: str | Path,
    *,
    ids: Collection[str] | None = None,
    id_prefix: str = "",
    scope_area: str | None = None,
    edition: int = 2021,
) -> PlaceData:
    """The four CIMD dimensions (score and quintile) per dissemination area.

    The quintiles rank DAs within the file's scope: the national file against all of Canada's
    provinces, a provincial file within its province. The scope comes from `scope_area`
    ("Canada", "Ontario" ...) or the file name StatCan gives it (can_, on_, qc_, atl_, pr_, bc_).
    """
    path = Path(path)
    rows = iter_rows(path)
    header = [h.strip() for h in next(rows, [])]
    if not is_cimd(header):
        raise PlaceFileError(f"{path.name}: not a CIMD file (no 'Residential instability Scores' column)")
    key_col = next((h for h in header if h in CIMD_KEY_COLUMNS), None)
    if key_col is None:
        raise PlaceFileError(f"{path.name}: no dissemination area column (looked for {', '.join(CIMD_KEY_COLUMNS)})")
    data = PlaceData(kind="cimd", source=path.name, level="DA")
    scope = cimd_scope(path, scope_area)
    if scope is None:
        scope = ("unstated", "")
        data.notes.append("the file name does not say whether quintiles are national or provincial: pass scope_area")
    pop_col = next((h for h in header if "population" in h.lower()), None)
    data.population_label = pop_col or ""
    at = {h: i for i, h in enumerate(header)}
    dims = [(k, label, at.get(f"{label} Scores"), at.get(f"{label} Quintiles")) for k, label in CIMD_DIMENSIONS]
    for number_, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        raw_id = cells[at[key_col]].strip()
        area_id = raw_id[9:] if len(raw_id) > 9 and raw_id[4] in "AS" else raw_id  # DGUID -> DAUID
        if not area_wanted(area_id, ids, id_prefix):
            data.skipped["areas outside the selection"] += 1
            continue
        try:
            values = [
                IndexValue(
                    area_id=area_id,
                    key=f"cimd{edition}_{key}",
                    index=f"CIMD {edition} — {label.lower()}",
                    score=number(cells[s], f"{label} score") if s is not None else None,
                    quintile=whole(cells[q], f"{label} quintile", 1, 5) if q is not None else None,
                    most_deprived_band=5,
                    scope=scope[0],
                    scope_area=scope[1],
                )
                for key, label, s, q in dims
                if s is not None or q is not None
            ]
            population = whole(cells[at[pop_col]], pop_col, 0) if pop_col else None
        except ValueError as exc:
            data.errors.append((number_, f"{area_id}: {exc}"))
            continue
        data.indices += values
        if population is not None:
            data.population[area_id] = population
    return data
