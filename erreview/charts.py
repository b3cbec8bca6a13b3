"""Altair charts shared by the app and the review pack (no Streamlit here).

Ratios are drawn on a log axis so that 2× and ½× sit the same distance from parity, with the
non-adverse band 0.80–1.25 shaded; colour is never the only signal (shapes and labels carry meaning too).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import altair as alt
import numpy as np
import pandas as pd

from erreview.metrics.funnel import Funnel
from erreview.metrics.likelihood import WresResult
from erreview.metrics.ratio import NON_ADVERSE_HIGH, NON_ADVERSE_LOW
from erreview.metrics.trend import XmR
from erreview.national import NationalFigure
from erreview.periods import period_words

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_WARM_YELLOW = "#FFB81C"
NHS_RED = "#DA291C"
NHS_GREEN = "#009639"
NHS_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"

#: Text marking a period on the trend whose ratio is not drawn: hidden by disclosure control, or none.
MARKS = {"suppressed": "* (too small to publish)", "no ratio": "no ratio", "unavailable": "no data"}

#: Readable at the screens' widths (a chart drawn to its column's width keeps its height, axes and titles
#: included): a category axis shows whole labels up to this many pixels (Streamlit's theme cuts them at about
#: 100 px: "Formal investigat…"); period labels slant so that a dozen half-years fit side by side.
LABEL_LIMIT = 320
PERIOD_AXIS = alt.Axis(labelAngle=-45, labelLimit=LABEL_LIMIT, labelOverlap=False)
#: Height of one row of a category axis, and what the axes, titles and legend take besides.
ROW_HEIGHT, CHART_FRAME = 36, 110
#: The trend's bands in words, as the legend says them.
BAND_WORDS = {"below": "Below 0.80", "non_adverse": "Within 0.80–1.25", "above": "Above 1.25"}
#: The decision points' flags in words, as the legend says them (the screen's caption says the same).
FLAG_WORDS = {"disparity": "Disparity", "watch": "Watch (could be chance)", "none": "Inside 0.80–1.25"}


def _words(mapping: dict[str, str]) -> str:
    """A Vega expression saying a legend's codes in words (``labelExpr``)."""
    expression = "datum.label"
    for code, words in reversed(mapping.items()):
        expression = f"datum.label === {code!r} ? {words!r} : ({expression})"
    return expression


FLAG_LEGEND = alt.Legend(labelExpr=_words(FLAG_WORDS), labelLimit=LABEL_LIMIT)


def rows_height(rows: int) -> int:
    """A chart's height for ``rows`` categories on its y axis: each row readable, with room for the axes."""
    return ROW_HEIGHT * max(rows, 3) + CHART_FRAME


def wres_trend_frame(results: Sequence[WresResult]) -> pd.DataFrame:
    """One row per period with ratio, interval, band and counts (unavailable periods kept, ratio empty)."""
    rows = []
    for r in results:
        est = r.estimate
        rows.append(
            {
                "period": r.period.label,
                "end": pd.Timestamp(r.period.end),
                "ratio": est.ratio if est and est.ratio else None,
                "ci_low": est.ci_low if est else None,
                "ci_high": est.ci_high if est else None,
                "band": est.band.value if est and est.band else "unavailable",
                "significant": bool(est.significant) if est else False,
                "status": "shown" if est and est.ratio else ("no ratio" if r.available else "unavailable"),
                "start": pd.Timestamp(r.period.start),
            }
        )
    return pd.DataFrame(rows)


def ratio_trend_chart(
    frame: pd.DataFrame,
    *,
    title: str = "BME : White relative likelihood",
    width: int = 640,
    height: int = 420,
    national: NationalFigure | None = None,
    intervention: date | None = None,
) -> alt.LayerChart | alt.FacetChart:
    """Ratio per period with its 95% interval, on a log axis with the 0.80–1.25 band.

    Periods without a drawn ratio (``status`` other than ``shown``) keep their place on the axis and are
    marked at parity with why; ``national`` draws England's figure labelled by report and data year;
    ``intervention`` marks the first period that began on or after that date.
    """
    data = frame.dropna(subset=["ratio"])
    lo = min([0.5, *data["ci_low"].dropna().tolist()]) if len(data) else 0.5
    hi = max([2.0, *data["ci_high"].dropna().tolist()]) if len(data) else 2.0
    scale = alt.Scale(type="log", domain=[lo * 0.9, hi * 1.1])
    x = alt.X("period:O", title="Period", sort=list(frame["period"]), axis=PERIOD_AXIS)
    band = (
        alt.Chart(pd.DataFrame({"lo": [NON_ADVERSE_LOW], "hi": [NON_ADVERSE_HIGH]}))
        .mark_rect(color=NHS_PALE_GREY, opacity=0.8)
        .encode(y=alt.Y("lo:Q", scale=scale), y2="hi:Q")
    )
    parity = (
        alt.Chart(pd.DataFrame({"y": [1.0]}))
        .mark_rule(color=NHS_GREY, strokeDash=[4, 4])
        .encode(y=alt.Y("y:Q", scale=scale))
    )
    bars = (
        alt.Chart(data)
        .mark_rule(color=NHS_DARK_BLUE, strokeWidth=2)
        .encode(x=x, y=alt.Y("ci_low:Q", scale=scale, title="Relative likelihood (log scale)"), y2="ci_high:Q")
    )
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=90, color=NHS_BLUE)
        .encode(
            x=x,
            y=alt.Y("ratio:Q", scale=scale),
            shape=alt.Shape(
                "band:N",
                title="Against 0.80–1.25",
                scale=alt.Scale(
                    domain=["below", "non_adverse", "above"], range=["triangle-down", "circle", "triangle-up"]
                ),
                legend=alt.Legend(labelExpr=_words(BAND_WORDS), labelLimit=LABEL_LIMIT),
            ),
            tooltip=[
                alt.Tooltip("period:N"),
                alt.Tooltip("ratio:Q", format=".2f"),
                alt.Tooltip("ci_low:Q", format=".2f", title="95% CI low"),
                alt.Tooltip("ci_high:Q", format=".2f", title="95% CI high"),
                alt.Tooltip("band:N"),
            ],
        )
    )
    labels = (
        alt.Chart(data)
        .mark_text(dy=-12, color=NHS_DARK_BLUE, fontSize=11)
        .encode(x=x, y=alt.Y("ratio:Q", scale=scale), text=alt.Text("ratio:Q", format=".2f"))
    )
    layers: list[alt.Chart] = [band, parity, bars, points, labels]
    if national is not None:
        line = alt.Chart(
            pd.DataFrame({"y": [national.value], "label": [f"England, {national.label}: {national.value:.2f}"]})
        )
        layers.append(line.mark_rule(color=NHS_WARM_YELLOW, strokeWidth=2).encode(y=alt.Y("y:Q", scale=scale)))
        layers.append(
            line.mark_text(align="left", dx=4, dy=-6, color="#7A5500", fontSize=10).encode(
                y=alt.Y("y:Q", scale=scale), text="label:N", x=alt.value(0)
            )
        )
    if "status" in frame:
        missing = frame[frame["status"].fillna("shown") != "shown"]
        if len(missing):
            marks = pd.DataFrame(
                {"period": missing["period"], "y": 1.0, "mark": [MARKS.get(s, s) for s in missing["status"]]}
            )
            layers.append(
                alt.Chart(marks)
                .mark_text(color=NHS_GREY, fontSize=10, angle=270, align="left", dx=4)
                .encode(x=x, y=alt.Y("y:Q", scale=scale), text="mark:N")
            )
    if intervention is not None and "end" in frame:
        after = frame[frame["end"] >= pd.Timestamp(intervention)]
        if len(after):
            marker = pd.DataFrame(
                {"period": [after["period"].iloc[0]], "label": [f"Pre-checks began {intervention:%-d %b %Y}"]}
            )
            base = alt.Chart(marker)
            layers.append(base.mark_rule(color=NHS_RED, strokeDash=[6, 3], strokeWidth=2).encode(x=x))
            layers.append(
                base.mark_text(align="left", dx=4, dy=8, color=NHS_RED, fontSize=10).encode(
                    x=x, y=alt.value(0), text="label:N"
                )
            )
    shown = "; ".join(f"{row.period} {row.ratio:.2f}" for row in data.itertuples(index=False))
    described = (
        f"{title}: BME : White relative likelihood by period, log scale, with the range 0.80–1.25 shaded. "
        + (shown or "No period has a ratio.")
        + (f" England: {national.value:.2f}." if national is not None else "")
    )
    return alt.layer(*layers).properties(title=title, width=width, height=height, description=described)


def decision_rates_chart(table: pd.DataFrame, *, width: int = 640, height: int | None = None) -> alt.Chart:
    """Rate at each decision point for BME and White staff side by side (the funnel, step by step).

    ``table`` is :func:`erreview.metrics.decisions.decision_table_frame` output.
    """
    long = pd.concat(
        [
            table[["label", "bme_rate", "bme_n"]]
            .rename(columns={"bme_rate": "rate", "bme_n": "n"})
            .assign(group="BME"),
            table[["label", "white_rate", "white_n"]]
            .rename(columns={"white_rate": "rate", "white_n": "n"})
            .assign(group="White"),
        ]
    )
    order = list(table["label"])
    chart: alt.Chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
            yOffset=alt.YOffset("group:N"),
            x=alt.X("rate:Q", axis=alt.Axis(format="%"), title="Rate among cases that reached the step"),
            color=alt.Color(
                "group:N", scale=alt.Scale(domain=["BME", "White"], range=[NHS_BLUE, NHS_GREY]), title="Group"
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Step"),
                alt.Tooltip("group:N"),
                alt.Tooltip("rate:Q", format=".1%"),
                alt.Tooltip("n:Q", title="Cases"),
            ],
        )
        .properties(
            width=width,
            height=height or rows_height(len(order)) + ROW_HEIGHT,  # two bars a row
            description="Rate at each step among cases that reached it, BME then White: "
            + "; ".join(
                f"{row.label} {_percent(row.bme_rate)} and {_percent(row.white_rate)}"
                for row in table.itertuples(index=False)
            ),
        )
    )
    return chart


def _percent(rate: object) -> str:
    value = pd.to_numeric(pd.Series([rate]), errors="coerce").iloc[0]
    return "not shown" if pd.isna(value) else f"{float(value):.0%}"


def decision_ratio_chart(
    table: pd.DataFrame, *, width: int = 640, height: int | None = None
) -> alt.LayerChart | alt.FacetChart:
    """Forest plot: each decision point's ratio and interval on a log axis, flags as shapes."""
    data = table.dropna(subset=["ratio"])
    data = data[data["ratio"] > 0]
    lows = data["ci_low"].dropna().tolist()
    highs = data["ci_high"].dropna().tolist()
    scale = alt.Scale(type="log", domain=[min([0.25, *lows]) * 0.9, max([4.0, *highs]) * 1.1])
    y = alt.Y("label:N", sort=list(table["label"]), title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    band = (
        alt.Chart(pd.DataFrame({"lo": [NON_ADVERSE_LOW], "hi": [NON_ADVERSE_HIGH]}))
        .mark_rect(color=NHS_PALE_GREY)
        .encode(x=alt.X("lo:Q", scale=scale), x2="hi:Q")
    )
    rules = (
        alt.Chart(data)
        .mark_rule(color=NHS_DARK_BLUE, strokeWidth=2)
        .encode(y=y, x=alt.X("ci_low:Q", scale=scale, title="BME : White ratio (log scale)"), x2="ci_high:Q")
    )
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=110)
        .encode(
            y=y,
            x=alt.X("ratio:Q", scale=scale),
            shape=alt.Shape(
                "flag:N",
                scale=alt.Scale(domain=["disparity", "watch", "none"], range=["diamond", "triangle-up", "circle"]),
                title="Flag",
                legend=FLAG_LEGEND,
            ),
            color=alt.Color(
                "flag:N",
                scale=alt.Scale(domain=["disparity", "watch", "none"], range=[NHS_RED, NHS_WARM_YELLOW, NHS_GREEN]),
                title="Flag",
                legend=FLAG_LEGEND,
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Step"),
                alt.Tooltip("ratio:Q", format=".2f"),
                alt.Tooltip("ci_low:Q", format=".2f"),
                alt.Tooltip("ci_high:Q", format=".2f"),
                alt.Tooltip("flag:N"),
            ],
        )
    )
    described = "; ".join(f"{row.label} {row.ratio:.2f} ({row.flag})" for row in data.itertuples(index=False))
    return alt.layer(band, rules, points).properties(
        width=width,
        height=height or rows_height(len(table)),
        description="BME : White ratio at each step, log scale, with the range 0.80–1.25 shaded: "
        + (described or "no step has a ratio."),
    )


def funnel_chart(
    funnel: Funnel,
    *,
    width: int = 640,
    height: int = 420,
    size: str = "staff",
    highlight: frozenset[str] = frozenset(),
) -> alt.LayerChart | alt.FacetChart:
    """Divisions' ratios against their effective size, with 95% and 99.8% limits around the trust ratio.
    ``size``: what a division's size counts (staff, cases); ``highlight``: divisions drawn larger and named in
    larger type (a division lead's own). The chart carries each point's name, ratio, size and position only,
    never its counts."""
    points = funnel.frame().dropna(subset=["position"])[["division", "ratio", "effective_size", "position"]]
    points = points.assign(mine=points["division"].isin(highlight))
    points = points.assign(outside=points["position"].map(lambda p: "within" if p == "within" else "outside 95%"))
    top = float(max(points["effective_size"].max() if len(points) else 100.0, 100.0)) * 1.15
    sizes = np.geomspace(max(top / 400, 5.0), top, 120)
    lines = funnel.limit_lines(sizes).melt("size", var_name="limit", value_name="ratio")
    lines["level"] = lines["limit"].map(lambda s: "99.8%" if s.endswith("998") else "95%")
    # The axis spans the divisions and the limits from half the smallest division's size on: the limits of a
    # near-empty division run off to 1e15, and an axis that held them squeezed every point onto one line.
    smallest = float(points["effective_size"].min()) if len(points) else top / 4
    near = lines[(lines["size"] >= smallest / 2) & (lines["ratio"] > 0)]["ratio"]
    values = [*near.tolist(), *points["ratio"].tolist(), funnel.centre]
    scale = alt.Scale(type="log", domain=[min(values) * 0.9, max(values) * 1.1])
    what = "staff (BME + White" if size == "staff" else f"{size} (BME + White"
    x = alt.X("size:Q", title=f"Effective {what}, at the trust's BME share)")
    limits = (
        alt.Chart(lines)
        .mark_line(color=NHS_GREY, clip=True)
        .encode(
            x=x,
            y=alt.Y("ratio:Q", scale=scale, title="Relative likelihood (log scale)"),
            detail="limit:N",
            strokeDash=alt.StrokeDash(
                "level:N", title="Limit", scale=alt.Scale(domain=["95%", "99.8%"], range=[[6, 3], [1, 0]])
            ),
        )
    )
    centre = (
        alt.Chart(pd.DataFrame({"y": [funnel.centre]}))
        .mark_rule(color=NHS_DARK_BLUE, strokeWidth=2)
        .encode(y=alt.Y("y:Q", scale=scale))
    )
    dots = (
        alt.Chart(points.rename(columns={"effective_size": "size"}))
        .mark_point(filled=True, size=90)
        .encode(
            x=x,
            y=alt.Y("ratio:Q", scale=scale),
            color=alt.Color(
                "outside:N",
                title="Division",
                scale=alt.Scale(domain=["within", "outside 95%"], range=[NHS_BLUE, NHS_RED]),
            ),
            shape=alt.Shape(
                "outside:N", scale=alt.Scale(domain=["within", "outside 95%"], range=["circle", "diamond"])
            ),
            tooltip=[
                alt.Tooltip("division:N"),
                alt.Tooltip("ratio:Q", format=".2f"),
                alt.Tooltip("size:Q", format=",.0f", title=f"effective {size}"),
            ],
            size=alt.condition("datum.mine", alt.value(220), alt.value(90)),
        )
    )
    # Names alternate above and below their points in order of size, so two divisions of about the same size
    # do not write their names over each other.
    by_size = points.rename(columns={"effective_size": "size"}).sort_values("size").reset_index(drop=True)
    names = [
        alt.Chart(by_size.iloc[start::2])
        .mark_text(dx=6, dy=dy, align="left", fontSize=10, color=NHS_DARK_BLUE)
        .encode(
            x=x,
            y=alt.Y("ratio:Q", scale=scale),
            text="division:N",
            size=alt.condition("datum.mine", alt.value(13), alt.value(10)),
        )
        for start, dy in ((0, -10), (1, 12))
    ]
    title = f"Divisions against the trust ratio {funnel.centre:.2f}"
    where = "; ".join(f"{row.division} {row.ratio:.2f} ({row.position})" for row in points.itertuples(index=False))
    return alt.layer(limits, centre, dots, *names).properties(
        title=title,
        width=width,
        height=height,
        description=f"{title}, log scale, with 95% and 99.8% limits: " + (where or "no division is plotted."),
    )


#: Making Data Count's colours, darkened to at least 3:1 against white (WCAG non-text contrast): orange for a
#: special cause of concern, blue for improvement, grey for common cause. Shapes say the same without colour.
SPC_CONCERN = "#C65D00"
SPC_IMPROVEMENT = NHS_BLUE
SPC_COMMON = NHS_GREY
VARIATION = {
    "concern": ("Special cause (concern)", SPC_CONCERN, "triangle-up"),
    "improvement": ("Special cause (improvement)", SPC_IMPROVEMENT, "square"),
    "common": ("Common cause", SPC_COMMON, "circle"),
}


def division_trend_chart(trend: pd.DataFrame, order: Sequence[str], *, height: int = 380) -> alt.Chart:
    """A division lead's trend: the relative likelihood by half-year, one line per division and the trust.
    ``trend`` has ``Period``, ``Where`` and ``ratio_value`` (periods without a ratio left out by the caller);
    ``order`` the lines' order (the trust first)."""
    periods = list(dict.fromkeys(trend["Period"]))
    shown = "; ".join(
        f"{where}: " + ", ".join(f"{r.Period} {r.ratio_value:.2f}" for r in rows.itertuples(index=False))
        for where, rows in trend.groupby("Where", sort=False)
    )
    chart: alt.Chart = (
        alt.Chart(trend)
        .mark_line(point=True)
        .encode(
            x=alt.X("Period:O", sort=periods, title="Half-year", axis=PERIOD_AXIS),
            y=alt.Y("ratio_value:Q", scale=alt.Scale(type="log"), title="Relative likelihood (log scale)"),
            # A named legend: Streamlit clips the top of a chart whose legend has an empty title.
            color=alt.Color("Where:N", title="Where", sort=list(order), legend=alt.Legend(labelLimit=LABEL_LIMIT)),
        )
        .properties(
            height=height,
            description="Relative likelihood by half-year, log scale. " + (shown or "No half-year has a ratio."),
        )
    )
    return chart


def concern_upwards(centre: float) -> bool:
    """Which way is worse for the ratio: up while the centre is at or above parity (BME staff more likely to
    enter a formal process), down while it is below (moving further from parity the other way)."""
    return centre >= 1.0


def spc_points(chart: XmR, labels: Sequence[str]) -> pd.DataFrame:
    """One row per charted period: its ratio, its variation (concern, improvement or common cause) and the
    rules that flagged it. A point is high or low by its side of the centre line; a point flagged only by a
    rising or falling run takes that run's direction."""
    up_is_bad = concern_upwards(chart.centre)
    rules: dict[int, list[str]] = {}
    trend_direction: dict[int, int] = {}
    for signal in chart.signals:
        for i in signal.indices:
            rules.setdefault(i, []).append(signal.description)
            if signal.rule == "trend":
                trend_direction[i] = 1 if "rising" in signal.description else -1
    rows = []
    for i, (label, value) in enumerate(zip(labels, chart.values, strict=True)):
        if i not in rules:
            variation = "common"
        else:
            only_trend = all(s.rule == "trend" for s in chart.signals if i in s.indices)
            direction = trend_direction[i] if only_trend else (1 if value > chart.centre else -1)
            variation = "concern" if (direction > 0) == up_is_bad else "improvement"
        rows.append(
            {
                "period": label,
                "ratio": value,
                "variation": VARIATION[variation][0],
                "signals": "; ".join(rules.get(i, [])) or "none",
            }
        )
    return pd.DataFrame(rows, columns=["period", "ratio", "variation", "signals"])


def spc_description(chart: XmR, labels: Sequence[str]) -> str:
    """The SPC chart in words: the same centre, limits and signals, for readers who cannot see it."""
    points = spc_points(chart, labels)
    text = (
        f"Statistical process control chart of the relative likelihood for {len(points)} half-years, "
        f"{period_words(labels[0])} to {period_words(labels[-1])}, on a log scale. Centre line {chart.centre:.2f}; "
        "process limits "
        f"{chart.lower:.2f} to {chart.upper:.2f}"
        + (" (trial limits: fewer than 12 points)" if chart.trial_limits else "")
        + ". "
    )
    for key in ("concern", "improvement"):
        name = VARIATION[key][0]
        hits = points[points["variation"] == name]
        if len(hits):
            text += (
                f"{name}: "
                + "; ".join(
                    f"{p} ({r:.2f}, {s})" for p, r, s in hits[["period", "ratio", "signals"]].itertuples(index=False)
                )
                + ". "
            )
    if not chart.signals:
        text += "No special-cause variation: every point is common-cause variation. "
    else:
        text += "Every other point is common-cause variation. "
    worse = "a rise" if concern_upwards(chart.centre) else "a fall"
    return text + f"With the centre {'at or above' if worse == 'a rise' else 'below'} parity, {worse} is the concern."


def spc_chart(
    chart: XmR,
    labels: Sequence[str],
    *,
    width: int = 640,
    height: int = 400,
    title: str | None = "Is anything changing? Statistical process control",
) -> alt.LayerChart | alt.FacetChart:
    """An XmR chart in NHS England's *Making Data Count* style: the points in order joined by a line, the
    centre line, the two process limits (dashed) and each point's variation by colour and shape with a
    legend; :func:`spc_description` as the chart's text alternative."""
    points = spc_points(chart, labels)
    values = [*points["ratio"], chart.lower, chart.upper, chart.centre]
    scale = alt.Scale(type="log", domain=[min(values) * 0.9, max(values) * 1.1])
    order = list(points["period"])
    x = alt.X("period:O", title="Half-year", sort=order, axis=PERIOD_AXIS)
    y_title = "Relative likelihood (log scale)"
    lines = pd.DataFrame(
        {
            "line": ["Centre", "Upper process limit", "Lower process limit"],
            "value": [chart.centre, chart.upper, chart.lower],
            "label": [f"Centre {chart.centre:.2f}", f"Upper limit {chart.upper:.2f}", f"Lower limit {chart.lower:.2f}"],
            "period": order[-1],
        }
    )
    centre = (
        alt.Chart(lines[lines["line"] == "Centre"], name="centre")
        .mark_rule(color=NHS_DARK_BLUE, strokeWidth=2)
        .encode(y=alt.Y("value:Q", scale=scale, title=y_title))
    )
    limits = (
        alt.Chart(lines[lines["line"] != "Centre"], name="limits")
        .mark_rule(color=NHS_GREY, strokeDash=[6, 4], strokeWidth=1.5)
        .encode(y=alt.Y("value:Q", scale=scale))
    )
    line_labels = (
        alt.Chart(lines, name="line_labels")
        .mark_text(align="right", dy=-7, fontSize=10, color=NHS_DARK_BLUE)
        .encode(x=x, y=alt.Y("value:Q", scale=scale), text="label:N")
    )
    path = (
        alt.Chart(points, name="path")
        .mark_line(color=NHS_GREY, strokeWidth=1.5)
        .encode(x=x, y=alt.Y("ratio:Q", scale=scale))
    )
    names = [v[0] for v in VARIATION.values()]
    dots = (
        alt.Chart(points, name="points")
        .mark_point(filled=True, size=110, opacity=1)
        .encode(
            x=x,
            y=alt.Y("ratio:Q", scale=scale),
            color=alt.Color(
                "variation:N",
                title="Variation",
                legend=alt.Legend(labelLimit=320),
                scale=alt.Scale(domain=names, range=[v[1] for v in VARIATION.values()]),
            ),
            shape=alt.Shape(
                "variation:N",
                title="Variation",
                scale=alt.Scale(domain=names, range=[v[2] for v in VARIATION.values()]),
            ),
            tooltip=[
                alt.Tooltip("period:N", title="Half-year"),
                alt.Tooltip("ratio:Q", format=".2f", title="Ratio"),
                alt.Tooltip("variation:N", title="Variation"),
                alt.Tooltip("signals:N", title="Rules"),
            ],
        )
    )
    shown = {"title": title + (" (trial limits)" if chart.trial_limits else "")} if title else {}
    return alt.layer(limits, centre, line_labels, path, dots).properties(
        width=width, height=height, description=spc_description(chart, labels), **shown
    )


def shared_ratio_domain(*frames: pd.DataFrame) -> tuple[float, float]:
    """One log-axis domain for ratio charts drawn side by side (before and after, two windows): it holds
    every ratio and interval of every frame, and at least 0.5 to 2, so the charts can be read against
    each other."""
    values = [
        float(v) for f in frames for c in ("ratio", "ci_low", "ci_high") if c in f for v in f[c].dropna() if v > 0
    ]
    return min([0.5, *values]) * 0.9, max([2.0, *values]) * 1.1


def window_ratio_chart(
    frame: pd.DataFrame,
    *,
    domain: tuple[float, float],
    steps: Sequence[str],
    title: str,
    width: int = 320,
    height: int | None = None,
) -> alt.LayerChart | alt.FacetChart:
    """One window's BME : White ratio at each step, with its interval, on an explicit log axis ``domain``
    and an explicit list of ``steps``: two windows drawn with the same ``domain`` and ``steps`` share their
    axes. ``frame`` has ``label``, ``ratio``, ``ci_low``, ``ci_high``; the band is shown by shape."""
    data = frame.dropna(subset=["ratio"])
    below, within, above = "Below 0.80", "Within 0.80–1.25", "Above 1.25"
    data = data[data["ratio"] > 0].assign(
        band=lambda d: d["ratio"].map(
            lambda r: below if r < NON_ADVERSE_LOW else above if r > NON_ADVERSE_HIGH else within
        )
    )
    scale = alt.Scale(type="log", domain=list(domain))
    y = alt.Y(
        "label:N",
        sort=list(steps),
        scale=alt.Scale(domain=list(steps)),
        title=None,
        axis=alt.Axis(labelLimit=LABEL_LIMIT),
    )
    band = (
        alt.Chart(pd.DataFrame({"lo": [NON_ADVERSE_LOW], "hi": [NON_ADVERSE_HIGH]}))
        .mark_rect(color=NHS_PALE_GREY)
        .encode(x=alt.X("lo:Q", scale=scale), x2="hi:Q")
    )
    rules = (
        alt.Chart(data)
        .mark_rule(color=NHS_DARK_BLUE, strokeWidth=2)
        .encode(y=y, x=alt.X("ci_low:Q", scale=scale, title="BME : White ratio (log scale)"), x2="ci_high:Q")
    )
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=100, color=NHS_BLUE)
        .encode(
            y=y,
            x=alt.X("ratio:Q", scale=scale),
            shape=alt.Shape(
                "band:N",
                title="Against 0.80–1.25",
                scale=alt.Scale(domain=[below, within, above], range=["triangle-down", "circle", "triangle-up"]),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Step"),
                alt.Tooltip("ratio:Q", format=".2f", title="Ratio"),
                alt.Tooltip("ci_low:Q", format=".2f", title="95% CI low"),
                alt.Tooltip("ci_high:Q", format=".2f", title="95% CI high"),
            ],
        )
    )
    described = "; ".join(f"{row.label} {row.ratio:.2f}" for row in data.itertuples(index=False))
    return alt.layer(band, rules, points).properties(
        title=title,
        width=width,
        height=height or rows_height(len(steps)) + 30,  # and its title
        description=f"{title}: BME : White ratio at each step, log scale from {domain[0]:.2f} to {domain[1]:.2f}. "
        + (described or "No step has a ratio."),
    )
