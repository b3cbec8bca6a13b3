"""A division lead's overview: indicator 3 for their divisions beside the trust, by half-year."""

from __future__ import annotations

import streamlit as st

from erreview.charts import division_trend_chart
from erreview.divisions import TRUST, division_trend
from erreview.narrative import QUESTION
from erreview.periods import period_words
from erreview.review.roles import Role
from panels.common import Col, engine, require, settings, show_table

actor = require(Role.DIVISION_LEAD)
st.title("Overview", anchor=False)
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
    col.metric(
        f"{row['Where']}, {period_words(latest)}", row["Ratio"], help="Relative likelihood: BME rate ÷ White rate."
    )

plotted = trend.dropna(subset=["ratio_value"])
plotted = plotted[plotted["ratio_value"] > 0]
if not plotted.empty:
    st.header("Trend by half-year", anchor=False)
    st.altair_chart(division_trend_chart(plotted, [TRUST, *sorted(actor.divisions)]), width="stretch")
st.header("Every half-year", anchor=False)
TREND_COLUMNS = [
    Col("Period", "Period", help="Financial half-year."),
    Col("Where", "Where", help="Your division, or the whole trust."),
    Col("bme_entrants", "BME entrants", "count", "BME staff entering a formal disciplinary investigation."),
    Col("bme_headcount", "BME headcount", "count", "BME staff at the half-year's workforce snapshot."),
    Col("white_entrants", "White entrants", "count", "White staff entering a formal disciplinary investigation."),
    Col("white_headcount", "White headcount", "count", "White staff at the half-year's workforce snapshot."),
    Col("ratio_value", "Ratio", "ratio", "BME rate ÷ White rate; 1.00 is parity."),
    Col("ci_low", "95% CI low", "ratio", "Lower end of the 95% confidence interval (Katz)."),
    Col("ci_high", "95% CI high", "ratio", "Upper end of the 95% confidence interval (Katz)."),
]
#: Which column of the library's table (its text) says each number column's cell is hidden.
SHOWN_AS = {"bme_entrants": "BME entrants", "bme_headcount": "BME headcount", "white_entrants": "White entrants"}
SHOWN_AS |= {"white_headcount": "White headcount", "ratio_value": "Ratio", "ci_low": "95% CI low"}
SHOWN_AS |= {"ci_high": "95% CI high"}
rows = trend.reset_index(drop=True)
show_table(
    rows,
    TREND_COLUMNS,
    {(i, source) for source, text in SHOWN_AS.items() for i in rows.index[rows[text] == "*"]},
    download="every half-year",
)
st.caption(
    f"Counts from 1 to {threshold} are shown as *, with the ratio and interval that rest on them, so that no "
    "colleague can be identified. Periods with no workforce snapshot are left out."
)
