"""The division lead: their divisions beside the trust, small numbers suppressed, never another division."""

# ruff: noqa: F811  (the fixtures imported from test_app are parameters here)
from __future__ import annotations

import pytest

from erreview import store
from erreview.auth import UserError, add_user, authenticate
from erreview.cli import app
from erreview.divisions import TRUST, division_decisions, division_trend
from erreview.periods import parse_period
from erreview.review.roles import AccessDenied, Actor, Role

from .test_app import ACTORS, app_env, demo_db, signed_in  # noqa: F401  (fixtures)

LEAD = ACTORS[Role.DIVISION_LEAD]
OTHER_DIVISIONS = ("Surgery", "Corporate", "Community Services", "Mental Health", "Women and Children")


def test_users_add_a_division_lead_from_the_command_line(cli, settings, monkeypatch):
    monkeypatch.setenv("ERREVIEW_NEW_PASSWORD", "a long enough password 123")
    url = settings.database_url
    result = cli.invoke(
        app,
        ["--db", url, "users", "add", "dl@trust.nhs.uk", "--role", "division_lead", "--divisions", "Medicine, Surgery"],
    )
    assert result.exit_code == 0, result.stderr
    actor = authenticate(store.engine_for(url), "dl@trust.nhs.uk", "a long enough password 123")
    assert actor is not None and actor.role is Role.DIVISION_LEAD
    assert actor.divisions == frozenset({"Medicine", "Surgery"})
    refused = cli.invoke(app, ["--db", url, "users", "add", "nobody", "--role", "division_lead", "--no-password"])
    assert refused.exit_code == 1 and "needs at least one division" in refused.stderr
    with pytest.raises(UserError):
        add_user(store.engine_for(url), username="x", role=Role.DIVISION_LEAD, divisions=" , ")


def test_the_library_refuses_other_divisions_and_other_roles(app_env):
    engine = store.engine_for(app_env.database_url)
    with pytest.raises(AccessDenied, match="only their own divisions"):
        division_trend(engine, actor=LEAD, threshold=7, divisions=["Surgery"])
    with pytest.raises(AccessDenied):
        division_trend(engine, actor=ACTORS[Role.BOARD_VIEWER], threshold=7)
    with pytest.raises(AccessDenied, match="no division is assigned"):
        division_trend(engine, actor=Actor("x", Role.DIVISION_LEAD), threshold=7)
    trend = division_trend(engine, actor=LEAD, threshold=7)
    assert set(trend["Where"]) == {TRUST, "Medicine"}
    for column in ("BME entrants", "BME headcount", "White entrants", "White headcount"):
        shown = trend[column][trend[column] != "*"].str.replace(",", "").astype(int)
        assert not ((shown >= 1) & (shown <= 7)).any(), column
    hidden = trend[(trend["Where"] == "Medicine") & (trend["BME entrants"] == "*")]
    assert not hidden.empty and (hidden["Ratio"] == "*").all()  # a ratio on a hidden count is hidden
    tables = division_decisions(engine, actor=LEAD, threshold=7, window=parse_period("2024/25"))
    assert set(tables) == {TRUST, "Medicine"}


def test_the_division_lead_sees_their_division_and_not_others(app_env):
    at = signed_in(Role.DIVISION_LEAD)
    assert not at.exception, at.exception
    at.switch_page("panels/division_overview.py").run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown) + " ".join(m.label for m in at.metric)
    table = at.dataframe[0].value
    assert set(table["Where"]) == {TRUST, "Medicine"}
    assert "Medicine" in text
    for other in OTHER_DIVISIONS:
        assert other not in text and other not in set(table["Where"])
    at.switch_page("panels/division_decisions.py").run()
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader] == ["Medicine", "Whole trust"]
    # The trust overview (which lists every division's data quality) is not theirs.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("panels/overview.py")
