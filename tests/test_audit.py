"""The audit log: keyed chain, anchors outside the database, append-only triggers, one writer at a time.

Tampering is simulated as an attacker with database access but without the audit key: the append-only
triggers are dropped (SQLite) or disabled (PostgreSQL) first, as such an attacker could.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from erreview import service, store
from erreview.cli import app
from erreview.errors import Busy, ErreviewError
from erreview.store import audit

from .conftest import EXAMPLES

# --- helpers ------------------------------------------------------------------------------------------


def _write_entries(engine, n: int) -> None:
    for i in range(n):
        service.record_export(engine, user=f"user{i}", period="2024/25-H2", files=[f"pack{i}.pdf"])


def _verify(engine) -> audit.ChainReport:
    return service.verify_audit(engine)


@contextmanager
def attacker(engine) -> Iterator[Connection]:
    """A connection with the append-only triggers out of the way, as someone with database access would."""
    with engine.begin() as con:
        if con.dialect.name == "postgresql":
            con.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        else:
            con.execute(text("DROP TRIGGER audit_log_no_update"))
            con.execute(text("DROP TRIGGER audit_log_no_delete"))
        yield con


def _unkeyed(prev: str, row) -> str:
    """What an attacker without the key can compute: the old plain SHA-256 of the same payload."""
    at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(str(row.at))
    return hashlib.sha256(
        audit._payload(prev, at, row.actor, row.action, row.entity, row.entity_id, _detail(row.detail))
    ).hexdigest()


def _detail(value):
    return json.loads(value) if isinstance(value, str) else value


def _rehash_from(con: Connection, start_id: int, *, chain: int | None = None) -> None:
    rows = con.execute(text("SELECT * FROM audit_log ORDER BY id")).all()
    prev = audit.GENESIS
    for row in rows:
        if row.id >= start_id:
            new = _unkeyed(prev, row)
            con.execute(
                text("UPDATE audit_log SET prev_hash = :p, hash = :h, chain = :c WHERE id = :i"),
                {"p": prev, "h": new, "c": chain if chain is not None else row.chain, "i": row.id},
            )
            prev = new
        else:
            prev = row.hash


# --- the keyed chain and its anchors -------------------------------------------------------------------


def test_an_untouched_log_verifies_and_every_write_is_anchored(engine, cli, settings):
    _write_entries(engine, 5)
    report = _verify(engine)
    assert report.ok and report.entries == 5 and report.anchored == 5 and report.head_id == 5
    ring = audit.bind(settings.database_url, settings)
    assert oct(ring.anchors.stat().st_mode & 0o777) == "0o600"
    assert ring.anchors.parent == settings.key_file.parent  # beside the key, outside the database
    ok = cli.invoke(app, ["--db", settings.database_url, "audit", "verify"])
    assert ok.exit_code == 0 and "audit log intact: 5 entries, 5 anchors checked; audit head: entry 5" in ok.stdout


def test_hashes_are_keyed(engine):
    _write_entries(engine, 1)
    with store.session_scope(engine) as session:
        entry = session.execute(text("SELECT * FROM audit_log")).one()
    assert entry.chain == audit.KEYED
    assert entry.hash != _unkeyed(audit.GENESIS, entry)  # not computable without the key


def test_an_entry_s_hash_is_recomputed_from_its_fields_and_the_pseudonym_key(engine, settings):
    """The stored format, recomputed here without the library: HMAC-SHA256 under HMAC(pseudonym key, the label
    "erreview audit chain v1") of the compact, key-sorted JSON list of the previous hash, the UTC time with
    microseconds, actor, action, entity, entity id and detail. A log written by one version must verify in the next."""
    import hmac

    _write_entries(engine, 2)
    with store.session_scope(engine) as session:
        rows = session.execute(text("SELECT * FROM audit_log ORDER BY id")).all()
    secret = settings.pseudonym_key.get_secret_value().encode("utf-8")
    key = hmac.new(secret, b"erreview audit chain v1", hashlib.sha256).digest()
    prev = "0" * 64
    for row in rows:
        at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(str(row.at))
        if at.tzinfo is not None:
            at = at.astimezone(UTC).replace(tzinfo=None)
        fields = [prev, at.isoformat(timespec="microseconds"), row.actor, row.action, row.entity, row.entity_id]
        payload = json.dumps([*fields, _detail(row.detail)], sort_keys=True, separators=(",", ":"))
        assert row.prev_hash == prev
        assert row.hash == hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()
        prev = row.hash


def test_a_rolled_back_write_leaves_no_anchor(engine, settings):
    with pytest.raises(RuntimeError), store.session_scope(engine, write=True) as session:
        audit.append(session, actor="a", action="x", entity="y", entity_id="1")
        raise RuntimeError("fails after the entry was flushed")
    assert audit.anchors(audit.bind(settings.database_url, settings)) == []
    assert _verify(engine).entries == 0


TAMPERING = {
    "edited entry": "entry 3 was edited after it was written",
    "deleted middle entry": "entry 4 does not follow the entry before it",
    "last entries deleted after an anchor": "entry 5 was recorded outside the database but is missing",
    "full re-hash without the key": "entry 3 was edited after it was written",
    "full re-hash as the old unkeyed chain": "entry 1 differs from its anchor outside the database",
    "reordering": "entry 3 does not follow the entry before it",
    "unkeyed entry after keyed ones": "entry 6 carries an unkeyed hash after keyed entries",
}


@pytest.mark.parametrize("tamper", list(TAMPERING))
def test_tampering_is_detected_and_located(engine, settings, cli, tamper):
    _write_entries(engine, 6)
    assert _verify(engine).ok
    with attacker(engine) as con:
        if tamper == "edited entry":
            con.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE id = 3"))
        elif tamper == "deleted middle entry":
            con.execute(text("DELETE FROM audit_log WHERE id = 3"))
        elif tamper == "last entries deleted after an anchor":
            con.execute(text("DELETE FROM audit_log WHERE id >= 5"))
        elif tamper == "full re-hash without the key":
            con.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE id = 3"))
            _rehash_from(con, 3)
        elif tamper == "full re-hash as the old unkeyed chain":
            con.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE id = 3"))
            _rehash_from(con, 1, chain=audit.LEGACY)
        elif tamper == "reordering":
            con.execute(text("UPDATE audit_log SET id = 99 WHERE id = 3"))
            con.execute(text("UPDATE audit_log SET id = 3 WHERE id = 4"))
            con.execute(text("UPDATE audit_log SET id = 4 WHERE id = 99"))
        else:
            con.execute(text("UPDATE audit_log SET chain = 1 WHERE id = 6"))
            _rehash_from(con, 6)
    report = _verify(engine)
    assert not report.ok and TAMPERING[tamper] in (report.reason or "")
    bad = cli.invoke(app, ["--db", settings.database_url, "audit", "verify"])
    assert bad.exit_code == 2 and TAMPERING[tamper] in bad.stderr, bad.stderr


def test_entries_from_before_the_key_still_verify(engine):
    """Old entries (plain SHA-256, chain version 1) followed by keyed ones: intact."""
    with attacker(engine) as con:  # as the old code wrote them
        prev = audit.GENESIS
        for i in range(3):
            at = datetime(2026, 1, 1, 12, i, tzinfo=UTC)
            digest = hashlib.sha256(audit._payload(prev, at, f"old{i}", "user.create", "user", f"u{i}", {})).hexdigest()
            con.execute(
                text(
                    "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail, prev_hash, hash, chain) "
                    "VALUES (:at, :actor, 'user.create', 'user', :eid, '{}', :prev, :hash, 1)"
                ),
                {"at": at.replace(tzinfo=None), "actor": f"old{i}", "eid": f"u{i}", "prev": prev, "hash": digest},
            )
            prev = digest
    _write_entries(engine, 2)
    report = _verify(engine)
    assert report.ok and report.entries == 5, report.reason


# --- append-only in the database -----------------------------------------------------------------------


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"])
def test_the_database_refuses_to_change_or_delete_entries(engine, statement):
    _write_entries(engine, 2)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as con:
        con.execute(text(statement))
    assert _verify(engine).entries == 2


# --- one writer at a time ----------------------------------------------------------------------------


def test_eight_concurrent_writers_leave_one_intact_chain(settings):
    writers, each = 8, 5
    engines = [store.make_engine(settings.database_url) for _ in range(writers)]  # as eight app instances
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def work(engine) -> None:
        try:
            start.wait()
            for i in range(each):
                service.record_export(engine, user=f"w{id(engine)}", period="2024/25-H2", files=[str(i)])
                service.change_setting(engine, settings, "min_group_size", str(10 + i), user="admin")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    report = _verify(engines[0])
    assert report.ok, report.reason
    assert report.entries == writers * each * 2 and report.anchored == writers * each * 2
    with store.session_scope(engines[0]) as session:
        assert store.data_version(session) == writers * each  # every settings change bumped it once
    for e in engines:
        e.dispose()


def test_two_overlapping_imports_each_bump_the_data_version(settings):
    engines = [store.make_engine(settings.database_url) for _ in range(2)]
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def work(engine) -> None:
        try:
            start.wait()
            service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv", cases=EXAMPLES / "cases.csv")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with store.session_scope(engines[0]) as session:
        assert store.data_version(session) == 2
    assert _verify(engines[0]).ok
    for e in engines:
        e.dispose()


def test_a_writer_that_cannot_get_its_turn_gets_a_plain_busy(settings, monkeypatch):
    monkeypatch.setattr(store, "BUSY_TIMEOUT_S", 1)
    holder, waiter = store.make_engine(settings.database_url), store.make_engine(settings.database_url)
    with store.session_scope(holder, write=True) as session:
        session.execute(text("SELECT 1"))  # the write lock is taken at the first statement
        with pytest.raises(Busy, match="try again") as info:
            service.record_export(waiter, user="x", period="p", files=[])
    assert isinstance(info.value, ErreviewError) and "locked" not in info.value.message
    service.record_export(waiter, user="x", period="p", files=[])  # and afterwards it works
    assert _verify(waiter).entries == 1
    holder.dispose()
    waiter.dispose()


def test_every_review_pack_prints_the_audit_head(engine, settings):
    from erreview.periods import parse_period

    service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv", cases=EXAMPLES / "cases.csv")
    service.record_export(engine, user="board", period="2024/25-H2", files=["pack.pdf"])  # a look, not a change
    pack = service.review_pack(engine, settings, parse_period("2024/25-H2"))
    with store.session_scope(engine) as session:
        first = session.execute(text("SELECT hash FROM audit_log WHERE id = 1")).scalar_one()
    assert pack.methods[-1] == f"Audit: audit head at the last change to data: entry 1, hash {first[:16]}."


# --- what is logged ------------------------------------------------------------------------------------


def test_sign_ins_imports_and_case_views_are_logged(engine, settings):
    from erreview.auth import add_user, authenticate

    add_user(engine, username="ana@trust.example", role="inclusion_analyst", password="a-long-password-123", by="admin")
    assert authenticate(engine, "ana@trust.example", "wrong-password-000") is None
    assert authenticate(engine, "ANA@trust.example", "a-long-password-123") is not None
    service.import_files(
        engine, settings, workforce=EXAMPLES / "workforce.csv", cases=EXAMPLES / "cases.csv", user="ana@trust.example"
    )
    service.record_case_view(engine, user="ana@trust.example", case_id="C-1")
    log = service.audit_log(engine)
    assert list(log["action"])[::-1] == ["user.create", "signin.failed", "signin.ok", "import", "case.view"]
    imported = json.loads(log.loc[log["action"] == "import", "detail"].iloc[0])
    assert [f["sha256"] for f in imported["files"]] == [
        hashlib.sha256((EXAMPLES / name).read_bytes()).hexdigest() for name in ("workforce.csv", "cases.csv")
    ]
    assert imported["cases_inserted"] > 0 and imported["workforce_rows"] > 0
    assert "a-long-password-123" not in log.to_csv() and "wrong-password-000" not in log.to_csv()
    assert list(service.audit_log(engine, person="ana@trust.example", action="signin")["action"]) == [
        "signin.ok",
        "signin.failed",
    ]
    assert _verify(engine).ok


def test_the_log_extract_is_safe_to_open_in_a_spreadsheet(engine):
    for who in ("=HYPERLINK(1)", "+1+cmd", "@SUM(A1)", "-2+3", "\tTAB", "\rCR"):
        service.record_download(engine, user=who, what="x", file_name="f.csv")
    rows = list(csv.DictReader(io.StringIO(service.audit_csv(service.audit_log(engine)).decode(), newline="")))
    assert len(rows) == 6 and all(r["actor"].startswith("'") for r in rows), [r["actor"] for r in rows]
