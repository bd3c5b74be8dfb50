"""hsds."""
