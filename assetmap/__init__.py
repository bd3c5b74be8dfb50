"""The community asset map as a library: store, fields, services and formats. Imports no Flask.

`app/` (Flask) calls into this package; this package calls into `needs_assessment/` (pure
computation). Arrows point one way: app -> assetmap -> needs_assessment.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "assets_data"  # the embedded default dataset (files, with SOURCES.md)
