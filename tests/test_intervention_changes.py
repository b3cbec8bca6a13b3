# ruff: noqa: F811  (the fixtures imported from test_app are parameters here)
"""Decision points' before-and-after comparison counts both windows from one set of decision rows (for speed):
the same figures, sentences and intervals as each window's own decision table, worked out here the plain way."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from erreview import service, store
from erreview.metrics.decisions import decision_table
from erreview.metrics.trend import ratio_of_ratios
from erreview.narrative import change_sentence

from .test_app import app_env, demo_db  # noqa: F401  (fixtures)


@pytest.mark.parametrize("since", [date(2024, 4, 1), date(2022, 1, 1), date(2026, 3, 1), date(2010, 1, 1)])
def test_both_windows_match_their_own_decision_tables(app_env, since):
    cases = service.disciplinary_cases(store.make_engine(app_env.database_url))
    opened = pd.to_datetime(cases["opened_date"])
    before = decision_table(cases[opened < pd.Timestamp(since)])
    after = decision_table(cases[opened >= pd.Timestamp(since)])
    changes = service.intervention_changes(cases, since)
    assert len(changes) == len(before) == len(after)
    for change, b, a in zip(changes, before, after, strict=True):
        earlier = (b.bme.events, b.bme.n, b.white.events, b.white.n)
        later = (a.bme.events, a.bme.n, a.white.events, a.white.n)
        assert (change.name, change.label) == (b.point.name, b.point.label)
        assert change.counts == (earlier, later)
        assert change.change == ratio_of_ratios(earlier, later)
        assert change.sentence == change_sentence(b.point.label, ratio_of_ratios(earlier, later), since)
