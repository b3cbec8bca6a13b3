"""A division lead's decision points: where in the process the gap opens, their divisions beside the trust."""

from __future__ import annotations

from datetime import date

import streamlit as st

from erreview import service
from erreview.divisions import TRUST, division_decisions
from erreview.periods import period_of
from erreview.review.roles import Role
from panels.common import data_key, engine, require, settings, wres_results

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
today = date.today()
label = st.selectbox(
    "Financial year",
    [y.label for y in years],
    index=service.default_index(years, today, prefer=service.default_half(engine(), today, "year")),
    format_func=lambda text: service.period_choice(next(y for y in years if y.label == text), today),
    help="Opens on the latest financial year that has ended; one still running is incomplete.",
)
window = next(y for y in years if y.label == label)
threshold = settings().suppression_threshold
tables = division_decisions(engine(), actor=actor, threshold=threshold, window=window)
columns = ["Decision point", "BME n", "BME events", "White n", "White events", "Ratio", "Flag"]
for where in [*sorted(k for k in tables if k != TRUST), TRUST]:
    st.subheader(where if where != TRUST else "Whole trust")
    table = tables[where]
    st.dataframe(table[[c for c in columns if c in table.columns]], hide_index=True)
st.caption(f"Counts from 1 to {threshold} are shown as *, with every figure resting on them.")
