"""Sign-in starts importing Decision points' statistics library in the background, once per process."""

from __future__ import annotations

import sys

from panels import common


def test_warm_imports_once_per_process(monkeypatch):
    monkeypatch.setattr(common, "_imports_warmed", common.threading.Event())
    for name in [m for m in sys.modules if m == "statsmodels" or m.startswith("statsmodels.")]:
        monkeypatch.delitem(sys.modules, name)
    thread = common.warm_imports()
    assert thread is not None and thread.name == "erreview-warm-imports"
    thread.join(timeout=120)
    assert "statsmodels.api" in sys.modules and "statsmodels.duration.survfunc" in sys.modules
    assert common.warm_imports() is None  # once per process


def test_waiting_for_the_imports_blocks_until_the_import_thread_ends(monkeypatch):
    """Two threads importing the heavy libraries at once can deadlock on Python's import locks (a panel check
    failed with _DeadlockError on narwhals.stable.v1): screens and the pack warm-up wait for the one thread."""
    import threading

    release, done = threading.Event(), threading.Event()
    importing = threading.Thread(target=release.wait, args=(30,), name="erreview-warm-imports")
    importing.start()
    monkeypatch.setattr(common, "_imports_thread", importing)
    waiter = threading.Thread(target=lambda: (common.wait_for_imports(), done.set()))
    waiter.start()
    assert not done.wait(0.5), "it waited while the imports ran"
    release.set()
    waiter.join(30)
    assert done.is_set()


def test_a_signed_in_run_waits_for_the_imports_before_its_screen(monkeypatch, engine, settings):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from erreview.review.roles import Actor, Role

    from .sessions import SESSION_KEY, session_token

    monkeypatch.setenv("ERREVIEW_DATABASE_URL", settings.database_url)
    order: list[str] = []
    monkeypatch.setattr(common, "wait_for_imports", lambda: order.append("waited"))
    at = AppTest.from_file(str(Path(__file__).parent.parent / "streamlit_app.py"), default_timeout=120)
    at.session_state[SESSION_KEY] = session_token(settings.database_url, Actor("lead", Role.CASE_LEAD))
    at.run()
    assert not at.exception
    assert order == ["waited"]
