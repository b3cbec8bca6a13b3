"""Measures: the questions erreview answers, including the trust's own, and the trust measures' results."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from erreview import service
from erreview.errors import ErreviewError
from erreview.export.measures_section import measures_table
from erreview.export.tables import decision_points_table
from erreview.measures import load_measures
from erreview.metrics.decisions import decision_table_frame
from erreview.narrative import SCREEN_DAY, window_words
from erreview.periods import period_of
from erreview.review.roles import Role
from erreview.screen_audit import decision_hidden
from erreview.screen_privacy import restricted
from panels.common import (
    COMPARISON_COLUMNS,
    Col,
    data_key,
    default_window,
    engine,
    pack_view,
    published_hidden,
    require,
    settings,
    show_error,
    show_table,
)

#: The measure library's definitions (erreview.measures.Measure.definition), headed as they are.
DEFINITION_COLUMNS = [
    Col("Measure", "Measure", help="The measure's name."),
    Col("Question", "Question", help="The question it answers."),
    Col("Population", "Population", help="Who is counted."),
    Col("Event", "Event", help="What counts as it happening."),
    Col("Harmful side", "Harmful side", help="Which side of parity harms BME staff."),
    Col("Default window", "Default window", help="How many months of cases it looks at unless told otherwise."),
    Col("Source", "Source", help="The contract's, or added by the trust."),
]

actor = require(Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER)
limited = restricted(actor.role)
st.title("Measures", anchor=False)
st.markdown(
    "Every measure answers a question. The contract's measures are WRES indicator 3, the seven decision points "
    "and complaints raised by staff; the trust can add its own questions to the measure library (TOML files in "
    "the folder named by `ERREVIEW_MEASURE_DIR`)."
)
current = settings()
try:
    measures = load_measures(current.measure_dir)
except ErreviewError as exc:
    show_error(exc.message, focus=False)
    st.stop()
for measure in measures:
    marker = "" if measure.shipped else " *(added by the trust)*"
    st.markdown(f"**{measure.label}**{marker}: {measure.question}")
with st.expander("Definitions: who is counted and what counts"):
    show_table(measures_table(measures), DEFINITION_COLUMNS, download="measure definitions")

own = [m for m in measures if not m.shipped]
if own:
    st.header("The trust's own measures", anchor=False)
    window = default_window(data_key()) if limited else None
    if limited:
        # One window only for roles without case-level access, the review pack's (two windows, each safe, differ
        # by the few cases between them), with the pack's suppression (erreview.screen_audit).
        if window is None:
            st.info("No data yet.")
            st.stop()
        start, end = window
        st.markdown(
            f"Cases opened {window_words(start, end, day=SCREEN_DAY)}: the same 12 months as the latest review pack."
        )
    else:
        c1, c2 = st.columns(2)
        start = c1.date_input("Cases opened from", value=None, format="DD/MM/YYYY")
        end = c2.date_input("Cases opened to", value=None, format="DD/MM/YYYY")
    results = service.trust_measure_results(engine(), current, opened_from=start, opened_to=end)
    pack = pack_view(data_key(), period_of(end, "half").label) if limited and end is not None else None
    label, hidden = decision_hidden(pack, results, start, end, current.suppression_threshold)
    table: pd.DataFrame = decision_points_table(results, current.suppression_threshold, hidden, label)
    columns = [Col("label", "Measure", help="The trust's own question."), *COMPARISON_COLUMNS]
    show_table(
        decision_table_frame(results), columns, published_hidden(table, columns), download="trust's own measures"
    )
    st.caption(
        f"Counts from 1 to {current.suppression_threshold} are shown as *, with every figure resting on them. "
        "q: Benjamini–Hochberg over the trust's measures."
    )
