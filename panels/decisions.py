"""Decision points: where in the process the gap opens, and for whom."""

from __future__ import annotations

import streamlit as st

from erreview.charts import decision_rates_chart, decision_ratio_chart
from erreview.metrics.breakdowns import DIMENSIONS, TOO_FEW
from erreview.metrics.decisions import decision_table_frame
from erreview.review.roles import Role
from panels.common import data_key, decision_analysis, require, settings

require(Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER)
st.title("Decision points")
st.markdown(
    "At each step of the disciplinary process, how often did it happen to BME and to White staff who "
    "reached that step? A gap can open at any step."
)

with st.sidebar:
    window = st.date_input("Cases opened between", value=(), help="Leave empty for all cases.")
start, end = (window[0], window[1]) if isinstance(window, tuple) and len(window) == 2 else (None, None)
min_size = settings().min_group_size
analysis = decision_analysis(data_key(), start, end, min_size)
table = decision_table_frame(analysis.table)
if not analysis.cases:
    st.info("No disciplinary cases in this window.")
    st.stop()

flagged = table[table["flag"] == "disparity"]["label"].tolist()
if flagged:
    st.error(f"Significant gap outside the non-adverse range at: {', '.join(flagged)}.", icon=":material/flag:")
else:
    st.success("No decision point shows a significant gap outside the non-adverse range.")

left, right = st.columns(2)
with left:
    st.subheader("Rate at each step")
    st.altair_chart(decision_rates_chart(table), width="stretch")
with right:
    st.subheader("BME : White ratio")
    st.altair_chart(decision_ratio_chart(table), width="stretch")
    st.caption(
        "Shaded: 0.80–1.25. Diamond: disparity (outside and significant); triangle: watch (outside, "
        "not significant); circle: inside the range."
    )

st.subheader("The disparity table")
shown = table.drop(columns=["decision_point"]).rename(
    columns={
        "label": "Decision point",
        "bme_n": "BME n",
        "bme_events": "BME events",
        "bme_rate": "BME rate",
        "white_n": "White n",
        "white_events": "White events",
        "white_rate": "White rate",
        "difference": "Difference",
        "ratio": "Ratio",
        "ci_low": "CI low",
        "ci_high": "CI high",
        "band": "Band",
        "significant": "Significant",
        "fisher_p": "Fisher p",
        "q_value": "q (BH)",
        "flag": "Flag",
    }
)
st.dataframe(
    shown,
    hide_index=True,
    column_config={
        "BME rate": st.column_config.NumberColumn(format="percent"),
        "White rate": st.column_config.NumberColumn(format="percent"),
        "Difference": st.column_config.NumberColumn(format="percent"),
        "Ratio": st.column_config.NumberColumn(format="%.2f"),
        "CI low": st.column_config.NumberColumn(format="%.2f"),
        "CI high": st.column_config.NumberColumn(format="%.2f"),
        "Fisher p": st.column_config.NumberColumn(format="%.3f"),
        "q (BH)": st.column_config.NumberColumn(format="%.3f"),
    },
)

st.subheader("For whom? Breakdowns and intersections")
c1, c2 = st.columns(2)
dimension = c1.selectbox("Break down by", DIMENSIONS, format_func=lambda d: d.replace("_", " ").capitalize())
point = c2.selectbox(
    "Decision point",
    table["decision_point"],
    format_func=lambda p: dict(zip(table["decision_point"], table["label"], strict=True))[p],
)
breakdown = analysis.breakdowns[
    (analysis.breakdowns["dimension"] == dimension) & (analysis.breakdowns["point"] == point)
]
st.markdown(
    f"**BME compared with White staff within each {dimension.replace('_', ' ')}** "
    f"(cells with fewer than {min_size} cases read “{TOO_FEW}”)"
)
st.dataframe(breakdown.drop(columns=["point", "dimension"]), hide_index=True)
inter = analysis.intersections[
    (analysis.intersections["dimension"] == dimension) & (analysis.intersections["point"] == point)
]
st.markdown(f"**Each ethnic group × {dimension.replace('_', ' ')}**")
st.dataframe(inter.drop(columns=["point", "dimension"]), hide_index=True)

st.subheader("Time in process")
st.dataframe(analysis.timing.drop(columns=["measure"]), hide_index=True)
st.caption("Days. Medians and 90th percentiles per group; Mann–Whitney test of BME against White.")

st.subheader("Is the formal-route gap explained by case mix?")
st.markdown(analysis.adjusted.sentence())
