"""The vendored HSDS 3.0 schemas (app/hsds_schemas/): JSON Schema validation of objects and of a
Tabular Data Package (one CSV per object plus datapackage.json).

The schema files are draft 2020-12 without a `$schema` keyword and refer to each other by file name,
so each is registered under its file name; formats (uuid, uri, email, date-time) are checked.
A CSV row is validated as the JSON object it stands for (typed by the package's field types) plus the
Table Schema constraints JSON Schema cannot see: `tabular_required` fields, required fields that
must not be empty, unique ids and foreign keys between files.
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from assetmap.formats.csvsafe import restore
from assetmap.formats.tables import ImportFileError

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
HSDS_VERSION = "3.0"


@lru_cache(maxsize=1)
def _registry() -> tuple[Registry, dict[str, dict]]:
    schemas = {}
    for path in sorted((SCHEMA_DIR / "schema").glob("*.json")):
        if path.name == "openapi.json":
            continue
        schemas[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    registry = Registry().with_resources(
        (f"{name}.json", Resource.from_contents(doc, default_specification=DRAFT202012))
        for name, doc in schemas.items()
    )
    return registry, schemas


def schema(kind: str) -> dict:
    """The JSON Schema of one HSDS object (service, location, phone...)."""
    return _registry()[1][kind]


@lru_cache(maxsize=64)
def validator(kind: str) -> Draft202012Validator:
    """A format-checking validator for one HSDS object kind."""
    registry, schemas = _registry()
    return Draft202012Validator(schemas[kind], registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors(kind: str, obj: dict, *, tabular: bool = False) -> list[str]:
    """Schema errors of one object, as 'path: message' strings (empty when valid).

    tabular=True also applies the schema's tabular_required list (fields a CSV row must fill).
    """
    out = []
    for err in sorted(validator(kind).iter_errors(obj), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path)
        out.append(f"{where or kind}: {err.message}")
    if tabular:
        for name in schema(kind).get("tabular_required", []):
            if obj.get(name) in (None, ""):
                out.append(f"{name}: required in a {kind} row")
    return out


@lru_cache(maxsize=1)
def datapackage() -> dict:
    """The HSDS Tabular Data Package description (resources with their Table Schemas)."""
    return json.loads((SCHEMA_DIR / "datapackage.json").read_text(encoding="utf-8"))


def resources() -> list[dict]:
    """The package's resources (name, path, schema) in their published order."""
    return datapackage()["resources"]


def resource(kind: str) -> dict:
    """One resource by object kind."""
    for res in resources():
        if res["name"] == kind:
            return res
    raise KeyError(kind)


def fields(kind: str) -> list[str]:
    """CSV column names of one object kind, in order."""
    return [f["name"] for f in resource(kind)["schema"]["fields"]]


def typed_row(kind: str, row: dict) -> dict:
    """A CSV row as the JSON object it stands for: empty cells left out, numbers as numbers.

    Raises ValueError when a number field holds text.
    """
    types = {f["name"]: f["type"] for f in resource(kind)["schema"]["fields"]}
    out = {}
    for name, raw in row.items():
        if raw is None or raw == "":
            continue
        value = restore(raw) if isinstance(raw, str) else raw
        if types.get(name) in ("number", "integer") and isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"{name}: {value!r} is not a number") from None
            value = int(number) if number.is_integer() and types[name] == "integer" else number
        out[name] = value
    return out


def read_package(folder: Path) -> tuple[dict, dict[str, list[tuple[int, dict]]]]:
    """Read datapackage.json and every CSV it names: (descriptor, kind -> [(row number, raw row)])."""
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    tables: dict[str, list[tuple[int, dict]]] = {}
    root = folder.resolve()
    for res in descriptor.get("resources", []):
        if not isinstance(res, dict) or not isinstance(res.get("path"), str) or not res.get("path"):
            continue
        path = (folder / res["path"]).resolve()
        if not path.is_relative_to(root):  # "../../etc/passwd" or an absolute path: never read
            raise ImportFileError(f"datapackage.json: resource path {res['path']!r} is outside the package")
        if not path.exists():
            continue
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            tables[res["name"]] = [(n, dict(r)) for n, r in enumerate(reader, start=2)]
    return descriptor, tables


def validate_package(folder: str | Path) -> list[str]:
    """Every problem of a Tabular Data Package folder against HSDS 3.0 (empty when valid).

    Checks: each resource is an HSDS object with the published columns in order; each row is valid
    against its object's JSON Schema; required fields are filled; ids are unique; foreign keys
    point at existing rows.
    """
    folder = Path(folder)
    problems = []
    descriptor, tables = read_package(folder)
    if descriptor.get("profile") != "tabular-data-package":
        problems.append("datapackage.json: profile must be tabular-data-package")
    ids: dict[str, set[str]] = {}
    typed: dict[str, list[tuple[int, dict]]] = {}
    for res in descriptor.get("resources", []):
        kind = res.get("name")
        try:
            published = resource(kind)
        except KeyError:
            problems.append(f"datapackage.json: {kind!r} is not an HSDS 3.0 object")
            continue
        if res.get("path") != published["path"]:
            problems.append(f"datapackage.json: {kind} must be in {published['path']}")
        path = folder / published["path"]
        if not path.exists():
            problems.append(f"{published['path']}: missing")
            continue
        with path.open(newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), [])
        if header != fields(kind):
            problems.append(f"{published['path']}: columns {header} differ from HSDS {fields(kind)}")
        required = [f["name"] for f in published["schema"]["fields"] if f.get("constraints", {}).get("required")]
        seen: set[str] = set()
        typed[kind] = []
        for number, raw in tables.get(kind, []):
            label = f"{published['path']} row {number}"
            try:
                obj = typed_row(kind, raw)
            except ValueError as exc:
                problems.append(f"{label}: {exc}")
                continue
            problems += [f"{label}: {e}" for e in errors(kind, obj, tabular=True)]
            problems += [f"{label}: {name} is required" for name in required if name not in obj]
            if obj.get("id") in seen:
                problems.append(f"{label}: duplicate id {obj['id']}")
            seen.add(obj.get("id"))
            typed[kind].append((number, obj))
        ids[kind] = seen
    for res in descriptor.get("resources", []):
        kind = res.get("name")
        for fk in res.get("schema", {}).get("foreignKeys", []):
            target = fk["reference"]["resource"]
            for number, obj in typed.get(kind, []):
                value = obj.get(fk["fields"])
                if value is not None and value not in ids.get(target, set()):
                    problems.append(f"{res['path']} row {number}: {fk['fields']} {value} is not an id in {target}")
    for number, obj in typed.get("attribute", []):
        entity = obj.get("link_entity")
        if entity in ids and obj.get("link_id") not in ids[entity]:
            problems.append(f"attributes.csv row {number}: link_id {obj.get('link_id')} is not an id in {entity}")
    return problems
