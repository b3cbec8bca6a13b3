"""The action tracker's lifecycle: create, progress, evidence, overdue, sign-off, locking, audit, roles."""

from __future__ import annotations

from datetime import date

import pytest

from erreview import store
from erreview.actions import (
    ActionRefused,
    ActionStatus,
    create_action,
    list_actions,
    sign_off,
    update_action,
)
from erreview.review.roles import AccessDenied, Actor, Role
from erreview.review.screening import IdentifierInText
from erreview.store import audit
from erreview.store.workflow import StaleEdit

from .conftest import import_examples
from .sessions import shown

ANALYST = Actor("analyst", Role.INCLUSION_ANALYST)
BOARD = Actor("board", Role.BOARD_VIEWER)
LEAD = Actor("lead", Role.CASE_LEAD)
NEW = {
    "title": "Every suspension of a BME colleague reviewed by a second director within 48 hours",
    "measure": "suspension",
    "period": "2024/25-H2",
    "division": "Medicine",
    "owner": "Director of People",
    "due_date": date(2025, 9, 30),
}


def _log(engine, action_id: int) -> list[str]:
    with store.session_scope(engine) as session:
        return [e.action for e in audit.entries_for(session, "action", str(action_id))]


def test_the_whole_lifecycle_is_saved_and_audited(engine):
    action_id = create_action(engine, NEW, actor=ANALYST)
    frame = list_actions(engine, actor=BOARD, today=date(2025, 6, 1))
    row = frame.set_index("id").loc[action_id]
    assert (row["status"], row["version"], bool(row["overdue"])) == ("open", 1, False)

    v2 = update_action(engine, action_id, {"status": "in_progress"}, actor=ANALYST, expected_version=1)
    # After the due date an unfinished action is overdue.
    late = list_actions(engine, actor=BOARD, today=date(2025, 10, 1)).set_index("id").loc[action_id]
    assert bool(late["overdue"]) and late["status"] == "in_progress"
    with pytest.raises(ActionRefused, match="only a done or cancelled action"):
        sign_off(engine, action_id, actor=BOARD, expected_version=v2)

    v3 = update_action(
        engine,
        action_id,
        {"status": "done", "evidence": "Second-director review in place since July; 14 of 14 reviewed in time."},
        actor=ANALYST,
        expected_version=v2,
    )
    done = list_actions(engine, actor=BOARD, today=date(2025, 10, 1)).set_index("id").loc[action_id]
    assert not bool(done["overdue"])  # finished actions are never overdue
    v4 = sign_off(engine, action_id, actor=BOARD, expected_version=v3)
    signed = list_actions(engine, actor=BOARD).set_index("id").loc[action_id]
    assert signed["signed_off_by"] == "board" and signed["version"] == v4 == 4
    with pytest.raises(ActionRefused, match="closed to changes"):
        update_action(engine, action_id, {"status": "open"}, actor=ANALYST, expected_version=v4)
    with pytest.raises(ActionRefused, match="already signed off"):
        sign_off(engine, action_id, actor=BOARD, expected_version=v4)
    assert _log(engine, action_id) == ["action.create", "action.update", "action.update", "action.sign_off"]
    with store.session_scope(engine) as session:
        entries = audit.entries_for(session, "action", str(action_id))
        assert entries[2].detail["changed"] == {"status": "done", "evidence": "(updated)"}
        assert audit.verify_chain(session).ok


def test_a_stale_save_is_refused(engine):
    action_id = create_action(engine, NEW, actor=ANALYST)
    update_action(engine, action_id, {"owner": "Chief Nurse"}, actor=ANALYST, expected_version=1)
    with pytest.raises(StaleEdit, match="changed by someone else"):
        update_action(engine, action_id, {"status": "done"}, actor=ANALYST, expected_version=1)
    with pytest.raises(StaleEdit):
        sign_off(engine, action_id, actor=BOARD, expected_version=1)


def test_an_unchanged_save_writes_nothing(engine):
    action_id = create_action(engine, NEW, actor=ANALYST)
    assert update_action(engine, action_id, {"owner": "Director of People"}, actor=ANALYST, expected_version=1) == 1
    assert _log(engine, action_id) == ["action.create"]


def test_evidence_is_screened_for_identifiers(engine):
    action_id = create_action(engine, NEW, actor=ANALYST)
    with pytest.raises(IdentifierInText, match="evidence appears to contain an email address"):
        update_action(
            engine, action_id, {"evidence": "Ask jo.bloggs@nhs.net for the list"}, actor=ANALYST, expected_version=1
        )
    with pytest.raises(IdentifierInText, match="title"):
        create_action(engine, NEW | {"title": "Call 020 7946 0123 about the suspensions"}, actor=ANALYST)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"measure": "nonsense"}, "measure: must be one of wres_indicator3"),
        ({"period": "2024/26"}, "period: "),
        ({"status": "finished"}, "status: "),
        ({"title": "x"}, "title: "),
    ],
)
def test_bad_values_are_refused_with_the_field(engine, change, reason):
    with pytest.raises(ActionRefused, match=reason):
        create_action(engine, NEW | change, actor=ANALYST)


def test_who_may_do_what(engine):
    with pytest.raises(AccessDenied):
        create_action(engine, NEW, actor=BOARD)
    action_id = create_action(engine, NEW | {"status": "done"}, actor=ANALYST)
    with pytest.raises(AccessDenied):
        sign_off(engine, action_id, actor=ANALYST, expected_version=1)
    with pytest.raises(AccessDenied):
        list_actions(engine, actor=LEAD)
    with pytest.raises(AccessDenied):
        update_action(engine, action_id, {"status": "open"}, actor=BOARD, expected_version=1)


def test_actions_and_progress_in_the_pack(imported, settings, tmp_path):
    from pypdf import PdfReader

    from erreview import service
    from erreview.export.writers import write_review_pack
    from erreview.periods import parse_period

    engine = store.engine_for(imported)
    late = create_action(engine, NEW | {"due_date": date(2025, 1, 31)}, actor=ANALYST)
    done = create_action(
        engine,
        # Past its due date at the pack's date, but done: never overdue.
        NEW
        | {
            "title": "Decision-maker training on suspension",
            "division": "",
            "measure": "wres_indicator3",
            "due_date": date(2025, 1, 15),
        },
        actor=ANALYST,
    )
    version = update_action(
        engine, done, {"status": "done", "evidence": "Delivered to 40 managers."}, actor=ANALYST, expected_version=1
    )
    sign_off(engine, done, actor=BOARD, expected_version=version)
    pack = service.review_pack(
        engine, settings.model_copy(update={"database_url": imported}), parse_period("2024/25-H2")
    )
    table = pack.table("actions").frame
    assert table["Action"].tolist() == [NEW["title"], "Decision-maker training on suspension"]  # overdue first
    assert table["Overdue"].tolist() == ["OVERDUE", ""]
    assert table["Division"].tolist() == ["Medicine", "Whole trust"]
    assert table["Signed off"].tolist() == ["", "yes"]
    assert "Of 2 action(s) agreed, 1 are done (1 signed off by the board) and 1 are overdue." in pack.summary
    paths = write_review_pack(pack, tmp_path / "pack")
    assert (tmp_path / "pack" / "csv" / "actions.csv").is_file()
    pdf = next(p for p in paths if p.suffix == ".pdf")
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Actions and progress" in text and "OVERDUE" in text
    assert late


def _screen(settings, monkeypatch, who: Actor):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ERREVIEW_DATABASE_URL", settings.database_url)
    at = AppTest.from_file(str(Path(__file__).parent.parent / "panels" / "actions.py"), default_timeout=60)
    from .sessions import SESSION_KEY, session_token

    at.session_state[SESSION_KEY] = session_token(settings.database_url, who)
    return at.run()


def test_the_screen_records_updates_highlights_and_signs_off(engine, settings, monkeypatch, cli):
    import_examples(cli, settings.database_url)  # an action's period and division are picked from the data
    at = _screen(settings, monkeypatch, ANALYST)
    assert not at.exception
    inputs = {t.label: t for t in at.text_input}
    inputs["Action"].input("Review every suspension within 48 hours")
    inputs["Owner (a post, e.g. Director of People)"].input("Director of People")
    at.selectbox(key="new_action_division").select("Corporate")
    at.selectbox(key="new_action_period").select(at.selectbox(key="new_action_period").options[0])
    next(d for d in at.date_input if d.label == "Due date").set_value(date(2020, 1, 31))
    next(s for s in at.selectbox if s.label == "Measure").set_value("suspension")
    next(b for b in at.button if b.label == "Save the action").click().run()
    assert not at.exception
    assert any("Action 1 recorded" in s.value for s in at.success)
    assert any("1 action(s) overdue" in w.value for w in at.warning)
    assert shown(at.dataframe[0])["Overdue"].tolist() == ["Yes"]  # the row is shaded too
    # Evidence with an identifier is refused with a plain message.
    area = next(a for a in at.text_area if a.label == "Evidence of progress")
    area.input("Spoke to jo@nhs.net")
    next(b for b in at.button if b.label == "Save changes to action 1").click().run()
    assert any("Evidence of progress: this appears to contain an email address" in e.value for e in at.error)
    area = next(a for a in at.text_area if a.label == "Evidence of progress")
    area.input("Second-director review in place; audit of 12 suspensions attached to the minutes.")
    next(s for s in at.selectbox if s.label == "Status").set_value(ActionStatus.DONE)
    next(b for b in at.button if b.label == "Save changes to action 1").click().run()
    assert any("Action 1 saved" in s.value for s in at.success)
    assert not at.warning  # done actions are not overdue
    assert not any(b.label.startswith("Sign off") for b in at.button)  # analysts do not sign off

    board = _screen(settings, monkeypatch, BOARD)
    assert not board.exception
    assert not any(t.label == "Action" for t in board.text_input)  # the board does not edit
    next(b for b in board.button if b.label == "Sign off action 1").click().run()
    assert any("Action 1 signed off" in s.value for s in board.success)
    assert board.dataframe[0].value["Signed off by"].tolist() == ["board"]
    # The refused save wrote nothing; status and evidence changed in one audited save.
    assert _log(engine, 1) == ["action.create", "action.update", "action.sign_off"]


OWN_MEASURE = """
id = "grievance_upheld"
label = "Grievance upheld"
question = "If I raise a grievance and I am from a minority ethnic background, is it as likely to be upheld?"
population_text = "Grievances with an outcome, not withdrawn"
event_text = "Upheld in whole or in part"
harm_direction = "below"
case_types = ["grievance"]
event = [{ column = "complaint_outcome", in = ["upheld", "partially_upheld"] }]
"""


def test_an_action_can_answer_a_measure_the_trust_added(engine, tmp_path):
    folder = tmp_path / "measures"
    folder.mkdir()
    (folder / "grievance.toml").write_text(OWN_MEASURE)
    mine = NEW | {"measure": "grievance_upheld"}
    # Without the trust's library the measure is unknown; with it, it is a finding an action can answer.
    with pytest.raises(ActionRefused, match="measure: must be one of"):
        create_action(engine, mine, actor=ANALYST)
    action_id = create_action(engine, mine, actor=ANALYST, measure_dir=folder)
    row = list_actions(engine, actor=BOARD).set_index("id").loc[action_id]
    assert row["measure"] == "grievance_upheld"
    # A misspelt trust measure is refused, naming the trust's measure among the choices.
    with pytest.raises(ActionRefused, match=r"measure: must be one of .*grievance_upheld"):
        create_action(engine, NEW | {"measure": "grievance_uphold"}, actor=ANALYST, measure_dir=folder)
    # Progress on the action does not re-ask for the library (the measure it answers stays valid) ...
    v2 = update_action(engine, action_id, {"status": "in_progress"}, actor=ANALYST, expected_version=1)
    # ... but moving it to a measure that is not in the library is refused.
    with pytest.raises(ActionRefused, match="measure: must be one of"):
        update_action(engine, action_id, {"measure": "bullying_upheld"}, actor=ANALYST, expected_version=v2)
    assert update_action(engine, action_id, {"measure": "suspension"}, actor=ANALYST, expected_version=v2) == v2 + 1


def test_the_actions_screen_offers_the_trusts_own_measures(settings, tmp_path, monkeypatch, cli):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from .sessions import SESSION_KEY, session_token

    folder = tmp_path / "measures"
    folder.mkdir()
    (folder / "grievance.toml").write_text(OWN_MEASURE)
    import_examples(cli, settings.database_url)
    monkeypatch.setenv("ERREVIEW_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ERREVIEW_MEASURE_DIR", str(folder))
    store.make_engine(settings.database_url).dispose()
    at = AppTest.from_file(str(Path(__file__).parent.parent / "panels" / "actions.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = session_token(settings.database_url, ANALYST)
    at.run()
    assert not at.exception
    measure = next(s for s in at.selectbox if s.label == "Measure")
    assert measure.options[-1] == "Grievance upheld"  # the measure's own name
    measure.select("grievance_upheld")
    at.selectbox(key="new_action_division").select("")
    at.selectbox(key="new_action_period").select(at.selectbox(key="new_action_period").options[0])
    title = next(t for t in at.text_input if t.label == "Action")
    owner = next(t for t in at.text_input if t.label.startswith("Owner"))
    title.input("Review every upheld-grievance decision with the staff network")
    owner.input("Director of People")
    next(d for d in at.date_input if d.label == "Due date").set_value(date(2026, 3, 31))
    next(b for b in at.button if b.label == "Save the action").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    rows = list_actions(store.engine_for(settings.database_url), actor=BOARD)
    assert rows["measure"].tolist() == ["grievance_upheld"]
