import pytest

from assetmap.errors import InvalidParameter
from assetmap.values import parse_bbox, parse_categories, parse_choice, parse_query


@pytest.mark.parametrize(
    "raw, expected",
    [
        (None, None),
        ("", None),
        ("-80,44.5,-78.9,45.5", (-80.0, 44.5, -78.9, 45.5)),
        (" -80 , 44.5 , -78.9 , 45.5 ", (-80.0, 44.5, -78.9, 45.5)),  # spaces around numbers are fine
        ("-79.3,45,-79.3,45", (-79.3, 45.0, -79.3, 45.0)),  # a degenerate box is a point query
    ],
)
def test_parse_bbox_accepts(raw, expected):
    assert parse_bbox(raw) == expected


@pytest.mark.parametrize(
    "raw, message",
    [
        ("1,2,3", "bbox must be four numbers"),
        ("a,b,c,d", "bbox must be four numbers"),
        ("1,2,3,4,5", "bbox must be four numbers"),
        ("nan,1,2,3", "finite"),
        ("inf,1,2,3", "finite"),
        ("-181,0,0,1", "out of range"),
        ("0,-91,1,0", "out of range"),
        ("10,0,5,1", "must not exceed"),  # minlon > maxlon
        ("0,10,1,5", "must not exceed"),  # minlat > maxlat
        ("45,-100,46,-79", "out of range"),  # lat,lon order by mistake: -100 is not a latitude
    ],
)
def test_parse_bbox_rejects(raw, message):
    with pytest.raises(InvalidParameter, match=message):
        parse_bbox(raw)


def test_parse_categories_repeated_and_comma_separated():
    known = ["food", "parks", "health"]
    assert parse_categories(["food,parks", "health", "food"], known) == ["food", "parks", "health"]
    assert parse_categories([], known) is None
    assert parse_categories([""], known) is None


def test_parse_categories_unknown_names_all_known():
    with pytest.raises(InvalidParameter, match=r"unknown category 'nope'; known: food, health, parks"):
        parse_categories(["nope"], ["food", "parks", "health"])


def test_parse_query_and_choice():
    assert parse_query("  food bank ") == "food bank"
    assert parse_query("   ") is None
    with pytest.raises(InvalidParameter, match="too long"):
        parse_query("x" * 201)
    assert parse_choice(None, "level", ["DA"], default="DA") == "DA"
    with pytest.raises(InvalidParameter, match="level must be one of DA, CSD"):
        parse_choice("XX", "level", ["DA", "CSD"])
