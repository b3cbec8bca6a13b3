# ruff: noqa: F811  (the fixtures imported from test_app are parameters here)
"""Every chart the screens draw through ``panels.common.show_chart`` is valid Vega-Lite: the screens write the
specification out without Altair's schema check (it cost about 0.1 s of CPU a chart on a first visit), so this
test makes the same charts from the same figures and validates each against the schema."""

from __future__ import annotations

import altair as alt
import pytest
import streamlit as st

from erreview import charts
from erreview.review.roles import Role

from .test_app import app_env, demo_db, signed_in  # noqa: F401  (fixtures)

SCREENS = [("panels/overview.py", Role.INCLUSION_ANALYST), ("panels/decisions.py", Role.BOARD_VIEWER)]
SCREENS += [("panels/decisions.py", Role.ADMIN)]


@pytest.mark.parametrize(("screen", "role"), SCREENS)
def test_every_chart_drawn_is_valid_vega_lite(app_env, monkeypatch, screen, role):
    made: list[tuple[str, alt.TopLevelMixin]] = []
    for name in ("ratio_trend_chart", "decision_rates_chart", "decision_ratio_chart", "window_ratio_chart"):
        original = getattr(charts, name)

        def record(*args, _original=original, _name=name, **kwargs):
            chart = _original(*args, **kwargs)
            made.append((_name, chart))
            return chart

        monkeypatch.setattr(charts, name, record)
    st.cache_data.clear()  # the specifications are kept per content: make them again
    at = signed_in(role).switch_page(screen).run()
    assert not at.exception, at.exception
    assert made, screen
    for name, chart in made:
        with alt.theme.enable("none"):
            chart.to_dict(validate=True)  # raises on a specification the schema refuses
        assert name
