"""The Overview screen, through Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from erreview import service
from erreview.review.roles import Actor, Role

from .conftest import EXAMPLES
from .sessions import SESSION_KEY, session_token

APP = str(Path(__file__).parent.parent / "streamlit_app.py")


@pytest.fixture
def loaded(engine, settings, monkeypatch):
    service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv", cases=EXAMPLES / "cases.csv")
    monkeypatch.setenv("ERREVIEW_DATABASE_URL", settings.database_url)
    return settings


def _as_analyst() -> AppTest:
    import os

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[SESSION_KEY] = session_token(
        os.environ["ERREVIEW_DATABASE_URL"], Actor("analyst", Role.INCLUSION_ANALYST)
    )
    return at.run().switch_page("panels/overview.py").run()


def test_overview_answers_the_question_from_the_numbers(loaded):
    at = _as_analyst()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "In 2024/25 H2, BME staff were 3.04 times as likely as White staff" in text
    assert "8 of 539 BME staff compared with 9 of 1,842 White staff" in text
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Relative likelihood, 2024/25 H2"] == "3.04"
    assert metrics["95% confidence interval"] == "1.18 – 7.84"
    assert metrics["Band (non-adverse 0.80–1.25)"] == "Above 1.25"


def test_overview_on_an_empty_database_says_what_to_do(settings, monkeypatch):
    monkeypatch.setenv("ERREVIEW_DATABASE_URL", settings.database_url)
    at = _as_analyst()
    assert not at.exception
    assert any("import a workforce snapshot" in i.value for i in at.info)


def test_restricted_screens_find_the_disclosure_audit_already_done(loaded, monkeypatch):
    """The exact audit behind a board viewer's screens takes seconds: it starts in the background when they sign
    in (My work), so Overview and Decision points do not compute it again."""
    calls = _pack_view_calls(monkeypatch)
    at = _signed_in(Actor("board", Role.BOARD_VIEWER)).run()
    assert not at.exception
    _join_warm_up()
    warmed = list(calls)
    assert warmed, "signing in started the audit in the background"
    for screen in ("panels/overview.py", "panels/decisions.py"):
        at.switch_page(screen).run()
        assert not at.exception
    assert calls == warmed, "the screens found every audit they needed already done"


def _pack_view_calls(monkeypatch) -> list[str]:
    import erreview.screen_audit as screen_audit

    calls: list[str] = []
    real = screen_audit.pack_view

    def counted(engine, settings, period):
        calls.append(period.label)
        return real(engine, settings, period)

    monkeypatch.setattr(screen_audit, "pack_view", counted)
    return calls


def _join_warm_up() -> None:
    import threading

    for thread in threading.enumerate():
        if thread.name == "erreview-warm-pack-views":
            thread.join(timeout=120)


def _signed_in(actor: Actor) -> AppTest:
    import os

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[SESSION_KEY] = session_token(os.environ["ERREVIEW_DATABASE_URL"], actor)
    return at


@pytest.mark.parametrize("on", [True, False])
def test_a_change_seen_by_a_case_lead_starts_the_audit_for_analysts(loaded, engine, monkeypatch, on):
    """After the data changes, the first run of anyone signed in (here a case lead, whose own screens need no
    audit) starts the restricted screens' disclosure audit in the background (setting warm_up_after_changes),
    so a board viewer opening Decision points afterwards does not wait for it."""
    from erreview import store

    monkeypatch.setenv("ERREVIEW_WARM_UP_AFTER_CHANGES", "true" if on else "false")
    calls = _pack_view_calls(monkeypatch)
    with store.session_scope(engine) as session:
        store.bump_data_version(session)  # a change no one has seen yet
    lead = _signed_in(Actor("lead", Role.CASE_LEAD)).run()
    assert not lead.exception
    _join_warm_up()
    if not on:
        assert calls == [], "with the setting off, a case lead's run starts no audit"
        return
    warmed = list(calls)
    assert warmed, "the case lead's run started the audit in the background"
    board = _signed_in(Actor("board", Role.BOARD_VIEWER)).run()
    board.switch_page("panels/decisions.py").run()
    assert not board.exception
    assert calls == warmed, "the board viewer's Decision points found the audit already done"


def test_a_burst_of_changes_costs_one_audit_for_the_newest(monkeypatch):
    """Changes made while the audit runs are not each audited: the worker takes only the newest version next."""
    import threading

    from panels import common

    versions = iter(range(1, 100))
    monkeypatch.setattr(common, "data_key", lambda: ("db", next(versions)))
    monkeypatch.setattr(common.service, "published_version", lambda engine: 0)
    monkeypatch.setattr(common, "_engine", lambda url: None)
    monkeypatch.setattr(common, "_periods_restricted_screens_open_on", lambda key: ["2025/26-H2"])
    monkeypatch.setattr(common, "_warming", set())
    monkeypatch.setattr(common, "_warm_worker", None)
    monkeypatch.setattr(common, "_warm_next", None)
    started, release = threading.Event(), threading.Event()
    audited: list[int] = []

    def slow_pack_view(key, period):
        audited.append(key[1])
        started.set()
        release.wait(30)

    monkeypatch.setattr(common, "pack_view", slow_pack_view)
    board = Actor("board", Role.BOARD_VIEWER)
    worker = common.warm_pack_views(board)
    assert worker is not None and started.wait(30)
    assert [common.warm_pack_views(board) for _ in range(3)] == [None, None, None]  # versions 2, 3, 4
    release.set()
    worker.join(30)
    assert not worker.is_alive()
    assert audited == [1, 4]


def test_the_warm_up_does_not_flood_the_log_with_streamlits_missing_context_warning():
    """Each cached call in a warm-up thread has no page run (by design): Streamlit's warning about it is
    dropped there, and still logged elsewhere."""
    import logging
    import threading

    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    import panels.common  # noqa: F401  (installs the filter)

    logger = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(threading.current_thread().name)

    handler = Keep()
    logger.addHandler(handler)
    try:
        for name in ("erreview-warm-pack-views", "some-other-thread"):
            thread = threading.Thread(target=get_script_run_ctx, name=name)
            thread.start()
            thread.join()
    finally:
        logger.removeHandler(handler)
    assert seen == ["some-other-thread"]
