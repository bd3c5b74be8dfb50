"""Load the embedded Muskoka dataset (assets_data/) into a database. Idempotent."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlite_utils import Database

from assetmap import DATA_DIR, store
from assetmap.errors import Conflict
from assetmap.formats import area_import, asset_import
from assetmap.place import Place, load_place, save_place
from assetmap.vocab.categories import default_categories
from needs_assessment.indicators import quintile

MUSKOKA = Place(
    name="Muskoka",
    country="CA",
    center=(45.12, -79.35),
    zoom=9,
    search_examples=("P1L 1N3", "Bracebridge", "45.03,-79.31"),  # a street address's code, not a PO box's
    timezone="America/Toronto",
    holidays="CA-ON",
    help_line="Call or text 211 (Ontario), any time, for help finding community and social services",
    attribution=[
        "Contains information licensed under the Open Government Licence – Canada (Statistics Canada).",
        "Postal code locations © GeoNames (geonames.org), CC BY 4.0.",
    ],
)
STATCAN = "Statistics Canada, 2021 Census of Population (Open Government Licence – Canada)"
CIMD = "Statistics Canada, Canadian Index of Multiple Deprivation 2021 (Open Government Licence – Canada)"

CIMD_DIMENSIONS = {
    "cimd_residential_instability": "residential instability",
    "cimd_ethnocultural_composition": "ethno-cultural composition",
    "cimd_economic_dependency": "economic dependency",
    "cimd_situational_vulnerability": "situational vulnerability",
}

# Indicator metadata for the demo's area columns: (label, unit, source, direction).
INDICATORS = {
    "pop_density_km2_2021": ("Population density, 2021", "people per km²", STATCAN, ""),
    **{
        key: (f"Deprivation (CIMD 2021): {words}, score", "score (national mean 0, sd 1)", CIMD, "higher is worse")
        for key, words in CIMD_DIMENSIONS.items()
    },
    **{
        f"{key}_quintile": (
            f"Deprivation (CIMD 2021): {words}, national quintile",
            "quintile (1 = least, 5 = most deprived)",
            CIMD,
            "higher is worse",
        )
        for key, words in CIMD_DIMENSIONS.items()
    },
    "pop_2016": ("Population, 2016", "people", "Statistics Canada, 2016 Census", ""),
    "pop_change_pct": ("Population change 2016–2021", "%", STATCAN, ""),
    "avg_age_2021": ("Average age, 2021", "years", STATCAN, ""),
    "seniors_65plus_2021": ("Seniors aged 65 and over, 2021", "people", STATCAN, ""),
    "seniors_pct_2021": ("Seniors aged 65 and over, 2021", "% of population", STATCAN, ""),
    "indigenous_2021": ("Indigenous identity, 2021", "people", STATCAN, ""),
    "indigenous_pct_2021": ("Indigenous identity, 2021", "% of population", STATCAN, ""),
}


def _index_metadata(key: str) -> dict:
    """CIMD columns as an index's score and national quintiles (5 = most deprived; store.indices)."""
    base = key.removesuffix("_quintile")
    if base not in CIMD_DIMENSIONS:
        return {}
    if key.endswith("_quintile"):
        return {"index_key": base, "role": "band", "bands": 5, "most_deprived": 5, "scope": "Canada"}
    return {"index_key": base, "role": "score", "scope": "Canada"}


def _read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_categories(db: Database, data_dir: Path = DATA_DIR) -> int:
    """Insert or update the categories from categories.csv."""
    rows = default_categories(data_dir / "categories.csv")
    store.upsert_categories(db, rows)
    return len(rows)


def cimd_cutpoints(data_dir: Path = DATA_DIR, scope: str = "Canada", weighting: str = "by DA count") -> dict:
    """CIMD quintile cut points per dimension for a scope (Canada or Ontario)."""
    out = {}
    for row in _read_csv(data_dir / "cimd_quintile_cutpoints.csv"):
        if row["scope"] == scope and row["weighting"] == weighting:
            out[row["dimension"]] = [float(row[q]) for q in ("q20", "q40", "q60", "q80")]
    return out


def load_areas(db: Database, data_dir: Path = DATA_DIR) -> tuple[int, int]:
    """Load dissemination areas (approximate polygons) and municipality outlines."""
    das = json.loads((data_dir / "dissemination_areas.geojson").read_text(encoding="utf-8"))
    cuts = cimd_cutpoints(data_dir)
    for feat in das["features"]:
        props = feat["properties"]
        for key in CIMD_DIMENSIONS:
            props[f"{key}_quintile"] = quintile(props.get(key), cuts[key])
        props["name"] = f"DA {props['dauid']} ({props['csd_name']})"
    da_rows, da_keys, da_errors = area_import.area_records(das["features"], "DA", id_field="dauid", source=STATCAN)
    csds = json.loads((data_dir / "municipalities.geojson").read_text(encoding="utf-8"))
    for feat in csds["features"]:
        feat["properties"]["parent_id"] = feat["properties"].get("cduid")
    csd_rows, csd_keys, csd_errors = area_import.area_records(
        csds["features"], "CSD", id_field="csduid", name_field="name", source=STATCAN
    )
    if da_errors or csd_errors:
        raise ValueError(f"embedded area data is broken: {da_errors + csd_errors}")
    csd_rows += _municipalities_without_outline(data_dir, {r["id"] for r in csd_rows})
    keys = [k for k in dict.fromkeys(da_keys + csd_keys) if k in INDICATORS]
    with store.transaction(db):
        store.declare_indicators(
            db,
            [
                {
                    "key": k,
                    "label": INDICATORS[k][0],
                    "unit": INDICATORS[k][1],
                    "source": INDICATORS[k][2],
                    "direction": INDICATORS[k][3],
                    **_index_metadata(k),
                }
                for k in keys
            ],
        )
        keep = set(store.AREA_COLUMNS_SET) | set(keys)
        store.upsert_areas(db, [{k: v for k, v in r.items() if k in keep} for r in da_rows + csd_rows])
    return len(da_rows), len(csd_rows)


def _municipalities_without_outline(data_dir: Path, known: set[str]) -> list[dict]:
    """Municipality facts of the places the outline file lacks (Wahta Mohawk Territory, Moose Point 79):
    no shape, but their census figures (or none: Wahta was not enumerated) and their year."""
    rows = []
    for fact in _read_csv(data_dir / "municipality_facts.csv"):
        if fact["csduid"] in known:
            continue
        row = {
            "id": fact["csduid"],
            "name": fact["name"],
            "level": "CSD",
            "population": int(fact["pop_2021"]) if fact["pop_2021"] else None,
            "geometry": None,
            "geometry_note": "no outline in the source",
            "source": STATCAN,
        }
        for key in ("pop_2016", "pop_change_pct", "avg_age_2021", "seniors_65plus_2021", "seniors_pct_2021",
                    "indigenous_2021", "indigenous_pct_2021"):  # fmt: skip
            row[key] = float(fact[key]) if fact.get(key) else None
        rows.append(row)
    return rows


def load_demo(db: Database, data_dir: Path = DATA_DIR) -> dict:
    """Load categories, areas and assets of the embedded dataset; returns counts."""
    if store.level_counts(db) and load_place(db).name != MUSKOKA.name:
        raise Conflict(f"this database already describes {load_place(db).name}: load Muskoka into a new database")
    n_categories = load_categories(db, data_dir)
    n_da, n_csd = load_areas(db, data_dir)
    save_place(db, MUSKOKA.with_bounds(store.sample_extent(db)))
    report = asset_import.import_assets(
        db, data_dir / "assets.csv", actor="load-demo (embedded Muskoka data)", region=load_place(db)
    )
    if report.errors:
        raise ValueError(f"embedded asset data has bad rows: {report.errors}")
    return {
        "categories": n_categories,
        "dissemination_areas": n_da,
        "municipalities": n_csd,
        "assets": report,
        "assessment": load_demo_assessment(db),
    }


DEMO_ASSESSMENT = "demo:muskoka-district"
EXAMPLE = "[Example placeholder — replace this text.]"
DEMO_NARRATIVE = {
    "about_notes": (
        f"{EXAMPLE} This example was made by load-demo from the embedded Muskoka data so that a new user "
        "sees a finished report. No community engagement took part in it. Say here why the assessment was "
        "done, who led it and who took part."
    ),
    "community_voice": (
        f"{EXAMPLE} No community engagement was carried out for this example, so nothing is reported here. "
        "Summarise what residents and partners said in conversations, forums and meetings."
    ),
    "survey_summaries": (
        f"{EXAMPLE} No survey was run for this example. For each survey, give its dates, who answered and how "
        "many, and the main results."
    ),
    "quotes": f"{EXAMPLE} No quotes: add residents' own words here, with their permission.",
    "actions": f"{EXAMPLE} List the actions agreed, who leads each, and when the assessment will be run again.",
    "priorities": [
        {
            "determinant": "food_security",
            "priority": f"{EXAMPLE} Food access outside the towns (an illustration of the format, not a decision)",
            "owner": "[to be decided by the coalition]",
            "opportunities": "[example] The food banks and meal programs already in the inventory, listed below",
            "indicators": "People beyond reach of food assets; household food insecurity (enter with its source)",
        }
    ],
}


def load_demo_assessment(db: Database) -> int:
    """A finished needs assessment of the whole district (once: re-running load-demo keeps it)."""
    from assetmap.services import assessments

    found = store.assessment_id_for(db, DEMO_ASSESSMENT)
    if found is not None:
        return found
    return assessments.run_assessment(
        db,
        geography={"kind": "district"},
        actor="load-demo (embedded Muskoka data)",
        title="Community needs assessment: District Municipality of Muskoka (example)",
        external_id=DEMO_ASSESSMENT,
        narrative=DEMO_NARRATIVE,
    )
