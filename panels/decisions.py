"""Decision points: where in the process the gap opens, and for whom."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from erreview import service
from erreview.charts import shared_ratio_domain
from erreview.export.pack import complaints_trend_hidden, complaints_trend_table
from erreview.export.suppression import SUPPRESSED
from erreview.export.tables import BROAD_ORDER, decision_points_table, dp_key
from erreview.metrics.breakdowns import DIMENSIONS, TOO_FEW
from erreview.metrics.decisions import decision_table_frame
from erreview.narrative import EXPORT_DAY, SCREEN_DAY, decision_sentence, decisions_headline, window_words
from erreview.periods import period_of
from erreview.review.casepage import CHOICE_LABELS
from erreview.review.context import panel_audit
from erreview.review.roles import Role
from erreview.screen_audit import PackView, decision_hidden
from erreview.screen_breakdowns import TIMING_GROUPS, bd_key, ix_key, timing_frame, timing_hidden, view_hidden
from erreview.screen_privacy import is_small, masked_cells, restricted
from erreview.vocab import Flag
from panels.common import (
    COMPARISON_COLUMNS,
    PUBLISHED_AS,
    Col,
    complaint_trend,
    data_key,
    decision_analysis,
    default_window,
    engine,
    intervention_changes,
    pack_view,
    require,
    settings,
    show_chart,
    show_table,
)


@st.cache_resource(show_spinner=False, max_entries=16)
def _restricted_table(
    key: tuple[str, int], start: Any, end: Any, min_size: int, threshold: int, published: int, setup: tuple[Any, ...]
) -> pd.DataFrame:
    """The review pack's decision-point table for this window with the pack's audit and the table's own (an
    exact audit: kept per data and export version, so a rerun does not solve it again)."""
    del published, setup  # cache key only: a newly exported pack or other settings change what may be shown
    table = decision_analysis(key, start, end, min_size).table
    label, hidden = decision_hidden(_pack_of(key, end), table, start, end, threshold)
    return decision_points_table(table, threshold, hidden, label)


@st.cache_resource(show_spinner=False, max_entries=64)
def _restricted_view(
    key: tuple[str, int],
    start: Any,
    end: Any,
    min_size: int,
    threshold: int,
    published: int,
    setup: tuple[Any, ...],
    dimension: str,
    point: str,
) -> tuple[str, frozenset[str]] | None:
    """One breakdown and intersection table's hidden cells, audited with the main table as shown (its cells'
    names, and the cells it hides: the same on every view); ``None``: the view must not be shown."""
    del published, setup  # cache key only, as for the main table
    analysis = decision_analysis(key, start, end, min_size)
    table = analysis.table
    label, main = decision_hidden(_pack_of(key, end), table, start, end, threshold)
    found = view_hidden(table, analysis.rates, dimension, point, label, min_size, threshold, main)
    return None if found is None else (label, frozenset(found))


#: The complaint trend's columns, from each half-year's result; and which column of the pack's table hides each.
TREND_COLUMNS = [
    Col("half", "Half-year", help="Complaints raised (cases opened) in this half of the year."),
    Col("bme_n", "BME complaints", "count", "Complaints raised by BME staff with an outcome."),
    Col("bme_events", "BME upheld", "count", "Of them, upheld in whole or in part."),
    Col("bme_rate", "BME rate", "rate", "Share of BME staff's complaints upheld."),
    Col("white_n", "White complaints", "count", "Complaints raised by White staff with an outcome."),
    Col("white_events", "White upheld", "count", "Of them, upheld in whole or in part."),
    Col("white_rate", "White rate", "rate", "Share of White staff's complaints upheld."),
    Col("ratio", "Ratio", "ratio", "BME rate ÷ White rate: below 1, BME staff's complaints are upheld less often."),
]
TREND_PUBLISHED = {"bme_n": "BME n", "bme_events": "BME events", "bme_rate": "BME rate", "white_n": "White n"}
TREND_PUBLISHED |= {"white_events": "White events", "white_rate": "White rate", "ratio": "Ratio"}


def trend_source(trend: list[Any], published: pd.DataFrame) -> tuple[pd.DataFrame, set[tuple[int, str]]]:
    """Each half-year's complaint figures as numbers, and the cells its published table (one row per half-year,
    in the same order) hides."""
    frame = decision_table_frame([r for _, r in trend])
    frame.insert(0, "half", [label for label, _ in trend])
    frame = frame.reindex(columns=[c.source for c in TREND_COLUMNS])
    hidden = {
        (int(i), source)
        for source, column in TREND_PUBLISHED.items()
        for i in np.flatnonzero(published[column].eq(SUPPRESSED).to_numpy())
    }
    return frame, hidden


@st.cache_data(show_spinner=False, max_entries=8)
def complaints_trend_everyone(key: tuple[str, int]) -> tuple[pd.DataFrame, set[tuple[int, str]]] | None:
    """Complaints half-year by half-year for roles with case-level access (kept per data version)."""
    trend = list(complaint_trend(key))
    return trend_source(trend, complaints_trend_table(trend, 0, set())) if trend else None


@st.cache_data(show_spinner=False, max_entries=16)
def _restricted_complaints_trend(
    key: tuple[str, int], start: Any, end: Any, min_size: int, threshold: int, published: int, setup: tuple[Any, ...]
) -> tuple[pd.DataFrame, set[tuple[int, str]]] | None:
    """Roles without case-level access: the pack's trend (half-years up to its period) with the pack's hidden
    cells and this screen's own protection of the half-years against the window's figures (an exact audit:
    kept per data and export version, so a rerun does not solve it again); ``None`` when the pack does not
    cover this window."""
    del published, setup  # cache key only, as for the main table
    pack = _pack_of(key, end)
    if pack is None or not pack.covers(start, end):
        return None
    trend = list(pack.inputs.complaints_by_half)
    if not trend:
        return None
    complaints = decision_analysis(key, start, end, min_size).complaints
    hidden = set(pack.hidden) | complaints_trend_hidden(complaints, trend, pack.window, threshold)
    return trend_source(trend, complaints_trend_table(trend, threshold, hidden))


def restricted_complaints_trend(
    key: tuple[str, int], start: Any, end: Any, min_size: int, threshold: int, engine_: Any
) -> tuple[pd.DataFrame, set[tuple[int, str]]] | None:
    return _restricted_complaints_trend(key, start, end, min_size, threshold, *_versions(engine_))


@st.cache_resource(show_spinner=False, max_entries=16)
def _restricted_timing(
    key: tuple[str, int], start: Any, end: Any, min_size: int, threshold: int, published: int, setup: tuple[Any, ...]
) -> tuple[str, frozenset[str] | None]:
    """The time-in-process counts to hide, audited with the main table as shown (erreview.screen_breakdowns)."""
    del published, setup  # cache key only, as for the main table
    analysis = decision_analysis(key, start, end, min_size)
    label, main = decision_hidden(_pack_of(key, end), analysis.table, start, end, threshold)
    found = timing_hidden(analysis.table, analysis.timing, label, threshold, main)
    return label, None if found is None else frozenset(found)


def restricted_timing_hidden(
    key: tuple[str, int], start: Any, end: Any, min_size: int, threshold: int, engine_: Any
) -> tuple[str, frozenset[str] | None]:
    return _restricted_timing(key, start, end, min_size, threshold, *_versions(engine_))


def withheld_groups(pack: PackView | None) -> bool:
    """The pack withholds the broad ethnic groups' columns of its window's tables as a whole (zeros too)."""
    if pack is None:
        return False
    broad = set(BROAD_ORDER) - {"White"}
    return any(k.startswith(f"dp|{pack.window}|") and k.split("|")[3] in broad for k in pack.withheld)


def _pack_of(key: tuple[str, int], end: Any) -> PackView | None:
    return pack_view(key, period_of(end, "half").label) if end is not None else None


def _versions(engine_: Any) -> tuple[int, tuple[Any, ...]]:
    """What else, beyond the data, changes what a restricted role may see: exported packs and settings."""
    current = settings()
    return service.published_version(engine_), (str(current.measure_dir), current.intervention_date)


def restricted_view_hidden(
    key: tuple[str, int],
    start: Any,
    end: Any,
    min_size: int,
    threshold: int,
    engine_: Any,
    dimension: str,
    point: str,
) -> tuple[str, frozenset[str]] | None:
    return _restricted_view(key, start, end, min_size, threshold, *_versions(engine_), dimension, point)


def restricted_table(
    key: tuple[str, int], start: Any, end: Any, min_size: int, threshold: int, engine_: Any
) -> pd.DataFrame:
    return _restricted_table(key, start, end, min_size, threshold, *_versions(engine_)).copy()


#: The disparity table: the step first, then its flag and ratio, then the counts and the tests behind them.
DISPARITY_COLUMNS = [Col("label", "Decision point", help="The step of the disciplinary process."), *COMPARISON_COLUMNS]

actor = require(Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER)
# Roles without case-level access see the board pack's disclosure rule: small counts hidden, whole months.
limited = restricted(actor.role)
threshold = settings().suppression_threshold
st.title("Decision points", anchor=False)
st.markdown(
    "At each step of the disciplinary process, how often did it happen to BME and to White staff who "
    "reached that step? A gap can open at any step."
)

key = data_key()
pack_window = default_window(key)
if limited:
    # One window only for roles without case-level access: two different windows, each safe alone, differ
    # by the cases in between (an outside test recovered one month's counts from two whole-month windows).
    start, end = (pack_window[0], pack_window[1]) if pack_window else (None, None)
    st.caption(
        "For your role this screen shows the review pack's window only: comparing two windows would reveal "
        "the few cases between them."
    )
else:
    with st.sidebar:
        everything = st.checkbox("All cases on record", value=False, help="Otherwise the review pack's window.")
        window = st.date_input(
            "Cases opened between",
            value=pack_window if pack_window else (),
            help="Defaults to the review pack's window: the 12 months to the end of the latest ended half-year.",
            disabled=everything,
            format="DD/MM/YYYY",
        )
    if everything:
        start, end = None, None
    else:
        start, end = (window[0], window[1]) if isinstance(window, tuple) and len(window) == 2 else (None, None)
words = window_words(start, end, day=SCREEN_DAY)
is_pack_window = pack_window is not None and (start, end) == tuple(pack_window)
st.markdown(f"**Window: {words}**" + (" (the same 12 months as the latest review pack)." if is_pack_window else "."))
if end is not None and service.running(period_of(end, "half")):
    st.warning(
        f"This window reaches into {period_of(end, 'half').words}, which is still running: its latest months are "
        "incomplete and will change as cases come in."
    )
min_size = settings().min_group_size
analysis = decision_analysis(key, start, end, min_size)
table = decision_table_frame(analysis.table)
if not analysis.cases:
    st.info(f"No disciplinary cases in this window ({words}).")
    st.stop()

published_table = None
# The review pack for this window's half-year (roles without case-level access): its complaint cells below.
pack = pack_view(key, period_of(end, "half").label) if limited and end is not None else None
if pack is not None and pack.refused_notice:
    st.warning(pack.refused_notice, icon=":material/visibility_off:")
if limited:
    # The review pack's table for this window, with the pack's audit (erreview.screen_audit): the same cells
    # hidden as in the pack and on every other screen, so no subtraction across them gives a count back; with
    # the table's own audit too (hiding more never narrows a range; a cell the pack lacks stays hidden).
    published_table = restricted_table(key, start, end, min_size, threshold, engine())

count_columns = ["BME n", "BME events", "White n", "White events"]
hidden_points = (
    {
        r.point.name
        for r, (_, row) in zip(analysis.table, published_table.iterrows(), strict=True)
        if any(row[c] == SUPPRESSED for c in count_columns)
    }
    if published_table is not None
    else set()
)
visible = [r for r in analysis.table if r.point.name not in hidden_points]
complaints = analysis.complaints
complaint_counts = (complaints.bme.n, complaints.bme.events, complaints.white.n, complaints.white.events)
# The pack's complaint cells for this window (roles without case-level access see what the pack prints).
pack_for_window = pack if limited and pack is not None and pack.covers(start, end) else None
complaint_keys = (
    [dp_key(pack_for_window.window, complaints.point.name, g, k) for g in ("BME", "White") for k in ("n", "events")]
    if pack_for_window is not None
    else []
)
complaints_hidden = limited and (
    pack_for_window is None
    or any(1 <= c <= threshold for c in complaint_counts)
    or any(k in pack_for_window.hidden for k in complaint_keys)
)
level, headline = decisions_headline(
    visible, words, too_small=len(hidden_points), complaints=None if complaints_hidden else complaints
)
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

st.header("What each step shows", anchor=False)
for result in analysis.table:
    if result.point.name in hidden_points:
        st.markdown(f"- {result.point.label}: the numbers are too small to show without identifying people.")
    else:
        st.markdown(f"- {decision_sentence(result, compared=len(analysis.table))}")
if hidden_points:
    table = table[~table["decision_point"].isin(hidden_points)]

left, right = st.columns(2)
with left:
    st.subheader("Rate at each step", anchor=False)
    show_chart(st, "decision_rates_chart", table)
with right:
    st.subheader("BME : White ratio", anchor=False)
    show_chart(st, "decision_ratio_chart", table)
    st.caption(
        "Shaded: 0.80–1.25. Diamond: disparity (outside and significant after allowing for the seven steps); "
        "triangle: watch (outside, could be chance); circle: inside the range."
    )

st.header("The disparity table", anchor=False)
if published_table is not None:
    st.caption(f"Counts from 1 to {threshold} are shown as *, with anything that would give them back.")
    if withheld_groups(pack_for_window):
        st.caption(
            "The columns of the broad ethnic groups (Mixed, Asian, Black, Other, Not stated) are withheld as a whole "
            "for this period, as in the review pack (its notes say why): every cell of them is *, zeros too."
        )
    # The same columns as for everyone else, hidden wherever the review pack's own table hides them, and each
    # broad group's counts as the pack prints them.
    frame = decision_table_frame(analysis.table).reset_index(drop=True)
    columns = list(DISPARITY_COLUMNS)
    for group in BROAD_ORDER:
        for kind, words in (("n", "cases"), ("events", "it happened")):
            label = f"{group}: {words}" if kind == "events" else f"{group} {words}"
            source = f"{group} {kind}"
            frame[source] = [None if v in ("", SUPPRESSED) else int(v) for v in published_table[source]]
            reached = "whose case reached" if kind == "n" else "for whom it happened at"
            columns.append(Col(source, label, "count", f"{group} staff {reached} this step."))
    hidden: set[tuple[int, str]] = set()
    for column in columns:
        published = PUBLISHED_AS.get(column.label, column.label if column in DISPARITY_COLUMNS else column.source)
        if published in published_table.columns:
            rows = np.flatnonzero(published_table[published].eq(SUPPRESSED).to_numpy())
            hidden |= {(int(r), column.source) for r in rows}
    show_table(frame, columns, hidden, download="disparity")
else:
    show_table(table, DISPARITY_COLUMNS, download="disparity")

st.header("Complaints raised by staff", anchor=False)
st.markdown(
    "Grievance and bullying or harassment complaints raised by a member of staff, not withdrawn: "
    + (
        "the numbers are too small to show without identifying people."
        if complaints_hidden
        else decision_sentence(complaints, compared=1)
    )
)

intervention = settings().intervention_date
if intervention is not None:
    st.header(f"Is it better since the pre-checks began ({intervention:%-d %b %Y})?", anchor=False)
    st.caption("All cases opened before that date against all opened since, at each step (ratio of ratios).")
    for change in intervention_changes(key, intervention):
        if change.name in hidden_points:
            st.markdown(f"- {change.label}: the numbers are too small to compare without identifying people.")
        else:
            # The library words the day as the review pack does; the screens write it 1 Jun 2025.
            st.markdown(f"- {change.sentence.replace(f'{intervention:{EXPORT_DAY}}', f'{intervention:{SCREEN_DAY}}')}")
    # The two windows side by side on the same axes: one ratio scale and one list of steps for both.
    drawable = [
        c
        for c in intervention_changes(key, intervention)
        if c.name not in hidden_points and not (limited and any(is_small(x, threshold) for w in c.counts for x in w))
    ]
    if drawable:

        def window_frame(which: str) -> pd.DataFrame:
            estimates = [(c.label, getattr(c.change, which)) for c in drawable]
            return pd.DataFrame(
                [{"label": n, "ratio": e.ratio, "ci_low": e.ci_low, "ci_high": e.ci_high} for n, e in estimates],
                columns=["label", "ratio", "ci_low", "ci_high"],
            )

        before_frame, after_frame = window_frame("earlier"), window_frame("later")
        domain = shared_ratio_domain(before_frame, after_frame)
        steps = [c.label for c in drawable]
        left, right = st.columns(2)
        for where, frame, title in (
            (left, before_frame, f"Opened before {intervention:%-d %b %Y}"),
            (right, after_frame, f"Opened since {intervention:%-d %b %Y}"),
        ):
            show_chart(where, "window_ratio_chart", frame, domain=domain, steps=tuple(steps), title=title)
        st.caption(
            "Both charts use the same axes, so a point further right is a larger ratio in either. Shaded: "
            "0.80–1.25; lines: 95% intervals; triangles point up above the range and down below it."
        )

st.header("For whom? Breakdowns and intersections", anchor=False)
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
level_label = dimension.replace("_", " ").capitalize()
compared = Col(
    "status",
    "Compared",
    help=f"Levels with fewer than {min_size} BME or White cases are not compared: the ratio would be unreliable "
    "and could identify people.",
    words={"ok": "Yes"},
)
level = Col(
    "level",
    level_label,
    help=f"The staff's {dimension.replace('_', ' ')}.",
    words={"not_stated": "Not stated", **{str(k): v for k, v in CHOICE_LABELS.get(dimension, {}).items()}},
)
breakdown_columns = [level, compared, *COMPARISON_COLUMNS]
inter_columns = [
    level,
    Col("broad_group", "Ethnic group", help="Broad ethnic group, each compared with White staff at the same level."),
    compared,
    COMPARISON_COLUMNS[0],
    Col("ratio_to_white", "Ratio to White", "ratio", "This group's rate divided by White staff's; 1.00 is parity."),
    *(c for c in COMPARISON_COLUMNS if c.source in ("ci_low", "ci_high")),
    Col("rate", "Rate", "rate", "Share of this group's cases at the step for whom it happened."),
    Col("n", "Cases", "count", "Staff in this group whose case reached this step."),
    Col("events", "It happened", "count", "Staff in this group for whom the step happened."),
    *(
        c
        for c in COMPARISON_COLUMNS
        if c.source in ("q", "fisher_p", "significant", "side", "harm_direction", "adverse")
    ),
]
BREAKDOWN_DERIVED = ["bme_rate", "white_rate", "ratio", "ci_low", "ci_high", "band", "fisher_p", "q"]
BREAKDOWN_DERIVED += ["significant", "side", "flag", "adverse"]
breakdown = breakdown.drop(columns=["point", "dimension"])
row = next((r for r in analysis.table if r.point.name == point), None)
inter = analysis.intersections[
    (analysis.intersections["dimension"] == dimension) & (analysis.intersections["point"] == point)
]
inter = inter.drop(columns=["point", "dimension"])
withheld = False
breakdown_hidden: set[tuple[Any, str]] = set()
inter_hidden: set[tuple[Any, str]] = set()
if limited and row is not None:
    # The breakdown and the intersection table audited with the main table as one system (their levels add
    # up to the step's counts, a level's broad groups to its BME count): an outside test read a "too few to
    # compare" cell back by subtraction. The main table's suppression is fixed, the same on every view.
    view = restricted_view_hidden(key, start, end, min_size, threshold, engine(), dimension, point)
    if view is None:
        withheld = True
        breakdown, inter = breakdown.iloc[0:0], inter.iloc[0:0]
    else:
        label, view_cells = view
        bd_marks = {
            (idx, f"{prefix}_{kind}"): True
            for idx, r in breakdown.iterrows()
            for prefix, grp in (("bme", "BME"), ("white", "White"))
            for kind in ("n", "events")
            if bd_key(label, dimension, point, str(r["level"]), grp, kind) in view_cells
        }
        ix_marks = {
            (idx, kind): True
            for idx, r in inter.iterrows()
            for kind in ("n", "events")
            if ix_key(label, dimension, point, str(r["level"]), str(r["broad_group"]), kind) in view_cells
            and not pd.isna(r[kind])
        }
        counts = ["bme_n", "bme_events", "white_n", "white_events"]
        breakdown_hidden = masked_cells(
            breakdown,
            counts=counts,
            derived=BREAKDOWN_DERIVED,
            threshold=threshold,
            hidden={k: v for k, v in bd_marks.items() if not pd.isna(breakdown.at[k[0], k[1]])},
        )
if withheld:
    st.info(
        "For your role this breakdown is not shown for this step: its numbers could be added up with the "
        "table above to give back a count too small to show."
    )
else:
    show_table(breakdown, breakdown_columns, breakdown_hidden, download="breakdown")
st.markdown(f"**Each ethnic group × {dimension.replace('_', ' ')}**")
if limited and row is None:
    breakdown, inter = breakdown.iloc[0:0], inter.iloc[0:0]  # no step can be shown in this window
if limited and not withheld and row is not None:
    derived = ["rate", "ratio_to_white", "ci_low", "ci_high", "fisher_p", "q", "significant", "side", "flag", "adverse"]
    inter_hidden = masked_cells(inter, counts=["n", "events"], derived=derived, threshold=threshold, hidden=ix_marks)
    # A ratio to White staff rests on the White cell of the same level: hidden with it.
    white_hidden = {
        str(r["level"])
        for idx, r in inter.iterrows()
        if r["broad_group"] == "White" and {(idx, "n"), (idx, "events")} & inter_hidden
    }
    inter_hidden |= {
        (idx, column)
        for idx, r in inter.iterrows()
        if str(r["level"]) in white_hidden and not pd.isna(r["ratio_to_white"])
        for column in derived
    }
if withheld:
    st.info("For your role this table is not shown for this step, for the same reason.")
else:
    show_table(inter, inter_columns, inter_hidden, download="ethnic group intersections")

st.header("Time in process", anchor=False)
timing_label, timing_cells_hidden = (
    restricted_timing_hidden(key, start, end, min_size, threshold, engine()) if limited else ("window", set())
)
if limited and timing_cells_hidden is None:
    st.info(
        "For your role the numbers of cases behind these times are not shown: they could give back a count too "
        "small to show."
    )
timing_table, timing_masked = timing_frame(
    analysis.timing, timing_label, timing_cells_hidden, threshold if limited else None
)
timing_columns = [Col("measure", "Measure", help="From one step of the process to another.")]
for group, prefix in TIMING_GROUPS:
    timing_columns += [
        Col(f"{prefix}_cases", f"{group} cases", "count", f"{group} staff's cases measured."),
        Col(f"{prefix}_open", f"{group} still open", "count", "Of them, cases not yet at the end of this measure."),
        Col(f"{prefix}_median", f"{group} median days", "days", "Half the cases took longer than this."),
        Col(f"{prefix}_median_ci", f"{group} median 95% CI", help="95% confidence interval of the median, in days."),
        Col(f"{prefix}_p90", f"{group} 90th percentile days", "days", "One case in ten took longer than this."),
        Col(f"{prefix}_p90_ci", f"{group} 90th percentile 95% CI", help="95% confidence interval, in days."),
    ]
timing_columns.append(Col("logrank_p", "Log-rank p", "p", "Log-rank test of BME against White times."))
show_table(timing_table, timing_columns, timing_masked, download="time in process")
st.caption(
    "Days, by Kaplan–Meier: open cases count as 'at least this long so far', so long-running cases are not "
    "left out. '?' where an interval has no upper end yet (too many cases still open). Log-rank test of BME "
    "against White."
)

st.header("Is the formal-route gap explained by case mix?", anchor=False)
st.markdown(analysis.adjusted.sentence())

st.header("The panel check: decisions against the recommendation", anchor=False)
audit_ = panel_audit(engine(), actor=actor)
if audit_.overrides.empty:
    st.info("No panel review with a routed recommendation yet (checklist version 2 onwards).")
else:
    rows = []

    def hidden(count: int) -> bool:
        """The board pack's rule for roles without case-level access: counts from 1 to the threshold."""
        return limited and 0 < count <= threshold

    timing = audit_.days_referral_to_decision
    override_hidden: set[tuple[int, str]] = set()
    for i, (group, row) in enumerate(audit_.overrides.iterrows()):
        reviews, against = int(row["reviews"]), int(row["against"])
        # The share would give away a hidden count (or its complement), so it goes with them.
        share_hidden = hidden(reviews) or hidden(against) or hidden(reviews - against)
        median = timing.loc[group, "median"] if group in timing.index else None
        rows.append({"group": group, "reviews": reviews, "against": against, "share": row["rate"], "days": median})
        override_hidden |= {(i, "reviews"), (i, "days")} if hidden(reviews) else set()
        override_hidden |= {(i, "against")} if hidden(against) or hidden(reviews) else set()
        override_hidden |= {(i, "share")} if share_hidden else set()
    show_table(
        pd.DataFrame(rows, columns=["group", "reviews", "against", "share", "days"]),
        [
            Col("group", "Group", help="The staff member's ethnic group."),
            Col("reviews", "Reviews with a recommendation", "count", "Panel reviews whose answers routed an outcome."),
            Col("against", "Decided against it", "count", "Of them, the panel decided otherwise, with a reason."),
            Col("share", "Share against", "rate", "Decided against it ÷ reviews with a recommendation."),
            Col("days", "Median days from referral to decision", "days", "From the referral to the panel's decision."),
        ],
        override_hidden,
        download="decisions against the recommendation",
    )
    st.caption(
        "A decision against the routed recommendation needs a written reason and is marked in the audit of "
        "decisions. Is the panel overriding its own answers more often for one group?"
        + (f" Groups with 1 to {threshold} reviews are shown as '*'." if limited else "")
    )

shown = (
    restricted_complaints_trend(key, start, end, min_size, threshold, engine())
    if limited
    else complaints_trend_everyone(key)
)
if shown is not None:
    st.header("Complaints raised by staff, half-year by half-year", anchor=False)
    st.markdown("Grievance and bullying or harassment complaints with an outcome, by the half-year they were raised.")
    show_table(shown[0], TREND_COLUMNS, shown[1], download="complaints by half-year")
    if limited:
        st.caption(f"Counts from 1 to {threshold}, and any that would give one back, are shown as *.")
