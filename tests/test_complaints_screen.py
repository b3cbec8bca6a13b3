# ruff: noqa: F811  (the fixtures imported from test_app are parameters here)
"""Complaints raised by staff on the Decision points screen: the trend by half-year, counted here from the cases,
with no small count, and no hidden count that follows from the window's figures, for the board."""

from __future__ import annotations

import pandas as pd

from erreview import service, store
from erreview.review.roles import Role

from .sessions import shown
from .test_app import app_env, demo_db, signed_in  # noqa: F401  (fixtures)

COLUMNS = {"BME complaints": ("BME", "n"), "BME upheld": ("BME", "events"), "White complaints": ("White", "n")}
COLUMNS |= {"White upheld": ("White", "events")}


def by_hand(settings) -> dict[tuple[str, str, str], int]:
    with store.session_scope(store.engine_for(settings.database_url)) as session:
        cases = store.cases_frame(session)
    cases = cases[
        cases["case_type"].isin(["grievance", "bullying_harassment"])
        & cases["complaint_outcome"].notna()
        & (cases["complaint_outcome"] != "withdrawn")
    ]
    opened = pd.to_datetime(cases["opened_date"])
    fy = opened.dt.year.where(opened.dt.month >= 4, opened.dt.year - 1)
    half = (opened.dt.month.between(4, 9)).map({True: "H1", False: "H2"})
    label = fy.astype(str) + "/" + ((fy + 1) % 100).astype(str).str.zfill(2) + " " + half  # as the screen words it
    upheld = cases["complaint_outcome"].isin(["upheld", "partially_upheld"])
    out = {}
    for h in set(label):
        for grp in ("BME", "White"):
            member = (label == h) & (cases["wres_group"] == grp)
            out[(h, grp, "n")] = int(member.sum())
            out[(h, grp, "events")] = int((member & upheld).sum())
    return out


def half_of(day) -> str:
    fy = day.year if day.month >= 4 else day.year - 1
    return f"{fy}/{(fy + 1) % 100:02d} {'H1' if 4 <= day.month <= 9 else 'H2'}"  # as the screen words it


def trend(role: Role) -> pd.DataFrame:
    at = signed_in(role).switch_page("panels/decisions.py").run()
    assert not at.exception, at.exception
    return next(shown(d) for d in at.dataframe if "Half-year" in d.value.columns)  # as people read it


def test_the_administrator_sees_every_half_years_complaints(app_env):
    table = trend(Role.ADMIN)
    truth = by_hand(app_env)
    assert len(table) >= 4
    for row in table.to_dict("records"):
        for column, (grp, kind) in COLUMNS.items():
            assert int(str(row[column]).replace(",", "")) == truth.get((row["Half-year"], grp, kind), 0), (row, column)


def test_the_board_sees_no_small_complaint_count_nor_one_that_follows(app_env):
    t = app_env.suppression_threshold
    table = trend(Role.BOARD_VIEWER).set_index("Half-year")
    truth = by_hand(app_env)
    hidden = 0
    for half, row in table.iterrows():
        for column, (grp, kind) in COLUMNS.items():
            if row[column] == "*":
                hidden += 1
                continue
            value = int(str(row[column]).replace(",", ""))
            assert value == truth.get((half, grp, kind), 0)
            assert not 1 <= value <= t, (half, column, value)
    assert hidden  # the demo trust's complaints are few in some half-year
    # The window (the pack's two half-years) is on the screen when none of its counts is small: then a lone
    # hidden half-year would be the window less the other.
    engine = store.engine_for(app_env.database_url)
    start, end = service.default_decision_window(engine)
    window = service.complaint_results(engine, opened_from=start, opened_to=end)
    shown = not any(1 <= v <= t for v in (window.bme.n, window.bme.events, window.white.n, window.white.events))
    halves = [half_of(start), half_of(end)]
    assert half_of(start) != half_of(end) and all(h in table.index for h in halves)
    if shown:
        for column in COLUMNS:
            stars = [table.loc[h, column] == "*" for h in halves]
            assert stars.count(True) != 1, (column, halves)
