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
    assert metrics["Relative likelihood, 2024/25-H2"] == "3.04"
    assert metrics["95% confidence interval"] == "1.18 – 7.84"
    assert metrics["Band (non-adverse 0.80–1.25)"] == "above"


def test_overview_on_an_empty_database_says_what_to_do(settings, monkeypatch):
    monkeypatch.setenv("ERREVIEW_DATABASE_URL", settings.database_url)
    at = _as_analyst()
    assert not at.exception
    assert any("import a workforce snapshot" in i.value for i in at.info)


def test_restricted_screens_find_the_disclosure_audit_already_done(loaded, monkeypatch):
    """The exact audit behind a board viewer's screens takes seconds: it starts in the background when they sign
    in (My work), so Overview and Decision points do not compute it again."""
    import os
    import threading

    import erreview.screen_audit as screen_audit

    calls: list[str] = []
    real = screen_audit.pack_view

    def counted(engine, settings, period):
        calls.append(period.label)
        return real(engine, settings, period)

    monkeypatch.setattr(screen_audit, "pack_view", counted)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[SESSION_KEY] = session_token(
        os.environ["ERREVIEW_DATABASE_URL"], Actor("board", Role.BOARD_VIEWER)
    )
    at.run()
    assert not at.exception
    for thread in threading.enumerate():
        if thread.name == "erreview-warm-pack-views":
            thread.join(timeout=120)
    warmed = list(calls)
    assert warmed, "signing in started the audit in the background"
    for screen in ("panels/overview.py", "panels/decisions.py"):
        at.switch_page(screen).run()
        assert not at.exception
    assert calls == warmed, "the screens found every audit they needed already done"
