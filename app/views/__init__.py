"""Blueprints: maps (pages) and api (JSON)."""
