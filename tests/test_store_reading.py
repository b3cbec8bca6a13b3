"""The case store's reading functions (erreview/store/workflow.py): who sees which cases, the pick lists, the
reviews behind the post-action audit, referral dates and suspensions. Written against mutants that survived
(issue #14); expected values are built here from what the test wrote, or read from the example files."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from erreview import service, store
from erreview.models import AppUser, PanelReview, SuspensionPlan, SuspensionReview
from erreview.review.workflow import create_case
from erreview.store import audit
from erreview.store import workflow as ws

from .conftest import EXAMPLES
from .test_workflow import LEAD, NEW, OTHER_LEAD, TODAY


def _case(engine, settings, actor=LEAD, opened=date(2025, 5, 1), division="Surgery") -> str:
    new = NEW.model_copy(update={"opened_date": opened, "division": division})
    return create_case(engine, settings, new, actor=actor, today=TODAY)


def _review(case_id: str, members: list[str], *, supersedes: int | None = None, **kw) -> PanelReview:
    return PanelReview(
        case_id=case_id,
        step="formal_investigation",
        template_id="t",
        template_version=1,
        members=[{"username": m, "role": "member"} for m in members],
        answers={},
        decision=kw.get("decision", "proceed"),
        rationale="",
        submitted_at=kw.get("at", datetime(2025, 6, 1, 9, 0, tzinfo=UTC)),
        submitted_by="lead1",
        supersedes_id=supersedes,
        recommended_outcome=kw.get("recommended"),
        against_recommendation=kw.get("against", False),
    )


def test_a_lead_sees_their_own_cases_a_panel_its_referrals_newest_first(engine, settings):
    older = _case(engine, settings, opened=date(2025, 4, 1))
    newer = _case(engine, settings, opened=date(2025, 5, 1))
    others = _case(engine, settings, actor=OTHER_LEAD, opened=date(2025, 3, 1))
    with store.session_scope(engine, write=True) as session:
        work = ws.get_work(session, others)
        assert work is not None
        work.panel = "North"
        ws.set_work(session, work)
    with store.session_scope(engine) as session:
        mine = ws.case_list(session, case_lead="lead1")
        assert list(mine["case_id"]) == [newer, older]
        assert set(mine["stage"]) == {"concern_raised"} and set(mine["case_lead"]) == {"lead1"}
        assert list(mine["panel"].isna()) == [True, True]
        assert list(mine["division"]) == ["Surgery", "Surgery"]  # the case's own columns come too
        north = ws.case_list(session, panels=frozenset({"North", "East"}))
        assert list(north["case_id"]) == [others] and list(north["panel"]) == ["North"]
        assert ws.case_list(session, panels=frozenset({"South"})).empty
        assert ws.case_list(session, case_lead="nobody").empty
        assert ws.case_list(session).empty  # neither a lead nor panels: nothing, not everything
        everyone = ws.case_list(session, everyone=True, case_lead="lead1")
        assert list(everyone["case_id"]) == [newer, older, others]


def test_subject_pick_lists_come_from_the_cases_and_the_latest_snapshot(engine, settings, tmp_path):
    # The examples plus two people whose division is in no case: one in the latest snapshot (listed), one only
    # in an earlier snapshot (not listed).
    workforce = list(csv.DictReader(io.StringIO((EXAMPLES / "workforce.csv").read_text())))
    dates = sorted({r["snapshot_date"] for r in workforce})
    latest = dates[-1]
    workforce.append(workforce[0] | {"snapshot_date": latest, "person_id": "E7770001", "division": "Latest Only"})
    workforce.append(workforce[0] | {"snapshot_date": dates[0], "person_id": "E7770002", "division": "Earlier Only"})
    with (tmp_path / "workforce.csv").open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(workforce[0]))
        writer.writeheader()
        writer.writerows(workforce)
    service.import_files(engine, settings, workforce=tmp_path / "workforce.csv", cases=EXAMPLES / "cases.csv")
    cases = list(csv.DictReader(io.StringIO((EXAMPLES / "cases.csv").read_text())))
    with store.session_scope(engine) as session:
        for column in ("band", "staff_group", "division"):
            expected = {r[column] for r in cases} | {r[column] for r in workforce if r["snapshot_date"] == latest}
            assert ws.subject_values(session, column) == sorted(expected)
        assert "Latest Only" in ws.subject_values(session, "division")
        assert "Earlier Only" not in ws.subject_values(session, "division")
        with pytest.raises(ValueError, match="not a subject column: gender"):
            ws.subject_values(session, "gender")


def test_subject_pick_lists_without_a_workforce(engine, settings):
    _case(engine, settings, division="Medicine")
    with store.session_scope(engine) as session:
        assert ws.subject_values(session, "division") == ["Medicine"]


def test_a_single_sign_on_subject_finds_its_account(engine):
    with store.session_scope(engine, write=True) as session:
        ws.save_user(session, AppUser(username="sso.user", display_name="S", role="case_lead", oidc_subject="sub-1"))
    with store.session_scope(engine) as session:
        found = ws.user_by_subject(session, "sub-1")
        assert found is not None and found.username == "sso.user"
        assert ws.user_by_subject(session, "sub-2") is None


def test_reviews_corrections_and_who_sat(engine, settings):
    first = _case(engine, settings, opened=date(2025, 4, 1), division="Medicine")
    second = _case(engine, settings, opened=date(2025, 5, 1))
    with store.session_scope(engine, write=True) as session:
        a = ws.add_review(session, _review(first, ["panel1", "panel2"], recommended="proceed"))
        b = ws.add_review(session, _review(second, ["panel2"], decision="pause", against=True))
        c = ws.add_review(session, _review(first, ["panel3"], supersedes=a.id, decision="pause"))
        ids = (a.id, b.id, c.id)
        with (
            pytest.raises(ws.StaleEdit, match=f"review {a.id} has just been corrected by someone else"),
            session.begin_nested(),
        ):
            ws.add_review(session, _review(first, ["panel1"], supersedes=a.id))
    with store.session_scope(engine) as session:
        assert [r.id for r in ws.all_review_links(session)] == [ids[2]]
        assert [r.id for r in ws.reviews_naming(session, "panel2")] == [ids[0], ids[1]]
        assert [r.id for r in ws.reviews_naming(session, "panel3")] == [ids[2]]
        assert ws.reviews_naming(session, "panel") == []
        frame = ws.all_reviews(session).sort_values("id")
        first_case = ws.get_case(session, first)
        assert first_case is not None
    assert list(frame.columns) == [
        "id",
        "case_id",
        "step",
        "decision",
        "submitted_at",
        "supersedes_id",
        "recommended_outcome",
        "against_recommendation",
        "wres_group",
        "broad_group",
        "opened_date",
        "division",
    ]
    assert list(frame["id"]) == list(ids)
    assert list(frame["case_id"]) == [first, second, first]
    assert list(frame["decision"]) == ["proceed", "pause", "pause"]
    assert list(frame["step"]) == ["formal_investigation"] * 3
    assert [None if pd.isna(v) else int(v) for v in frame["supersedes_id"]] == [None, None, ids[0]]
    assert [None if pd.isna(v) else v for v in frame["recommended_outcome"]] == ["proceed", None, None]
    assert list(frame["against_recommendation"]) == [False, True, False]
    assert list(frame["division"]) == ["Medicine", "Surgery", "Medicine"]
    assert (frame["wres_group"].iloc[0], frame["broad_group"].iloc[0]) == (
        first_case.wres_group,
        first_case.broad_group,
    )
    assert [d.isoformat()[:10] for d in frame["opened_date"]] == ["2025-04-01", "2025-05-01", "2025-04-01"]
    assert all(str(t)[:16] == "2025-06-01 09:00" for t in frame["submitted_at"])


def test_referral_dates_are_every_referral_and_nothing_else(engine):
    with store.session_scope(engine, write=True) as session:
        audit.append(session, actor="l", action="case.refer_to_panel", entity="case", entity_id="C-1")
        audit.append(session, actor="l", action="case.refer_suspension_check", entity="case", entity_id="C-2")
        audit.append(session, actor="l", action="case.refer_to_panel", entity="case", entity_id="C-1")
        audit.append(session, actor="l", action="case.view", entity="case", entity_id="C-3")
        audit.append(session, actor="l", action="case.refer_to_panel", entity="review", entity_id="C-4")
    with store.session_scope(engine) as session:
        frame = ws.referral_dates(session)
    assert list(frame.columns) == ["case_id", "referred_at"]
    assert sorted(frame["case_id"]) == ["C-1", "C-1", "C-2"]
    assert all(isinstance(t, datetime) and t.date() == datetime.now(UTC).date() for t in frame["referred_at"])


def test_suspensions_with_their_plan_and_latest_review(engine, settings):
    planned = _case(engine, settings)
    bare = _case(engine, settings)
    _case(engine, settings)  # not suspended: never listed
    with store.session_scope(engine, write=True) as session:
        for case_id, start, end in ((planned, date(2025, 5, 2), date(2025, 6, 20)), (bare, date(2025, 5, 3), None)):
            case = ws.get_case(session, case_id)
            assert case is not None
            ws.update_case(
                session,
                case_id,
                case.version,
                {"suspension_start_date": start, "suspension_end_date": end},
                user="lead1",
            )
        ws.save_suspension_plan(
            session,
            SuspensionPlan(
                case_id=planned,
                alternatives_considered="restricted duties",
                full_pay=True,
                named_contact="HR adviser",
                first_review=date(2025, 5, 16),
                review_every_days=14,
                recorded_by="lead1",
            ),
        )
        for case_id, held in ((planned, date(2025, 5, 16)), (planned, date(2025, 5, 30)), (bare, date(2025, 5, 20))):
            ws.add_suspension_review(session, SuspensionReview(case_id=case_id, held_on=held, recorded_by="lead1"))
    with store.session_scope(engine) as session:
        frame = ws.suspensions_frame(session).sort_values("case_id").set_index("case_id")
        only = ws.suspensions_frame(session, [bare])
        group = ws.get_case(session, planned).wres_group  # type: ignore[union-attr]
    assert list(frame.columns) == [
        "wres_group",
        "start",
        "end",
        "first_review",
        "review_every_days",
        "named_contact",
        "last_review",
        "closed",
    ]
    assert sorted(frame.index) == sorted([planned, bare])
    row = frame.loc[planned]
    assert (row["wres_group"], row["start"], row["end"]) == (group, date(2025, 5, 2), date(2025, 6, 20))
    assert (row["first_review"], row["review_every_days"], row["named_contact"]) == (
        date(2025, 5, 16),
        14,
        "HR adviser",
    )
    assert row["last_review"] == date(2025, 5, 30)  # the latest of the two reviews
    row = frame.loc[bare]
    assert row["start"] == date(2025, 5, 3) and row["last_review"] == date(
        2025, 5, 20
    )  # its own review, not the other's
    assert all(pd.isna(row[c]) for c in ("end", "first_review", "review_every_days", "named_contact"))
    assert list(only["case_id"]) == [bare]
    with store.session_scope(engine) as session:
        assert ws.suspensions_frame(session, []).empty


def test_saving_an_existing_user_replaces_every_field_and_refuses_a_stale_version(engine):
    with store.session_scope(engine, write=True) as session:
        ws.save_user(session, AppUser(username="a.user", display_name="A", role="case_lead"))
    changed = {
        "display_name": "A. User",
        "role": "panel_member",
        "panels": "Panel 1",
        "divisions": "Surgery",
        "password_hash": "hash",
        "oidc_subject": "sub-9",
        "oidc_issuer": "https://login.example.nhs.uk",  # a subject means nothing without its issuer
        "active": False,
    }
    with store.session_scope(engine, write=True) as session:
        ws.save_user(session, AppUser(username="a.user", **changed), expected_version=1)
    with store.session_scope(engine) as session:
        saved = session.get(AppUser, "a.user")
        assert saved is not None
        assert {k: getattr(saved, k) for k in changed} == changed
        assert saved.version == 2
    with pytest.raises(ws.StaleEdit), store.session_scope(engine, write=True) as session:
        ws.save_user(session, AppUser(username="a.user", display_name="B", role="case_lead"), expected_version=1)
