"""Access points of assets from a CSV: one row per gate or entrance, tied to an asset by its
`external_id` (column `asset_external_id`, `external_id` or `park_external_id`), with `longitude`
and `latitude` in WGS84 and optionally `access_type` and `source`. A row whose point is not a
longitude/latitude is reported with its row number; good rows are kept.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

ID_COLUMNS = ("asset_external_id", "external_id", "park_external_id")


def read_access_points(path: str | Path) -> tuple[dict[str, list[dict]], list[tuple[int, str]]]:
    """Points by external id: {external id: [{longitude, latitude, kind, source}]}, and rejected rows."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        id_col = next((c for c in ID_COLUMNS if c in header), None)
        if id_col is None or not {"longitude", "latitude"} <= set(header):
            raise ValueError(f"{path.name}: needs columns {' or '.join(ID_COLUMNS)}, longitude and latitude")
        out: dict[str, list[dict]] = {}
        errors = []
        for number, row in enumerate(reader, start=2):
            try:
                lon, lat = float(row["longitude"]), float(row["latitude"])
            except (TypeError, ValueError):
                errors.append((number, f"longitude/latitude {row.get('longitude')!r}, {row.get('latitude')!r}"))
                continue
            if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
                errors.append((number, f"({lon}, {lat}) is not a longitude/latitude"))
                continue
            point = {
                "longitude": lon,
                "latitude": lat,
                "kind": row.get("access_type") or "",
                "source": row.get("source") or "",
            }
            out.setdefault((row.get(id_col) or "").strip(), []).append(point)
    return out, errors
