"""Open Referral HSDS 3.0: schema-valid export, exact round trip, a hand-made package with every table."""

import csv
import json
import shutil
import zipfile

import pytest

from app.db import init_db
from assetmap import store
from assetmap.formats.hsds import package as hsds_io
from assetmap.formats.hsds import schema as hsds_schema
from assetmap.formats.hsds.mapping import asset_unit
from assetmap.formats.hsds.objects import service_document, uid
from assetmap.formats.hsds.terms import ROUND_TRIP_FIELDS
from assetmap.formats.hsds.values import format_opening_hours, parse_opening_hours, same_value
from assetmap.privacy import public_asset
from assetmap.services.demo import load_categories
from assetmap.vocab import abcd

SCHEMA_DATAPACKAGE = hsds_schema.SCHEMA_DIR / "datapackage.json"


def read_tables(folder) -> dict[str, dict[str, dict]]:
    """Typed rows of an HSDS package, kind -> id -> row."""
    _, tables = hsds_schema.read_package(folder)
    return {kind: {r["id"]: hsds_schema.typed_row(kind, r) for _, r in rows} for kind, rows in tables.items()}


def asset_key(row: dict) -> str:
    """External id, or the name of a confidential site (whose external id never leaves the app)."""
    return row["name"] if row["confidential"] else row["external_id"]


def assets_by_external_id(db) -> dict[str, dict]:
    return {asset_key(r): r for r in db.query("SELECT * FROM assets")}


# --- export -----------------------------------------------------------------------------------


def test_demo_export_is_valid_hsds(db, tmp_path):
    report = hsds_io.export_hsds(db, tmp_path / "out")
    assert (report.assets, report.services) == (149, 149)
    assert report.files[0] == "datapackage.json" and report.files[-1] == "services.json"
    assert len(report.files) == 2 + len(hsds_schema.resources())
    assert hsds_schema.validate_package(tmp_path / "out") == []
    documents = json.loads((tmp_path / "out" / "services.json").read_text())
    assert len(documents) == 149
    assert [d["name"] for d in documents if hsds_schema.errors("service", d)] == []
    tables = read_tables(tmp_path / "out")
    assert {k: len(v) for k, v in tables.items() if v} == {
        "organization": 149,
        "service": 149,
        "attribute": 1726,  # confidential sites carry no community, municipality, source page or external id
        "service_at_location": 149,
        "location": 149,
        "phone": 65,
        "address": 36,  # an address object needs a postal code (HSDS asks for the province)
        "schedule": 54,  # two hours derived from hours_text by the finder become weekly rules
        "taxonomy_term": 32,  # assetmap_field opening_hours (24/7 has no HSDS weekly form)
        "taxonomy": 3,
    }


def test_export_of_one_asset_exact(db, tmp_path):
    park = next(iter(db.query("SELECT * FROM assets WHERE name = 'Arrowhead Provincial Park'")))
    ctx = hsds_io.context(db)
    doc = service_document([asset_unit(park, ctx)])
    assert hsds_schema.errors("service", doc) == []
    key = "muskoka:arrowhead-provincial-park"
    s, loc = uid("service", key), uid("location", key)
    assert doc["id"] == s
    assert {k: v for k, v in doc.items() if not isinstance(v, (list, dict))} == {
        "id": s,
        "organization_id": uid("organization", key),
        "name": "Arrowhead Provincial Park",
        "status": "active",
        "url": "https://www.ontarioparks.ca/park/arrowhead",
    }
    assert doc["phones"] == [{"id": uid("phone", s, "0"), "service_id": s, "number": "(705) 789-5105"}]
    assert doc["schedules"] == [
        {
            "id": uid("schedule", s, "text"),
            "service_id": s,
            "description": "Open all four seasons (2021 park guide)",
        }
    ]
    location = doc["service_at_locations"][0]["location"]
    assert (location["latitude"], location["longitude"]) == (45.39167, -79.19861)
    assert location["addresses"] == [
        {
            "id": uid("address", loc, "physical"),
            "location_id": loc,
            "address_1": "451 Arrowhead Park Rd",
            "city": "Huntsville (north of town)",
            "state_province": "ON",
            "postal_code": "P1H 2J4",
            "country": "CA",
            "address_type": "physical",
            "region": "Huntsville",
        }
    ]
    terms = {
        (a["taxonomy_term"]["taxonomy"], a["taxonomy_term"]["code"]): (a["link_entity"], a.get("value"))
        for a in doc["attributes"] + location["attributes"] + doc["service_at_locations"][0].get("attributes", [])
    }
    assert terms == {
        ("assetmap_category", "parks"): ("service", None),
        ("abcd_asset_type", "natural"): ("service", None),
        ("assetmap_field", "external_id"): ("service_at_location", key),
        ("assetmap_field", "subcategory"): ("service", park["subcategory"]),
        ("assetmap_field", "address_kind"): ("location", "street"),
        ("assetmap_field", "source"): ("service", park["source"]),
        ("assetmap_field", "source_url"): ("service", park["source_url"]),
        ("assetmap_field", "notes"): ("service", park["notes"]),
        ("assetmap_field", "precision_source"): ("location", "exact_from_page"),
        # With a street address HSDS coordinates would read back as "address": this point is exact.
        ("assetmap_field", "location_precision"): ("location", "exact"),
    }


def test_confidential_sites_leave_without_address_point_or_notes(db, tmp_path):
    db.execute("UPDATE assets SET address = '12 Hidden Lane' WHERE id = 91")  # editors may know it
    hsds_io.export_hsds(db, tmp_path / "out")
    secret = list(db.query("SELECT * FROM assets WHERE confidential = 1"))
    assert len(secret) == 4
    text = "".join(p.read_text() for p in (tmp_path / "out").iterdir())
    assert [row["address"] for row in secret if row["address"]] == ["12 Hidden Lane"]
    for row in secret:
        assert row["notes"] and row["notes"] not in text
        if row["address"]:
            assert row["address"] not in text
        if row["postal_code"]:
            assert row["postal_code"] not in text
    documents = {d["name"]: d for d in json.loads((tmp_path / "out" / "services.json").read_text())}
    for row in secret:
        location = documents[row["name"]]["service_at_locations"][0]["location"]
        assert "latitude" not in location and "longitude" not in location and "addresses" not in location
        fields = {a["taxonomy_term"]["code"]: a.get("value") for a in location.get("attributes", [])}
        assert fields == {}  # not even the town (app/privacy.py)
        assert row["source_url"] not in text  # a source article can name the building
        service_fields = {a["taxonomy_term"]["code"]: a.get("value") for a in documents[row["name"]]["attributes"]}
        assert service_fields["confidential"] == "1"


def test_validator_finds_broken_rows(db, tmp_path):
    out = tmp_path / "out"
    hsds_io.export_hsds(db, out, formats=("csv",))
    assert hsds_schema.validate_package(out) == []
    rows = list(csv.DictReader((out / "phones.csv").open()))
    rows[0]["number"] = ""
    rows[1]["service_id"] = "not-a-uuid"
    rows[2]["service_id"] = "00000000-0000-4000-8000-000000000000"
    with (out / "phones.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    problems = hsds_schema.validate_package(out)
    assert problems == [
        "phones.csv row 2: phone: 'number' is a required property",
        "phones.csv row 2: number is required",
        "phones.csv row 3: service_id: 'not-a-uuid' is not a 'uuid'",
        "phones.csv row 3: service_id not-a-uuid is not an id in service",
        "phones.csv row 4: service_id 00000000-0000-4000-8000-000000000000 is not an id in service",
    ]


# --- round trip -------------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["folder", "datapackage.json", "zip", "services.json"])
def test_demo_round_trip_is_exact(db, empty_db, tmp_path, what):
    out = tmp_path / "out"
    hsds_io.export_hsds(db, out)
    assert hsds_schema.validate_package(out) == []
    path = {
        "folder": out,
        "datapackage.json": out / "datapackage.json",
        "services.json": out / "services.json",
        "zip": tmp_path / "hsds.zip",
    }[what]
    if what == "zip":
        with zipfile.ZipFile(path, "w") as zf:
            for p in out.iterdir():
                if p.suffix == ".csv" or p.name == "datapackage.json":
                    zf.write(p, f"export/{p.name}")
    report = hsds_io.import_hsds(empty_db, path)
    assert (report.inserted, report.errors, report.skipped, report.unmapped_terms) == (149, [], [], {})
    before, after = assets_by_external_id(db), assets_by_external_id(empty_db)
    assert set(before) == set(after)
    differences = [
        (key, name, public_asset(row).get(name), after[key].get(name))
        for key, row in before.items()
        for name in [*ROUND_TRIP_FIELDS, "extra"]
        if not same_value(public_asset(row).get(name), after[key].get(name))
        and not (row["confidential"] and name in ("external_id", "extra"))  # withheld: the copy gets HSDS ids
    ]
    assert differences == []
    # Confidential sites come back without a point, address, postal code or notes, and still confidential.
    secret = [r for r in after.values() if r["confidential"]]
    assert len(secret) == 4
    for row in secret:
        assert (row["latitude"], row["longitude"], row["address"], row["postal_code"], row["notes"]) == (
            None,
            None,
            "",
            "",
            "",
        )
        assert row["location_precision"] == "none"
    again = hsds_io.import_hsds(empty_db, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 149)


def test_abcd_types_and_informal_groups_round_trip(db, empty_db, tmp_path):
    db.execute("UPDATE assets SET abcd_type = 'associations' WHERE name = 'The Table Community Kitchen'")
    db.execute("UPDATE assets SET abcd_type = 'local_economy' WHERE external_id LIKE 'muskoka:%farmers%'")
    hsds_io.export_hsds(db, tmp_path / "out")
    hsds_io.import_hsds(empty_db, tmp_path / "out")
    types = abcd.load_types()
    effective = {asset_key(r): abcd.effective_type(r, types) for r in empty_db.query("SELECT * FROM assets")}
    original = {asset_key(r): abcd.effective_type(r, types) for r in db.query("SELECT * FROM assets")}
    assert effective == original
    assert effective["muskoka:the-table-community-kitchen"] == "associations"
    stored = next(iter(empty_db.query("SELECT abcd_type FROM assets WHERE name = 'The Table Community Kitchen'")))
    assert stored["abcd_type"] == "associations"
    groups = [k for k, v in effective.items() if v == "associations"]
    assert len(groups) == 22  # 21 volunteer and community groups and the kitchen
    # Stored only when it differs from the category's default.
    assert (
        empty_db.execute("SELECT COUNT(*) FROM assets WHERE abcd_type IS NOT NULL").fetchone()[0]
        == (db.execute("SELECT COUNT(*) FROM assets WHERE abcd_type IS NOT NULL").fetchone()[0])
    )


def test_extra_attributes_survive_the_round_trip(empty_db, tmp_path):
    store.save_asset(
        empty_db,
        {
            "name": "Repair Café",
            "category": "community_groups",
            "location_precision": "none",
            "external_id": "survey:17",
            "extra": {"volunteers": "12", "founded": 2019},
        },
    )
    hsds_io.export_hsds(empty_db, tmp_path / "out")
    target = init_db(tmp_path / "target.db")
    load_categories(target)
    hsds_io.import_hsds(target, tmp_path / "out")
    row = next(iter(target.query("SELECT * FROM assets")))
    assert json.loads(row["extra"]) == {"volunteers": "12", "founded": 2019}
    assert (row["external_id"], row["location_precision"], row["latitude"]) == ("survey:17", "none", None)


# --- a hand-made package exercising every table -----------------------------------------------


def U(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


O1, O2, O3, P1, S1, S2, S3 = U(1), U(2), U(3), U(4), U(11), U(12), U(13)
L1, L2, L3, L4, SAL1, SAL2, SAL3 = U(21), U(22), U(23), U(24), U(31), U(32), U(33)
TX1, TX2, T1, T2, T3, T4, T5 = U(41), U(42), U(51), U(52), U(53), U(54), U(55)

HAND_MADE = {
    "organization": [
        {"id": O1, "name": "Lakeside Food Network", "description": "Runs two food pantries.",
         "website": "https://example.org/lfn", "email": "info@example.org", "year_incorporated": "2009"},
        {"id": O2, "name": "Knitting Circle", "description": "Neighbours who knit for the hospital."},
        {"id": O3, "name": "Old Org", "description": "Closed."},
    ],
    "program": [{"id": P1, "organization_id": O1, "name": "Food Security", "description": "All food work."}],
    "service": [
        {"id": S1, "organization_id": O1, "program_id": P1, "name": "Community Food Pantry", "alternate_name": "CFP",
         "description": "Groceries once a week.", "url": "https://example.org/pantry", "email": "pantry@example.org",
         "status": "active", "interpretation_services": "Interpreters on request", "application_process": "Walk in",
         "fees_description": "Free", "eligibility_description": "Anyone in need", "minimum_age": "0",
         "assured_date": "2024-05-01"},
        {"id": S2, "organization_id": O1, "name": "Food Delivery for Seniors", "status": "active"},
        {"id": S3, "organization_id": O3, "name": "Closed Drop-in", "status": "defunct"},
    ],
    "service_at_location": [
        {"id": SAL1, "service_id": S1, "location_id": L1, "description": "Main site"},
        {"id": SAL2, "service_id": S1, "location_id": L2},
        {"id": SAL3, "service_id": S3, "location_id": L2},
    ],
    "location": [
        {"id": L1, "location_type": "physical", "organization_id": O1, "name": "Main Street Pantry",
         "latitude": "45.33", "longitude": "-79.22", "transportation": "Bus 1"},
        {"id": L2, "location_type": "physical", "organization_id": O1, "name": "Church Hall Pantry"},
        {"id": L3, "location_type": "physical", "organization_id": O2, "name": "Meeting room",
         "latitude": "45.2", "longitude": "-79.27"},
        {"id": L4, "location_type": "physical", "name": "Community Hall", "latitude": "45.1", "longitude": "-79.3"},
    ],
    "address": [
        {"id": U(61), "location_id": L1, "address_1": "1 Example St", "address_2": "Unit 2", "city": "Huntsville",
         "region": "Muskoka", "state_province": "ON", "postal_code": "P1H 1A1", "country": "CA",
         "address_type": "physical"},
        {"id": U(62), "location_id": L1, "address_1": "PO Box 1", "city": "Huntsville", "state_province": "ON",
         "postal_code": "P1H 1A2", "country": "CA", "address_type": "postal"},
        {"id": U(63), "location_id": L2, "address_1": "2 Example Rd", "city": "Bracebridge", "state_province": "ON",
         "postal_code": "P1L 1A1", "country": "CA", "address_type": "physical"},
    ],
    "contact": [{"id": U(71), "service_id": S1, "name": "Pat Example", "title": "Coordinator",
                 "email": "pat@example.org"}],
    "phone": [
        {"id": U(81), "service_id": S1, "number": "705-555-0101", "type": "voice", "description": "Main line"},
        {"id": U(82), "contact_id": U(71), "number": "705-555-0102"},
        {"id": U(83), "location_id": L1, "number": "705-555-0103", "extension": "12"},
    ],
    "schedule": [
        {"id": U(91), "service_id": S1, "freq": "WEEKLY", "byday": "MO,TU,WE", "opens_at": "09:00",
         "closes_at": "12:00", "description": "Mornings", "valid_from": "2024-01-01"},
        {"id": U(92), "service_id": S2, "description": "Tuesdays"},
    ],
    "language": [
        {"id": U(101), "service_id": S1, "name": "English", "code": "en"},
        {"id": U(102), "phone_id": U(81), "name": "French", "code": "fr"},
    ],
    "accessibility": [{"id": U(111), "location_id": L1, "description": "Ramp at side door", "url": "https://example.org/a"}],
    "cost_option": [{"id": U(121), "service_id": S1, "option": "Everyone", "amount": "0", "currency": "CAD"}],
    "funding": [{"id": U(131), "service_id": S1, "source": "United Way"}],
    "required_document": [{"id": U(141), "service_id": S1, "document": "Proof of address"}],
    "service_area": [{"id": U(151), "service_id": S1, "name": "Huntsville", "extent_type": "text"}],
    "organization_identifier": [{"id": U(161), "organization_id": O1, "identifier_type": "Charity number",
                                 "identifier": "123456789RR0001"}],
    "taxonomy": [
        {"id": TX1, "name": "Open Eligibility", "description": "Human services taxonomy."},
        {"id": TX2, "name": "abcd_asset_type", "description": "ABCD asset types."},
    ],
    "taxonomy_term": [
        {"id": T1, "name": "Food Pantry", "description": "Food pantries.", "taxonomy": "Open Eligibility", "taxonomy_id": TX1},
        {"id": T2, "name": "Veterans", "description": "Veterans.", "taxonomy": "Open Eligibility", "taxonomy_id": TX1},
        {"id": T3, "name": "Food Delivery", "description": "Delivery.", "taxonomy": "Open Eligibility", "taxonomy_id": TX1},
        {"id": T4, "name": "Community Centre", "description": "Halls.", "taxonomy": "Open Eligibility", "taxonomy_id": TX1},
        {"id": T5, "code": "associations", "name": "Associations", "description": "Groups.", "taxonomy": "abcd_asset_type",
         "taxonomy_id": TX2},
    ],
    "attribute": [
        {"id": U(171), "link_id": S1, "link_entity": "service", "taxonomy_term_id": T1},
        {"id": U(172), "link_id": S1, "link_entity": "service", "taxonomy_term_id": T2},
        {"id": U(173), "link_id": S2, "link_entity": "service", "taxonomy_term_id": T3},
        {"id": U(174), "link_id": O2, "link_entity": "organization", "taxonomy_term_id": T5},
        {"id": U(175), "link_id": L4, "link_entity": "location", "taxonomy_term_id": T4, "value": "main hall"},
    ],
    "metadata": [{"id": U(181), "resource_id": S1, "resource_type": "service", "last_action_date": "2024-05-01",
                  "last_action_type": "create", "field_name": "name", "previous_value": "(none)",
                  "replacement_value": "Community Food Pantry", "updated_by": "tester"}],
    "meta_table_description": [{"id": U(191), "name": "services", "language": "en", "character_set": "UTF-8"}],
}  # fmt: skip


def write_hand_made(folder):
    """Write HAND_MADE as an HSDS Tabular Data Package (every CSV, published columns)."""
    folder.mkdir()
    shutil.copy(SCHEMA_DATAPACKAGE, folder / "datapackage.json")
    for res in hsds_schema.resources():
        with (folder / res["path"]).open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=hsds_schema.fields(res["name"]))
            writer.writeheader()
            writer.writerows(HAND_MADE.get(res["name"], []))
    return folder


def test_hand_made_package_is_valid_and_uses_every_table(tmp_path):
    folder = write_hand_made(tmp_path / "pkg")
    assert hsds_schema.validate_package(folder) == []
    assert set(HAND_MADE) == {r["name"] for r in hsds_schema.resources()}


def test_import_hand_made_package(empty_db, tmp_path):
    folder = write_hand_made(tmp_path / "pkg")
    report = hsds_io.import_hsds(empty_db, folder)
    assert (report.inserted, report.updated, report.errors, report.defaulted) == (5, 0, [], 0)
    assert report.skipped == [
        ("services.csv row 4", "service 'Closed Drop-in' has status 'defunct', not active"),
        ("meta_table_description", "1 row(s) belong to no imported service, organization or location: not kept"),
        ("organization", "1 row(s) belong to no imported service, organization or location: not kept"),
        ("service", "1 row(s) belong to no imported service, organization or location: not kept"),
        ("service_at_location", "1 row(s) belong to no imported service, organization or location: not kept"),
    ]
    assert dict(report.unmapped_terms) == {"Open Eligibility: Veterans": 2}
    assert report.warnings == [
        ("organizations.csv row 3", "organization with no service: imported as an asset of its own"),
        ("locations.csv row 5", "location used by no service: imported as an asset of its own"),
        ("services.csv row 2", "could not locate it offline; imported without a point"),
    ]
    rows = assets_by_external_id(empty_db)
    assert set(rows) == {
        f"hsds:{S1}/{L1}",
        f"hsds:{S1}/{L2}",
        f"hsds:{S2}",
        f"hsds:organization/{O2}",
        f"hsds:location/{L4}",
    }
    main = rows[f"hsds:{S1}/{L1}"]
    pick = [*ROUND_TRIP_FIELDS]
    assert {k: main[k] for k in pick} == {
        "external_id": f"hsds:{S1}/{L1}",
        "name": "Community Food Pantry",
        "description": "Groceries once a week.",
        "category": "food",
        "subcategory": "Food Pantry",
        "address": "1 Example St, Unit 2",
        "community": "Huntsville",
        "municipality": "Muskoka",
        "postal_code": "P1H 1A1",
        "phone": "705-555-0101",
        "email": "pantry@example.org",
        "website": "https://example.org/pantry",
        "hours_text": "Mornings",
        "opening_hours": "Mo-We 09:00-12:00",
        "languages": "English",
        "accessibility": "Ramp at side door",
        "eligibility": "Anyone in need",
        "cost": "Free",
        "capacity": None,
        "latitude": 45.33,
        "longitude": -79.22,
        "location_precision": "address",
        "precision_source": "HSDS location latitude/longitude",
        "confidential": 0,
        "source": "Open Referral HSDS import (pkg)",
        "source_url": "",
        "notes": "",
        "verified_date": "2024-05-01",
        "address_kind": "",
        "address_source_url": "",
        "contact_source_url": "",
        "coordinate_source_url": "",
        "last_seen": "",
        # finder fields derived from the free text where it says exactly that ("English", "Free")
        "language_codes": "en",
        "wheelchair": "",
        "cost_level": "free",
        "age_groups": "",
        "abcd_type": None,
    }
    second = rows[f"hsds:{S1}/{L2}"]
    assert (second["address"], second["community"], second["latitude"], second["location_precision"]) == (
        "2 Example Rd",
        "Bracebridge",
        None,
        "none",
    )
    delivery = rows[f"hsds:{S2}"]
    assert (delivery["category"], delivery["hours_text"], delivery["website"], delivery["email"]) == (
        "food",
        "Tuesdays",
        "https://example.org/lfn",  # the organization's, as the service gives none
        "info@example.org",
    )
    group = rows[f"hsds:organization/{O2}"]
    assert (group["name"], group["description"], group["category"], group["latitude"]) == (
        "Knitting Circle",
        "Neighbours who knit for the hospital.",
        "community_groups",
        45.2,
    )
    assert abcd.effective_type(group, abcd.load_types()) == "associations"
    hall = rows[f"hsds:location/{L4}"]
    assert (hall["name"], hall["category"], hall["subcategory"]) == ("Community Hall", "recreation", "Community Centre")
    # Unmapped fields are kept in extra, e.g. the service's alternate name and the org's details.
    extra = json.loads(main["extra"])["hsds"]
    assert extra["service"]["fields"] == {
        "program_id": P1,
        "alternate_name": "CFP",
        "interpretation_services": "Interpreters on request",
        "application_process": "Walk in",
        "minimum_age": 0.0,
    }
    assert extra["ids"] == {"organization": O1, "service_at_location": SAL1}


def test_hand_made_package_comes_back_out_whole(empty_db, tmp_path):
    """Import, export: every source row an imported asset holds is in the export, field for field."""
    folder = write_hand_made(tmp_path / "pkg")
    hsds_io.import_hsds(empty_db, folder)
    hsds_io.export_hsds(empty_db, tmp_path / "out")
    assert hsds_schema.validate_package(tmp_path / "out") == []
    source, exported = read_tables(folder), read_tables(tmp_path / "out")
    not_kept = {S3, O3, SAL3, U(191)}  # the defunct service, its organization and link; table descriptions
    ours = {TX2, T5, U(174)}  # the ABCD taxonomy is ours: it comes back as our own term on the service
    missing = []
    for kind, rows in source.items():
        for row_id, row in rows.items():
            if row_id in not_kept | ours:
                continue
            out = exported.get(kind, {}).get(row_id)
            if out is None or {k: out.get(k) for k in row} != row:
                missing.append((kind, row_id, out))
    assert missing == []
    # Re-importing our export changes nothing.
    again = hsds_io.import_hsds(empty_db, tmp_path / "out")
    assert (again.inserted, again.updated, again.unchanged, again.errors) == (0, 0, 5, [])


def test_unmapped_terms_rejected_unless_default_category(empty_db, tmp_path):
    doc = {
        "id": U(1),
        "name": "Tax clinic",
        "status": "active",
        "organization": {"id": U(2), "name": "Volunteers", "description": "Volunteer tax help."},
        "attributes": [
            {"id": U(3), "taxonomy_term_id": U(4), "link_entity": "service", "link_id": U(1),
             "taxonomy_term": {"id": U(4), "name": "Tax Preparation", "description": "Tax help.", "taxonomy": "Local"}},
        ],
    }  # fmt: skip
    path = tmp_path / "one.json"
    path.write_text(json.dumps(doc))
    report = hsds_io.import_hsds(empty_db, path)
    assert report.errors == [
        (
            "one.json item 1",
            "'Tax clinic': no taxonomy term maps to a category (terms: Local: Tax Preparation); "
            "add the term to the mapping file or give a default category",
        )
    ]
    assert dict(report.unmapped_terms) == {"Local: Tax Preparation": 1}
    assert empty_db["assets"].count == 0
    mapping = tmp_path / "map.csv"
    mapping.write_text("taxonomy,term,category\nLocal,tax preparation,social_services\n")
    report = hsds_io.import_hsds(empty_db, path, term_map_path=mapping)
    assert (report.inserted, report.errors, dict(report.unmapped_terms)) == (1, [], {})
    empty_db.execute("DELETE FROM assets")
    report = hsds_io.import_hsds(empty_db, path, default_category="social_services")
    assert (report.inserted, report.defaulted, report.errors) == (1, 1, [])
    row = next(iter(empty_db.query("SELECT category, location_precision, external_id FROM assets")))
    assert row == {"category": "social_services", "location_precision": "none", "external_id": f"hsds:{U(1)}"}


def test_invalid_objects_are_reported_and_left_out(empty_db, tmp_path):
    docs = [
        {"id": U(1), "name": "No status"},
        {"id": "nope", "name": "Bad id", "status": "active"},
        {"id": U(3), "name": "Good", "status": "active", "phones": [{"id": U(4)}],
         "attributes": [{"id": U(5), "link_id": U(3), "link_entity": "service", "taxonomy_term_id": U(6),
                         "taxonomy_term": {"id": U(6), "code": "food", "name": "Food", "description": "Food.",
                                           "taxonomy": "assetmap_category"}}]},
        "text",
    ]  # fmt: skip
    path = tmp_path / "docs.json"
    path.write_text(json.dumps(docs))
    report = hsds_io.import_hsds(empty_db, path, default_category="food")
    assert report.errors == [
        ("docs.json item 1", "invalid service: service: 'status' is a required property"),
        ("docs.json item 2", "invalid service: id: 'nope' is not a 'uuid'"),
        ("docs.json item 4", "not an HSDS service object with an id"),
        ("docs.json item 3 (phone)", "invalid phone: phone: 'number' is a required property"),
    ]
    # The valid service is imported (without its invalid phone), with its category term.
    assert report.inserted == 1 and report.defaulted == 0
    row = next(iter(empty_db.query("SELECT name, category, phone FROM assets")))
    assert row == {"name": "Good", "category": "food", "phone": ""}


def test_unreadable_inputs(empty_db, tmp_path):
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(hsds_io.ImportFileError, match="give a datapackage folder"):
        hsds_io.import_hsds(empty_db, tmp_path / "x.txt")
    (tmp_path / "bad.json").write_text("[1,")
    with pytest.raises(hsds_io.ImportFileError, match="not valid JSON"):
        hsds_io.import_hsds(empty_db, tmp_path / "bad.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(hsds_io.ImportFileError, match="no datapackage.json"):
        hsds_io.import_hsds(empty_db, tmp_path / "empty")
    with pytest.raises(hsds_io.ImportFileError, match="unknown default category 'bakeries'"):
        hsds_io.import_hsds(empty_db, tmp_path / "bad.json", default_category="bakeries")


# --- opening hours and small helpers ------------------------------------------------------------


@pytest.mark.parametrize(
    "text, rules, back",
    [
        ("Mo-Fr 09:00-17:00", [("MO,TU,WE,TH,FR", "09:00", "17:00")], "Mo-Fr 09:00-17:00"),
        ("Mo,We 10:00-12:00; Sa 09:00-13:00", [("MO,WE", "10:00", "12:00"), ("SA", "09:00", "13:00")], None),
        (
            "Mo-Tu 08:00-12:00,13:00-16:00",
            [("MO,TU", "08:00", "12:00"), ("MO,TU", "13:00", "16:00")],
            "Mo,Tu 08:00-12:00,13:00-16:00",
        ),
        ("24/7", None, None),  # not the plain weekly form: kept as an attribute instead
        ("Mo-Fr 09:00-24:00", None, None),  # 24:00 is not a clock time HSDS accepts
        ("Fr-Mo 09:00-17:00", None, None),  # wrapping ranges are left alone
    ],
)
def test_opening_hours_to_weekly_schedules(text, rules, back):
    parsed = parse_opening_hours(text)
    assert parsed == (None if rules is None else [{"byday": d, "opens_at": o, "closes_at": c} for d, o, c in rules])
    if parsed:
        assert format_opening_hours(parsed) == (back or text)


def test_opening_hours_round_trip_through_hsds(empty_db, tmp_path):
    for name, hours in [("A", "Mo-Fr 09:00-17:00"), ("B", "Mo,We 10:00-12:00; Sa 09:00-13:00"), ("C", "24/7")]:
        store.save_asset(
            empty_db, {"name": name, "category": "food", "opening_hours": hours, "location_precision": "none"}
        )
    hsds_io.export_hsds(empty_db, tmp_path / "out")
    docs = {d["name"]: d for d in json.loads((tmp_path / "out" / "services.json").read_text())}
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in docs["B"]["schedules"]] == [
        ("MO,WE", "10:00", "12:00"),
        ("SA", "09:00", "13:00"),
    ]
    assert "schedules" not in docs["C"]
    target = init_db(tmp_path / "t.db")
    load_categories(target)
    hsds_io.import_hsds(target, tmp_path / "out")
    assert {r["name"]: r["opening_hours"] for r in target.query("SELECT name, opening_hours FROM assets")} == {
        "A": "Mo-Fr 09:00-17:00",
        "B": "Mo,We 10:00-12:00; Sa 09:00-13:00",
        "C": "24/7",
    }


# --- command line -----------------------------------------------------------------------------


def test_cli_export_and_import(runner, tmp_path, app):
    result = runner.invoke(args=["export-hsds", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{tmp_path / 'out'}: 149 assets as 149 HSDS services, 23 files."
    pkg = write_hand_made(tmp_path / "pkg")
    result = runner.invoke(args=["import-hsds", str(pkg)])
    assert result.exit_code == 0, result.output
    assert f"{pkg}: 5 added, 0 updated, 0 unchanged, 0 rejected, 5 skipped." in result.output
    assert "Taxonomy terms with no category mapping (count):\n  Open Eligibility: Veterans: 2" in result.output
    assert "services.csv row 4: service 'Closed Drop-in' has status 'defunct', not active" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": U(1), "name": "X", "status": "active", "organization_id": U(2)}]))
    result = runner.invoke(args=["import-hsds", str(bad)])
    assert result.exit_code == 1
    assert "bad.json item 1: 'X': no taxonomy term maps to a category (no terms)" in result.output
    result = runner.invoke(args=["import-hsds", str(bad), "--default-category", "food"])
    assert result.exit_code == 0 and "1 added" in result.output and "1 given the default category" in result.output


def test_finder_attributes_round_trip(db, empty_db, tmp_path):
    """The finder's structured fields (languages, wheelchair access, cost, ages) survive HSDS."""
    db.execute(
        "UPDATE assets SET language_codes = 'en,fr', wheelchair = 'yes', cost_level = 'free', age_groups = 'seniors' "
        "WHERE name = 'The Table Community Kitchen'"
    )
    hsds_io.export_hsds(db, tmp_path / "out")
    assert hsds_schema.validate_package(tmp_path / "out") == []
    hsds_io.import_hsds(empty_db, tmp_path / "out")
    row = next(iter(empty_db.query("SELECT * FROM assets WHERE name = 'The Table Community Kitchen'")))
    assert (row["language_codes"], row["wheelchair"], row["cost_level"], row["age_groups"]) == (
        "en,fr",
        "yes",
        "free",
        "seniors",
    )
