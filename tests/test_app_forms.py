"""Forms through AppTest: every problem at once, in plain English under the form's own labels, never
pydantic's wording, and what was typed stays in the form."""

# ruff: noqa: F811  (fixtures imported from test_app are parameters here)
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from streamlit.testing.v1 import AppTest

from erreview.review.roles import Role

from .test_app import ACTORS, _refer_a_demo_case, app_env, demo_db, signed_in  # noqa: F401  (fixtures)

#: pydantic's own wording: none of it may reach a screen.
PYDANTIC = ("String should have", "Input should be", "validation error", "errors.pydantic.dev", "Value error")


def _messages(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _no_pydantic(messages: list[str]) -> None:
    for message in messages:
        for phrase in PYDANTIC:
            assert phrase.lower() not in message.lower(), (phrase, message)


def _leaves(node: Any) -> Iterator[Any]:
    """The elements of ``node`` in the order the page draws them (a filled placeholder where it was made)."""
    children = getattr(node, "children", None)
    if children is None:
        if getattr(node, "type", "") != "empty":  # an unfilled placeholder draws nothing
            yield node
        return
    for index in sorted(children):
        yield from _leaves(children[index])


def _problem_beside(at: AppTest, label: str) -> str | None:
    """The problem drawn right under the control labelled ``label`` (before the next control), if any."""
    leaves = list(_leaves(at._tree))
    here = next(i for i, e in enumerate(leaves) if getattr(e, "label", None) == label)
    following = leaves[here + 1] if here + 1 < len(leaves) else None
    return following.value if following is not None and following.type == "error" else None


def test_the_panel_check_reports_a_blank_role_with_every_other_problem(app_env):
    case_id = _refer_a_demo_case(app_env)
    at = signed_in(Role.PANEL_MEMBER).switch_page("panels/precheck.py").run()
    at.selectbox[0].select(case_id).run()
    at.multiselect(key=f"{case_id}-members").set_value(["panel", "panel2"]).run()
    at.text_input(key=f"{case_id}-panel2-role").input("")
    for box in at.text_input:
        if box.key and box.key.endswith("-note"):
            box.input("Seen by Mr Smith, NHS number 943 476 5919, j.smith@example.nhs.uk, born 01/02/1980")
            break
    next(a for a in at.text_area if a.label == "Written rationale").input("Too short")
    next(b for b in at.button if b.label == "Submit review").click().run()
    assert not at.exception
    messages = _messages(at)
    text = " ".join(messages)
    assert "Role on the panel for member 2: enter the member's role" in text, messages
    assert "written rationale is required" in text, messages
    assert "NHS number" in text and "email" in text.lower(), messages
    _no_pydantic(messages)
    # What was typed stays.
    assert next(a for a in at.text_area if a.label == "Written rationale").value == "Too short"


def test_the_panel_check_shows_each_problem_beside_its_question_or_field(app_env):
    """A "No" without its note, one member short of the quorum, no decision and a short rationale: each named
    right under its own question or field, by the question's number (never its id), a count on top, and every
    answer given still in the form."""
    from erreview.review.checklists import all_templates, latest
    from erreview.review.lifecycle import Step

    case_id = _refer_a_demo_case(app_env)
    template = latest(all_templates(), "panel_precheck")
    questions = template.questions_for(Step.FORMAL_INVESTIGATION)
    first = questions[0]
    assert first.choices and "no" in first.note_required_for  # the test needs a question whose "No" needs a note
    at = signed_in(Role.PANEL_MEMBER).switch_page("panels/precheck.py").run()
    at.selectbox[0].select(case_id).run()
    at.radio(key=f"{case_id}-{first.id}").set_value("no").run()
    at.multiselect(key=f"{case_id}-members").set_value(["panel"]).run()
    next(a for a in at.text_area if a.label == "Written rationale").input("Too short")
    next(b for b in at.button if b.label == "Submit review").click().run()
    assert not at.exception
    messages = _messages(at)
    _no_pydantic(messages)
    assert any(m.startswith("The review was not submitted:") and "problems, each shown beside" in m for m in messages)
    note_label = at.text_input(key=f"{case_id}-{first.id}-note").label
    assert _problem_beside(at, note_label) == "Question 1 answered No needs a note.", messages
    members = _problem_beside(at, "Panel members")
    assert members is not None and "needs at least" in members, messages
    assert _problem_beside(at, "Decision") == "Decision: choose one.", messages
    rationale = _problem_beside(at, "Written rationale")
    assert rationale is not None and rationale.startswith("The written rationale is required"), messages
    # Questions answered properly carry no problem; nothing names a question by its id.
    second = next(q for q in questions[1:] if q.answer_type == "text")
    assert "needs a written answer" in (
        _problem_beside(at, at.text_area(key=f"{case_id}-{second.id}-text").label) or ""
    )
    ids = [q.id for q in template.questions]
    assert not any(qid in m for m in messages for qid in ids), messages
    # What was given stays.
    assert at.radio(key=f"{case_id}-{first.id}").value == "no"
    assert at.multiselect(key=f"{case_id}-members").value == ["panel"]
    assert next(a for a in at.text_area if a.label == "Written rationale").value == "Too short"


def test_a_blank_action_lists_every_problem_by_its_label_and_keeps_what_was_typed(app_env):
    at = signed_in(Role.INCLUSION_ANALYST).switch_page("panels/actions.py").run()
    at.selectbox(key="new_action_period").select("2024/25-H2")
    at.text_input(key="new_action_owner").input("Director of People")
    at.text_input(key="new_action_title").input("")
    next(b for b in at.button if b.label == "Save the action").click().run()
    assert not at.exception
    messages = _messages(at)
    assert any(m.startswith("Action: this is required") for m in messages), messages
    assert any(m.startswith("Due date: this is required") for m in messages), messages
    # Nothing is chosen for the person: a measure and a division left unchosen are named too.
    assert any(m.startswith("Measure: choose the measure") for m in messages), messages
    assert any(m.startswith("Division: choose the division") for m in messages), messages
    assert not any(m.startswith(("Owner", "Period")) for m in messages), messages  # those were given
    assert any("4 problem(s)" in m for m in messages), messages
    assert not any("title" in m or "due date:" in m for m in messages), messages  # labels, not field names
    _no_pydantic(messages)
    # What was typed and chosen is kept after the error.
    assert at.text_input(key="new_action_owner").value == "Director of People"
    assert at.selectbox(key="new_action_period").value == "2024/25-H2"
    # A too-short action is named; then a good one saves and the form empties.
    at.text_input(key="new_action_title").input("Fix")
    at.selectbox(key="new_action_measure").select("suspension")
    at.selectbox(key="new_action_division").select("")
    next(b for b in at.button if b.label == "Save the action").click().run()
    messages = _messages(at)
    assert any(m.startswith("Action: write at least 5 characters") for m in messages), messages
    assert not any(m.startswith(("Measure", "Division")) for m in messages), messages
    _no_pydantic(messages)
    from datetime import date

    at.text_input(key="new_action_title").input("Review the referral route with HR business partners")
    at.date_input(key="new_action_due_date").set_value(date(2030, 1, 31))
    next(b for b in at.button if b.label == "Save the action").click().run()
    assert not at.exception and not _messages(at), _messages(at)
    assert any("recorded" in s.value for s in at.success)
    assert at.text_input(key="new_action_owner").value == ""
    assert at.selectbox(key="new_action_measure").value is None  # the form empties: nothing chosen again


def test_admin_settings_have_proper_controls_and_save_all_or_nothing(app_env):
    """Numbers in number boxes, a yes/no as a checkbox, the date as a day-first date, the gated steps from a list
    in words; a change that turns the gate off unconfirmed saves nothing else either (it saved the settings before
    it, then refused). The boxes carry no bounds of their own (Streamlit would answer a number out of range in its
    own words): the library's bounds speak on Save, tested below."""
    from datetime import date

    from erreview import service, store
    from erreview.config import Settings

    engine = store.engine_for(app_env.database_url)
    at = signed_in(Role.ADMIN).switch_page("panels/admin.py").run()
    assert not at.exception
    threshold = next(n for n in at.number_input if n.label.startswith("Hide counts up to (board"))
    assert threshold.value == 7
    assert any(c.label == "A director-level member is needed too" for c in at.checkbox)
    day = next(d for d in at.date_input if d.label == "Date the panel pre-checks began")
    assert day.proto.format == "DD/MM/YYYY"
    steps = next(m for m in at.multiselect if m.label == "Steps that need the panel's check first")
    assert steps.value == ["formal_investigation", "suspension"]
    assert [steps.format_func(o) for o in steps.options] == ["Formal investigation", "Suspension"]
    assert not at.text_input or all("threshold" not in t.label.lower() for t in at.text_input)

    # The gate off for suspension, unconfirmed, with a threshold change: nothing is saved.
    threshold.set_value(9)
    steps.set_value(["formal_investigation"])
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert not at.exception
    text = " ".join(_messages(at))
    assert "gate off" in text and "Confirm" in text, text
    _no_pydantic(_messages(at))
    base = Settings(database_url=app_env.database_url, pseudonym_key=app_env.pseudonym_key)
    now = service.effective_settings(engine, base)
    assert now.suppression_threshold == 7 and now.gated_steps == "formal_investigation,suspension"

    # Proper values, saved (then put back: the other tests here share the demo database).
    before = service.effective_settings(engine, base)
    at = signed_in(Role.ADMIN).switch_page("panels/admin.py").run()
    next(n for n in at.number_input if n.label.startswith("Hide counts up to (board")).set_value(9)
    next(c for c in at.checkbox if c.label == "A director-level member is needed too").check()
    next(d for d in at.date_input if d.label == "Date the panel pre-checks began").set_value(date(2024, 5, 1))
    try:
        next(b for b in at.button if b.label == "Save settings").click().run()
        assert not at.exception and any("Settings saved" in s.value for s in at.success), _messages(at)
        now = service.effective_settings(engine, base)
        assert now.suppression_threshold == 9 and now.quorum_director and now.intervention_date == date(2024, 5, 1)
    finally:
        for name in ("suppression_threshold", "quorum_director", "intervention_date"):
            value = getattr(before, name)
            service.change_setting(engine, base, name, None if value is None else str(value), user="admin")
    assert service.effective_settings(engine, base) == before


def test_admin_settings_show_every_problem_beside_its_setting_and_keep_what_was_typed(app_env):
    """An impossible quorum and the gate turned off unconfirmed: both named at once, each right under its own
    control in the form's words, a count on top, nothing saved, and every value typed still in the form."""
    from erreview import service, store
    from erreview.config import Settings

    engine = store.engine_for(app_env.database_url)
    base = Settings(database_url=app_env.database_url, pseudonym_key=app_env.pseudonym_key)
    before = service.effective_settings(engine, base)
    at = signed_in(Role.ADMIN).switch_page("panels/admin.py").run()
    independent = "Of them, independent of the referring manager"
    confirm = next(c.label for c in at.checkbox if c.label.startswith("I confirm turning the panel bias-check gate"))
    next(n for n in at.number_input if n.label.startswith("Hide counts up to (board")).set_value(9)
    next(n for n in at.number_input if n.label == independent).set_value(3)
    next(m for m in at.multiselect if m.label == "Steps that need the panel's check first").set_value(
        ["formal_investigation"]
    )
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert not at.exception
    messages = _messages(at)
    _no_pydantic(messages)
    assert any(m.startswith("The settings were not saved: 2 problems") for m in messages), messages
    beside_quorum = _problem_beside(at, independent)
    assert beside_quorum is not None and beside_quorum.startswith(f"{independent}: it cannot be more than"), messages
    assert "panel members needed (2)" in beside_quorum
    beside_confirm = _problem_beside(at, confirm)
    assert beside_confirm is not None and "gate off for Suspension" in beside_confirm, messages
    assert _problem_beside(at, "Panel members needed") is None  # no problem there, none shown
    assert not any("quorum" in m or "gated_steps" in m or "suspension," in m for m in messages), messages
    # Nothing saved; what was typed stays.
    assert service.effective_settings(engine, base) == before
    assert next(n for n in at.number_input if n.label.startswith("Hide counts up to (board")).value == 9
    assert next(n for n in at.number_input if n.label == independent).value == 3
    assert next(m for m in at.multiselect if m.label == "Steps that need the panel's check first").value == [
        "formal_investigation"
    ]


def test_admin_settings_name_a_number_or_date_out_of_range_in_plain_words(app_env):
    """A threshold below 5, too few panel members and a start date before 2000 are taken by their boxes (no box
    has bounds of its own, whose refusal Streamlit words itself), then named on Save right under each, in the
    app's words with what was entered; nothing is saved and what was typed stays."""
    from datetime import date

    from erreview import service, store
    from erreview.config import Settings

    engine = store.engine_for(app_env.database_url)
    base = Settings(database_url=app_env.database_url, pseudonym_key=app_env.pseudonym_key)
    before = service.effective_settings(engine, base)
    at = signed_in(Role.ADMIN).switch_page("panels/admin.py").run()
    threshold_label = "Hide counts up to (board packs and restricted screens)"
    day_label = "Date the panel pre-checks began"
    for box in at.number_input:  # no bounds of the box's own: the library's bounds are the only ones
        assert box.min is None and box.max is None, (box.label, box.min, box.max)
    next(n for n in at.number_input if n.label == threshold_label).set_value(3)
    next(n for n in at.number_input if n.label == "Panel members needed").set_value(1)
    next(n for n in at.number_input if n.label == "Of them, independent of the referring manager").set_value(0)
    next(d for d in at.date_input if d.label == day_label).set_value(date(1999, 12, 31))
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert not at.exception
    messages = _messages(at)
    _no_pydantic(messages)
    assert not any("allowed range" in m.lower() or "error:" in m.lower() for m in messages), messages
    assert any(m.startswith("The settings were not saved: 3 problems") for m in messages), messages
    beside = _problem_beside(at, threshold_label)
    assert beside is not None and beside.startswith(f"{threshold_label}: at least 5 (you entered 3)"), messages
    assert _problem_beside(at, "Panel members needed") == "Panel members needed: at least 2 (you entered 1).", messages
    assert (
        _problem_beside(at, day_label) == f"{day_label}: on or after 1 January 2000 (you entered 31 December 1999)."
    ), messages
    # Nothing saved; what was typed stays.
    assert service.effective_settings(engine, base) == before
    assert next(n for n in at.number_input if n.label == threshold_label).value == 3
    assert next(n for n in at.number_input if n.label == "Panel members needed").value == 1
    assert next(d for d in at.date_input if d.label == day_label).value == date(1999, 12, 31)


def test_admin_users_refuses_formula_like_names_beside_each_field_and_keeps_what_was_typed(app_env):
    """A username and a display name a spreadsheet would read as a formula, and a short password: each named right
    under its own field in plain words, a count on top, nothing saved, what was typed kept; a proper user saves."""
    from sqlalchemy import text

    from erreview import store

    engine = store.engine_for(app_env.database_url)

    def count() -> int:
        with engine.connect() as con:
            return int(con.execute(text("SELECT count(*) FROM app_user")).scalar() or 0)

    before = count()
    at = signed_in(Role.ADMIN).switch_page("panels/admin.py").run()
    password_label = "Password (leave empty for organisation sign-in only)"
    for username, name in (('=HYPERLINK("http://x")', "+1"), ("@x", "-2"), ("+1", "@x")):
        next(t for t in at.text_input if t.label == "Username").input(username)
        next(t for t in at.text_input if t.label == "Display name").input(name)
        next(t for t in at.text_input if t.label == password_label).input("short")
        next(b for b in at.button if b.label == "Save user").click().run()
        assert not at.exception
        messages = _messages(at)
        _no_pydantic(messages)
        assert "The user was not saved: 3 problems, shown beside each field." in messages, messages
        beside = _problem_beside(at, "Username")
        assert beside is not None and beside.startswith("Username: use letters, digits, dots (.), underscores"), (
            messages
        )
        beside = _problem_beside(at, "Display name")
        assert beside is not None and beside.startswith("Display name: it cannot start with =, +, - or @"), messages
        assert _problem_beside(at, password_label) == "Password: at least 10 characters.", messages
        assert count() == before  # nothing saved
        assert next(t for t in at.text_input if t.label == "Username").value == username  # what was typed stays
        assert next(t for t in at.text_input if t.label == "Display name").value == name
    # Proper values save, and say so.
    next(t for t in at.text_input if t.label == "Username").input("New.Lead@trust.example")
    next(t for t in at.text_input if t.label == "Display name").input("Siân O'Neill-Jones")
    next(t for t in at.text_input if t.label == password_label).input("")
    next(b for b in at.button if b.label == "Save user").click().run()
    assert not at.exception and not _messages(at), _messages(at)
    assert any(s.value.startswith("Saved new") for s in at.success), [s.value for s in at.success]
    assert count() == before + 1
    with engine.connect() as con:
        row = con.execute(text("SELECT display_name FROM app_user WHERE username = 'new.lead@trust.example'")).one()
    assert row[0] == "Siân O'Neill-Jones"


def test_suspending_reports_every_missing_safeguard_and_an_early_review_at_once(app_env):
    from datetime import date, timedelta

    from .test_app_correction import case_ready_to_suspend

    case_id = case_ready_to_suspend(app_env)
    at = signed_in(Role.CASE_LEAD).switch_page("panels/cases.py").run()
    next(s for s in at.selectbox if s.label == "Open case").set_value(case_id).run()
    next(r for r in at.radio if r.label == "Choose the next step").set_value("Suspend").run()
    next(t for t in at.text_input if t.label.startswith("Named contact")).input("HR business partner")
    next(d for d in at.date_input if d.label.startswith("First review")).set_value(date.today() - timedelta(days=3))
    next(b for b in at.button if b.label == "Suspend").click().run()
    assert not at.exception
    messages = _messages(at)
    text = " ".join(messages)
    assert "Alternatives to suspension considered: this is required" in text, messages
    assert "First review of the suspension: it cannot be before the suspension starts" in text, messages
    assert "Named contact" not in text, messages
    _no_pydantic(messages)
    # What was typed stays in the form.
    assert next(t for t in at.text_input if t.label.startswith("Named contact")).value == "HR business partner"


def test_a_future_concern_date_is_named_as_such_and_kept(app_env):
    from datetime import date

    at = signed_in(Role.CASE_LEAD).switch_page("panels/cases.py").run()
    at.date_input(key="new_opened_date").set_value(date(2030, 1, 15))
    next(b for b in at.button if b.label == "Raise concern").click().run()
    assert not at.exception
    messages = _messages(at)
    assert any(m.startswith("Concern raised on: ") and "cannot be in the future" in m for m in messages), messages
    assert not any(m.startswith("Concern raised on is required") for m in messages), messages
    _no_pydantic(messages)
    assert at.date_input(key="new_opened_date").value == date(2030, 1, 15)


def test_a_staff_identifier_not_in_the_trusts_form_is_named_beside_its_field_and_kept(app_env):
    """Junk in the staff identifier ("abc!!", a lower-case letter, a space inside) is named right under the field
    in plain words saying what is expected, with an example; what was typed stays and nothing is saved."""
    from erreview import store
    from erreview.review.casepage import FIELD_LABELS
    from erreview.review.roles import Role as R
    from erreview.review.workflow import list_cases

    from .test_app import ACTORS as actors

    engine = store.engine_for(app_env.database_url)
    before = len(list_cases(engine, actor=actors[R.CASE_LEAD]))
    label = FIELD_LABELS["person_id"]
    at = signed_in(Role.CASE_LEAD).switch_page("panels/cases.py").run()
    for typed in ("abc!!", "e1234567", "E 1234567", " 123 "):
        at.text_input(key="new_person_id").input(typed)
        next(b for b in at.button if b.label == "Raise concern").click().run()
        assert not at.exception
        messages = _messages(at)
        _no_pydantic(messages)
        assert _problem_beside(at, label) == (
            f"{label}: use the staff number as it is on record: a capital letter and seven digits, e.g. E1002319, "
            "without spaces or marks."
        ), messages
        assert at.text_input(key="new_person_id").value == typed
    # Spaces around a proper identifier are no problem (they are trimmed on save).
    at.text_input(key="new_person_id").input(" E1234567 ")
    next(b for b in at.button if b.label == "Raise concern").click().run()
    assert _problem_beside(at, label) is None, _messages(at)
    assert len(list_cases(engine, actor=actors[R.CASE_LEAD])) == before


def test_every_forms_model_speaks_plainly_about_bad_values():
    """Each form's model, given blank, wrong-type, too-short, out-of-range and impossible values: every message
    form_problems gives carries the form's label and none of pydantic's own wording."""
    import pytest
    from pydantic import ValidationError

    from erreview.actions import ActionInput
    from erreview.config import Settings
    from erreview.review.panel import Member
    from erreview.review.suspension import SuspensionPlanIn
    from panels.common import PYDANTIC_PHRASES, form_problems

    cases = [
        (ActionInput, {"title": "", "measure": "x", "owner": "A", "due_date": "2030-13-01", "status": "nope"}),
        (ActionInput, {"title": "x" * 400, "measure": "x", "owner": "Director", "due_date": None}),
        (
            Settings,
            {"suppression_threshold": "abc", "quorum_director": "maybe", "intervention_date": "2030-13-01"}
            | {"quorum_members": "1", "min_group_size": "1.5"},
        ),
        (SuspensionPlanIn, {"alternatives_considered": "", "full_pay": "perhaps", "named_contact": "x"}),
        (Member, {"username": "", "role": ""}),
    ]
    for model, values in cases:
        with pytest.raises(ValidationError) as info:
            model.model_validate(values)
        labels = {name: f"Label of {name}" for name in values}
        problems = form_problems(info.value, labels)
        assert problems, model
        for name, text in problems.items():
            assert text.startswith(f"Label of {name}: "), text
            assert text.endswith("."), text
            for phrase in PYDANTIC_PHRASES:
                assert phrase.lower() not in text.lower(), (phrase, text)


def test_screens_leave_pydantic_messages_to_the_one_helper():
    """Only panels/common.py turns a ValidationError into words: no screen reads pydantic's ``msg`` or prints the
    exception, so every form goes through form_problems (and its labels)."""
    import re
    from pathlib import Path

    panels = Path(__file__).parent.parent / "panels"
    for path in sorted(panels.glob("*.py")):
        if path.name == "common.py":
            continue
        source = path.read_text()
        assert not re.search(r"""\[["']msg["']\]""", source), path.name
        assert "plain_validation" not in source, path.name  # the joined one-line form: use form_problems


def test_the_action_form_offers_known_values_in_words_and_chooses_nothing(app_env):
    """An action's measure, period and division are picked from what exists (a misspelt one cannot be typed),
    shown as people name them, and none is chosen for the person."""
    import re

    from sqlalchemy import select

    from erreview import service, store
    from erreview.models import ErCase

    at = signed_in(Role.INCLUSION_ANALYST).switch_page("panels/actions.py").run()
    assert not at.exception
    assert not [t.label for t in at.text_input if t.label.startswith(("Period", "Division"))]
    measure, period, division = (at.selectbox(key=f"new_action_{n}") for n in ("measure", "period", "division"))
    assert (measure.value, period.value, division.value) == (None, None, None)
    assert "WRES indicator 3" in measure.options and "Complaints raised by staff" in measure.options
    assert not [m for m in measure.options if "_" in m or m[:1].islower()], measure.options
    # Periods: financial years and halves worded "2025/26 H2", every half-year the Overview offers among them.
    assert all(re.fullmatch(r"\d{4}/\d{2}( H[12])?", p) for p in period.options), period.options
    engine = store.engine_for(app_env.database_url)
    halves = {r.period.label.replace("-", " ") for r in service.wres_results(engine)}
    assert halves <= set(period.options), halves - set(period.options)
    # Divisions: the whole trust first, then every division named in the cases.
    with store.session_scope(engine) as session:
        named = set(session.execute(select(ErCase.division).distinct()).scalars())
    assert division.options[0] == "Whole trust"
    assert named <= set(division.options[1:]), named - set(division.options)


def _typed_options(monkeypatch: Any) -> None:
    """Let AppTest send a value typed into a pick list that takes new options, as the browser does (AppTest's
    selectbox only sends values from its list)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    from streamlit.testing.v1.element_tree import Selectbox

    def widget_state(self: Selectbox[Any]) -> WidgetState:
        state = WidgetState()
        state.id = self.id
        if self.value is not None:
            state.string_value = str(self.format_func(self.value))
        return state

    monkeypatch.setattr(Selectbox, "_widget_state", property(widget_state))


def test_a_new_staff_group_is_added_only_deliberately(app_env, monkeypatch):
    """A value typed into the staff group that is not in the list is not saved at once: the field names it and the
    listed group closest to it, and a box to add it appears; a value that differs from a listed one only in capitals
    is refused outright; once the box is ticked the new group is saved."""
    from datetime import date, timedelta

    from erreview import store
    from erreview.review.roles import Role as R
    from erreview.review.workflow import case_detail, list_cases, subject_choices

    from .test_app import ACTORS as actors

    _typed_options(monkeypatch)
    engine = store.engine_for(app_env.database_url)
    groups = subject_choices(engine, actor=actors[R.CASE_LEAD])["staff_group"]
    listed = max(groups, key=len)
    typo = listed[:-2] + listed[-1] + listed[-2]  # the last two letters swapped
    assert typo not in groups
    at = signed_in(Role.CASE_LEAD).switch_page("panels/cases.py").run()

    def pick(label: str, value: str | None = None) -> None:
        box = next(s for s in at.selectbox if s.label == label)
        box.set_value(value if value is not None else box.options[0])

    at.text_input(key="new_person_id").input("E7000123")
    for label in ("Ethnic category", "Gender", "Band", "Division", "Case type", "Allegation", "Raised by"):
        pick(label)
    pick("Staff group", typo)
    at.date_input(key="new_opened_date").set_value(date.today() - timedelta(days=1))
    before = len(list_cases(engine, actor=actors[R.CASE_LEAD]))
    next(b for b in at.button if b.label == "Raise concern").click().run()
    assert not at.exception
    messages = _messages(at)
    beside = _problem_beside(at, "Staff group")
    assert beside is not None and beside.startswith(f"Staff group: “{typo}” is not in the list."), messages
    assert f"Did you mean “{listed}”" in beside, beside
    assert len(list_cases(engine, actor=actors[R.CASE_LEAD])) == before  # nothing saved
    assert next(s for s in at.selectbox if s.label == "Staff group").value == typo  # what was typed stays
    add = next(c for c in at.checkbox if c.label.startswith("Add “"))
    assert add.label == f"Add “{typo}” as a new staff group" and not add.value

    # Only capitals differ from a listed group: refused even when ticked, naming the listed one.
    pick("Staff group", listed.upper())
    next(b for b in at.button if b.label == "Raise concern").click().run()
    next(c for c in at.checkbox if c.label.startswith("Add “")).check()
    next(b for b in at.button if b.label == "Raise concern").click().run()
    beside = _problem_beside(at, "Staff group")
    assert beside == f"Staff group: “{listed.upper()}” is already in the list as “{listed}”: choose that from the list."
    assert len(list_cases(engine, actor=actors[R.CASE_LEAD])) == before

    # A really new group, confirmed: saved as typed.
    pick("Staff group", "Healthcare Scientists (new)")
    next(b for b in at.button if b.label == "Raise concern").click().run()
    assert len(list_cases(engine, actor=actors[R.CASE_LEAD])) == before
    next(c for c in at.checkbox if c.label == "Add “Healthcare Scientists (new)” as a new staff group").check()
    next(b for b in at.button if b.label == "Raise concern").click().run()
    assert not at.exception and not _messages(at), _messages(at)
    cases = list_cases(engine, actor=actors[R.CASE_LEAD])
    assert len(cases) == before + 1
    created = case_detail(engine, at.session_state["case_id"], actor=actors[R.CASE_LEAD])
    assert created.case["staff_group"] == "Healthcare Scientists (new)"
