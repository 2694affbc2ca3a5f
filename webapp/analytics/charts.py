"""Charts as SVG drawn on the server: the geometry here, the markup in templates/analytics/_*.html.

No chart library and no script: bars are computed in a fixed view box that scales with the
page (readable at 375 px), each with its figure written beside it, and the templates add a
title, a description and a table with the same numbers for screen readers.
"""

from __future__ import annotations

import math

WIDTH = 400  # view box width; the page scales it
TREND_HEIGHT = 200
PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT = 24, 168, 28
STAGE_ROW = 48


def nice_step(value: float) -> float:
    """A round step at or above `value` (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def axis(maximum: float, ticks: int = 4) -> tuple[float, float]:
    """A round axis top at or above `maximum`, and its tick step (about `ticks` steps)."""
    step = nice_step(max(maximum, 0.1) / ticks)
    return step * math.ceil(max(maximum, 0.1) / step), step


def trend(items: list[dict], target: float) -> dict:
    """Monthly bars of the median (with the p90 as a tick) and the target line, in view-box units."""
    top, step = axis(max([target] + [item["p90_wd"] or 0 for item in items]))
    height = PLOT_BOTTOM - PLOT_TOP
    slot = (WIDTH - PLOT_LEFT) / max(len(items), 1)

    def y(value: float) -> float:
        return round(PLOT_BOTTOM - height * (value or 0) / top, 1)

    bars = [{"item": item, "x": round(PLOT_LEFT + slot * index + slot * 0.2, 1), "width": round(slot * 0.6, 1),
             "y": y(item["median_wd"]), "height": round(PLOT_BOTTOM - y(item["median_wd"]), 1),
             "p90_y": y(item["p90_wd"]), "center": round(PLOT_LEFT + slot * (index + 0.5), 1)}
            for index, item in enumerate(items)]
    ticks = [{"value": round(step * index, 2), "y": y(step * index)} for index in range(int(round(top / step)) + 1)]
    return {"bars": bars, "ticks": ticks, "target_y": y(target), "width": WIDTH, "height": TREND_HEIGHT,
            "left": PLOT_LEFT, "bottom": PLOT_BOTTOM}


def stage_bars(items: list[dict]) -> dict:
    """One row per stage: waiting then in-work median hours, stacked, on a shared scale."""
    top, _step = axis(max([1.0] + [(item["median_wait_wh"] or 0) + (item["median_work_wh"] or 0) for item in items]))
    span = WIDTH - 8
    rows = []
    for index, item in enumerate(items):
        wait = span * (item["median_wait_wh"] or 0) / top
        work = span * (item["median_work_wh"] or 0) / top
        rows.append({"item": item, "y": 40 + index * STAGE_ROW, "wait": round(wait, 1), "work": round(work, 1)})
    return {"rows": rows, "width": WIDTH, "height": 44 + STAGE_ROW * len(items), "top": top}
