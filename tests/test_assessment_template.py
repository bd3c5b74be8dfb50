"""Assessment templates: the default one is complete; malformed files name the file and line."""

import pytest
import yaml

from needs_assessment.expressions import parse_expression
from needs_assessment.template import BLOCKS
from needs_assessment.template_files import (
    TEMPLATES_DIR,
    TemplateError,
    load_template,
    parse_template,
    template_by_name,
)

GOOD = """\
name: mine
version: 1
title: Mine
sections:
  - id: people
    title: People
    indicators:
      - id: pop
        label: Population
        definition: Usual residents
        unit: people
        source: Census
        year: 2021
        direction: neutral
        compute: sum(population)
"""


def test_default_template_has_the_twelve_sections():
    t = template_by_name("north_muskoka")
    assert [s.title for s in t.sections] == [
        "About this assessment",
        "Who lives here",
        "Seasonal and part-year population",
        "Priority populations",
        "Determinants of health",
        "Health status and access to care",
        "Community assets",
        "Who isn't reached",
        "Who isn't accessing services",
        "Community voice",
        "Priorities and actions",
        "Appendix: definitions, sources and methods",
    ]
    assert t.suppression_threshold == 5 and t.version == "1"
    for _, ind in t.indicators():
        assert ind.label and ind.definition and ind.unit and ind.source and ind.year
        assert ind.direction in ("higher_is_better", "higher_is_worse", "neutral")
    assert {f.field for f in t.narrative_fields()} >= {
        "community_voice",
        "quotes",
        "priorities",
        "land_acknowledgement",
    }
    # Every block but those made for any place's own indices and licences (the English template's).
    place_blocks = {"about_place", "deprivation_distribution", "reach_by_deprivation", "reach_areas_deprivation"}
    assert {b for s in t.sections for b in s.blocks} == set(BLOCKS) - place_blocks - {"methods_place"}


def test_english_template_reads_the_columns_new_place_stores_for_england():
    t = template_by_name("english_neighbourhood")
    assert [s.id for s in t.sections] == [
        "about",
        "population",
        "core20",
        "plus",
        "clinical_adults",
        "clinical_children",
        "assets",
        "reach",
        "priorities",
        "definitions",
    ]
    computed = {i.id: i.compute for _, i in t.indicators() if not i.is_manual}
    assert computed["core20_share"] == "share_in_bands(imd_decile, 1, 2)"
    assert computed["beyond_parks"] == "reach_share(parks)"
    assert {b for s in t.sections for b in s.blocks} == {
        "about_place",
        "deprivation_distribution",
        "assets_by_category",
        "asset_map",
        "reach_by_category",
        "reach_by_deprivation",
        "reach_areas_deprivation",
        "reach_map",
        "methods_place",
    }


def test_good_template_parses():
    t = parse_template(GOOD, "mine.yaml")
    ind = t.indicator("pop")
    assert (ind.expression, ind.comparators, ind.digits, ind.is_count) == (
        ("sum", ("population",)),
        ("district",),
        0,
        True,
    )


# (old, new) edits of GOOD, and part of the message each must give.
MALFORMED = [
    (
        ("compute: sum(population)", "compute: summ(population)"),
        "mine.yaml, line 15: indicator 'pop': unknown function 'summ'",
    ),
    (("compute: sum(population)", "compute: sum(population"), "mine.yaml, line 15: indicator 'pop': missing ')'"),
    (
        ("compute: sum(population)", "compute: import os"),
        "mine.yaml, line 15: indicator 'pop': 'import' is not a function call",
    ),
    (
        ("compute: sum(population)", "compute: ratio(population, 2)"),
        "line 15: indicator 'pop': ratio() needs calculations",
    ),
    (("direction: neutral", "direction: up"), "mine.yaml, line 14: indicator 'pop': direction must be one of"),
    (
        ("        year: 2021\n", ""),
        "mine.yaml, line 8: an indicator of section 'people': missing required key(s) year",
    ),
    (
        ("        unit: people", "        unit: people\n        colour: red"),
        "mine.yaml, line 12: an indicator of section 'people': unknown key 'colour'",
    ),
    (("  - id: people", "  - id: People"), "mine.yaml, line 5: section 1 id 'People' must be lowercase"),
    (("    title: People", "    title: People\n    blocks: [charts]"), "mine.yaml, line 7: unknown block 'charts'"),
    (("title: Mine", "title: [Mine"), "mine.yaml, line 4: not valid YAML"),
    (("sections:", "sections: 3\nx:"), "mine.yaml, line 5: the template: unknown key 'x'"),
    (("name: mine", "name: mine\nname: again"), "mine.yaml, line 2: the template: key 'name' appears twice"),
    (
        ("direction: neutral", "direction: neutral\n        comparators: [ontario]"),
        "line 15: indicator 'pop': the ontario comparator needs",
    ),
]


@pytest.mark.parametrize("change, message", MALFORMED)
def test_malformed_template_names_file_and_line(change, message):
    old, new = change
    assert old in GOOD
    with pytest.raises(TemplateError) as exc:
        parse_template(GOOD.replace(old, new, 1), "mine.yaml")
    assert message in str(exc.value)


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml")
def test_libyaml_reads_a_template_as_pure_python_does(monkeypatch):
    """libyaml composes the file (15x faster); the template, the lines errors name and the messages
    for invalid YAML (read again in Python) are the same as with pure Python."""
    texts = [(TEMPLATES_DIR / "north_muskoka.yaml").read_text(encoding="utf-8")]
    texts += [GOOD.replace(old, new, 1) for (old, new), _ in MALFORMED] + [GOOD.replace("  - id", "\t- id", 1)]

    def outcomes():
        out = []
        for text in texts:
            try:
                out.append(parse_template(text, "mine.yaml"))
            except TemplateError as exc:
                out.append(str(exc))
        return out

    fast = outcomes()
    monkeypatch.delattr(yaml, "CSafeLoader")
    assert outcomes() == fast
    assert (
        fast[0].sections
        and fast[-1] == "mine.yaml, line 5: not valid YAML: found character '\\t' that cannot start any token"
    )


def test_empty_and_unreadable_files(tmp_path):
    (tmp_path / "empty.yaml").write_text("")
    with pytest.raises(TemplateError, match=r"empty.yaml, line 1: the file is empty"):
        load_template(tmp_path / "empty.yaml")
    (tmp_path / "bad.yaml").write_bytes(b"name: \xff\xfe")
    with pytest.raises(TemplateError, match="UTF-8"):
        load_template(tmp_path / "bad.yaml")
    with pytest.raises(KeyError):
        template_by_name("../etc/passwd")


def test_expressions_are_declarative_only():
    assert parse_expression("percent_change(csd_sum(population), csd_sum(pop_2016))") == (
        "percent_change",
        (("csd_sum", ("population",)), ("csd_sum", ("pop_2016",))),
    )
    for bad in ("__import__(os)", "sum(population) + 1", "population", "sum(a, b)", "share_in_quintile(q, 7)", ""):
        with pytest.raises(ValueError):
            parse_expression(bad)
