"""Reading the audit log: what each kind of event records, the Admin screen's filters, and the heads printed in
review packs. Written against the mutants mutmut found surviving in erreview/store/audit.py (issue #14); the
expected values are spelled out here, not read back from the code."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from erreview import service, store
from erreview.store import audit

DAY = date(2025, 3, 1)


class _Clock(datetime):
    """``datetime`` whose ``now`` is set by the test, so entries can be written at the edges of a day."""

    at = datetime(2025, 3, 1, tzinfo=UTC)

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        return cls.at


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(audit, "datetime", _Clock)
    return _Clock


def _write(engine, fn, *args, **kwargs) -> None:
    with store.session_scope(engine, write=True) as session:
        fn(session, *args, **kwargs)


def _log(engine, **filters):
    with store.session_scope(engine) as session:
        return audit.log_frame(session, **filters)


def test_each_kind_of_event_records_who_what_and_detail(engine):
    _write(engine, audit.record_sign_in, "  Ana@Trust.Example ", ok=True, method="password")
    _write(engine, audit.record_sign_in, "ana@trust.example", ok=False, method="password", reason="wrong password")
    _write(engine, audit.record_sign_in, "   ", ok=False, method="sso")
    _write(engine, audit.record_sign_out, "ana@trust.example")
    _write(engine, audit.record_case_view, "lead@trust.example", "C-17")
    _write(engine, audit.record_download, "board@trust.example", "review pack", "pack-2024-25.pdf")
    log = _log(engine)
    assert list(log.columns) == ["id", "at", "actor", "action", "entity", "entity_id", "detail"]
    rows = [tuple(r) for r in log[["id", "actor", "action", "entity", "entity_id", "detail"]].itertuples(index=False)]
    assert rows == [
        (6, "board@trust.example", "download", "download", "review pack", '{"file": "pack-2024-25.pdf"}'),
        (5, "lead@trust.example", "case.view", "case", "C-17", "{}"),
        (4, "ana@trust.example", "signout", "user", "ana@trust.example", "{}"),
        (3, "(blank)", "signin.failed", "user", "(blank)", '{"method": "sso", "ok": false}'),
        (
            2,
            "ana@trust.example",
            "signin.failed",
            "user",
            "ana@trust.example",
            '{"method": "password", "ok": false, "reason": "wrong password"}',
        ),
        (1, "ana@trust.example", "signin.ok", "user", "ana@trust.example", '{"method": "password", "ok": true}'),
    ]
    # Times are shown as plain UTC times, without a zone.
    assert all(isinstance(t, datetime) and t.tzinfo is None for t in log["at"])
    with store.session_scope(engine) as session:
        assert audit.people_and_actions(session) == (
            ["(blank)", "ana@trust.example", "board@trust.example", "lead@trust.example"],
            ["case.view", "download", "signin.failed", "signin.ok", "signout"],
        )
    assert service.verify_audit(engine).ok


def test_the_filters_person_exact_action_prefix_and_limit(engine):
    _write(engine, audit.record_sign_in, "ana@trust.example", ok=True, method="password")
    _write(engine, audit.record_case_view, "ana@trust.example", "C-1")
    _write(engine, audit.record_case_view, "ana@trust.example.other", "C-2")
    _write(engine, audit.record_sign_out, "ana@trust.example")
    assert list(_log(engine, person="ana@trust.example")["id"]) == [4, 2, 1]
    assert list(_log(engine, person="ana")["id"]) == []  # exact, not a prefix
    assert list(_log(engine, action="case")["id"]) == [3, 2]
    assert list(_log(engine, action="view")["id"]) == []  # a prefix, not anywhere in the name
    assert list(_log(engine, person="ana@trust.example", action="case.view")["entity_id"]) == ["C-1"]
    assert list(_log(engine, limit=2)["id"]) == [4, 3]
    assert list(_log(engine, person="", action="")["id"]) == [4, 3, 2, 1]  # empty filters: everything


def test_the_date_filters_include_the_whole_of_both_days(engine, clock):
    for at, case_id in [
        (datetime(2025, 2, 28, 23, 59, 59, tzinfo=UTC), "before"),
        (datetime(2025, 3, 1, 0, 0, 0, tzinfo=UTC), "first-moment"),
        (datetime(2025, 3, 1, 23, 59, 59, tzinfo=UTC), "last-second"),
        (datetime(2025, 3, 2, 0, 0, 0, tzinfo=UTC), "after"),
    ]:
        clock.at = at
        _write(engine, audit.record_case_view, "lead", case_id)
    assert list(_log(engine, start=DAY, end=DAY)["entity_id"]) == ["last-second", "first-moment"]
    assert list(_log(engine, start=DAY)["entity_id"]) == ["after", "last-second", "first-moment"]
    assert list(_log(engine, end=DAY)["entity_id"]) == ["last-second", "first-moment", "before"]
    assert list(_log(engine, start=date(2025, 3, 2), end=date(2025, 3, 2))["entity_id"]) == ["after"]


def test_the_pack_head_skips_every_look_and_names_the_last_change(engine):
    with store.session_scope(engine) as session:
        assert audit.data_head(session) == "audit log: no changes recorded"
    _write(engine, audit.record_case_view, "lead", "C-1")  # a look only
    with store.session_scope(engine) as session:
        assert audit.data_head(session) == "audit log: no changes recorded"
    _write(engine, audit.record_import, "ana", [{"name": "cases.csv", "sha256": "0" * 64, "rows": 3}], {"rows": 3})
    service.record_export(engine, user="board", period="2024/25-H2", files=["pack.pdf"])
    _write(engine, audit.record_download, "board", "review pack", "pack.pdf")
    _write(engine, audit.record_case_view, "lead", "C-1")
    _write(engine, audit.record_sign_in, "ana", ok=True, method="password")
    _write(engine, audit.record_sign_in, "ana", ok=False, method="password")
    _write(engine, audit.record_sign_out, "ana")
    log = _log(engine)
    assert sorted(set(log["action"])) == sorted({"import", *audit.LOOKING})  # every kind of look follows it
    change = log.loc[log["action"] == "import"].iloc[0]
    with store.session_scope(engine) as session:
        digest = session.execute(store.text("SELECT hash FROM audit_log WHERE id = :i"), {"i": int(change["id"])})
        full = digest.scalar_one()
        assert audit.data_head(session) == f"audit head at the last change to data: entry 2, hash {full[:16]}"
    assert json.loads(change["detail"]) == {"files": [{"name": "cases.csv", "sha256": "0" * 64, "rows": 3}], "rows": 3}
    assert change["entity_id"] == "cases.csv"


def test_the_head_text_needs_both_the_entry_and_its_hash():
    digest = "0123456789abcdef" + "f" * 48
    assert audit.ChainReport(3, None, None, 0, 3, digest).head_text() == "audit head: entry 3, hash 0123456789abcdef"
    assert audit.ChainReport(0, None, None).head_text() == "audit log empty"
    assert audit.ChainReport(3, None, None, 0, 3, None).head_text() == "audit log empty"
    assert audit.ChainReport(3, None, None, 0, None, digest).head_text() == "audit log empty"


def test_the_detail_is_shown_with_its_keys_in_order(engine):
    with store.session_scope(engine, write=True) as session:
        audit.append(
            session, actor="admin", action="settings.change", entity="settings", entity_id="x", detail={"b": 1, "a": 2}
        )
    assert list(_log(engine)["detail"]) == ['{"a": 2, "b": 1}']


def test_the_pack_head_is_the_newest_change_and_a_cases_entries_are_its_own(engine):
    for entity, entity_id in (("case", "C-1"), ("review", "C-1"), ("case", "C-2"), ("case", "C-1")):
        with store.session_scope(engine, write=True) as session:
            audit.append(session, actor="lead", action="case.edit", entity=entity, entity_id=entity_id)
    with store.session_scope(engine) as session:
        assert [e.id for e in audit.entries_for(session, "case", "C-1")] == [1, 4]
        newest = session.execute(store.text("SELECT hash FROM audit_log WHERE id = 4")).scalar_one()
        assert audit.data_head(session) == f"audit head at the last change to data: entry 4, hash {newest[:16]}"
