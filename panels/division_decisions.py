"""A division lead's decision points: where in the process the gap opens, their divisions beside the trust."""

from __future__ import annotations

import streamlit as st

from erreview.divisions import TRUST, division_decisions
from erreview.periods import period_of
from erreview.review.roles import Role
from panels.common import data_key, engine, period_select, require, settings, wres_results

actor = require(Role.DIVISION_LEAD)
st.title("Decision points")
st.markdown(
    "Disciplinary cases opened in the chosen financial year, at each step of the process: your divisions "
    "beside the whole trust."
)
years = sorted({period_of(r.period.start, "year") for r in wres_results(data_key())}, key=lambda p: p.start)[::-1]
if not years:
    st.info("No data yet.")
    st.stop()
window = period_select(
    "Financial year",
    years,
    "year",
    "Opens on the latest financial year that has ended; one still running is incomplete.",
)
threshold = settings().suppression_threshold
tables = division_decisions(engine(), actor=actor, threshold=threshold, window=window)
columns = ["Decision point", "BME n", "BME events", "White n", "White events", "Ratio", "Flag"]
for where in [*sorted(k for k in tables if k != TRUST), TRUST]:
    st.subheader(where if where != TRUST else "Whole trust")
    table = tables[where]
    st.dataframe(table[[c for c in columns if c in table.columns]], hide_index=True)
st.caption(f"Counts from 1 to {threshold} are shown as *, with every figure resting on them.")
