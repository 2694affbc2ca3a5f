"""Order statistics from value counts: exact medians and percentiles without loading every row.

The reports let the database group the recorded minutes (`GROUP BY key, minutes` → counts), so a
period of 100,000 requests returns a few thousand rows; the percentile is then read off the
counts. Interpolation is linear between order statistics (numpy's default), so the median of an
even count is the mean of the two middle values.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable


def quantile(counts: list[tuple[int, int]], q: float, total: int | None = None) -> float | None:
    """The q-quantile (0 ≤ q ≤ 1) of values given as sorted [(value, how many)]; None for none.

    `total` is how many values there are, when the caller has counted them already.
    """
    if total is None:
        total = sum(n for _, n in counts)
    if total == 0:
        return None
    position = q * (total - 1)
    low_index, fraction = int(position), position - int(position)
    low = _nth(counts, low_index)
    high = _nth(counts, min(low_index + 1, total - 1)) if fraction else low
    return low + (high - low) * fraction


def _nth(counts: list[tuple[int, int]], index: int) -> int:
    seen = 0
    for value, n in counts:
        seen += n
        if index < seen:
            return value
    raise IndexError(index)


def grouped(rows: Iterable[tuple]) -> dict:
    """{key: sorted [(value, count)]} from rows (key, value, count)."""
    result: dict = defaultdict(list)
    for key, value, count in rows:
        result[key].append((value, count))
    for counts in result.values():
        counts.sort()
    return result


def scaled(value: float | None, unit: int, digits: int = 1) -> float | None:
    """Minutes in days or hours (`unit` minutes each), rounded for people."""
    return None if value is None else round(value / unit, digits)
