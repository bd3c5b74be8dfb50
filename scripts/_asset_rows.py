"""The embedded datasets' assets.csv, in the app's import format: its columns are asset fields from
the field registry (assetmap/fields.py), in the registry's order, and a build stops on any other."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assetmap.fields import NAMES  # noqa: E402


def write_assets_csv(path: Path, rows: list[dict]) -> list[str]:
    """Write the rows under the fields they use (a field a row lacks is left empty); returns the columns."""
    used = set().union(*rows) if rows else set()
    unknown = sorted(used - set(NAMES))
    if unknown:
        raise SystemExit(f"{path.name}: not asset fields (assetmap/fields.py): {', '.join(unknown)}")
    columns = [name for name in NAMES if name in used]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return columns
