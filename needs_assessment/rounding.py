"""Publishing counts of people so that no small count can be shown or worked out: the rule.

Statistics Canada's census method, applied to every count of people the app publishes (report
tables, their CSV/XLSX, and the public reach API's per-area counts):

1. **Small counts are hidden.** A count from 1 to `threshold - 1` is not shown ("x"), nor is any
   figure worked out from it (its share, its rate). Zero is shown: knowing nobody is there
   discloses nobody.
2. **Every other count is randomly rounded to a multiple of 5**, up or down: a value v with
   remainder r = v mod 5 is rounded up with probability r/5, else down (unbiased). The "random"
   choice is a hash of the cell's key (the report, the table, the row and column) and its value,
   so the same figure always shows the same number however often, and after whatever unrelated
   change, it is asked for (asking again cannot average the noise away), and different cells are
   rounded independently.
3. **Totals are rounded on their own**, not summed from rounded cells, and shares are computed
   from the rounded counts.

Estimates of people (beyond reach of an asset) are always rounded. Census counts, which Statistics
Canada already publishes, are given as they are unless a cell of their table is hidden: then the
whole table is rounded (`Publisher.table`).

So a hidden cell cannot be recovered by subtraction, within a table or across tables: every
published number is off by up to 4 from the truth in an unknown direction, so "total minus the
other cells" gives the hidden value only to within ±4 per published number involved, a range far
wider than the small counts that are hidden. (Complementary suppression, the other common method,
needs every linked table to be solved together; rounding protects each number on its own.)

>>> publish_count(3, ("t", 1), threshold=5)
(None, True)
>>> publish_count(0, ("t", 2), threshold=5)
(0, False)
>>> value, hidden = publish_count(613.4, ("t", 3), threshold=5)
>>> value in (610, 615), hidden
(True, False)
>>> publish_count(613.4, ("t", 3), threshold=5) == (value, hidden)   # the same cell, the same number
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable

BASE = 5


def _unit(key: Hashable) -> float:
    """A number in [0, 1) fixed by the key (the cell's 'random' draw)."""
    digest = hashlib.sha256(repr(key).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def random_round(value: float, key: Hashable, base: int = BASE) -> int:
    """Round value to a multiple of base, up with probability (remainder / base), decided by key."""
    whole = int(round(value)) if abs(value - round(value)) < 1e-9 else value
    low = base * int(whole // base)
    remainder = whole - low
    if remainder <= 0:
        return int(low)
    return int(low + base) if _unit(key) < remainder / base else int(low)


def is_small(value: float | None, threshold: int) -> bool:
    """True for a count to hide: more than zero and below the threshold (rounded to whole people)."""
    if value is None or threshold <= 1:
        return False
    people = round(value)
    return 0 < people < threshold


def publish_count(value: float | None, key: Hashable, threshold: int) -> tuple[int | None, bool]:
    """(the published count or None, hidden?) for a count of people under the rule."""
    if value is None:
        return None, False
    if is_small(value, threshold):
        return None, True
    if round(value) == 0:
        return 0, False
    # The draw depends on the cell and its value: the same figure always shows the same number, and
    # asking again after unrelated changes to the data cannot average the noise away.
    return random_round(value, (key, round(float(value), 3))), False


def publish_share(count: int | None, hidden: bool, denominator: float | None, digits: int = 4) -> float | None:
    """A share worked out from a published count (None when the count is hidden or there is no base)."""
    if hidden or count is None or not denominator:
        return None
    return round(count / denominator, digits)


CAP_TEXT = "A count that rounding would lift above its whole (such as an area's population) is shown as that whole."


def rule_text(threshold: int) -> str:
    """The rule in a sentence or two, for reports and API answers."""
    if threshold <= 1:
        return (
            "Counts of people are randomly rounded to a multiple of 5 (Statistics Canada's method); "
            f"no count is hidden (threshold 1). {CAP_TEXT}"
        )
    return (
        f"Counts of people from 1 to {threshold - 1} are not shown (x), nor anything worked out from them; every "
        "other count is randomly rounded up or down to a multiple of 5, each on its own (Statistics Canada's "
        f"method), so no hidden count can be recovered by subtracting published ones. {CAP_TEXT}"
    )


class Publisher:
    """Publishes the counts of one report under the rule, each cell keyed by where it appears.

    >>> pub = Publisher(("run 1",), threshold=10)
    >>> pub.count(4, "table", "row"), pub.count(0, "table", "other")
    ((None, True), (0, False))
    """

    def __init__(self, key: tuple, threshold: int):
        self.key, self.threshold = tuple(key), threshold

    def count(self, value: float | None, *where) -> tuple[int | None, bool]:
        """(published count or None, hidden?) of the cell at `where`."""
        return publish_count(value, (*self.key, *where), self.threshold)

    def table(self, cells: dict, *where) -> dict:
        """A table of published counts (such as census counts) given exactly unless one of its cells is
        hidden: then every cell of it, total included, is randomly rounded, so the hidden one cannot be
        worked out from the others. {cell: value} -> {cell: (shown, hidden)}."""
        if not any(is_small(v, self.threshold) for v in cells.values()):
            return {k: (None if v is None else int(round(v)), False) for k, v in cells.items()}
        return {k: self.count(v, *where, k) for k, v in cells.items()}

    def share(
        self, value: float | None, denominator: float | None, *where, whole: float | None = None
    ) -> tuple[int | None, float | None, bool]:
        """(published count, share worked out from it, hidden?). Rounding never makes a part exceed its
        whole: the count is capped at the (published) denominator. With `whole`, the true denominator,
        100% means everyone: a part equal to its whole is shown as the whole (100%), and a part short
        of it whose two rounded counts meet is given its true share (e.g. 0.9963), never 100%."""
        shown, hidden = self.count(value, *where)
        if shown is not None and denominator is not None and shown > denominator:
            shown = int(denominator)
        share = publish_share(shown, hidden, denominator)
        if share is not None and whole and value is not None:
            if value >= whole:
                shown, share = int(denominator), 1.0
            elif share >= 1:
                share = min(round(value / whole, 4), 0.9999)
        return shown, share, hidden
