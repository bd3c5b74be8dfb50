"""The community asset map as a library: store, fields, services and formats. Imports no Flask.

`app/` (Flask) calls into this package; this package calls into `needs_assessment/` (pure
computation). Arrows point one way: app -> assetmap -> needs_assessment.
"""
