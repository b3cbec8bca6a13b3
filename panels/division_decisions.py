"""A division lead's decision points: where in the process the gap opens, their divisions beside the trust."""

from __future__ import annotations

import streamlit as st

from erreview.divisions import TRUST, division_decision_results
from erreview.metrics.decisions import decision_table_frame
from erreview.periods import period_of
from erreview.review.roles import Role
from panels.common import (
    COMPARISON_COLUMNS,
    Col,
    data_key,
    engine,
    period_select,
    published_hidden,
    require,
    settings,
    show_table,
    wres_results,
)

actor = require(Role.DIVISION_LEAD)
st.title("Decision points", anchor=False)
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
tables = division_decision_results(engine(), actor=actor, threshold=threshold, window=window)
shown = ("flag", "ratio", "bme_n", "bme_events", "white_n", "white_events")
columns = [
    Col("label", "Decision point", help="The step of the disciplinary process."),
    *(c for c in COMPARISON_COLUMNS if c.source in shown),
]
for where in [*sorted(k for k in tables if k != TRUST), TRUST]:
    st.header(where if where != TRUST else "Whole trust", anchor=False)
    results, table = tables[where]
    place = where if where != TRUST else "whole trust"
    show_table(
        decision_table_frame(results),
        columns,
        published_hidden(table, columns),
        download=f"{place} decision points",
    )
st.caption(f"Counts from 1 to {threshold} are shown as *, with every figure resting on them.")
