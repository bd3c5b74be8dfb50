"""Words and colours for deprivation bands in the request's language: CIMD quintiles (5 = most
deprived), IMD deciles (1 = most deprived), the Core20 flag. The bands and which end is the most
deprived come from the data (store.indices), so legends and sentences follow whatever the place has.
"""

from __future__ import annotations

from flask_babel import gettext

# Colours from the least to the most deprived band (ColorBrewer YlOrRd).
RAMPS = {
    2: ["#fecc5c", "#bd0026"],
    5: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    10: ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026", "#4d0013"],
}


def _shape(meta: dict) -> tuple[int, int, int]:
    """(bands, most deprived band, least deprived band) of a band column; (2, 1, 0) for a flag."""
    if meta.get("role") == "flag":
        return 2, 1, 0
    n = int(meta.get("bands") or 5)
    most = int(meta.get("most_deprived") or n)
    return n, most, (1 if most == n else n)


def band_words(meta: dict, band) -> str:
    """'quintile 5 (the most deprived fifth)', 'decile 4', 'areas in the Core20' ..."""
    n, most, least = _shape(meta)
    if meta.get("role") == "flag":
        return gettext("areas in the Core20") if band == 1 else gettext("other areas")
    band = int(band)
    if n == 10:
        if band == most:
            return gettext("decile %(n)s (the most deprived tenth)", n=band)
        if band == least:
            return gettext("decile %(n)s (the least deprived tenth)", n=band)
        return gettext("decile %(n)s", n=band)
    if band == most:
        return gettext("quintile %(n)s (the most deprived fifth)", n=band)
    if band == least:
        return gettext("quintile %(n)s (the least deprived)", n=band)
    return gettext("quintile %(n)s", n=band)


def legend_classes(meta: dict) -> list[dict]:
    """The legend of a band column from the least to the most deprived: value, words and colour."""
    n, most, least = _shape(meta)
    if meta.get("role") == "flag":
        words = [gettext("not in the Core20"), gettext("Core20: the most deprived fifth of England")]
        return [{"value": v, "label": w, "colour": c} for v, w, c in zip((0, 1), words, RAMPS[2], strict=True)]
    values = list(range(1, n + 1)) if most == n else list(range(n, 0, -1))
    colours = RAMPS.get(n) or [RAMPS[10][round(k * 9 / max(n - 1, 1))] for k in range(n)]
    ends = {
        5: (gettext("%(n)s (most deprived fifth)", n=most), gettext("%(n)s (least deprived fifth)", n=least)),
        10: (gettext("%(n)s (most deprived tenth)", n=most), gettext("%(n)s (least deprived tenth)", n=least)),
    }.get(n)
    out = []
    for value, colour in zip(values, colours, strict=True):
        label = str(value)
        if ends and value in (most, least):
            label = ends[0] if value == most else ends[1]
        out.append({"value": value, "label": label, "colour": colour})
    return out


def most_deprived_option(meta: dict) -> str:
    """What the what-if tool's weight says for this column: the value of its most deprived band."""
    return str(_shape(meta)[1])
