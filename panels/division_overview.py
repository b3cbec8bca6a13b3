"""A division lead's overview: indicator 3 for their divisions beside the trust, by half-year."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from erreview.divisions import TRUST, division_trend
from erreview.narrative import QUESTION
from erreview.review.roles import Role
from panels.common import engine, require, settings

actor = require(Role.DIVISION_LEAD)
st.title("Overview")
mine = ", ".join(sorted(actor.divisions)) or "none assigned"
st.markdown(f"**{QUESTION}**  \nYour divisions: **{mine}**, beside the whole trust.")
threshold = settings().suppression_threshold
trend = division_trend(engine(), actor=actor, threshold=threshold)
if trend.empty:
    st.info("No data yet.")
    st.stop()

latest = trend["Period"].iloc[-1]
now = trend[trend["Period"] == latest]
cols = st.columns(len(now))
for col, row in zip(cols, now.to_dict("records"), strict=True):
    col.metric(f"{row['Where']}, {latest}", row["Ratio"], help="Relative likelihood: BME rate ÷ White rate.")

plotted = trend.dropna(subset=["ratio_value"])
plotted = plotted[plotted["ratio_value"] > 0]
if not plotted.empty:
    st.subheader("Trend by half-year")
    chart = (
        alt.Chart(plotted)
        .mark_line(point=True)
        .encode(
            x=alt.X("Period:O", sort=list(dict.fromkeys(trend["Period"]))),
            y=alt.Y("ratio_value:Q", scale=alt.Scale(type="log"), title="Relative likelihood (log scale)"),
            color=alt.Color("Where:N", title="", sort=[TRUST, *sorted(actor.divisions)]),
        )
    )
    st.altair_chart(chart, width="stretch")
st.subheader("Every half-year")
st.dataframe(pd.DataFrame(trend.drop(columns=["ratio_value"])), hide_index=True)
st.caption(
    f"Counts from 1 to {threshold} are shown as *, with the ratio and interval that rest on them, so that no "
    "colleague can be identified. Periods with no workforce snapshot are left out."
)
