"""Open Referral HSDS 3.0: the mapping between assets and HSDS, and HSDS files.

From the bottom up: `objects` (kinds, nesting, stable ids), `terms` (taxonomies, the mapping
context), `values` (column values <-> HSDS values), `unit` (an asset's structured unit), `parse`
(unit -> asset record), `leftovers` (what an imported unit held beyond our columns), `mapping`
(asset -> exact unit); `schema` (the vendored JSON schemas), `reader` (reading an import) and
`package` (export and import).
"""
