"""The stage of an imported case comes from its tracker fields, one test per stage, both from plain
records and from DataFrame rows (where a missing value is NaN/NaT, which is truthy)."""

from __future__ import annotations

import pandas as pd
import pytest

from erreview.review.lifecycle import Stage, derive_stage

from .test_app import app_env, demo_db  # noqa: F401  (fixtures)

BLANK = {
    "initial_route": None,
    "investigation_outcome": None,
    "sanction": None,
    "appeal_outcome": None,
    "closed_date": None,
}
CASES = [
    ({}, Stage.CONCERN_RAISED),
    ({"initial_route": "informal"}, Stage.INFORMAL),
    ({"initial_route": "no_further_action"}, Stage.NO_FURTHER_ACTION),
    ({"initial_route": "formal"}, Stage.FORMAL_INVESTIGATION),
    ({"initial_route": "formal", "investigation_outcome": "no_case_to_answer"}, Stage.OUTCOME),
    ({"initial_route": "formal", "investigation_outcome": "hearing", "sanction": "dismissal"}, Stage.SANCTION),
    (
        {
            "initial_route": "formal",
            "investigation_outcome": "hearing",
            "sanction": "dismissal",
            "appeal_outcome": "upheld",
        },
        Stage.APPEAL,
    ),
    ({"initial_route": "informal", "closed_date": pd.Timestamp("2025-01-01")}, Stage.CLOSED),
]


@pytest.mark.parametrize(("fields", "stage"), CASES)
def test_stage_from_a_record(fields, stage):
    assert derive_stage(BLANK | fields) is stage


@pytest.mark.parametrize(("fields", "stage"), CASES)
def test_stage_from_a_dataframe_row(fields, stage):
    # One frame holding every case, as the case list builds it: missing values become NaN / NaT.
    frame = pd.DataFrame([BLANK | f for f, _ in CASES])
    frame["closed_date"] = pd.to_datetime(frame["closed_date"])
    row = frame.iloc[[f for f, _ in CASES].index(fields)].to_dict()
    assert derive_stage(row) is stage


def test_an_empty_string_is_not_a_value():
    assert derive_stage(BLANK | {"initial_route": "informal", "closed_date": "", "sanction": ""}) is Stage.INFORMAL


def test_a_refused_step_lists_every_stage_it_is_possible_from():
    from erreview.review.lifecycle import Action, TransitionRefused, target_stage

    with pytest.raises(TransitionRefused) as refused:
        target_stage(Action.ROUTE_INFORMAL, Stage.CONCERN_RAISED)
    assert str(refused.value) == (
        "cannot 'Route informally' from 'Concern raised'; "
        "it is only possible from: Awaiting panel check, Initial assessment"
    )


def test_the_case_list_derives_the_stage_of_each_imported_case_only(app_env):  # noqa: F811
    """The case list keeps a stored stage and derives the others from each case's fields, one case at a time,
    as derive_stage reads a DataFrame row (the list now derives them from records, for speed)."""
    from erreview import store
    from erreview.review.roles import Actor, Role
    from erreview.review.workflow import list_cases
    from erreview.store import workflow as ws

    engine = store.make_engine(app_env.database_url)
    shown = list_cases(engine, actor=Actor("admin", Role.ADMIN))
    with store.session_scope(engine) as session:
        raw = ws.case_list(session, everyone=True)
    assert len(shown) == len(raw) and raw["stage"].isna().any()
    for (_, row), stage in zip(raw.iterrows(), shown["stage"], strict=True):
        expected = row["stage"] if isinstance(row["stage"], str) else derive_stage(row.to_dict()).value
        assert stage == expected, (row["case_id"], stage, expected)
    assert "person_key" not in shown.columns
