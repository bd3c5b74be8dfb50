"""Assessment templates: what a template holds, as a coalition writes it in a YAML file.

A template is data, not code. It lists the report's sections in order; each section has a title,
an introduction, optional built-in blocks (tables, charts, maps), narrative fields that planners
fill in, and indicators. An indicator says how its value is computed in a small declarative
vocabulary (`expressions.FUNCTIONS`), never arbitrary code. `template_files` reads and validates
the YAML files into the `Template` declared here.

Schema (keys marked * are required)::

    name*: slug                      # e.g. north_muskoka
    version*: text or number         # bump when definitions change; saved with every run
    title*: text
    description: text
    land_acknowledgement: text       # default text, editable per assessment
    suppression_threshold: integer   # default small-number threshold (default 5)
    similar_within: number           # relative difference counted as "similar" (default 0.05)
    sections*:                       # one or more, in report order
      - id*: slug                    # unique
        title*: text
        intro: text
        blocks: [block, ...]         # built-in tables/charts/maps, from BLOCKS
        narrative:                   # fields planners edit in the browser
          - field*: slug             # unique across the template
            label*: text
            kind: text | priorities  # default text
            help: text
        indicators:
          - id*: slug                # unique across the template
            label*: text
            definition*: text        # what it measures, in words
            unit*: text              # "people" makes it a count that small-number rules suppress
            source*: text
            year*: text or number
            direction*: higher_is_better | higher_is_worse | neutral
            compute*: expression     # see expressions.FUNCTIONS; "manual" = entered by hand with a source
            comparators: [district, ontario]   # default [district]
            ontario: expression      # the Ontario value, from the reference table (ref(...))
            digits: integer          # decimals shown (default 1; 0 for people)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]*$")

DIRECTIONS = ("higher_is_better", "higher_is_worse", "neutral")
COMPARATORS = ("district", "ontario")
NARRATIVE_KINDS = ("text", "priorities")

# Built-in report blocks a section may show (rendered by the app from the computed results).
BLOCKS = {
    "about": "geography, date, parameters, sources, methods and the suppression rule",
    "population_by_area": "people per municipality or area, with a total (suppressed when small)",
    "seasonal_note": "what the census counts (usual residents only) and what would be needed for seasonal residents",
    "quintile_distribution": "people in each CIMD 2021 quintile, per dimension (table and chart)",
    "assets_by_category": "community assets by category: count and per 1,000 residents (table and chart)",
    "assets_by_area": "community assets by category and municipality, with precision caveats",
    "asset_map": "static map of the geography with assets and areas shaded by population density",
    "reach_by_category": "people beyond reach of each category (table and chart)",
    "reach_by_quintile": "people beyond reach by deprivation quintile",
    "reach_areas": "the areas with the most people beyond reach",
    "reach_map": "static map of areas shaded by share of people beyond reach (one category)",
    "indicator_definitions": "every indicator with its definition, unit, source, year and computation",
    # Blocks for any place (the indices, population source and licences it has):
    "about_place": "geography, date, parameters, the place's sources and licences, the suppression rule",
    "deprivation_distribution": "people in each band of every deprivation index the place has (deciles, Core20...)",
    "reach_by_deprivation": "people beyond reach by band of the place's main deprivation indices",
    "reach_areas_deprivation": "the areas with the most people beyond reach, with their main deprivation bands",
    "methods_place": "every indicator's definition, the methods and the place's sources",
}


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    definition: str
    unit: str
    source: str
    year: str
    direction: str
    compute: str
    expression: tuple
    comparators: tuple[str, ...] = ("district",)
    ontario: tuple | None = None
    ontario_text: str = ""
    digits: int = 1

    @property
    def is_count(self) -> bool:
        """Counts of people are subject to small-number suppression."""
        return self.unit == "people"

    @property
    def is_manual(self) -> bool:
        return self.expression[0] == "manual"


@dataclass(frozen=True)
class NarrativeField:
    field: str
    label: str
    kind: str = "text"
    help: str = ""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str = ""
    blocks: tuple[str, ...] = ()
    narrative: tuple[NarrativeField, ...] = ()
    indicators: tuple[Indicator, ...] = ()


@dataclass(frozen=True)
class Template:
    name: str
    version: str
    title: str
    sections: tuple[Section, ...]
    description: str = ""
    land_acknowledgement: str = ""
    suppression_threshold: int = 5
    similar_within: float = 0.05
    path: str = ""
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def indicators(self) -> list[tuple[Section, Indicator]]:
        """Every (section, indicator) in report order."""
        return [(s, i) for s in self.sections for i in s.indicators]

    def indicator(self, indicator_id: str) -> Indicator:
        for _, ind in self.indicators():
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def narrative_fields(self) -> list[NarrativeField]:
        return [f for s in self.sections for f in s.narrative]
