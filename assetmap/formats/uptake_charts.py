"""Charts of realised uptake (matplotlib, Agg, SVG): the funnel plot and the deprivation gradient.

Drawn from an uptake report as services.uptake shapes it (or the copy an assessment run keeps), for
the map page, the printed assessment and its PDF. Suppressed areas and quintiles are never drawn.
Words come in a dict so pages can pass them translated (English by default).
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

plt.rcParams.update({"svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 9})  # text stays text

COLOURS = {"lower": "#e66101", "similar": "#969696", "higher": "#5e3c99"}
WORDS = {
    "expected": "expected count (log scale)",
    "ratio": "ratio observed / expected",
    "lower": "lower",
    "similar": "similar",
    "higher": "higher",
    "limit95": "limits at 95%",
    "limit998": "limits at 99.8%",
    "quintile": "quintile (5 = most deprived)",
    "not_shown": "%(count)s areas not shown (small numbers)",
}


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def data_uri(svg: str | None) -> str | None:
    """An SVG as a data: URI for <img src> (browsers and WeasyPrint); None stays None."""
    return None if svg is None else "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def funnel_chart(report: dict, words: dict | None = None) -> str | None:
    """Each area's ratio against its expected count, coloured by significance at 95%, with the
    95% and 99.8% control limits (PHE's funnel plot for ratios); None when there is nothing to draw."""
    w = {**WORDS, **(words or {})}
    funnel = report.get("funnel") or []
    points = [a for a in report["areas"] if a["ratio"] is not None and a["expected"]]
    if not funnel or not points:
        return None
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    x = [f["expected"] for f in funnel]
    for key, style, label in (("95", "--", w["limit95"]), ("998", "-", w["limit998"])):
        ax.plot(x, [f["low" + key] for f in funnel], style, color="#444444", linewidth=0.9, label=label)
        ax.plot(x, [f["high" + key] for f in funnel], style, color="#444444", linewidth=0.9)
    ax.axhline(1.0, color="#000000", linewidth=0.8)
    for sig in ("similar", "higher", "lower"):  # lower last: drawn on top
        mine = [a for a in points if a["significance_95"] == sig]
        if mine:
            ax.scatter([a["expected"] for a in mine], [a["ratio"] for a in mine], s=16, color=COLOURS[sig],
                       edgecolors="white", linewidths=0.4, label=w[sig], zorder=3)  # fmt: skip
    ax.set_xscale("log")
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if str(f"{v:g}")[0] in "25" else ""))
    ax.set_xlabel(w["expected"])
    ax.set_ylabel(w["ratio"])
    top = max(max(a["ratio"] for a in points), 1.5)
    ax.set_ylim(0, min(top * 1.1, max(f["high95"] for f in funnel) * 1.1))
    hidden = sum(1 for a in report["areas"] if a["ratio"] is None)
    if hidden:
        ax.set_title(w["not_shown"] % {"count": hidden}, fontsize=8, loc="left")
    shown = [a["expected"] for a in points]
    ax.set_xlim(max(x[0], min(shown) / 1.3), min(x[-1], max(shown) * 1.3))
    ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=5)
    return _svg(fig)


def short_label(label: str) -> str:
    """'Deprivation (CIMD 2021): economic dependency, national quintile' -> 'economic dependency'."""
    text = label.split(":", 1)[1] if ":" in label else label
    return text.split(",")[0].strip()


def gradient_chart(report: dict, words: dict | None = None) -> str | None:
    """The ratio in each deprivation quintile (95% limits as bars), one panel per dimension."""
    w = {**WORDS, **(words or {})}
    dims = [(k, d) for k, d in sorted(report.get("deprivation", {}).items()) if any(q["ratio"] for q in d["quintiles"])]
    if not dims:
        return None
    fig, axes = plt.subplots(1, len(dims), figsize=(1.7 * len(dims) + 0.6, 2.4), sharey=True, squeeze=False)
    for ax, (_, dim) in zip(axes[0], dims, strict=True):
        shown = [q for q in dim["quintiles"] if q["ratio"] is not None]
        qs = [q["quintile"] for q in shown]
        ratio = [q["ratio"] for q in shown]
        err = [[r - (q["ratio_low95"] or r) for q, r in zip(shown, ratio, strict=True)],
               [(q["ratio_high95"] or r) - r for q, r in zip(shown, ratio, strict=True)]]  # fmt: skip
        ax.errorbar(qs, ratio, yerr=err, fmt="o", color="#12355b", ecolor="#7f8fa6", capsize=2, markersize=4)
        ax.axhline(1.0, color="#000000", linewidth=0.7)
        ax.set_xticks([1, 2, 3, 4, 5])
        ax.set_xlim(0.5, 5.5)
        ax.set_title(short_label(dim["label"]), fontsize=8)
        ax.set_xlabel(w["quintile"], fontsize=7)
    axes[0][0].set_ylabel(w["ratio"], fontsize=7)
    return _svg(fig)
