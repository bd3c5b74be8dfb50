"""Template files: the YAML files in templates/, read and validated into a `template.Template`.

`parse_template()` walks the composed YAML nodes rather than the loaded values, so that every error
names the file and line, e.g. ``north_muskoka.yaml, line 12: unknown function 'summ'``: unknown or
missing keys, wrong types, duplicate ids, unknown blocks and expressions that do not parse. A
template's name is its file name; `available_templates()` lists a folder and `template_by_name()`
finds one in it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from needs_assessment.expressions import parse_expression
from needs_assessment.template import (
    BLOCKS,
    COMPARATORS,
    DIRECTIONS,
    NARRATIVE_KINDS,
    SLUG_RE,
    Indicator,
    NarrativeField,
    Section,
    Template,
)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DEFAULT_TEMPLATE = "north_muskoka"


class TemplateError(ValueError):
    """A template file is malformed; the message names the file and line."""


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


def _compose(text: str):
    """The YAML node tree and its loader (dispose() it when done).

    libyaml reads a template 15x faster than pure Python (the built-in one: 3 ms, not 40 ms, on
    every report); a file that is not valid YAML is read again in Python, whose messages name the
    character at fault ("found character '\\t' that cannot start any token").
    """
    if hasattr(yaml, "CSafeLoader"):
        loader = yaml.CSafeLoader(text)
        try:
            return loader, loader.get_single_node()
        except yaml.YAMLError:
            loader.dispose()
    loader = yaml.SafeLoader(text)
    try:
        return loader, loader.get_single_node()
    except yaml.YAMLError:
        loader.dispose()
        raise


def parse_template(text: str, path: str = "<template>") -> Template:
    """Validate YAML text against the schema; TemplateError names the file and line of the problem."""
    try:
        loader, root = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise TemplateError(f"{path}, line {line}: not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: not valid YAML: {exc}") from None
    try:
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
