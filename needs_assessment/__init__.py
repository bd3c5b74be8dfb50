"""Pure computation for community asset mapping and needs assessment (no Flask, no database).

Functions take plain values (numbers, arrays, dicts, shapely geometries) and return plain values;
the web app and CLI fetch data, call them and store or show the results.
"""
