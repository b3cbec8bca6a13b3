"""The pack's funnel-plot section: each division's indicator-3 ratio against the trust's control limits.

Only divisions whose ratio the division table publishes are listed (a ratio resting on a hidden count is
hidden too, contract §5); the others are named as withheld.
"""

from __future__ import annotations

import pandas as pd

from erreview.metrics.funnel import FunnelView

TITLE = "Divisions against the trust: funnel plot"
POSITIONS = {
    "above_998": "above the 99.8% limit",
    "above_95": "above the 95% limit",
    "within": "within the limits",
    "below_95": "below the 95% limit",
    "below_998": "below the 99.8% limit",
}
COLUMNS = ["Division", "Ratio", "Effective staff", "95% limits", "99.8% limits", "Position"]


def funnel_table(view: FunnelView) -> pd.DataFrame:
    """One row per division (plotted, not plotted or withheld); the size column is "Effective staff" for
    indicator 3 and "Effective cases" for a measure over cases."""
    table = _table(view)
    return table.rename(columns={"Effective staff": f"Effective {view.size}"})


def funnel_frame(view: FunnelView) -> pd.DataFrame:
    """:func:`funnel_table` as numbers (``division``, ``ratio``, ``effective``, the four limits, ``position`` in
    words), for a screen to sort and format: a division not plotted has no limits, a withheld one no numbers."""
    columns = ["division", "ratio", "effective", "lower_95", "upper_95", "lower_998", "upper_998", "position"]
    rows: list[dict[str, object]] = []
    funnel = view.funnel
    if funnel is None:
        return pd.DataFrame(rows, columns=columns)
    for p in funnel.points:
        lim = p.limits(funnel.centre) if p.position is not None else {}
        rows.append(
            {
                "division": p.unit,
                "ratio": p.ratio,
                "effective": p.effective_size,
                **{k: lim.get(k) for k in ("lower_95", "upper_95", "lower_998", "upper_998")},
                "position": POSITIONS[p.position] if p.position else f"not plotted: {p.reason}",
            }
        )
    rows += [{"division": d, "position": "withheld: small numbers"} for d in view.withheld]
    return pd.DataFrame(rows, columns=columns)


def _table(view: FunnelView) -> pd.DataFrame:
    if view.funnel is None:
        return pd.DataFrame(columns=COLUMNS)
    rows = []
    for p in view.funnel.points:
        lim = p.limits(view.funnel.centre)
        plotted = p.position is not None
        rows.append(
            {
                "Division": p.unit,
                "Ratio": "" if p.ratio is None else f"{p.ratio:.2f}",
                "Effective staff": "" if p.effective_size is None else f"{p.effective_size:,.0f}",
                "95% limits": f"{lim['lower_95']:.2f} to {lim['upper_95']:.2f}" if plotted else "",
                "99.8% limits": f"{lim['lower_998']:.2f} to {lim['upper_998']:.2f}" if plotted else "",
                "Position": POSITIONS[p.position] if p.position else f"not plotted: {p.reason}",
            }
        )
    rows += [
        {**dict.fromkeys(COLUMNS, ""), "Division": d, "Position": "withheld: small numbers"} for d in view.withheld
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def funnel_note(view: FunnelView) -> str:
    centre = f" Trust ratio {view.funnel.centre:.2f}." if view.funnel else ""
    return (
        f"{view.sentence}{centre} Limits: 95% and 99.8% around the trust ratio on the log scale, from the Katz "
        "standard error at each division's size under the trust's rates. Effective staff: the headcount a division "
        "with the trust's BME share would need for the same precision."
    )
