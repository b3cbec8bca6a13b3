"""Decision points: where in the process the gap opens, and for whom."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from erreview.charts import decision_rates_chart, decision_ratio_chart
from erreview.metrics.breakdowns import DIMENSIONS, TOO_FEW
from erreview.metrics.decisions import decision_table_frame
from erreview.narrative import decision_sentence, decisions_headline, window_words
from erreview.review.roles import Role
from erreview.vocab import Flag
from panels.common import (
    data_key,
    decision_analysis,
    default_window,
    intervention_changes,
    require,
    settings,
)

require(Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER)
st.title("Decision points")
st.markdown(
    "At each step of the disciplinary process, how often did it happen to BME and to White staff who "
    "reached that step? A gap can open at any step."
)

key = data_key()
pack_window = default_window(key)
with st.sidebar:
    everything = st.checkbox("All cases on record", value=False, help="Otherwise the review pack's window.")
    window = st.date_input(
        "Cases opened between",
        value=pack_window if pack_window else (),
        help="Defaults to the review pack's window: the 12 months to the end of the latest half-year.",
        disabled=everything,
    )
if everything:
    start, end = None, None
else:
    start, end = (window[0], window[1]) if isinstance(window, tuple) and len(window) == 2 else (None, None)
words = window_words(start, end)
is_pack_window = pack_window is not None and (start, end) == tuple(pack_window)
st.markdown(f"**Window: {words}**" + (" (the same 12 months as the latest review pack)." if is_pack_window else "."))
min_size = settings().min_group_size
analysis = decision_analysis(key, start, end, min_size)
table = decision_table_frame(analysis.table)
if not analysis.cases:
    st.info(f"No disciplinary cases in this window ({words}).")
    st.stop()

level, headline = decisions_headline(analysis.table, words)
if level is Flag.DISPARITY:
    st.error(headline, icon=":material/flag:")
elif level is Flag.WATCH:
    st.warning(headline, icon=":material/visibility:")
else:
    st.success(headline)
st.caption(
    "A step is a disparity when its ratio is outside 0.80–1.25 and it stays significant after allowing for the "
    "seven steps tested together (Benjamini–Hochberg q below 0.05, Fisher's exact test); outside the range but "
    "not significant is one to watch. Which side harms BME staff differs by step: at case to answer, fewer "
    "cases to answer means more formal investigations without cause."
)

st.subheader("What each step shows")
for result in analysis.table:
    st.markdown(f"- {decision_sentence(result, compared=len(analysis.table))}")

left, right = st.columns(2)
with left:
    st.subheader("Rate at each step")
    st.altair_chart(decision_rates_chart(table), width="stretch")
with right:
    st.subheader("BME : White ratio")
    st.altair_chart(decision_ratio_chart(table), width="stretch")
    st.caption(
        "Shaded: 0.80–1.25. Diamond: disparity (outside and significant after allowing for the seven steps); "
        "triangle: watch (outside, could be chance); circle: inside the range."
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
        "fisher_p": "Fisher p",
        "q_value": "q (BH)",
        "significant": "Significant (q < 0.05)",
        "side": "Side",
        "harm_direction": "Harms BME staff if",
        "flag": "Flag",
        "adverse": "On the harmful side",
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

st.subheader("Complaints raised by staff")
st.markdown(
    "Grievance and bullying or harassment complaints raised by a member of staff, not withdrawn: "
    f"{decision_sentence(analysis.complaints, compared=1)}"
)

intervention = settings().intervention_date
if intervention is not None:
    st.subheader(f"Is it better since the pre-checks began ({intervention:%d %B %Y})?")
    st.caption("All cases opened before that date against all opened since, at each step (ratio of ratios).")
    for change in intervention_changes(key, intervention):
        st.markdown(f"- {change.sentence}")

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
    f"(cells with fewer than {min_size} cases read “{TOO_FEW}”; q allows for every cell of this breakdown, "
    "all steps and levels together)"
)
st.dataframe(breakdown.drop(columns=["point", "dimension"]), hide_index=True)
inter = analysis.intersections[
    (analysis.intersections["dimension"] == dimension) & (analysis.intersections["point"] == point)
]
st.markdown(f"**Each ethnic group × {dimension.replace('_', ' ')}**")
st.dataframe(inter.drop(columns=["point", "dimension"]), hide_index=True)

st.subheader("Time in process")
timing = analysis.timing


def _days(value: object) -> str:
    return "?" if value is None or pd.isna(value) else f"{float(value):.0f}"  # type: ignore[arg-type]


rows = []
for rec in timing.to_dict("records"):
    row = {"Measure": rec["label"]}
    for group, prefix in (("BME", "bme"), ("White", "white")):
        row[f"{group} cases (still open)"] = f"{rec[f'{prefix}_n']} ({rec[f'{prefix}_open']})"
        for stat, title in (("median", "median days"), ("p90", "90th percentile")):
            value = rec[f"{prefix}_{stat}"]
            row[f"{group} {title} (95% CI)"] = (
                "n/a"
                if value is None or pd.isna(value)
                else f"{_days(value)} ({_days(rec[f'{prefix}_{stat}_low'])}–{_days(rec[f'{prefix}_{stat}_high'])})"
            )
    p = rec["logrank_p"]
    row["Log-rank p"] = "n/a" if p is None or pd.isna(p) else f"{p:.3f}"
    rows.append(row)
st.dataframe(pd.DataFrame(rows), hide_index=True)
st.caption(
    "Days, by Kaplan–Meier: open cases count as 'at least this long so far', so long-running cases are not "
    "left out. '?' where an interval has no upper end yet (too many cases still open). Log-rank test of BME "
    "against White."
)

st.subheader("Is the formal-route gap explained by case mix?")
st.markdown(analysis.adjusted.sentence())
