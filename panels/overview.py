"""Overview: is a BME colleague more likely to enter a formal disciplinary process than a White one?"""

from __future__ import annotations

import streamlit as st

from erreview.charts import ratio_trend_chart, wres_trend_frame
from erreview.narrative import QUESTION, wres_sentence
from erreview.service import latest_available
from erreview.vocab import WresGroup
from panels.common import data_key, fmt_rate, fmt_ratio, wres_results

st.title("Overview")
st.markdown(f"**{QUESTION}**")

results = wres_results(data_key())
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
    fmt_ratio(est.ratio),
    help="Rate for BME staff divided by the rate for White staff. 1.00 is parity.",
)
cols[1].metric("95% confidence interval", f"{fmt_ratio(est.ci_low)} – {fmt_ratio(est.ci_high)}")
band = est.band.value.replace("_", "-") if est.band else "n/a"
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
    {
        "Group": ["BME", "White", "Not stated (excluded)"],
        "Entered formal investigation": [bme.entrants, white.entrants, unknown.entrants],
        "Headcount": [bme.headcount, white.headcount, unknown.headcount],
        "Rate": [fmt_rate(bme.rate), fmt_rate(white.rate), fmt_rate(unknown.rate)],
    },
    hide_index=True,
)

st.subheader("Trend by half-year")
frame = wres_trend_frame(results)
st.altair_chart(ratio_trend_chart(frame), width="stretch")
st.caption(
    "Log scale: 2× and ½× are the same distance from parity. Shaded: the non-adverse range "
    "0.80–1.25. Lines: 95% intervals. Triangles point up above the range and down below it."
)
with st.expander("Table of every period"):
    st.dataframe(frame.assign(end=frame["end"].dt.date), hide_index=True)
