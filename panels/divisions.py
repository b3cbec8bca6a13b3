"""Divisions: each division's ratio on any measure of the library, against the trust's, on a funnel plot."""

from __future__ import annotations

import streamlit as st

from erreview import service
from erreview.charts import funnel_chart
from erreview.errors import ErreviewError
from erreview.export.funnel_section import funnel_frame
from erreview.periods import period_of, period_words
from erreview.review.roles import Role
from panels.common import (
    Col,
    data_key,
    engine,
    pack_view,
    period_select,
    plain,
    require,
    settings,
    show_error,
    show_table,
    wres_results,
)

actor = require(Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER, Role.DIVISION_LEAD)
lead = actor.role is Role.DIVISION_LEAD
st.title("Divisions", anchor=False)
current = settings()
try:
    measures = service.funnel_measures(current)
except ErreviewError as exc:
    show_error(exc.message, focus=False)
    st.stop()
chosen = st.selectbox(
    "Measure",
    [m.id for m in measures],
    format_func=lambda i: next(m.label + ("" if m.shipped else " (the trust's own)") for m in measures if m.id == i),
)
measure = next(m for m in measures if m.id == chosen)
indicator3 = measure.kind == "indicator3"
if lead:
    mine = ", ".join(sorted(actor.divisions)) or "none assigned"
    intro = (
        f"**{measure.question}** Your divisions ({mine}) against the whole trust's 95% and 99.8% limits. Other "
        "divisions are not shown."
    )
else:
    intro = (
        f"**{measure.question}** Each division's relative likelihood against its size, with 95% and 99.8% limits "
        "around the trust ratio. Small divisions vary more by chance, so their limits are wider."
    )
st.markdown(intro)

results = wres_results(data_key())
if indicator3:
    periods = [r.period for r in results if r.available][::-1]
    label_of = "Period"
else:
    # Measures over cases: cases opened in a financial year (never a narrower window).
    periods = sorted({period_of(r.period.start, "year") for r in results}, key=lambda p: p.start)[::-1]
    label_of = "Financial year (cases opened)"
if not periods:
    st.info("No data yet.")
    st.stop()
period = period_select(
    label_of,
    periods,
    "half" if indicator3 else "year",
    "Opens on the latest period that has ended; one still running is incomplete.",
)
# Only an administrator sees divisions whose numbers are too small to publish (contract §5).
threshold = None if actor.role is Role.ADMIN else current.suppression_threshold
scope = actor.divisions if lead else None
if lead and not scope:
    st.info("No division is assigned to you yet; ask an administrator.")
    st.stop()
if indicator3 and threshold is not None:
    # Roles without case-level access: the divisions the review pack for this half-year prints, with its audit
    # (erreview.screen_audit), so this screen and Overview cannot be subtracted from each other.
    from erreview.export.pack import funnel_within

    full = service.measure_funnel_view(engine(), current, measure.id, period, threshold=None, divisions=scope)
    view = funnel_within(full, set(pack_view(data_key(), period.label).hidden), period.label) or full
else:
    view = service.measure_funnel_view(engine(), current, measure.id, period, threshold=threshold, divisions=scope)
st.markdown(plain(period_words(view.sentence)))  # the pack says the period by its code
if view.funnel is not None and any(p.position for p in view.funnel.points):
    st.altair_chart(
        funnel_chart(view.funnel, size=view.size, highlight=frozenset(scope or ())),
        width="stretch",
    )
    st.caption(
        "Log scale. Solid line: the trust ratio; dashed: 95% limits; solid grey: 99.8% limits. Red diamonds are "
        f"outside the 95% limits. Effective {view.size}: the number a division with the trust's BME share would "
        "need for the same precision."
    )
show_table(
    funnel_frame(view),
    [
        Col("division", "Division", help="The division."),
        Col("ratio", "Ratio", "ratio", "The division's BME rate ÷ White rate; 1.00 is parity."),
        Col(
            "effective",
            f"Effective {view.size}",
            "count",
            f"The {view.size} a division with the trust's BME share would need for the same precision.",
        ),
        Col("lower_95", "95% lower limit", "ratio", "Below this, the division is lower than chance would explain."),
        Col("upper_95", "95% upper limit", "ratio", "Above this, the division is higher than chance would explain."),
        Col("lower_998", "99.8% lower limit", "ratio", "The wider limit: below it, almost certainly not chance."),
        Col("upper_998", "99.8% upper limit", "ratio", "The wider limit: above it, almost certainly not chance."),
        Col("position", "Position", help="Where the division sits against the limits, or why it is not plotted."),
    ],
    download="divisions against the limits",
)
