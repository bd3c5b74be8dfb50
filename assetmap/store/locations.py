"""Reading the assets whose location needs fixing (the editors' location queue)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlite_utils import Database


def assets_to_place(db: Database, precisions: Sequence[str]) -> list[dict]:
    """Active, non-confidential assets whose precision is one of `precisions` (NULL counts as 'none').

    Confidential sites are left out: their point is never used or shown, so placing it changes nothing
    the public sees (editors fix them in the asset form)."""
    if not precisions:
        return []
    marks = ", ".join("?" for _ in precisions)
    return list(
        db.query(
            "SELECT id, name, category, community, municipality, address, address_kind, postal_code, "
            "latitude, longitude, COALESCE(NULLIF(location_precision, ''), 'none') AS location_precision, "
            "precision_source, version FROM assets WHERE status = 'active' AND COALESCE(confidential, 0) = 0 "
            f"AND COALESCE(NULLIF(location_precision, ''), 'none') IN ({marks}) ORDER BY name COLLATE NOCASE",
            list(precisions),
        )
    )


def count_by_precision(db: Database) -> dict[str, int]:
    """Active, non-confidential assets per location precision ('none' for no precision): the same
    assets the location queue lists."""
    return {
        row[0]: row[1]
        for row in db.execute(
            "SELECT COALESCE(NULLIF(location_precision, ''), 'none'), count(*) FROM assets "
            "WHERE status = 'active' AND COALESCE(confidential, 0) = 0 GROUP BY 1"
        )
    }
