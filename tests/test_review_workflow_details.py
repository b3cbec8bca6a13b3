"""Details of the case workflow the larger journeys in test_workflow.py do not pin down: the case timeline's
exact rows, and what the suspension safeguards say when they refuse (written from mutation testing, issue #14)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from erreview.models import PanelReview
from erreview.review.lifecycle import Stage, TransitionRefused
from erreview.review.roles import Actor, Role
from erreview.review.screening import IdentifierInText
from erreview.review.suspension import SuspensionPlanIn
from erreview.review.workflow import CaseDetail, _suspension_plan

LEAD = Actor("lead1", Role.CASE_LEAD)
#: A valid NHS number (check digit 9): text holding it must be refused.
NHS_NUMBER = "943 476 5919"


def _review(review_id: int, on: datetime, *, version: int, decision: str = "proceed") -> PanelReview:
    return PanelReview(
        id=review_id,
        case_id="ER-1",
        step="formal_investigation",
        template_id="panel_precheck",
        template_version=2,
        members=[],
        answers={},
        decision=decision,
        rationale="r",
        submitted_at=on,
        submitted_by="panel1",
        review_version=version,
    )


def test_the_timeline_has_one_row_per_tracker_date_change_and_review_in_date_order():
    case = {
        "opened_date": date(2025, 5, 1),
        "initial_route": "formal",
        "route_date": date(2025, 5, 10),
        "formal_investigation_date": date(2025, 5, 12),
        "closed_date": date(2025, 9, 1),
    }
    changes = [
        {"at": datetime(2025, 5, 12, 9, 0), "by": "lead1", "action": "case.start_formal", "detail": {}},
        {"at": datetime(2025, 5, 3, 16, 45), "by": "admin", "action": "case.refer_to_panel", "detail": {}},
    ]
    reviews = [
        _review(7, datetime(2025, 5, 11, 10, 0), version=1, decision="divert_informal"),
        _review(9, datetime(2025, 5, 11, 15, 0), version=2),
    ]
    detail = CaseDetail(case, Stage.CLOSED, "lead1", "North", [], reviews, changes)
    assert detail.timeline_rows() == [
        {"date": date(2025, 5, 1), "event": "Concern raised"},
        {"date": date(2025, 5, 3), "event": "Referred to the panel bias check by admin"},
        {"date": date(2025, 5, 10), "event": "Route decided: formal"},
        {
            "date": date(2025, 5, 11),
            "event": "Panel review 7 (formal investigation): Divert to an informal route (v1)",
        },
        {"date": date(2025, 5, 11), "event": "Panel review 9 (formal investigation): Proceed to formal action (v2)"},
        {"date": date(2025, 5, 12), "event": "Formal investigation began"},
        {"date": date(2025, 5, 12), "event": "Formal investigation started by lead1"},
        {"date": date(2025, 9, 1), "event": "Closed"},
    ]


def test_every_recorded_change_reads_in_plain_words_on_the_timeline():
    from erreview.review.lifecycle import Action
    from erreview.review.workflow import TIMELINE_EVENTS, timeline_event

    # Every step a case can take has its own wording, not the machine's verb.
    assert {f"case.{a.value}" for a in Action} <= set(TIMELINE_EVENTS)
    changes = [
        {"at": datetime(2025, 5, 1, 9, 0), "by": "lead", "action": "case.create", "detail": {}},
        {"at": datetime(2025, 5, 1, 9, 5), "by": "admin", "action": "case.view", "detail": {}},
        {"at": datetime(2025, 5, 2, 9, 0), "by": "lead", "action": "case.start_assessment", "detail": {}},
    ]
    detail = CaseDetail({"opened_date": date(2025, 5, 1)}, Stage.INITIAL_ASSESSMENT, "lead", None, [], [], changes)
    assert [r["event"] for r in detail.timeline_rows()] == [
        "Concern raised",
        "Created by lead",
        "Viewed by admin",
        "Assessment started by lead",
    ]
    assert timeline_event("case.something_new") == "Something new"  # a future action still reads as words
    for event in TIMELINE_EVENTS.values():
        assert "_" not in event and "(" not in event and event[0].isupper(), event


def test_a_case_not_yet_routed_has_no_route_row():
    detail = CaseDetail(
        {"opened_date": date(2025, 5, 1), "initial_route": None}, Stage.CONCERN_RAISED, None, None, [], []
    )
    assert detail.timeline_rows() == [{"date": date(2025, 5, 1), "event": "Concern raised"}]


START = date(2025, 5, 21)


def test_suspending_without_the_safeguards_lists_what_is_needed():
    with pytest.raises(TransitionRefused) as refused:
        _suspension_plan("ER-1", START, None, 28, LEAD)
    message = str(refused.value)
    for needed in (
        "the alternatives considered",
        "confirmation that the employee stays on full pay",
        "a named contact",
    ):
        assert needed in message, needed
    assert message.endswith(", and the first review date")


def test_a_suspension_not_on_full_pay_is_refused_by_the_model_and_by_the_workflow():
    """The 2019 safeguards: suspension is on full pay. The form's model refuses an unconfirmed box in plain words
    under its own label, and a plan built past the model is refused when the suspension is recorded."""
    from pydantic import ValidationError

    from panels.common import form_problems

    with pytest.raises(ValidationError) as invalid:
        SuspensionPlanIn(alternatives_considered="Redeployment", full_pay=False, named_contact="HR")
    problems = form_problems(invalid.value, {"full_pay": "Full pay"})
    assert list(problems) == ["full_pay"]
    assert problems["full_pay"] == (
        "Full pay: a suspension is on full pay (the 2019 safeguards): confirm that the employee stays on full pay, "
        "or do not suspend."
    )
    unchecked = SuspensionPlanIn.model_construct(
        alternatives_considered="Redeployment", full_pay=False, named_contact="HR"
    )
    with pytest.raises(TransitionRefused, match=r"^Full pay: a suspension is on full pay"):
        _suspension_plan("ER-1", START, unchecked, 28, LEAD)
    plan = SuspensionPlanIn(alternatives_considered="Redeployment", full_pay=True, named_contact="HR")
    assert _suspension_plan("ER-1", START, plan, 28, LEAD).full_pay is True


@pytest.mark.parametrize(
    ("field", "plan"),
    [
        (
            "the alternatives considered",
            SuspensionPlanIn(alternatives_considered=f"Spoke to {NHS_NUMBER}", full_pay=True, named_contact="HR"),
        ),
        (
            "the named contact",
            SuspensionPlanIn(alternatives_considered="Redeployment", full_pay=True, named_contact=NHS_NUMBER),
        ),
    ],
)
def test_an_identifier_in_the_safeguards_is_refused_naming_the_field(field, plan):
    with pytest.raises(IdentifierInText) as refused:
        _suspension_plan("ER-1", START, plan, 28, LEAD)
    assert refused.value.field == field
    assert str(refused.value).startswith(f"{field} appears to contain")


def test_a_first_review_too_late_is_refused_with_the_last_allowed_day():
    plan = SuspensionPlanIn(
        alternatives_considered="Redeployment", full_pay=True, named_contact="HR", first_review=date(2025, 6, 19)
    )
    # 21 May + 28 days = 18 June, counted on the calendar
    with pytest.raises(TransitionRefused, match=r"within 28 days of the start \(by 2025-06-18\)"):
        _suspension_plan("ER-1", START, plan, 28, LEAD)
    on_the_day = plan.model_copy(update={"first_review": date(2025, 6, 18)})
    assert _suspension_plan("ER-1", START, on_the_day, 28, LEAD).first_review == date(2025, 6, 18)


def test_a_review_on_a_template_without_routing_records_no_recommendation(engine, settings):
    """The v1 template has no routing: the review stores no recommended outcome and is never 'against' it."""
    from erreview.review.checklists import all_templates
    from erreview.review.lifecycle import Step
    from erreview.review.workflow import AnswerIn, Member, ReviewSubmission, Rules, case_detail, submit_review

    from .test_workflow import PANEL, make_accounts, referred_case

    make_accounts(engine)
    rules = Rules.from_settings(settings)
    case_id, _ = referred_case(engine, settings, rules)
    step = Step.FORMAL_INVESTIGATION
    template = all_templates()[("panel_precheck", 1)]
    assert template.routing is None
    answers = {}
    for q in template.questions_for(step):
        if q.answer_type == "text":
            answers[q.id] = AnswerIn(note="Discussed with the case manager.")
        elif q.answer_type == "date":
            answers[q.id] = AnswerIn(day=date(2025, 6, 1))
        else:
            answers[q.id] = AnswerIn(answer=q.choices[0], note="Checked by the panel.")
    submission = ReviewSubmission(
        step=step,
        template_id="panel_precheck",
        template_version=1,
        members=[Member(username="panel1", role="Chair"), Member(username="panel2", role="Member")],
        answers=answers,
        decision="divert_informal",
        rationale="Informal routes were not tried; the panel diverts the case.",
    )
    review_id = submit_review(engine, rules, case_id, submission, actor=PANEL)
    stored = case_detail(engine, case_id, actor=LEAD).reviews[-1]
    assert (stored.id, stored.template_version) == (review_id, 1)
    assert (stored.recommended_outcome, stored.against_recommendation, stored.override_reason) == (None, False, None)


def test_a_review_is_stored_as_submitted(engine, settings):
    """The answers given (and only those: no empty fields), when the panel started, and the members'
    usernames without the spaces a form may leave around them."""
    from erreview.review.workflow import Member, Rules, case_detail, submit_review

    from .test_workflow import PANEL, make_accounts, referred_case, review

    make_accounts(engine)
    rules = Rules.from_settings(settings)
    case_id, _ = referred_case(engine, settings, rules)
    started = datetime(2025, 5, 4, 9, 15, tzinfo=UTC)
    padded = [Member(username=" panel1 ", role="Panel chair"), Member(username="panel2\t", role="Member")]
    submission = review(members=padded, started_at=started)
    submit_review(engine, rules, case_id, submission, actor=PANEL)
    stored = case_detail(engine, case_id, actor=LEAD).reviews[-1]
    expected = {}
    for question, given in submission.answers.items():
        row: dict[str, str] = {"note": given.note}
        if given.answer is not None:
            row["answer"] = given.answer
        if given.day is not None:
            row["day"] = given.day.isoformat()
        expected[question] = row
    assert stored.answers == expected
    assert any("answer" in row for row in expected.values())
    assert stored.started_at == started
    assert [m["username"] for m in stored.members] == ["panel1", "panel2"]


def test_each_named_member_problem_says_who_and_why(engine):
    """A panel member from another panel, a case's own lead on its panel, and an identifier in a member's role
    are each refused with their own sentence; a case with no panel yet says so."""
    from erreview import store
    from erreview.models import CaseWork
    from erreview.review.workflow import Member, _member_problems

    from .test_workflow import make_accounts

    make_accounts(engine)
    north = CaseWork(case_id="ER-1", stage=Stage.AWAITING_PANEL_CHECK.value, case_lead="panel2", panel="North")
    members = [
        Member(username="panel9", role="Member"),  # sits on West
        Member(username="panel2", role="Chair"),  # leads this case
        Member(username="panel1", role=f"Member, NHS number {NHS_NUMBER}"),
    ]
    with store.session_scope(engine) as session:
        problems = _member_problems(session, members, north)
        unassigned = north.model_copy(update={"panel": None, "case_lead": "lead1"})
        no_panel = _member_problems(session, [Member(username="panel1", role="Member")], unassigned)
    assert problems[:2] == [
        "panel9 does not sit on panel North",
        "panel2 leads this case and cannot sit on its panel",
    ]
    assert len(problems) == 3 and problems[2].startswith("a member's role appears to contain")
    assert no_panel == ["panel1 does not sit on panel (none)"]
