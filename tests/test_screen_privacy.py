"""Screens for roles that may not see case-level rows (contract §5 v2, issue #12): no count from 1 to the
threshold anywhere on them, and no date window narrower than a whole month."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd
import pytest

from erreview.review.roles import Role
from erreview.screen_privacy import mask_frame, protect_breakdown, snap_window

from .sessions import shown as displayed
from .test_app import app_env, demo_db, signed_in  # noqa: F401  (fixtures)

T = 7
COUNT = re.compile(
    r"( n$| events$|^n$|^events$|_n$|_events$|entrants|headcount|Headcount|^Staff$|^staff$|not stated|not_stated|"
    r"investigation$|cases \(still open\)$| cases$|still open$| complaints$| upheld$|^BME$|^White$|^All$|"
    r"^Reviews with a recommendation$|^Decided against it$)",
    re.IGNORECASE,
)
LIMITED = [Role.BOARD_VIEWER, Role.INCLUSION_ANALYST]
SCREENS = ["panels/overview.py", "panels/decisions.py", "panels/divisions.py"]


def small_counts_shown(at) -> list[tuple[str, str]]:
    """Every count-like cell, metric or 'k of n' phrase on the page that lies in 1..T."""
    found = []
    for frame in at.dataframe:
        value, data = displayed(frame), frame.value
        if not isinstance(value, pd.DataFrame):
            continue
        for position, column in enumerate(value.columns):
            if not COUNT.search(str(column)) or "share" in str(column).lower() or "rate" in str(column).lower():
                continue
            for cell in map(str, value.iloc[:, position].tolist()):
                number = re.match(r"^(\d+)(?: \(\d+\))?$", cell.strip().replace(",", ""))
                if number and 1 <= int(number.group(1)) <= T:
                    found.append((str(column), cell))
            # What the browser holds too: a column of numbers (a hidden cell holds the same value as every other).
            if pd.api.types.is_numeric_dtype(data.iloc[:, position]):
                found += [(str(column), str(v)) for v in data.iloc[:, position] if 1 <= v <= T]
    for metric in at.metric:
        if re.fullmatch(r"\d+", str(metric.value)) and 1 <= int(metric.value) <= T:
            found.append((metric.label, metric.value))
    text = " ".join(m.value for m in at.markdown)
    for k, n in re.findall(r"\b(\d+) of (\d[\d,]*)\b", text):
        if 1 <= int(k) <= T or 1 <= int(n.replace(",", "")) <= T:
            found.append(("text", f"{k} of {n}"))
    return found


@pytest.mark.parametrize("role", LIMITED)
@pytest.mark.parametrize("screen", SCREENS)
def test_restricted_screens_never_show_a_small_count(app_env, role, screen):  # noqa: F811
    at = signed_in(role).switch_page(screen).run()
    assert not at.exception, at.exception
    assert every_view(at, screen) == []


def every_view(at, screen: str) -> list:
    """Small counts on the screen, through every breakdown and intersection a person can pick."""
    found = small_counts_shown(at)
    if screen == "panels/decisions.py":
        for dimension in at.selectbox[0].options:
            at.selectbox[0].set_value(dimension).run()
            for point in at.selectbox[1].options:
                at.selectbox[1].set_value(point).run()
                assert not at.exception, at.exception
                found += [(dimension, point, *f) for f in small_counts_shown(at)]
    return found


def test_the_check_sees_small_counts_where_they_are_allowed(app_env):  # noqa: F811
    """An administrator sees case-level detail: the same check finds small counts there, so it can fail."""
    at = signed_in(Role.ADMIN).switch_page("panels/decisions.py").run()
    assert every_view(at, "panels/decisions.py")


@pytest.mark.parametrize("role", LIMITED)
def test_a_one_day_window_is_impossible(app_env, role):  # noqa: F811
    """No window can be chosen at all: the screen shows the review pack's 12 months only."""
    at = signed_in(role).switch_page("panels/decisions.py").run()
    assert not at.exception, at.exception
    assert len(at.date_input) == 0
    assert any("the same 12 months as the latest review pack" in m.value for m in at.markdown)


def test_an_administrator_keeps_the_exact_window(app_env):  # noqa: F811
    at = signed_in(Role.ADMIN).switch_page("panels/decisions.py").run()
    day = date(2024, 6, 12)
    at.date_input[0].set_value((day, day)).run()
    assert "cases opened 12 Jun 2024 to 12 Jun 2024" in " ".join(m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2024, 6, 12), date(2024, 6, 12), (date(2024, 6, 1), date(2024, 6, 30))),
        (date(2024, 2, 29), date(2024, 3, 1), (date(2024, 2, 1), date(2024, 3, 31))),
        (date(2024, 12, 31), date(2024, 1, 2), (date(2024, 1, 1), date(2024, 12, 31))),
        (date(2023, 4, 1), date(2023, 9, 30), (date(2023, 4, 1), date(2023, 9, 30))),
    ],
)
def test_windows_snap_to_whole_months(start, end, expected):
    assert snap_window(start, end) == expected


def test_a_breakdown_level_cannot_be_worked_out_from_the_total():
    """Levels 3, 40, 45 under a shown total of 88: hiding the 3 alone would leave 88 - 40 - 45."""
    frame = pd.DataFrame({"point": ["p", "p", "p"], "level": ["a", "b", "c"], "n": [3, 40, 45], "rate": [0.1] * 3})
    extra = protect_breakdown(frame, by=["point"], counts=["n"], totals={("p", "n"): 88}, threshold=T)
    shown = mask_frame(frame, counts=["n"], derived=["rate"], threshold=T, hidden=extra)
    assert shown["n"].tolist().count("*") == 2 and shown.loc[0, "n"] == "*" and shown.loc[0, "rate"] == "*"


def test_comparable_cases_are_counts_and_rates_never_small():
    """30 comparable cases: 20 White (12 formal), 8 BME (2 formal), 2 not stated (none formal)."""
    from erreview.screen_privacy import comparable_table

    rows = (
        [("White", "formal")] * 12
        + [("White", "informal")] * 8
        + [("BME", "formal")] * 2
        + [("BME", "informal")] * 6
        + [("Unknown", "informal")] * 2
    )
    cases = pd.DataFrame(rows, columns=["wres_group", "initial_route"]).assign(
        investigation_outcome=None, sanction=None
    )
    table = comparable_table(cases, T).set_index("Group")
    assert list(table.index) == ["White", "BME", "Not stated", "All"]
    assert table.loc["All", "Cases"] == "30" and table.loc["All", "Went formal"] == "14"
    for column in ("Cases", "Went formal", "Case to answer", "Formal sanction"):
        shown = table[column]
        assert not any(v.isdigit() and 1 <= int(v) <= T for v in shown), column
        # No hidden group count follows from the total less the shown groups.
        body = shown.drop("All")
        if shown["All"] != "*":
            assert (body == "*").sum() != 1, column
    # The 2 of 8 BME cases that went formal: neither the count nor its share is shown.
    assert table.loc["BME", "Went formal"] == "*" and table.loc["BME", "Went formal (share)"] == "*"
    assert table.loc["White", "Went formal (share)"] == "*"  # its count is hidden to protect the BME 2


def test_a_panel_member_sees_no_list_of_comparable_cases(app_env):  # noqa: F811
    from .test_app import _refer_a_demo_case

    case_id = _refer_a_demo_case(app_env)
    at = signed_in(Role.PANEL_MEMBER).switch_page("panels/precheck.py").run()
    at.selectbox[0].select(case_id).run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    shown = [displayed(f) for f in at.dataframe if "Ethnic group" in f.value.columns]
    assert shown or "Too few comparable closed cases" in text
    for frame in at.dataframe:
        value = displayed(frame)
        assert not {"division", "band", "staff_group", "sanction"} & set(map(str, value.columns))
    assert small_counts_shown(at) == []


def test_a_comparable_count_hidden_for_its_complement_is_protected_against_the_total():
    """19 of 20 White cases went formal (the 1 who did not would be identified): hiding the 19 alone
    would leave it as the total less the other groups."""
    from erreview.screen_privacy import comparable_table

    rows = [("White", "formal")] * 19 + [("White", "informal")] + [("BME", "formal")] * 10 + [("BME", "informal")] * 10
    cases = pd.DataFrame(rows, columns=["wres_group", "initial_route"]).assign(
        investigation_outcome=None, sanction=None
    )
    table = comparable_table(cases, T).set_index("Group")
    formal = table["Went formal"]
    assert formal["White"] == "*" and formal["All"] == "29"
    assert (formal.drop("All") == "*").sum() >= 2


def _ranges(known: dict, unknown: list, relations: list) -> dict:
    """An integer programme written here: each unknown's range under ``relations`` ((coefs, low, high))."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    col = {u: i for i, u in enumerate(unknown)}
    rows, low, high = [], [], []
    for coefs, lo, hi in relations:
        r, const = np.zeros(len(unknown)), 0.0
        for name, c in coefs.items():
            if name in known:
                const += c * known[name]
            else:
                r[col[name]] += c
        if r.any():
            rows.append(r)
            low.append(lo - const)
            high.append(hi - const)
    out = {}
    for u in unknown:
        ends = []
        for sign in (1, -1):
            c = np.zeros(len(unknown))
            c[col[u]] = sign
            res = milp(
                c,
                constraints=[LinearConstraint(np.array(rows), low, high)],
                integrality=np.ones(len(unknown)),
                bounds=Bounds(0, 10**6),
            )
            assert res.status == 0, res.message
            ends.append(round(sign * res.fun))
        out[u] = tuple(ends)
    return out


@pytest.mark.parametrize("role", LIMITED)
def test_overview_tables_cannot_be_subtracted_from_each_other(app_env, role):  # noqa: F811
    """On Overview the trust's 'Ethnicity not stated' (metric and counts table) less the divisions shown in the
    completeness table must not give a hidden division's count back: every hidden division's not-stated count
    and staff, from 1 to 7, keeps a range with 0 or a value above 7, at least 7 wide (an integer programme
    over what the screen shows, divisions adding up to the trust, not stated ≤ staff)."""
    from erreview import service, store

    at = signed_in(role).switch_page("panels/overview.py").run()
    assert not at.exception, at.exception
    frames = [displayed(f) for f in at.dataframe if isinstance(f.value, pd.DataFrame)]
    quality = next(
        f for f in frames if "Division" in f.columns and any("not stated" in str(c).lower() for c in f.columns)
    )
    staff_col = next(c for c in quality.columns if str(c).lower() == "staff")
    missing_col = next(c for c in quality.columns if "not stated" in str(c).lower() and "share" not in str(c).lower())
    known, unknown = {}, []
    for _, row in quality.iterrows():
        for kind, column in (("staff", staff_col), ("missing", missing_col)):
            name = (str(row["Division"]), kind)
            text = str(row[column]).replace(",", "")
            if text.isdigit():
                known[name] = int(text)
            else:
                unknown.append(name)
    metric = next(m for m in at.metric if m.label == "Ethnicity not stated")
    if str(metric.value).replace(",", "").isdigit():
        known[("Trust", "missing")] = int(str(metric.value).replace(",", ""))
    elif ("Trust", "missing") not in known and ("Trust", "missing") not in unknown:
        unknown.append(("Trust", "missing"))
    divisions = [str(d) for d in quality["Division"] if str(d) != "Trust"]
    for name in [("Trust", "staff"), ("Trust", "missing")]:
        if name not in known and name not in unknown:
            unknown.append(name)
    relations = [({("Trust", k): 1, **{(d, k): -1 for d in divisions}}, 0, 0) for k in ("staff", "missing")]
    relations += [({(d, "missing"): 1, (d, "staff"): -1}, -np.inf, 0) for d in [*divisions, "Trust"]]
    # The truth, from the stored snapshot (with pandas), for the hidden small ones.
    engine = store.engine_for(app_env.database_url)
    current = service.latest_available(service.wres_results(engine))
    with store.session_scope(engine) as session:
        heads = store.snapshot_headcounts(session, by="division", on=current.snapshot_date)
    truth = {}
    for d in divisions:
        h = heads[heads["division"] == d]
        truth[(d, "staff")] = int(h["headcount"].sum())
        truth[(d, "missing")] = int(h.loc[h["wres_group"] == "Unknown", "headcount"].sum())
    for name, (lo, hi) in _ranges(known, unknown, relations).items():
        value = truth.get(name)
        if value is not None and 1 <= value <= T:
            assert lo <= value <= hi
            assert (lo == 0 or hi > T) and hi - lo >= T, (name, value, (lo, hi))
    # The demo's divisions are large, so the check above may find nothing to protect: the screen must show
    # the review pack's own table, whose cells the pack's audit covers with everything else it prints
    # (tests/test_disclosure_packs.py reads them with the indicator-3 and division tables).
    # The same cells, hidden in the same places: the screen shows them in its own format (thousands separated,
    # percentages to 1 dp), the pack in its own.
    pack = service.review_pack(engine, app_env, current.period).table("data_quality").frame
    assert list(quality["Division"]) == list(pack["Division"])
    for screen_col, pack_col in ((staff_col, "Staff"), (missing_col, "Ethnicity not stated")):
        assert [str(v).replace(",", "") for v in quality[screen_col]] == [str(v) for v in pack[pack_col]]
    share = next(c for c in quality.columns if "share" in str(c).lower())
    assert [v == "*" for v in quality[share]] == [v == "*" for v in pack["Share not stated"]]


@pytest.mark.parametrize("role", LIMITED)
def test_decision_points_show_the_packs_table(app_env, role):  # noqa: F811
    """The disparity table a restricted role sees is the review pack's, cell for cell: the same cells hidden
    as in the pack (whose audit covers them with the indicator-3, division and data-quality tables), so the
    screen and the pack cannot be subtracted from each other."""
    from erreview import service, store
    from erreview.periods import period_of

    at = signed_in(role).switch_page("panels/decisions.py").run()
    assert not at.exception, at.exception
    frames = [displayed(f) for f in at.dataframe if isinstance(f.value, pd.DataFrame)]
    shown = next(f for f in frames if "Decision point" in f.columns and "BME cases" in f.columns)
    engine = store.engine_for(app_env.database_url)
    _, end = service.default_decision_window(engine)
    review = service.review_pack(engine, app_env, period_of(end, "half"))
    pack = review.table("decision_points").frame
    columns = {"BME cases": "BME n", "BME: it happened": "BME events", "White cases": "White n"}
    columns["White: it happened"] = "White events"
    assert list(shown["Decision point"]) == list(pack["Decision point"])
    for screen_column, pack_column in columns.items():
        ours = [str(v).replace(",", "").removesuffix(".0") for v in shown[screen_column]]
        assert ours == [str(v) for v in pack[pack_column]], screen_column
    # The demo pack withholds the broad groups' columns as a whole (so that BME and White can be shown): the
    # screen says so beside the table, as the pack's note does; and the complaints finding the pack prints is
    # said on the screen too.
    withheld = "columns of the broad ethnic groups" in review.table("decision_points").note
    assert withheld
    captions = [c.value for c in at.caption]
    assert any("broad ethnic groups" in c and "zeros too" in c for c in captions) == withheld
    complaints = review.table("complaints").frame.iloc[0]
    assert complaints["BME events"] != "*"
    said = next(m.value for m in at.markdown if m.value.startswith("Grievance and bullying or harassment complaints"))
    assert "too small to show" not in said and f"{complaints['BME events']} of {complaints['BME n']}" in said


LEAD_SCREENS = ["panels/division_overview.py", "panels/division_decisions.py", "panels/divisions.py"]


@pytest.mark.parametrize("screen", LEAD_SCREENS)
def test_a_division_leads_screens_never_show_a_small_count(app_env, screen):  # noqa: F811
    at = signed_in(Role.DIVISION_LEAD).switch_page(screen).run()
    assert not at.exception, at.exception
    found = small_counts_shown(at)
    # Every financial year, measure and period a lead can pick (the first box, then the second for each).
    for option in list(at.selectbox[0].options) if at.selectbox else []:
        at.selectbox[0].set_value(option).run()
        assert not at.exception, at.exception
        found += [(option, *f) for f in small_counts_shown(at)]
        for other in list(at.selectbox[1].options) if len(at.selectbox) > 1 else []:
            at.selectbox[1].set_value(other).run()
            assert not at.exception, at.exception
            found += [(option, other, *f) for f in small_counts_shown(at)]
    assert found == []
    assert len(at.date_input) == 0


@pytest.mark.parametrize("role", LIMITED)
def test_the_trusts_own_measures_offer_no_window_to_restricted_roles(app_env, role, tmp_path, monkeypatch):  # noqa: F811
    """The Measures screen let a board viewer pick any two dates for the trust's own measures (a one-day window
    shows one case): restricted roles now see the review pack's 12 months only, with the pack's suppression."""
    from .test_disclosure_packs import trust_copies

    trust_copies(tmp_path / "measures")
    monkeypatch.setenv("ERREVIEW_MEASURE_DIR", str(tmp_path / "measures"))
    at = signed_in(role).switch_page("panels/measures.py").run()
    assert not at.exception, at.exception
    assert any("The trust's own measures" in s.value for s in at.header)
    assert len(at.date_input) == 0
    assert any("the same 12 months as the latest review pack" in m.value for m in at.markdown)
    assert small_counts_shown(at) == []
    admin = signed_in(Role.ADMIN).switch_page("panels/measures.py").run()
    assert len(admin.date_input) == 2  # an administrator keeps the free window


def test_a_period_whose_pack_is_refused_shows_none_of_its_counts(app_env, monkeypatch):  # noqa: F811
    """Where the review pack for the half-year is refused (with the packs already published, its numbers would
    narrow a hidden count even with parts withheld), the restricted screens show none of its counts either, and
    say why."""
    from dataclasses import replace

    import streamlit as st

    from erreview import screen_audit
    from erreview.export.suppression import SUPPRESSED

    real = screen_audit.choose_hidden

    def failing(inputs):
        hidden, record, audit = real(inputs)
        return hidden, record, replace(audit, failures=[sorted(record.values)[0]])

    monkeypatch.setattr(screen_audit, "choose_hidden", failing)
    st.cache_resource.clear()  # pack views are cached per data version, not per test
    try:
        at = signed_in(Role.BOARD_VIEWER).switch_page("panels/overview.py").run()
        assert not at.exception, at.exception
        assert any("are not shown" in w.value for w in at.warning)
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Ethnicity not stated"] == SUPPRESSED
        assert next(v for k, v in metrics.items() if k.startswith("Relative likelihood")) == SUPPRESSED
    finally:
        st.cache_resource.clear()
