"""The screens' charts can be read at the width they are drawn (issue #15, item 6: an outside reviewer found
"Formal investigat…", a trend chart's title cut off at the top and a funnel plot whose points sat on one line).

Read from each chart's Vega-Lite specification, made from figures shaped like the demo's (the longest real step
names, a dozen half-years, a division of a few hundred staff):

- every category axis shows its longest label whole (its ``labelLimit`` holds it at about 7 px a character;
  Streamlit's theme would cut it at about 100 px);
- period axes slant their labels, and the chart is tall enough for them and for a plot area under its y title
  (Streamlit draws a chart to its column's width and keeps the specification's height, axes and titles
  included: a chart too short for its axes is cut at the top, its title first);
- a category axis gives each row room (a chart too short draws "Formal investigation" over "Suspension");
- every chart keeps a text alternative (``description``, the aria-label the browser reads) naming what it shows;
- the funnel plot's axis spans its divisions, not the limits of a division of five staff.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest

from erreview import charts
from erreview.metrics.decisions import DECISION_POINTS
from erreview.metrics.funnel import division_funnel
from erreview.metrics.trend import log_ratio_xmr

#: About the widest an 11 px label's characters run on average (Source Sans, as the screens draw it).
CHAR_PX = 7
#: What a chart's frame takes besides its plot: the x axis's line, ticks and title, and some padding.
FRAME_PX = 70
#: The least plot height a row of a category axis may have, and the least plot area under a y title.
ROW_PX, PLOT_PX = 26, 160
#: What a chart's title takes above its plot.
TITLE_PX = 30

PERIODS = [f"20{y}/{y + 1}-H{h}" for y in range(14, 26) for h in (1, 2)][-12:]
STEPS = [p.label for p in DECISION_POINTS]


def _trend() -> alt.TopLevelMixin:
    rng = np.random.default_rng(7)
    ratio = np.exp(rng.normal(0.4, 0.3, len(PERIODS)))
    frame = pd.DataFrame(
        {
            "period": PERIODS,
            "ratio": ratio,
            "ci_low": ratio / 2,
            "ci_high": ratio * 2,
            "band": ["above"] * len(PERIODS),
            "status": "shown",
            "end": pd.date_range("2020-09-30", periods=len(PERIODS), freq="6ME"),
        }
    )
    return charts.ratio_trend_chart(frame, intervention=pd.Timestamp("2024-04-01").date())


def _table() -> pd.DataFrame:
    n = len(STEPS)
    return pd.DataFrame(
        {
            "label": STEPS,
            "bme_rate": np.linspace(0.1, 0.8, n),
            "bme_n": 40,
            "white_rate": np.linspace(0.12, 0.7, n),
            "white_n": 60,
            "ratio": np.linspace(0.6, 1.9, n),
            "ci_low": np.linspace(0.3, 0.9, n),
            "ci_high": np.linspace(1.2, 4.0, n),
            "flag": ["none"] * (n - 2) + ["watch", "disparity"],
        }
    )


def _window() -> alt.TopLevelMixin:
    table = _table()[["label", "ratio", "ci_low", "ci_high"]]
    return charts.window_ratio_chart(
        table, domain=charts.shared_ratio_domain(table), steps=STEPS, title="Opened before 01 Apr 2024"
    )


DIVISIONS = pd.DataFrame(
    [
        ("Estates and Facilities", 3, 420, 4, 900),
        ("Corporate", 4, 600, 5, 1100),
        ("Mental Health and Learning Disabilities", 6, 700, 5, 1300),
        ("Community", 5, 800, 6, 1500),
        ("Surgery", 7, 900, 6, 1700),
        ("Medicine", 9, 950, 5, 1800),
    ],
    columns=["unit", "a", "n1", "c", "n2"],
)


def _funnel() -> alt.TopLevelMixin:
    funnel = division_funnel(DIVISIONS)
    assert funnel is not None
    return charts.funnel_chart(funnel)


def _division_trend() -> alt.TopLevelMixin:
    rows = [("Whole trust", p, 1.2 + i / 20) for i, p in enumerate(PERIODS)]
    rows += [("Medicine", p, 1.5 + i / 30) for i, p in enumerate(PERIODS)]
    frame = pd.DataFrame(rows, columns=["Where", "Period", "ratio_value"])
    return charts.division_trend_chart(frame, ["Whole trust", "Medicine"])


CHARTS = {
    "ratio_trend_chart": _trend,
    "decision_rates_chart": lambda: charts.decision_rates_chart(_table()),
    "decision_ratio_chart": lambda: charts.decision_ratio_chart(_table()),
    "window_ratio_chart": _window,
    "spc_chart": lambda: charts.spc_chart(log_ratio_xmr(list(np.linspace(1.2, 2.4, 12))), PERIODS, title=None),
    "funnel_chart": _funnel,
    "division_trend_chart": _division_trend,
}


def spec_of(chart: alt.TopLevelMixin) -> dict[str, Any]:
    with alt.theme.enable("none"):  # as the screens write them out
        return chart.to_dict()  # type: ignore[no-any-return]


def _layers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield spec
    for layer in spec.get("layer", []):
        yield from _layers(layer)


def _values(spec: dict[str, Any], field: str) -> list[str]:
    return [str(row[field]) for rows in spec.get("datasets", {}).values() for row in rows if field in row]


def category_axes(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], list[str]]]:
    """(channel, encoding, its labels) of every x or y category axis of the chart."""
    for layer in _layers(spec):
        for channel in ("x", "y"):
            encoding = layer.get("encoding", {}).get(channel, {})
            if encoding.get("type") in ("nominal", "ordinal") and "field" in encoding:
                yield channel, encoding, _values(spec, encoding["field"])


def problems(spec: dict[str, Any]) -> list[str]:
    found = []
    height = spec.get("height")
    if isinstance(height, int | float) and spec.get("title"):
        height -= TITLE_PX
    axes = list(category_axes(spec))
    for channel, encoding, labels in axes:
        longest = max(labels, key=len, default="")
        limit = (encoding.get("axis") or {}).get("labelLimit")
        if not limit or limit < len(longest) * CHAR_PX:
            found.append(f"{channel} labels cut: {longest!r} needs {len(longest) * CHAR_PX} px, limit {limit}")
        if channel == "y" and isinstance(height, int | float):
            rows = len(set(labels))
            if height - FRAME_PX < rows * ROW_PX:
                found.append(f"{rows} rows in {height} px: under {ROW_PX} px a row")
        if channel == "x":
            angle = (encoding.get("axis") or {}).get("labelAngle")
            if angle is None:
                found.append("period labels drawn at the theme's angle (upright: a dozen overlap or run tall)")
            elif isinstance(height, int | float):
                drop = len(longest) * CHAR_PX * abs(math.sin(math.radians(angle)))
                if height - drop - FRAME_PX < PLOT_PX:
                    found.append(f"{height} px leaves {height - drop - FRAME_PX:.0f} px of plot under its labels")
    described = str(spec.get("description") or "")
    if not described:
        found.append("no text alternative (description)")
    for _, _, labels in axes:
        missing = sorted({label for label in labels if label not in described})
        if missing:
            found.append(f"the text alternative leaves out {missing}")
    return found


@pytest.mark.parametrize("name", CHARTS)
def test_each_chart_is_readable_at_the_screens_width(name: str):
    assert problems(spec_of(CHARTS[name]())) == []


def test_legends_say_codes_in_words():
    spec = spec_of(_trend())
    legend = next(layer["encoding"]["shape"] for layer in _layers(spec) if "shape" in layer.get("encoding", {}))
    assert legend["title"] == "Against 0.80–1.25"
    for code, words in charts.BAND_WORDS.items():  # the expression maps each code to its words
        assert f"'{code}' ? '{words}'" in legend["legend"]["labelExpr"]
    spec = spec_of(charts.decision_ratio_chart(_table()))
    flags = next(layer["encoding"] for layer in _layers(spec) if "shape" in layer.get("encoding", {}))
    for channel in ("shape", "color"):  # one legend: both channels say the same words
        for code, words in charts.FLAG_WORDS.items():
            assert f"'{code}' ? '{words}'" in flags[channel]["legend"]["labelExpr"]


def test_the_funnel_axis_spans_the_divisions_not_the_limits_of_a_tiny_one():
    spec = spec_of(_funnel())
    domains = [
        layer["encoding"]["y"]["scale"]["domain"]
        for layer in _layers(spec)
        if "scale" in layer.get("encoding", {}).get("y", {})
    ]
    low, high = domains[0]
    ratios = [float(r) for r in _values(spec, "ratio")]
    funnel = division_funnel(DIVISIONS)
    assert funnel is not None
    plotted = [p.ratio for p in funnel.points if p.ratio]
    assert low <= min(plotted) and max(plotted) <= high
    assert high / low < 1e4, (low, high)  # it was 1e-15 to 1e15
    assert max(ratios) > high  # the limits of tiny sizes are there, clipped at the axis
    assert all(
        layer.get("mark", {}).get("clip") for layer in _layers(spec) if layer.get("mark", {}).get("type") == "line"
    )


def test_the_checks_catch_what_they_name():
    """A label longer than its limit, rows squeezed, a missing text alternative are each found."""
    spec = {
        "height": 200,
        "encoding": {"y": {"field": "label", "type": "nominal", "axis": {"labelLimit": 100}}},
        "datasets": {"d": [{"label": s} for s in STEPS]},
    }
    found = problems(spec)
    assert any("labels cut: 'Formal investigation'" in p for p in found), found
    assert any(f"{len(STEPS)} rows in 200 px" in p for p in found), found
    assert "no text alternative (description)" in found
