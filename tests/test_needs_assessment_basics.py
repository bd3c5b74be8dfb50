import pytest

from needs_assessment.indicators import quintile, weighted_mean
from needs_assessment.precision import PRECISE, describe, is_precise

CUTS = [-0.8, -0.3, 0.1, 0.66]


@pytest.mark.parametrize(
    "value, expected",
    [
        (-2.0, 1),
        (-0.8, 1),  # equal to q20: top of quintile 1
        (-0.79, 2),
        (0.1, 3),
        (0.5, 4),
        (0.66, 4),
        (3.0, 5),
        (None, None),
    ],
)
def test_quintile(value, expected):
    assert quintile(value, CUTS) == expected


def test_quintile_rejects_bad_cutpoints():
    with pytest.raises(ValueError, match="four ascending"):
        quintile(0.0, [1, 0, 2, 3])


def test_weighted_mean_skips_missing():
    assert weighted_mean([1.0, 3.0, None, 5.0], [1, 3, 10, None]) == pytest.approx(2.5)
    assert weighted_mean([None], [1]) is None


def test_precision_vocabulary():
    assert PRECISE == {"exact", "address", "landmark", "postal_code"}
    assert is_precise("postal_code") and not is_precise("rural_postal_code")
    assert describe("community") == "approximate: town centre, not the site"
    assert describe("bogus") == "unknown precision (bogus)"
