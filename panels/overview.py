"""Overview: is a BME colleague more likely to enter a formal disciplinary process than a White one?"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from erreview.charts import ratio_trend_chart, wres_trend_frame
from erreview.metrics.likelihood import pooled_counts, split_at
from erreview.metrics.trend import RULES_SOURCE, TRIAL_LIMITS_NOTE, ratio_of_ratios, series_xmr
from erreview.narrative import QUESTION, change_sentence, wres_sentence
from erreview.narrative import fmt_ratio as banded_ratio
from erreview.review.roles import Role
from erreview.service import latest_available
from erreview.vocab import WresGroup
from panels.common import (
    band_text,
    completeness,
    data_key,
    fmt_rate,
    fmt_ratio,
    national_latest,
    require,
    settings,
    wres_results,
)

# Division leads have their own overview: this one lists every division.
require(*(r for r in Role if r is not Role.DIVISION_LEAD))
st.title("Overview")
st.markdown(f"**{QUESTION}**")

key = data_key()
results = wres_results(key)
current = latest_available(results)
if current is None or current.estimate is None:
    st.info("No ratio yet: import a workforce snapshot and ER cases on the Data screen.")
    st.stop()

est = current.estimate
st.markdown(wres_sentence(current))
bme, white, unknown = (current.groups[g] for g in (WresGroup.BME, WresGroup.WHITE, WresGroup.UNKNOWN))
cols = st.columns(4)
cols[0].metric(
    f"Relative likelihood, {current.period.label}",
    banded_ratio(est.ratio) if est.ratio is not None else "n/a",
    help="Rate for BME staff divided by the rate for White staff. 1.00 is parity.",
)
cols[1].metric("95% confidence interval", f"{fmt_ratio(est.ci_low)} – {fmt_ratio(est.ci_high)}")
band = est.band.value if est.band else "n/a"
cols[2].metric("Band (non-adverse 0.80–1.25)", band, help="Outside the band and significant is a disparity.")
total = bme.headcount + white.headcount + unknown.headcount
cols[3].metric(
    "Ethnicity not stated",
    f"{unknown.headcount:,}",
    f"{unknown.headcount / total:.1%} of staff" if total else None,
    delta_color="off",
)

st.subheader("Both rates, and the counts behind them")
st.dataframe(
    pd.DataFrame(
        {
            "Group": ["BME", "White", "Not stated (excluded)"],
            "Entered formal investigation": [bme.entrants, white.entrants, unknown.entrants],
            "Headcount": [bme.headcount, white.headcount, unknown.headcount],
            "Rate": [fmt_rate(bme.rate), fmt_rate(white.rate), fmt_rate(unknown.rate)],
        }
    ),
    hide_index=True,
)
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

st.subheader("Trend by half-year")
frame = wres_trend_frame(results)
national = national_latest(key)
intervention = settings().intervention_date
st.altair_chart(ratio_trend_chart(frame, national=national, intervention=intervention), width="stretch")
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
if found is not None:
    chart, held = found
    labels = [results[i].period.label for i in held]
    st.subheader("Is anything changing? (Making Data Count)")
    if chart.signals:
        for signal in chart.signals:
            st.markdown(f"- **{signal.description}**: " + ", ".join(labels[i] for i in signal.indices))
    else:
        st.markdown("No special-cause variation: the ratio is moving within its usual range.")
    st.caption(
        f"Centre {chart.centre:.2f}; process limits {chart.lower:.2f} to {chart.upper:.2f}, from all "
        f"{len(held)} half-years with data. Rules: {RULES_SOURCE}. " + (TRIAL_LIMITS_NOTE if chart.trial_limits else "")
    )

if intervention is not None:
    before, after = split_at(results, intervention)
    if before and after:
        change = ratio_of_ratios(pooled_counts(before), pooled_counts(after))
        st.subheader(f"Before and after panel pre-checks began ({intervention:%d %B %Y})")
        c1, c2, c3 = st.columns(3)
        c1.metric("Before", fmt_ratio(change.earlier.ratio))
        c2.metric("After", fmt_ratio(change.later.ratio))
        c3.metric(
            "Ratio of ratios",
            fmt_ratio(change.ratio),
            f"95% CI {fmt_ratio(change.ci_low)}–{fmt_ratio(change.ci_high)}",
            delta_color="off",
        )
        st.markdown(change_sentence("Indicator 3", change, intervention))

st.subheader("Ethnicity data completeness by division")
quality = completeness(key)
if not quality.empty:
    st.dataframe(
        quality.rename(
            columns={
                "division": "Division",
                "staff": "Staff",
                "not_stated": "Not stated",
                "share_not_stated": "Share not stated",
                "snapshot_date": "Snapshot",
            }
        ),
        hide_index=True,
        column_config={
            "Share not stated": st.column_config.ProgressColumn(
                format="percent", min_value=0.0, max_value=max(0.1, float(quality["share_not_stated"].max()))
            )
        },
    )
with st.expander("Table of every period"):
    st.dataframe(frame.assign(end=frame["end"].dt.date), hide_index=True)
