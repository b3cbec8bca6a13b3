# ruff: noqa: F811  (the fixtures imported from test_app are parameters here)
"""The Divisions screen: the funnel plot on the demo trust, with small numbers withheld from the board."""

from __future__ import annotations

import pandas as pd

from erreview import service, store
from erreview.periods import parse_period
from erreview.review.roles import Role

from .test_app import app_env, demo_db, signed_in  # noqa: F401  (fixtures)


def _view(app_env, label, threshold):
    return service.division_funnel_view(
        store.engine_for(app_env.database_url), parse_period(label), threshold=threshold
    )


def _period(at) -> str:
    # Indicator 3 is the measure shown first; its periods are half-years.
    assert next(s for s in at.selectbox if s.label == "Measure").value == "wres_indicator3"
    return next(s for s in at.selectbox if s.label == "Period").value


def test_an_administrator_sees_every_division_on_the_funnel(app_env):
    at = signed_in(Role.ADMIN).switch_page("panels/divisions.py").run()
    assert not at.exception, at.exception
    period = _period(at)
    view = _view(app_env, period, None)
    # Shown as plain text: Markdown characters escaped, links and codes broken by zero-width spaces; the screen
    # says the period as people read it ("2025/26 H2"), the library by its code.
    shown = " ".join(m.value for m in at.markdown).replace("\u200b", "").replace("\\", "")
    assert period in view.sentence and view.sentence.replace(period, period.replace("-H", " H")) in shown
    assert view.funnel is not None and any(p.position for p in view.funnel.points)
    assert len(at.get("vega_lite_chart")) == 1
    assert set(at.dataframe[0].value["Division"]) == {p.unit for p in view.funnel.points}


def test_the_board_never_sees_a_ratio_resting_on_a_small_count(app_env):
    at = signed_in(Role.BOARD_VIEWER).switch_page("panels/divisions.py").run()
    assert not at.exception, at.exception
    view = _view(app_env, _period(at), app_env.suppression_threshold)
    assert view.withheld  # the demo trust's divisions are small in one half-year
    table = at.dataframe[0].value
    for division in view.withheld:
        row = table[table["Division"] == division].iloc[0]
        assert pd.isna(row["Ratio"]) and row["Position"] == "withheld: small numbers"  # no number at all
    shown = view.funnel.points if view.funnel else []
    for p in shown:
        assert not any(1 <= n <= app_env.suppression_threshold for n in (p.a, p.c, p.n1, p.n2))
