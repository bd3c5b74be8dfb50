"""Assessment templates: YAML files a coalition can copy and edit, validated against a schema.

A template is data, not code. It lists the report's sections in order; each section has a title,
an introduction, optional built-in blocks (tables, charts, maps), narrative fields that planners
fill in, and indicators. An indicator says how its value is computed in a small declarative
vocabulary (see `FUNCTIONS`), never arbitrary code.

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
            compute*: expression     # see FUNCTIONS; "manual" = entered by hand with a source
            comparators: [district, ontario]   # default [district]
            ontario: expression      # the Ontario value, from the reference table (ref(...))
            digits: integer          # decimals shown (default 1; 0 for people)

Expressions::

    expr  := NAME "(" [arg ("," arg)*] ")" | "manual"
    arg   := expr | NAME | NUMBER

>>> parse_expression("rate_per_1000(asset_count(food), sum(population))")
('rate_per_1000', (('asset_count', ('food',)), ('sum', ('population',))))
>>> parse_expression("manual")
('manual', ())

Errors name the file and line, e.g. ``north_muskoka.yaml, line 12: unknown function 'summ'``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DEFAULT_TEMPLATE = "north_muskoka"

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]*$")
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?")

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
}

# name -> (argument kinds, what it returns). Argument kinds: "field" (an area column),
# "category" (an asset category slug), "expr" (a nested expression), "number", "name"
# (a reference-table column), "geo" (a reference-table geography).
FUNCTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "sum": (("field",), "sum of an area column over the areas of the geography (None if any is unknown)"),
    "weighted_mean": (("field", "field"), "mean of an area column weighted by another (usually population)"),
    "csd_sum": (("field",), "sum of a municipality column, for geographies made of whole municipalities"),
    "csd_weighted_mean": (("field", "field"), "weighted mean of a municipality column (whole municipalities)"),
    "ratio": (("expr", "expr"), "a / b"),
    "percent": (("expr", "expr"), "100 * a / b"),
    "rate_per_1000": (("expr", "expr"), "1000 * a / b"),
    "percent_change": (("expr", "expr"), "100 * (a - b) / b"),
    "share_in_quintile": (("field", "number"), "% of people living in areas of that quintile (1-5)"),
    "people_in_quintile": (("field", "number"), "people living in areas of that quintile (1-5)"),
    "asset_count": (("category?",), "active assets of a category (all categories without an argument)"),
    "reach": (("category",), "people beyond reach of the category's assets (reach analysis)"),
    "reach_share": (("category",), "% of people beyond reach of the category's assets"),
    "areas": ((), "number of areas in the geography"),
    "ref": (
        ("geo", "name"),
        "a value of the reference table (assets_data/comparators.csv), e.g. ref(Ontario, density_per_km2)",
    ),
    "manual": ((), "no computation: planners enter the value by hand with its source"),
}


class TemplateError(ValueError):
    """A template file is malformed; the message names the file and line."""


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


# --- expressions --------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    while pos < len(text):
        ch = text[pos]
        if ch.isspace():
            pos += 1
            continue
        if ch in "(),":
            out.append(ch)
            pos += 1
            continue
        m = NUMBER_RE.match(text, pos) or NAME_RE.match(text, pos)
        if not m:
            raise ValueError(f"unexpected character {ch!r} in {text!r}")
        out.append(m.group(0))
        pos = m.end()
    return out


def parse_expression(text: str) -> tuple:
    """Parse a compute expression into nested tuples (name, args); ValueError with the reason."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("compute must be an expression such as sum(population), or manual")
    tokens = _tokens(text)
    pos = 0

    def expr(kind: str):
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError(f"expression ends too early: {text!r}")
        tok = tokens[pos]
        pos += 1
        if pos < len(tokens) and tokens[pos] == "(":
            if tok not in FUNCTIONS:
                raise ValueError(f"unknown function {tok!r}; known: {', '.join(sorted(FUNCTIONS))}")
            pos += 1
            args = []
            if tokens[pos : pos + 1] != [")"]:
                while True:
                    args.append(expr("arg"))
                    if pos >= len(tokens):
                        raise ValueError(f"missing ')' in {text!r}")
                    if tokens[pos] == ",":
                        pos += 1
                        continue
                    break
            if pos >= len(tokens) or tokens[pos] != ")":
                raise ValueError(f"missing ')' in {text!r}")
            pos += 1
            node = (tok, tuple(args))
            _check_args(node)
            return node
        if tok in ("(", ")", ","):
            raise ValueError(f"unexpected {tok!r} in {text!r}")
        if kind == "top":
            if tok == "manual":
                return ("manual", ())
            raise ValueError(f"{tok!r} is not a function call; write e.g. sum({tok}) or manual")
        return float(tok) if NUMBER_RE.fullmatch(tok) else tok

    node = expr("top")
    if pos != len(tokens):
        raise ValueError(f"unexpected {' '.join(tokens[pos:])!r} after the expression in {text!r}")
    return node


def _check_args(node: tuple) -> None:
    name, args = node
    kinds = FUNCTIONS[name][0]
    required = [k for k in kinds if not k.endswith("?")]
    if not len(required) <= len(args) <= len(kinds):
        want = len(kinds) if len(required) == len(kinds) else f"{len(required)} to {len(kinds)}"
        raise ValueError(f"{name}() takes {want} argument(s), got {len(args)}")
    for arg, kind in zip(args, kinds, strict=False):
        kind = kind.rstrip("?")
        if kind == "expr":
            if not isinstance(arg, tuple):
                raise ValueError(f"{name}() needs calculations as arguments, e.g. sum({arg}), not {arg!r}")
        elif kind == "number":
            if not isinstance(arg, float):
                raise ValueError(f"{name}() needs a number as argument 2, not {arg!r}")
        elif isinstance(arg, tuple) or isinstance(arg, float):
            raise ValueError(f"{name}() needs a name as argument, not a calculation or number")
    if name in ("share_in_quintile", "people_in_quintile") and args[1] not in (1.0, 2.0, 3.0, 4.0, 5.0):
        raise ValueError(f"{name}() quintile must be 1 to 5")


# --- loading and validation -------------------------------------------------------------------


class _Reader:
    """Walks a composed YAML node tree, constructing values and reporting errors at node marks."""

    def __init__(self, path: str, loader: yaml.SafeLoader):
        self.path, self.loader = path, loader

    def error(self, node, message: str) -> TemplateError:
        line = node.start_mark.line + 1 if node is not None else 1
        return TemplateError(f"{self.path}, line {line}: {message}")

    def mapping(self, node, what: str, allowed: set[str], required: set[str]) -> dict:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{what} must be a mapping of keys to values")
        out: dict = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise self.error(key_node, f"{what}: keys must be text, not {key!r}")
            if key in out:
                raise self.error(key_node, f"{what}: key {key!r} appears twice")
            if key not in allowed:
                raise self.error(key_node, f"{what}: unknown key {key!r}; allowed: {', '.join(sorted(allowed))}")
            out[key] = value_node
        missing = sorted(required - set(out))
        if missing:
            raise self.error(node, f"{what}: missing required key(s) {', '.join(missing)}")
        return out

    def sequence(self, node, what: str) -> list:
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, f"{what} must be a list (lines starting with '- ')")
        return list(node.value)

    def text(self, node, what: str, *, slug: bool = False, allow_number: bool = False) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(node, f"{what} must be text")
        value = self.loader.construct_object(node, deep=True)
        if isinstance(value, bool) or value is None or (not allow_number and not isinstance(value, str)):
            raise self.error(node, f"{what} must be text, not {value!r}")
        value = str(value).strip()
        if not value:
            raise self.error(node, f"{what} must not be empty")
        if slug and not SLUG_RE.match(value):
            raise self.error(node, f"{what} {value!r} must be lowercase letters, digits and _ (starting with a letter)")
        return value

    def number(self, node, what: str, *, integer: bool = False, minimum: float | None = None):
        value = self.loader.construct_object(node, deep=True) if isinstance(node, yaml.ScalarNode) else None
        ok = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok:
            raise self.error(node, f"{what} must be {'a whole number' if integer else 'a number'}")
        if minimum is not None and value < minimum:
            raise self.error(node, f"{what} must be at least {minimum}")
        return value


TOP_KEYS = {
    "name",
    "version",
    "title",
    "description",
    "land_acknowledgement",
    "suppression_threshold",
    "similar_within",
    "sections",
}
SECTION_KEYS = {"id", "title", "intro", "blocks", "narrative", "indicators"}
NARRATIVE_KEYS = {"field", "label", "kind", "help"}
INDICATOR_KEYS = {
    "id",
    "label",
    "definition",
    "unit",
    "source",
    "year",
    "direction",
    "compute",
    "comparators",
    "ontario",
    "digits",
}
INDICATOR_REQUIRED = {"id", "label", "definition", "unit", "source", "year", "direction", "compute"}


def parse_template(text: str, path: str = "<template>") -> Template:
    """Validate YAML text against the schema; TemplateError names the file and line of the problem."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            raise TemplateError(f"{path}, line {line}: not valid YAML: {exc.problem or exc}") from None
        except yaml.YAMLError as exc:
            raise TemplateError(f"{path}: not valid YAML: {exc}") from None
        if root is None:
            raise TemplateError(f"{path}, line 1: the file is empty")
        r = _Reader(path, loader)
        top = r.mapping(root, "the template", TOP_KEYS, {"name", "version", "title", "sections"})
        seen_sections, seen_ids, seen_fields = set(), set(), set()
        sections = []
        section_nodes = r.sequence(top["sections"], "sections")
        if not section_nodes:
            raise r.error(top["sections"], "sections must list at least one section")
        for n, snode in enumerate(section_nodes, start=1):
            s = r.mapping(snode, f"section {n}", SECTION_KEYS, {"id", "title"})
            sid = r.text(s["id"], f"section {n} id", slug=True)
            if sid in seen_sections:
                raise r.error(s["id"], f"section id {sid!r} is used twice")
            seen_sections.add(sid)
            blocks = []
            for bnode in r.sequence(s["blocks"], f"section {sid!r} blocks") if "blocks" in s else []:
                block = r.text(bnode, f"section {sid!r} block", slug=True)
                if block not in BLOCKS:
                    raise r.error(bnode, f"unknown block {block!r}; known: {', '.join(sorted(BLOCKS))}")
                blocks.append(block)
            narrative = []
            for fnode in r.sequence(s["narrative"], f"section {sid!r} narrative") if "narrative" in s else []:
                f = r.mapping(fnode, f"a narrative field of section {sid!r}", NARRATIVE_KEYS, {"field", "label"})
                name = r.text(f["field"], "narrative field", slug=True)
                if name in seen_fields:
                    raise r.error(f["field"], f"narrative field {name!r} is used twice")
                seen_fields.add(name)
                kind = r.text(f["kind"], "kind") if "kind" in f else "text"
                if kind not in NARRATIVE_KINDS:
                    raise r.error(f["kind"], f"kind must be one of {', '.join(NARRATIVE_KINDS)}, not {kind!r}")
                narrative.append(
                    NarrativeField(
                        name, r.text(f["label"], "label"), kind, r.text(f["help"], "help") if "help" in f else ""
                    )
                )
            indicators = []
            for inode in r.sequence(s["indicators"], f"section {sid!r} indicators") if "indicators" in s else []:
                indicators.append(_indicator(r, inode, sid, seen_ids))
            sections.append(
                Section(
                    id=sid,
                    title=r.text(s["title"], f"section {sid!r} title"),
                    intro=r.text(s["intro"], "intro") if "intro" in s else "",
                    blocks=tuple(blocks),
                    narrative=tuple(narrative),
                    indicators=tuple(indicators),
                )
            )
        return Template(
            name=r.text(top["name"], "name", slug=True),
            version=r.text(top["version"], "version", allow_number=True),
            title=r.text(top["title"], "title"),
            description=r.text(top["description"], "description") if "description" in top else "",
            land_acknowledgement=(
                r.text(top["land_acknowledgement"], "land_acknowledgement") if "land_acknowledgement" in top else ""
            ),
            suppression_threshold=(
                r.number(top["suppression_threshold"], "suppression_threshold", integer=True, minimum=1)
                if "suppression_threshold" in top
                else 5
            ),
            similar_within=(
                float(r.number(top["similar_within"], "similar_within", minimum=0)) if "similar_within" in top else 0.05
            ),
            sections=tuple(sections),
            path=path,
        )
    finally:
        loader.dispose()


def _indicator(r: _Reader, node, sid: str, seen: set) -> Indicator:
    d = r.mapping(node, f"an indicator of section {sid!r}", INDICATOR_KEYS, INDICATOR_REQUIRED)
    iid = r.text(d["id"], "indicator id", slug=True)
    if iid in seen:
        raise r.error(d["id"], f"indicator id {iid!r} is used twice")
    seen.add(iid)
    where = f"indicator {iid!r}"
    direction = r.text(d["direction"], f"{where} direction")
    if direction not in DIRECTIONS:
        raise r.error(d["direction"], f"{where}: direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    compute = r.text(d["compute"], f"{where} compute")
    try:
        expression = parse_expression(compute)
    except ValueError as exc:
        raise r.error(d["compute"], f"{where}: {exc}") from None
    comparators = ("district",)
    if "comparators" in d:
        comparators = tuple(r.text(c, f"{where} comparator") for c in r.sequence(d["comparators"], "comparators"))
        for c, cnode in zip(comparators, d["comparators"].value, strict=True):
            if c not in COMPARATORS:
                raise r.error(cnode, f"{where}: comparator must be one of {', '.join(COMPARATORS)}, not {c!r}")
    ontario, ontario_text = None, ""
    if "ontario" in d:
        ontario_text = r.text(d["ontario"], f"{where} ontario")
        try:
            ontario = parse_expression(ontario_text)
        except ValueError as exc:
            raise r.error(d["ontario"], f"{where}: {exc}") from None
    if "ontario" in comparators and ontario is None:
        raise r.error(d["comparators"], f"{where}: the ontario comparator needs an 'ontario:' expression")
    digits = r.number(d["digits"], f"{where} digits", integer=True, minimum=0) if "digits" in d else None
    unit = r.text(d["unit"], f"{where} unit")
    return Indicator(
        id=iid,
        label=r.text(d["label"], f"{where} label"),
        definition=r.text(d["definition"], f"{where} definition"),
        unit=unit,
        source=r.text(d["source"], f"{where} source"),
        year=r.text(d["year"], f"{where} year", allow_number=True),
        direction=direction,
        compute=compute,
        expression=expression,
        comparators=comparators,
        ontario=ontario,
        ontario_text=ontario_text,
        digits=digits if digits is not None else (0 if unit == "people" else 1),
    )


def load_template(path: str | Path) -> Template:
    """Read and validate a template file (errors name the file and line)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"{path}: cannot read the template: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise TemplateError(f"{path}: the template must be saved as UTF-8 text") from None
    return parse_template(text, path.name)


def available_templates(directory: Path = TEMPLATES_DIR) -> list[str]:
    """Names of the template files in a folder (file stem = name)."""
    return sorted(p.stem for p in directory.glob("*.yaml"))


def template_by_name(name: str, directory: Path = TEMPLATES_DIR) -> Template:
    """The template called name (a file name.yaml in directory); KeyError when there is none."""
    if not SLUG_RE.match(name or "") or not (directory / f"{name}.yaml").is_file():
        raise KeyError(name)
    return load_template(directory / f"{name}.yaml")
