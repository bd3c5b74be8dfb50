"""Compute expressions: the small declarative vocabulary an indicator's value is computed with.

An indicator never runs code: its `compute` (and `ontario`) text is parsed into nested tuples
`(name, args)` of the functions in `FUNCTIONS`, each argument checked for its kind (an area
column, a category, a nested expression, a number...). `evaluation.evaluate()` gives a parsed
expression its value over the assessment's data.

Grammar::

    expr  := NAME "(" [arg ("," arg)*] ")" | "manual"
    arg   := expr | NAME | NUMBER

>>> parse_expression("rate_per_1000(asset_count(food), sum(population))")
('rate_per_1000', (('asset_count', ('food',)), ('sum', ('population',))))
>>> parse_expression("manual")
('manual', ())
"""

from __future__ import annotations

import re

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?")

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
    "share_in_bands": (
        ("field", "number", "number"),
        "% of people living in areas whose band (decile, quintile, flag) is from low to high, e.g. "
        "share_in_bands(imd_decile, 1, 2) = the Core20 share",
    ),
    "people_in_bands": (("field", "number", "number"), "people living in areas whose band is from low to high"),
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
    if name in ("share_in_bands", "people_in_bands") and not (0 <= args[1] <= args[2] <= 100):
        raise ValueError(f"{name}() needs 0 <= low <= high, e.g. {name}(imd_decile, 1, 2)")
