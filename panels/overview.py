"""Overview: is a BME colleague more likely to enter a formal disciplinary process than a White one?"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from erreview.charts import spc_chart, spc_description, wres_trend_frame
from erreview.export.suppression import SUPPRESSED
from erreview.export.tables import data_quality_frame
from erreview.metrics.likelihood import pooled_counts, split_at
from erreview.metrics.trend import RULES_SOURCE, TRIAL_LIMITS_NOTE, ratio_of_ratios, series_xmr
from erreview.narrative import QUESTION, SCREEN_DAY, change_sentence, wres_sentence
from erreview.narrative import fmt_ratio as banded_ratio
from erreview.review.roles import Role
from erreview.screen_privacy import is_small, masked_cells, restricted
from erreview.service import latest_available, period_choice, running
from erreview.vocab import WresGroup
from panels.common import (
    BAND_WORDS,
    NONE_TEXT,
    YES_NO,
    Col,
    band_text,
    completeness,
    data_key,
    fmt_ratio,
    national_latest,
    pack_view,
    require,
    settings,
    show_chart,
    show_table,
    wres_results,
)

# Division leads have their own overview: this one lists every division.
actor = require(*(r for r in Role if r is not Role.DIVISION_LEAD))
# Roles without case-level access see the board pack's disclosure rule: small counts and what rests on them hidden.
limited = restricted(actor.role)
threshold = settings().suppression_threshold
st.title("Overview", anchor=False)
st.markdown(f"**{QUESTION}**")

key = data_key()
results = wres_results(key)
today = date.today()
# The latest half-year that has ended opens the screen: one still running is nearly empty and changes daily.
current = latest_available(results, today=today)
if current is None or current.estimate is None:
    st.info("No ratio yet: import a workforce snapshot and ER cases on the Data screen.")
    st.stop()
with_ratio = [r for r in results if r.available and r.estimate is not None and r.estimate.ratio is not None][::-1]
if len(with_ratio) > 1:
    chosen = st.selectbox(
        "Half-year",
        [r.period.label for r in with_ratio],
        index=[r.period for r in with_ratio].index(current.period),
        format_func=lambda label: period_choice(next(r.period for r in with_ratio if r.period.label == label), today),
        help="Opens on the latest half-year that has ended.",
    )
    current = next(r for r in with_ratio if r.period.label == chosen)
if running(current.period, today):
    st.warning(
        f"{current.period.words} is still running (until {current.period.end:%-d %b %Y}): its figures are "
        "incomplete and will change as cases and snapshots come in."
    )
assert current.estimate is not None

est = current.estimate
bme, white, unknown = (current.groups[g] for g in (WresGroup.BME, WresGroup.WHITE, WresGroup.UNKNOWN))


# Roles without case-level access see what the review pack for this half-year prints (erreview.screen_audit):
# every table of every screen is audited as one with the packs, so no subtraction across them gives a count back.
view = pack_view(key, current.period.label) if limited else None
if view is not None and view.refused_notice:
    st.warning(view.refused_notice, icon=":material/visibility_off:")


def too_small(result: object) -> bool:
    """A period whose ratio rests on a count this role may not see."""
    g = result.groups  # type: ignore[attr-defined]
    counts = [g[x].entrants for x in (WresGroup.BME, WresGroup.WHITE)] + [
        g[x].headcount for x in (WresGroup.BME, WresGroup.WHITE)
    ]
    if view is not None and view.ratio_hidden(result):
        return True
    return limited and any(is_small(c, threshold) for c in counts)


hide_ratio = too_small(current)
if hide_ratio:
    st.markdown(
        f"In {current.period.words} the numbers are too small to show safely (a group had between 1 and "
        f"{threshold} people), so the ratio for this period is not shown."
    )
else:
    st.markdown(wres_sentence(current))
cols = st.columns(4)
cols[0].metric(
    f"Relative likelihood, {current.period.words}",
    SUPPRESSED if hide_ratio else banded_ratio(est.ratio) if est.ratio is not None else "n/a",
    help="Rate for BME staff divided by the rate for White staff. 1.00 is parity.",
)
cols[1].metric(
    "95% confidence interval", SUPPRESSED if hide_ratio else f"{fmt_ratio(est.ci_low)} – {fmt_ratio(est.ci_high)}"
)
band = BAND_WORDS.get(est.band.value, est.band.value) if est.band else NONE_TEXT
cols[2].metric(
    "Band (non-adverse 0.80–1.25)",
    SUPPRESSED if hide_ratio else band,
    help="Outside the band and significant is a disparity.",
)
total = bme.headcount + white.headcount + unknown.headcount
hide_unknown = limited and any(is_small(c, threshold) for c in (unknown.headcount, bme.headcount, white.headcount))
if view is not None:
    label = current.period.label
    hide_unknown = hide_unknown or any(view.hides(label, g, "headcount") for g in ("BME", "White", "Unknown"))
cols[3].metric(
    "Ethnicity not stated",
    SUPPRESSED if hide_unknown else f"{unknown.headcount:,}",
    f"{unknown.headcount / total:.1%} of staff" if total and not hide_unknown else None,
    delta_color="off",
)

#: Plain words for the band of each period in the table.
PERIOD_BANDS = {**BAND_WORDS, "unavailable": "No denominator", "suppressed": "Hidden: too few to show"}
#: Ethnicity recording by division (the pack's table and, for case-level roles, the latest snapshot's).
QUALITY_COLUMNS = [
    Col("division", "Division", help="The division, and the whole trust."),
    Col("staff", "Staff", "count", "Staff at the snapshot."),
    Col("not_stated", "Ethnicity not stated", "count", "Staff whose ethnic group is not recorded."),
    Col("share", "Share not stated", "rate", "Ethnicity not stated ÷ staff."),
]

st.header("Both rates, and the counts behind them", anchor=False)
counts_frame = pd.DataFrame(
    {
        "Group": ["BME", "White", "Not stated (excluded)"],
        "Entered formal investigation": [bme.entrants, white.entrants, unknown.entrants],
        "Headcount": [bme.headcount, white.headcount, unknown.headcount],
        "Rate": [bme.rate, white.rate, unknown.rate],
    }
)
counts_hidden: set[tuple[int, str]] = set()
if limited:
    label = current.period.label
    pack_hidden = {
        (i, column): view is not None and view.hides(label, group, kind)
        for i, group in enumerate(("BME", "White", "Unknown"))
        for column, kind in (("Entered formal investigation", "entrants"), ("Headcount", "headcount"))
    }
    counts_hidden = masked_cells(
        counts_frame,
        counts=["Entered formal investigation", "Headcount"],
        derived=["Rate"],
        threshold=threshold,
        hidden=pack_hidden,
    )
show_table(
    counts_frame,
    [
        Col("Group", "Group", help="Staff by WRES ethnic group; not stated is left out of the ratio."),
        Col(
            "Entered formal investigation",
            "Entered formal investigation",
            "count",
            "Staff entering a formal disciplinary investigation in the period.",
        ),
        Col("Headcount", "Headcount", "count", "Staff at the period's workforce snapshot."),
        Col("Rate", "Rate", "rate", "Entered formal investigation ÷ headcount."),
    ],
    counts_hidden,
    download="rates and counts",
)
if not hide_ratio:
    st.caption(
        f"The ratio is {band_text(est.band)} of 0.80–1.25"
        + (
            "; with no entrants in one group there is no interval."
            if est.ci_low is None or est.ci_high is None
            else " and the interval excludes 1."
            if est.significant
            else "; the interval includes 1."
        )
    )

st.header("Trend by half-year", anchor=False)
frame = wres_trend_frame(results)
if limited:
    # Periods whose ratio rests on a small count keep their place on the axis, with no numbers.
    small = [r.period.label for r in results if r.available and r.groups and too_small(r)]
    rows = frame["period"].isin(small)
    frame.loc[rows, ["ratio", "ci_low", "ci_high"]] = None
    frame.loc[rows, "band"] = "suppressed"
    frame.loc[rows, "status"] = "suppressed"
national = national_latest(key)
intervention = settings().intervention_date
show_chart(st, "ratio_trend_chart", frame, national=national, intervention=intervention)
st.caption(
    "Log scale: 2× and ½× are the same distance from parity. Shaded: the non-adverse range 0.80–1.25. "
    + (
        f"Yellow line: England, {national.label}, {national.value:.2f} (source: {national.source_title}). "
        if national
        else ""
    )
    + ("Red dashed line: the half-year the panel pre-checks began. " if intervention else "")
    + "Lines: 95% intervals. Triangles point up above the range and down below it."
)

found = series_xmr(results)
spc_hidden = limited and any(r.available and r.groups and too_small(r) for r in results)
if spc_hidden:
    found = None  # its centre and limits rest on every period, the small ones included
if found is not None or spc_hidden:
    st.header("Is anything changing? (Making Data Count)", anchor=False)
if spc_hidden:
    st.markdown(
        "The process-control chart is not shown for your role: its centre line and limits rest on every "
        "half-year, including some whose numbers are too small to show safely."
    )
if found is not None:
    chart, held = found
    labels = [results[i].period.label for i in held]
    st.altair_chart(spc_chart(chart, labels, title=None), width="stretch")
    st.caption(
        "Points: each half-year's ratio, joined in order. Solid line: the centre (mean); dashed lines: the process "
        "limits. Orange triangles: a special cause of concern; blue squares: a special cause of improvement; grey "
        f"circles: common-cause variation. Rules: {RULES_SOURCE}. " + (TRIAL_LIMITS_NOTE if chart.trial_limits else "")
    )
    st.markdown(spc_description(chart, labels))

if intervention is not None:
    before, after = split_at(results, intervention)
    if limited and any(r.available and r.groups and too_small(r) for r in (*before, *after)):
        before = after = []  # a pooled ratio over a small period would give its count back
    if before and after:
        change = ratio_of_ratios(pooled_counts(before), pooled_counts(after))
        st.header(f"Before and after panel pre-checks began ({intervention:%-d %b %Y})", anchor=False)
        c1, c2, c3 = st.columns(3)
        c1.metric("Before", fmt_ratio(change.earlier.ratio))
        c2.metric("After", fmt_ratio(change.later.ratio))
        c3.metric(
            "Ratio of ratios",
            fmt_ratio(change.ratio),
            f"95% CI {fmt_ratio(change.ci_low)}–{fmt_ratio(change.ci_high)}",
            delta_color="off",
        )
        st.markdown(change_sentence("Indicator 3", change, intervention, day=SCREEN_DAY))

st.header("Ethnicity data completeness by division", anchor=False)
quality = completeness(key) if view is None else pd.DataFrame()
if view is not None:
    # The pack's table at the half-year's snapshot, with the pack's suppression: the trust's not-stated count
    # above less the divisions shown here must not give a hidden division's count back.
    pack_quality, quality_hidden = data_quality_frame(
        view.inputs.division_headcounts, threshold, set(view.hidden), current.period.label
    )
    st.caption(f"At the workforce snapshot of {current.period.words}, as the review pack shows it.")
    show_table(pack_quality, QUALITY_COLUMNS, quality_hidden, download="ethnicity data completeness")
quality_hidden = set()
if limited and not quality.empty:
    small_rows = quality["staff"].map(lambda v: is_small(v, threshold)) | quality["not_stated"].map(
        lambda v: is_small(v, threshold)
    )
    quality_hidden = {(i, c) for i in quality.index[small_rows] for c in ("staff", "not_stated", "share")}
if not quality.empty:
    quality = quality.rename(columns={"share_not_stated": "share"}).reset_index(drop=True)
    st.caption(f"At the latest workforce snapshot ({quality['snapshot_date'].iloc[0]:%-d %b %Y}).")
    show_table(quality, QUALITY_COLUMNS, quality_hidden, download="ethnicity data completeness")
with st.expander("Table of every period"):
    periods = frame.assign(ends=frame["end"].dt.strftime("%-d %b %Y")).reset_index(drop=True)
    show_table(
        periods,
        [
            Col("period", "Period", help="Financial half-year."),
            Col("ends", "Ends", help="The last day of the half-year."),
            Col("ratio", "Ratio", "ratio", "BME rate ÷ White rate; 1.00 is parity; '—' where undefined."),
            Col("ci_low", "95% CI low", "ratio", "Lower end of the Katz log interval (contract §4.1)."),
            Col("ci_high", "95% CI high", "ratio", "Upper end of the Katz log interval (contract §4.1)."),
            Col("band", "Band", help="Against the non-adverse range 0.80–1.25.", words=PERIOD_BANDS),
            Col("significant", "Interval excludes parity", help="Whether the interval leaves out 1.00.", words=YES_NO),
        ],
        {(i, c) for i in periods.index[periods["band"] == "suppressed"] for c in ("ratio", "ci_low", "ci_high")},
        download="every period",
    )
