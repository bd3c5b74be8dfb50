"""Property-based tests: importers and every API parameter parser never crash; bad input is a 4xx with a message."""

import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetmap import validation
from assetmap import values as analysis
from assetmap.errors import InvalidParameter
from assetmap.formats import area_import, asset_import, tables
from assetmap.values import parse_bbox, parse_categories, parse_choice, parse_query

FAST = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
CATEGORIES = [
    {"slug": "parks", "label": "Parks and green space", "label_fr": "Parcs"},
    {"slug": "food", "label": "Food", "label_fr": "Alimentation"},
]

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
numberish = st.one_of(text, st.floats(allow_nan=True, allow_infinity=True).map(str), st.integers().map(str))


@FAST
@given(st.one_of(st.none(), text, st.lists(numberish, min_size=0, max_size=6).map(",".join)))
def test_parse_bbox_total(raw):
    try:
        box = parse_bbox(raw)
    except InvalidParameter as exc:
        assert str(exc)
        return
    assert box is None or (len(box) == 4 and box[0] <= box[2] and box[1] <= box[3])


@FAST
@given(st.lists(text, max_size=5))
def test_parse_categories_total(values):
    try:
        out = parse_categories(values, ["parks", "food"])
    except InvalidParameter as exc:
        assert "unknown category" in str(exc)
        return
    assert out is None or set(out) <= {"parks", "food"}


@FAST
@given(st.one_of(st.none(), text))
def test_parse_query_and_choice_total(raw):
    for fn in (lambda: parse_query(raw), lambda: parse_choice(raw, "level", ["DA", "CSD"])):
        try:
            fn()
        except InvalidParameter as exc:
            assert str(exc)


@FAST
@given(st.one_of(st.none(), numberish, st.booleans(), st.integers()))
def test_analysis_parsers_total(raw):
    for fn in (
        lambda: analysis.parse_distance(raw, "threshold_m"),
        lambda: analysis.parse_circuity(raw),
        lambda: analysis.parse_flag(raw, "include_imprecise"),
    ):
        try:
            fn()
        except InvalidParameter as exc:
            assert str(exc)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), text),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=10,
)


@FAST
@given(st.one_of(json_values, st.fixed_dictionaries({"add": json_values, "remove": json_values})))
def test_parse_scenario_total(payload):
    try:
        out = analysis.parse_scenario(payload)
    except InvalidParameter as exc:
        assert str(exc)
        return
    assert set(out) == {"add", "remove"}


@FAST
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "name",
                "category",
                "latitude",
                "longitude",
                "postal_code",
                "website",
                "email",
                "phone",
                "confidential",
                "capacity",
                "location_precision",
                "verified_date",
                "address",
                "notes",
            ]
        ),
        numberish,
    )
)
def test_validate_asset_total(record):
    check = validation.validate_asset(record, CATEGORIES)
    assert (check.clean is None) == bool(check.errors)
    if check.clean:
        lat, lon = check.clean["latitude"], check.clean["longitude"]
        assert (lat is None) == (lon is None)
        assert lat is None or (-90 <= lat <= 90 and -180 <= lon <= 180)


csv_cell = st.text(alphabet=string.printable + "éÉ\u00a0", max_size=12)


@FAST
@given(st.lists(st.lists(csv_cell, min_size=1, max_size=6), min_size=0, max_size=8))
def test_csv_import_never_crashes(empty_db, tmp_path_factory, rows):
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["name", "category", "latitude", "longitude", "postal_code", "extra"])
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("fuzz") / "f.csv"
    path.write_text(buf.getvalue())
    try:
        report = asset_import.import_assets(empty_db, path)
    except tables.ImportFileError as exc:
        assert str(exc)
        return
    assert report.imported + len(report.errors) == len(tables.read_table(path).records)


@FAST
@given(json_values)
def test_geojson_import_never_crashes(empty_db, tmp_path_factory, doc):
    path = tmp_path_factory.mktemp("fuzz") / "f.geojson"
    shaped = {"type": "FeatureCollection", "features": doc if isinstance(doc, list) else [doc]}
    for candidate in (doc, shaped):
        path.write_text(json.dumps(candidate))
        try:
            report = asset_import.import_assets(empty_db, path)
        except tables.ImportFileError as exc:
            assert str(exc)
            continue
        assert report.imported + len(report.errors) == len(shaped["features"])


@FAST
@given(json_values)
def test_area_import_never_crashes(empty_db, tmp_path_factory, doc):
    path = tmp_path_factory.mktemp("fuzz") / "a.geojson"
    features = doc if isinstance(doc, list) else [doc]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    try:
        report = area_import.import_areas(empty_db, path, "X")
    except tables.ImportFileError as exc:
        assert str(exc)
        return
    # every feature is either written or rejected with its number and a reason
    assert report.written + len(report.errors) == len(features)
    assert all(1 <= number <= len(features) and reason for number, reason in report.errors)


@FAST
@given(json_values)
def test_hsds_json_import_never_crashes(empty_db, tmp_path_factory, doc):
    from assetmap.formats.hsds import package as hsds_io

    path = tmp_path_factory.mktemp("fuzz") / "services.json"
    for candidate in (doc, [doc] if isinstance(doc, dict) else doc, {"contents": doc}):
        path.write_text(json.dumps(candidate))
        before = empty_db["assets"].count
        try:
            report = hsds_io.import_hsds(empty_db, path, default_category="food")
        except tables.ImportFileError as exc:
            assert str(exc)
            assert empty_db["assets"].count == before  # a refused file changes nothing
            continue
        assert_hsds_report(empty_db, report, before)


def assert_hsds_report(db, report, assets_before: int):
    """The report matches the database: one new asset per inserted service; every problem says where and why."""
    assert db["assets"].count == assets_before + report.inserted
    assert all(where and reason for where, reason in report.errors + report.skipped + report.warnings)


@FAST
@given(st.lists(st.lists(csv_cell, min_size=1, max_size=5), max_size=6))
def test_hsds_package_import_never_crashes(empty_db, tmp_path_factory, rows):
    import csv
    import io

    from assetmap.formats.hsds import package as hsds_io

    folder = tmp_path_factory.mktemp("pkg")
    (folder / "datapackage.json").write_text(
        json.dumps({"name": "x", "resources": [{"name": "service", "path": "services.csv"}]})
    )
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "name", "organization_id", "status"])
    writer.writerows(rows)
    (folder / "services.csv").write_text(buf.getvalue())
    before = empty_db["assets"].count
    try:
        report = hsds_io.import_hsds(empty_db, folder, default_category="food")
    except tables.ImportFileError as exc:
        assert str(exc)
        assert empty_db["assets"].count == before
        return
    assert_hsds_report(empty_db, report, before)


API_PARAMS = {
    "/api/search": ["near", "category", "q", "open_at", "language", "wheelchair", "cost", "age", "limit", "lang"],
    "/finder": ["near", "category", "q", "open_at", "limit"],
    "/finder/handout": ["ids", "lang"],
    "/hsds/services": ["search", "taxonomy_term_id", "postcode", "proximity", "page", "per_page", "full"],
    "/hsds/service_at_locations": ["search", "postcode", "proximity", "page", "per_page"],
    "/api/assets.csv": ["bbox", "category", "q"],
    "/api/assets": ["bbox", "category", "q", "mapped"],
    "/api/areas": ["level"],
    "/api/reach": ["category", "threshold_m", "circuity", "include_imprecise", "level", "format"],
    "/api/access": ["category", "catchment_m", "method", "circuity", "include_imprecise"],
    "/api/reach/suggest": ["category", "threshold_m", "weight", "circuity"],
    "/reach": ["category", "threshold_km", "circuity", "include_imprecise"],
}


@pytest.mark.parametrize("path", sorted(API_PARAMS))
def test_endpoints_answer_4xx_not_500(client, path):
    @FAST
    @given(
        st.dictionaries(
            st.sampled_from(API_PARAMS[path]),
            st.one_of(numberish, st.sampled_from(["food", "parks", "DA", "e2sfca", "1"])),
        )
    )
    def check(params):
        resp = client.get(path, query_string=params)
        assert resp.status_code in (200, 400, 404), (params, resp.status_code)
        if resp.status_code == 400 and (path.startswith("/api/") or path.startswith("/hsds/")):
            assert resp.get_json()["error"]

    check()


@FAST
@given(json_values)
def test_scenario_endpoint_answers_4xx_not_500(client, body):
    resp = client.post("/api/reach/scenario", json=body)
    assert resp.status_code in (200, 400), resp.get_data(as_text=True)
    if resp.status_code == 400:
        assert resp.get_json()["error"]
