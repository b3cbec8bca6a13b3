"""Divisions: each division's relative likelihood against the trust's, on a funnel plot."""

from __future__ import annotations

import streamlit as st

from erreview import service
from erreview.charts import funnel_chart
from erreview.export.funnel_section import funnel_table
from erreview.review.roles import Role
from panels.common import data_key, engine, plain, require, settings, wres_results

actor = require(Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER)
st.title("Divisions")
st.markdown(
    "**Is any division further from the trust's figure than chance would explain?** Each division's relative "
    "likelihood of BME staff entering a formal disciplinary investigation, against its size, with 95% and 99.8% "
    "limits around the trust ratio. Small divisions vary more by chance, so their limits are wider."
)

periods = [r.period for r in wres_results(data_key()) if r.available][::-1]
if not periods:
    st.info("No data yet.")
    st.stop()
label = st.selectbox("Period", [p.label for p in periods])
period = next(p for p in periods if p.label == label)
# Only an administrator sees divisions whose numbers are too small to publish (contract §5).
threshold = None if actor.role is Role.ADMIN else settings().suppression_threshold
view = service.division_funnel_view(engine(), period, threshold=threshold)
st.markdown(plain(view.sentence))
if view.funnel is not None and any(p.position for p in view.funnel.points):
    st.altair_chart(funnel_chart(view.funnel), width="stretch")
    st.caption(
        "Log scale. Solid line: the trust ratio; dashed: 95% limits; solid grey: 99.8% limits. Red diamonds are "
        "outside the 95% limits. Effective staff: the headcount a division with the trust's BME share would need "
        "for the same precision."
    )
st.dataframe(funnel_table(view), hide_index=True)
