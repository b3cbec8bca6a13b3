"""Screens open on the latest half-year that has ended, not on one still running (nearly empty, changing daily);
the running one stays selectable, labelled as incomplete. Today's date decides.

The data: the contract's examples (to March 2025) and, dated today, a workforce snapshot and two formal
investigations (one BME, one White colleague), so that today's half-year has a ratio of its own.
"""

from __future__ import annotations

import os
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from erreview import service, store
from erreview.cli import app
from erreview.periods import Period, period_of
from erreview.review.roles import Role
from erreview.store import audit
from panels.common import SESSION_KEY

from .conftest import EXAMPLES, TEST_KEY, import_examples
from .pg import database_url
from .test_app import ACTORS, APP

#: The latest half-year of the examples with data (its snapshot is 28 March 2025).
LATEST_ENDED = Period(2024, 2)


def test_the_default_half_year_is_the_latest_that_has_ended(cli, tmp_path):
    url = import_examples(cli, database_url(tmp_path, "examples.db"))
    engine = store.make_engine(url)
    try:
        # Long after the data: the half-year holding the newest data has ended.
        assert service.default_half(engine, date(2026, 12, 1)) == Period(2024, 2)
        # While that half-year is still running: the one before it, which has ended.
        assert service.default_half(engine, date(2025, 2, 1)) == Period(2024, 1)
        assert service.default_decision_window(engine, date(2025, 2, 1)) == (date(2023, 10, 1), date(2024, 9, 30))
        # On its last day it is still running; the day after, it has ended.
        assert service.default_half(engine, date(2025, 3, 31)) == Period(2024, 1)
        assert service.default_half(engine, date(2025, 4, 1)) == Period(2024, 2)
        # Years alike.
        assert service.default_half(engine, date(2025, 2, 1), "year") == Period(2023)
        # Before any half-year with data has ended, the newest data's (there is nothing else).
        assert service.default_half(engine, date(2022, 6, 1)) == Period(2024, 2)
    finally:
        engine.dispose()


def test_running_periods_are_labelled_and_not_chosen_first():
    today = date(2025, 2, 1)
    newest_first = [Period(2024, 2), Period(2024, 1), Period(2023, 2)]
    assert service.default_index(newest_first, today) == 1
    assert service.default_index([Period(2024, 2)], today) == 0  # nothing else to open on
    assert service.period_choice(Period(2024, 2), today) == "2024/25 H2 (still running until 31 Mar 2025: incomplete)"
    assert service.period_choice(Period(2024, 1), today) == "2024/25 H1"
    assert service.default_index([Period(2024), Period(2023)], today) == 1  # years too
    # A screen's own choice (the latest ended period with data) when it is listed.
    assert service.default_index(newest_first, today, prefer=Period(2023, 2)) == 2
    assert service.default_index(newest_first, today, prefer=Period(2022, 2)) == 1


@pytest.fixture(scope="module")
def running_db(tmp_path_factory):
    """The examples, with a snapshot and two formal investigations dated today (see the module)."""
    from typer.testing import CliRunner

    from erreview.config import Settings

    tmp = tmp_path_factory.mktemp("running")
    today = date.today().isoformat()
    work = pd.read_csv(EXAMPLES / "workforce.csv", dtype=str, keep_default_na=False)
    last = work[work["snapshot_date"] == work["snapshot_date"].max()]
    pd.concat([work, last.assign(snapshot_date=today)]).to_csv(tmp / "workforce.csv", index=False)
    cases = pd.read_csv(EXAMPLES / "cases.csv", dtype=str, keep_default_na=False)
    formal = cases[(cases["case_type"] == "disciplinary") & (cases["initial_route"] == "formal")]
    new = []
    for i, ethnic in enumerate(("H Asian or Asian British - Indian", "A White - British")):
        row = formal.iloc[i].copy()
        row["case_id"] = f"ER-TODAY-{i}"
        row["person_id"] = last.iloc[i]["person_id"]
        row["ethnic_category"] = ethnic
        for column in ("opened_date", "route_date", "formal_investigation_date"):
            row[column] = today
        for column in ("closed_date", "investigation_outcome", "sanction", "appeal_outcome", "restriction"):
            row[column] = ""
        new.append(row)
    pd.concat([cases, pd.DataFrame(new)]).to_csv(tmp / "cases.csv", index=False)
    url = database_url(tmp, "running.db")
    cli = CliRunner(env={"ERREVIEW_PSEUDONYM_KEY": TEST_KEY})
    args = ["--db", url, "import", "--workforce", str(tmp / "workforce.csv"), "--cases", str(tmp / "cases.csv")]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    settings = Settings(database_url=url, pseudonym_key=TEST_KEY, key_file=tmp / "pseudonym.key")
    audit.bind(settings.database_url, settings)
    return settings


@pytest.fixture
def running_env(running_db, monkeypatch):
    monkeypatch.setenv("ERREVIEW_DATABASE_URL", running_db.database_url)
    monkeypatch.setenv("ERREVIEW_PSEUDONYM_KEY", TEST_KEY)
    monkeypatch.setenv("ERREVIEW_KEY_FILE", str(running_db.key_file))
    return running_db


def signed_in(role: Role) -> AppTest:
    from .sessions import session_token

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[SESSION_KEY] = session_token(os.environ["ERREVIEW_DATABASE_URL"], ACTORS[role])
    return at


def running_label() -> str:
    half = period_of(date.today(), "half")
    return f"{half.words} (still running until {half.end:%-d %b %Y}: incomplete)"


def test_the_data_reach_into_the_running_half_year(running_env):
    engine = store.engine_for(running_env.database_url)
    results = service.wres_results(engine)
    assert results[-1].period == period_of(date.today(), "half")
    assert service.latest_available(results) is results[-1]  # without today, the running one
    assert service.latest_available(results, today=date.today()).period == LATEST_ENDED


def test_overview_opens_on_the_latest_ended_half_year(running_env):
    at = signed_in(Role.ADMIN).switch_page("panels/overview.py").run()
    assert not at.exception, at.exception
    choice = next(s for s in at.selectbox if s.label == "Half-year")
    assert choice.value == LATEST_ENDED.label
    assert running_label() in choice.options
    assert f"Relative likelihood, {LATEST_ENDED.words}" in {m.label for m in at.metric}
    assert not at.warning
    choice.select(period_of(date.today(), "half").label).run()
    assert not at.exception, at.exception
    assert f"Relative likelihood, {period_of(date.today(), 'half').words}" in {m.label for m in at.metric}
    assert any("is still running" in w.value for w in at.warning)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.BOARD_VIEWER])
def test_decision_points_open_on_the_pack_window_of_the_latest_ended_half_year(running_env, role):
    from erreview.narrative import SCREEN_DAY, window_words

    at = signed_in(role).switch_page("panels/decisions.py").run()
    assert not at.exception, at.exception
    start, end = service.pack_window(LATEST_ENDED)
    text = " ".join(m.value for m in at.markdown)
    assert f"Window: {window_words(start, end, day=SCREEN_DAY)}" in text
    assert not any("still running" in w.value for w in at.warning)
    if role is Role.ADMIN:
        window = next(d for d in at.date_input if d.label == "Cases opened between")
        assert tuple(window.value) == (start, end)
        # The running half-year stays selectable, with a warning that it is incomplete.
        window.set_value((start, date.today())).run()
        assert not at.exception, at.exception
        assert any("still running" in w.value for w in at.warning)


@pytest.mark.parametrize(("page", "label"), [("panels/reports.py", "Period"), ("panels/divisions.py", "Period")])
def test_period_lists_open_on_the_latest_ended_half_year(running_env, page, label):
    at = signed_in(Role.INCLUSION_ANALYST).switch_page(page).run()
    assert not at.exception, at.exception
    choice = next(s for s in at.selectbox if s.label == label)
    assert choice.value == LATEST_ENDED.label
    assert running_label() in choice.options
    assert choice.options[0] == running_label()  # still listed first, newest first


def test_the_command_line_marks_the_running_half_year(running_env, cli):
    result = cli.invoke(app, ["--db", running_env.database_url, "wres"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    running = [line for line in lines if line.startswith(period_of(date.today(), "half").label)]
    assert running and running[0].endswith("(still running: incomplete)")
    assert not any(line.endswith("incomplete") for line in lines if line.startswith(LATEST_ENDED.label))
