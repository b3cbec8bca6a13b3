"""Crash safety, deterministically: an import is killed (SIGKILL) at known points inside its write transaction,
and a failure is injected between its writes; either way the database is exactly as it was.

The child process reports each point on stdout and waits for a "go" on stdin, so the parent kills it while it
is provably inside the transaction (and checks that it holds the writer's lock) instead of guessing a delay.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import create_engine, text

from erreview import service, store
from erreview.config import Settings
from erreview.store import audit

from .conftest import EXAMPLES, TEST_KEY
from .pg import database_url
from .test_ingest import dump

CHILD = textwrap.dedent(
    """
    import sys
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from erreview import service, store
    from erreview.config import Settings
    from erreview.store import audit

    def pause(point):
        sys.stdout.write(point + "\\n")
        sys.stdout.flush()
        if sys.stdin.readline().strip() != "go":
            sys.exit(3)

    def after(module, name, point):
        original = getattr(module, name)
        def wrapped(*args, **kwargs):
            result = original(*args, **kwargs)
            pause(point)
            return result
        setattr(module, name, wrapped)

    after(store, "check_key_fingerprint", "begun")  # the first statement: the transaction and its lock exist
    after(store, "bump_data_version", "version bumped")
    after(store, "replace_snapshots", "workforce written")
    after(store, "import_cases", "cases written")
    after(audit, "record_import", "audited")
    event.listen(Session, "before_commit", lambda session: pause("committing"))

    url, workforce, cases = sys.argv[1:4]
    service.import_files(store.make_engine(url), Settings(database_url=url), workforce=workforce, cases=cases)
    sys.stdout.write("done\\n")
    """
)
POINTS = ["begun", "version bumped", "workforce written", "cases written", "audited", "committing"]


def _holds_writer_lock(url: str) -> bool:
    """Whether some other connection holds the one-writer lock right now."""
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0.2, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc)
        finally:
            con.close()
        return False
    engine = create_engine(url)
    with engine.connect() as con:
        held = con.execute(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :lock AND granted"),
            {"lock": store.WRITER_LOCK},
        ).scalar_one()
    engine.dispose()
    return bool(held)


@pytest.fixture
def crash_db(tmp_path):
    url = database_url(tmp_path, "crash.db")
    env = os.environ | {"ERREVIEW_PSEUDONYM_KEY": TEST_KEY, "ERREVIEW_KEY_FILE": str(tmp_path / "k")}
    settings = Settings(database_url=url, pseudonym_key=TEST_KEY, key_file=tmp_path / "k")
    audit.bind(url, settings)
    engine = store.make_engine(url)
    service.import_files(engine, settings, cases=EXAMPLES / "cases.csv")
    engine.dispose()
    return url, env


@pytest.mark.parametrize(
    "kill_at",
    # Each kill starts a child process (slow on a busy machine): three points always, the rest with the slow set.
    [
        p if p in ("begun", "workforce written", "committing") else pytest.param(p, marks=pytest.mark.slow)
        for p in POINTS
    ],
)
def test_an_import_killed_inside_its_transaction_leaves_the_database_as_it_was(crash_db, kill_at):
    url, env = crash_db
    before = dump(url)
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(EXAMPLES / "workforce.csv"), str(EXAMPLES / "cases.csv")],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdin is not None and child.stdout is not None
        seen = []
        while True:
            line = child.stdout.readline().strip()
            if not line:
                pytest.fail(
                    f"the child ended before {kill_at!r} (saw {seen}): {child.stderr.read() if child.stderr else ''}"
                )
            seen.append(line)
            if line == kill_at:
                break
            child.stdin.write("go\n")
            child.stdin.flush()
        assert child.poll() is None
        assert _holds_writer_lock(url), f"at {kill_at!r} the child should be writing, holding the writer lock"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        assert child.returncode == -signal.SIGKILL
    assert seen == POINTS[: POINTS.index(kill_at) + 1]
    assert dump(url) == before, f"a kill at {kill_at!r} left part of the import behind"
    # And nothing is stuck: the same import now completes, and the audit chain is whole.
    settings = Settings(database_url=url, pseudonym_key=TEST_KEY, key_file=env["ERREVIEW_KEY_FILE"])
    audit.bind(url, settings)
    engine = store.make_engine(url)
    service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv", cases=EXAMPLES / "cases.csv")
    assert service.verify_audit(engine).ok
    engine.dispose()


@pytest.mark.parametrize("fail_in", ["import_cases", "record_import"])
def test_a_failure_between_the_writes_leaves_nothing_written(engine, settings, monkeypatch, fail_in):
    """The workforce is written first; a failure while writing the cases must take the workforce back too."""
    service.import_files(engine, settings, cases=EXAMPLES / "cases.csv")
    url = settings.database_url
    before = dump(url)
    written = []
    original = store.replace_snapshots

    def replace_then_note(*args, **kwargs):
        written.append(True)
        return original(*args, **kwargs)

    def boom(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(store, "replace_snapshots", replace_then_note)
    monkeypatch.setattr(store if fail_in == "import_cases" else audit, fail_in, boom)
    with pytest.raises(RuntimeError, match="disk is full"):
        service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv", cases=EXAMPLES / "cases.csv")
    assert written == [True]  # the workforce really was written before the failure
    assert dump(url) == before
