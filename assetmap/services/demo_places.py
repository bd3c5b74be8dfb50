"""Embedded places besides the default Muskoka (`load-demo --place trafford`), built through the same
path a coalition takes: `place_setup.build_place` on the official files in assets_data/<place>/
(named in its place.json), then the asset CSV, the park entrances and an example assessment.
Idempotent: loading a place again rebuilds its areas and updates its assets, never duplicates.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from sqlite_utils import Database

from assetmap import DATA_DIR, store
from assetmap.errors import Conflict, InvalidParameter
from assetmap.formats import asset_import
from assetmap.place import load_place, save_place
from assetmap.services import place_setup
from assetmap.vocab.categories import ensure_default_categories


def embedded_places(data_dir: Path = DATA_DIR) -> list[str]:
    """Names of the embedded places with a place.json ('trafford')."""
    return sorted(p.parent.name for p in data_dir.glob("*/place.json"))


def load_place_demo(db: Database, slug: str, data_dir: Path = DATA_DIR, progress=None) -> dict:
    """Build an embedded place from its official files, then its assets and entrances; returns counts."""
    folder = data_dir / slug
    if slug not in embedded_places(data_dir):
        raise InvalidParameter(
            f"no embedded place {slug!r}; known: muskoka (the default), {', '.join(embedded_places(data_dir))}"
        )
    spec = json.loads((folder / "place.json").read_text(encoding="utf-8"))
    present = store.level_counts(db)
    if present and load_place(db).name != spec["name"]:
        raise Conflict(
            f"this database already describes {load_place(db).name}: load {spec['name']} into a new database"
        )
    files = {role: folder / spec["files"][role] for role in place_setup.ROLES if spec["files"].get(role)}
    report = place_setup.build_place(db, spec["name"], spec["country"], files, replace=bool(present), progress=progress)
    place = replace(report.place, attribution=list(spec.get("attribution") or report.place.attribution))
    save_place(db, place)
    ensure_default_categories(db)
    assets = asset_import.import_assets(
        db, folder / spec["files"]["assets"], actor=f"load-demo (embedded {spec['name']} data)", region=place
    )
    if assets.errors:
        raise ValueError(f"embedded asset data has bad rows: {assets.errors[:5]}")
    entrances, problems = (0, [])
    if spec["files"].get("park_entrances"):
        entrances, problems = place_setup.import_access_points(db, folder / spec["files"]["park_entrances"])
    assessment = None
    if spec.get("assessment_template"):
        assessment = load_example_assessment(db, slug, spec["name"], spec["assessment_template"])
    return {
        "place": report,
        "assets": assets,
        "entrances": entrances,
        "entrance_problems": problems,
        "assessment": assessment,
    }


EXAMPLE = "[Example placeholder — replace this text.]"


def load_example_assessment(db: Database, slug: str, name: str, template: str) -> int:
    """A finished example assessment of the whole place (once: loading again keeps it)."""
    from assetmap.services import assessments

    external_id = f"demo:{slug}"
    found = store.assessment_id_for(db, external_id)
    if found is not None:
        return found
    narrative = {
        "about_notes": (
            f"{EXAMPLE} This example was made by load-demo from the embedded {name} data so that a new user sees a "
            "finished report. No community engagement took part in it."
        ),
        "plus_groups": f"{EXAMPLE} No PLUS groups were chosen for this example: name yours, why, and the evidence.",
        "community_voice": f"{EXAMPLE} No engagement was carried out for this example, so nothing is reported here.",
        "actions": f"{EXAMPLE} List the actions agreed, who leads each, and when the assessment will be run again.",
    }
    return assessments.run_assessment(
        db,
        geography={"kind": "district"},
        actor=f"load-demo (embedded {name} data)",
        title=f"Neighbourhood health needs assessment: {name} (example)",
        template_name=template,
        parameters={"comparators": ["district"], "map_category": "food"},
        external_id=external_id,
        narrative=narrative,
    )
