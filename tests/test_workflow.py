"""The panel bias check before escalation: lifecycle, the gate, reviews, corrections, locking, audit."""

from __future__ import annotations

from datetime import date

import pytest

from erreview import service, store
from erreview.config import Settings
from erreview.models import AppUser
from erreview.review.lifecycle import Action, Stage, Step, TransitionRefused
from erreview.review.roles import AccessDenied, Actor, Role
from erreview.review.suspension import SuspensionPlanIn
from erreview.review.workflow import (
    AnswerIn,
    AttestationIn,
    Member,
    NewCase,
    ReviewRejected,
    ReviewSubmission,
    Rules,
    assign_case,
    attest,
    case_detail,
    create_case,
    list_cases,
    submit_review,
    transition,
)
from erreview.store import audit
from erreview.store import workflow as ws
from erreview.store.workflow import StaleEdit

from .conftest import EXAMPLES

LEAD = Actor("lead1", Role.CASE_LEAD)
OTHER_LEAD = Actor("lead2", Role.CASE_LEAD)
PANEL = Actor("panel1", Role.PANEL_MEMBER, panels=frozenset({"North"}))
PANEL2 = Actor("panel2", Role.PANEL_MEMBER, panels=frozenset({"North"}))
OTHER_PANEL = Actor("panel2", Role.PANEL_MEMBER, panels=frozenset({"South"}))
ANALYST = Actor("ana", Role.INCLUSION_ANALYST)
TODAY = date(2025, 6, 30)

NEW = NewCase(
    person_id="E9999001",
    ethnic_category="N",
    gender="female",
    band="Band 5",
    staff_group="Nursing and Midwifery Registered",
    division="Surgery",
    allegation_category="behaviour",
    referral_source="manager",
    opened_date=date(2025, 5, 1),
)


@pytest.fixture(autouse=True)
def north_panel(engine):
    """The North panel exists: a panel member sits on it (a referral can only name an existing panel)."""
    from erreview.auth import add_user

    add_user(engine, username="pat", role=Role.PANEL_MEMBER, panels="North")


@pytest.fixture
def rules(settings: Settings) -> Rules:
    return Rules.from_settings(settings)


@pytest.fixture(autouse=True)
def accounts(engine) -> None:
    make_accounts(engine)


def make_accounts(engine) -> None:
    """The panel members' erreview accounts (named in reviews, attesting from their own sessions)."""
    with store.session_scope(engine) as session:
        for name, role, panels in [
            ("panel1", "panel_member", "North"),
            ("panel2", "panel_member", "North"),
            ("panel3", "panel_member", "North"),
            ("panel9", "panel_member", "West"),
            ("lead1", "case_lead", ""),
        ]:
            ws.save_user(session, AppUser(username=name, display_name=name.title(), role=role, panels=panels))


@pytest.fixture
def loaded(engine, settings):
    service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv", cases=EXAMPLES / "cases.csv")
    return engine


#: v2 answers that route to "proceed" (no test points away from formal action).
PROCEED = {
    "concern_framed": "yes",
    "informal_considered": "yes",
    "own_account_heard": "yes",
    "information_gathered": "yes",
    "system_problem": "no",
    "followed_incident": "no",
    "would_we_be_here": "yes",
    "comparable_consistent": "yes",
    "cultural_factors": "no",
    "bias_risk": "no",
    "lay_member_present": "yes",
    "investigator_independent": "not_applicable",
    "decision_maker_independent": "yes",
    "case_manager_trained": "yes",
    "investigator_trained": "not_applicable",
    "suspension_alternatives_considered": "yes",
    "suspension_alternative_enough": "no",
    "suspension_full_pay": "yes",
    "suspension_named_contact": "yes",
}


def answers(step: Step = Step.FORMAL_INVESTIGATION, **changes: str) -> dict[str, AnswerIn]:
    from erreview.review.checklists import all_templates

    template = all_templates()[("panel_precheck", 2)]
    given = PROCEED | changes
    out = {}
    for q in template.questions_for(step):
        if q.answer_type == "text":
            out[q.id] = AnswerIn(note="Discussed with the case manager and occupational health.")
        elif q.answer_type == "date":
            out[q.id] = AnswerIn(day=date(2025, 6, 1))
        elif q.id in given:
            out[q.id] = AnswerIn(answer=given[q.id], note="Checked by the panel.")  # type: ignore[arg-type]
    return out


MEMBERS = [
    Member(username="panel1", role="Panel chair"),
    Member(username="panel2", role="Cultural ambassador", cultural_ambassador=True),
]


def review(decision="proceed", members=None, step=Step.FORMAL_INVESTIGATION, **extra) -> ReviewSubmission:
    return ReviewSubmission(
        step=step,
        template_id="panel_precheck",
        template_version=2,
        members=members if members is not None else MEMBERS,
        answers=answers(step),
        decision=decision,
        rationale="Informal routes were tried twice and the conduct continued.",
        **extra,
    )


def attest_all(engine, case_id: str, review_id: int, *actors: Actor) -> None:
    for actor in actors or (PANEL, PANEL2):
        attest(engine, case_id, review_id, AttestationIn(declaration="independent"), actor=actor)


def submit_attested(engine, rules, case_id: str, sub: ReviewSubmission) -> int:
    review_id = submit_review(engine, rules, case_id, sub, actor=PANEL)
    attest_all(engine, case_id, review_id)
    return review_id


def referred_case(engine, settings, rules) -> tuple[str, int]:
    case_id = create_case(engine, settings, NEW, actor=LEAD, today=TODAY)
    v = transition(
        engine,
        rules,
        case_id,
        Action.START_ASSESSMENT,
        actor=LEAD,
        expected_version=1,
        on=date(2025, 5, 2),
        today=TODAY,
    )
    v = transition(
        engine,
        rules,
        case_id,
        Action.REFER_TO_PANEL,
        actor=LEAD,
        expected_version=v,
        on=date(2025, 5, 3),
        panel="North",
        today=TODAY,
    )
    return case_id, v


def test_a_move_that_records_no_date_still_records_who_made_it(engine, settings, rules):
    """Starting the assessment changes no tracker field, but it is a new version of the case, made by the lead."""
    case_id = create_case(engine, settings, NEW, actor=LEAD, today=TODAY)
    v = transition(
        engine,
        rules,
        case_id,
        Action.START_ASSESSMENT,
        actor=LEAD,
        expected_version=1,
        on=date(2025, 5, 2),
        today=TODAY,
    )
    with store.session_scope(engine) as session:
        case = ws.get_case(session, case_id)
        assert case is not None and (case.version, case.updated_by) == (v, "lead1") == (2, "lead1")


def test_a_move_dated_after_the_day_it_is_made_is_refused(engine, settings, rules):
    """The contract's rules are checked against the day the move is made (``today``, injected here: 30 June
    2025), not the computer's clock: routing dated 15 July 2025 is in the future."""
    case_id = create_case(engine, settings, NEW, actor=LEAD, today=TODAY)
    v = transition(
        engine,
        rules,
        case_id,
        Action.START_ASSESSMENT,
        actor=LEAD,
        expected_version=1,
        on=date(2025, 5, 2),
        today=TODAY,
    )
    with pytest.raises(TransitionRefused, match="route_date: the date is in the future"):
        transition(
            engine,
            rules,
            case_id,
            Action.ROUTE_INFORMAL,
            actor=LEAD,
            expected_version=v,
            on=date(2025, 7, 15),
            today=TODAY,
        )


def test_an_outcome_outside_the_contract_is_refused_naming_the_ones_allowed(engine, settings, rules):
    case_id, v = referred_case(engine, settings, rules)
    submit_attested(engine, rules, case_id, review())
    v = transition(
        engine, rules, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, on=date(2025, 5, 20), today=TODAY
    )
    expected = "Record investigation outcome needs one of: fast_track, hearing, no_case_to_answer"
    with pytest.raises(TransitionRefused) as refused:
        transition(
            engine,
            rules,
            case_id,
            Action.RECORD_OUTCOME,
            actor=LEAD,
            expected_version=v,
            value="dismissed",
            today=TODAY,
        )
    assert str(refused.value) == expected


def test_no_further_action_is_recorded_as_the_route_with_its_date(engine, settings, rules):
    case_id = create_case(engine, settings, NEW, actor=LEAD, today=TODAY)
    v = transition(
        engine,
        rules,
        case_id,
        Action.START_ASSESSMENT,
        actor=LEAD,
        expected_version=1,
        on=date(2025, 5, 2),
        today=TODAY,
    )
    transition(
        engine,
        rules,
        case_id,
        Action.NO_FURTHER_ACTION,
        actor=LEAD,
        expected_version=v,
        on=date(2025, 5, 9),
        today=TODAY,
    )
    detail = case_detail(engine, case_id, actor=LEAD)
    assert detail.stage is Stage.NO_FURTHER_ACTION
    assert (detail.case["initial_route"], detail.case["route_date"]) == ("no_further_action", date(2025, 5, 9))


def test_a_suspension_is_ended_once_and_only_when_one_is_running(engine, settings, rules):
    case_id, v = referred_case(engine, settings, rules)
    submit_attested(engine, rules, case_id, review())
    v = transition(
        engine, rules, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, on=date(2025, 5, 20), today=TODAY
    )
    with pytest.raises(TransitionRefused) as refused:
        transition(engine, rules, case_id, Action.END_SUSPENSION, actor=LEAD, expected_version=v, today=TODAY)
    assert str(refused.value) == "the case has no suspension running"
    v = transition(engine, rules, case_id, Action.REFER_SUSPENSION_CHECK, actor=LEAD, expected_version=v, today=TODAY)
    submit_attested(engine, rules, case_id, review(step=Step.SUSPENSION))
    plan = SuspensionPlanIn(alternatives_considered="Restricted duties", full_pay=True, named_contact="HR advisor")
    v = transition(
        engine,
        rules,
        case_id,
        Action.SUSPEND,
        actor=LEAD,
        expected_version=v,
        on=date(2025, 6, 2),
        suspension=plan,
        today=TODAY,
    )
    v = transition(
        engine, rules, case_id, Action.END_SUSPENSION, actor=LEAD, expected_version=v, on=date(2025, 6, 20), today=TODAY
    )
    case = case_detail(engine, case_id, actor=LEAD).case
    assert (case["suspension_start_date"], case["suspension_end_date"]) == (date(2025, 6, 2), date(2025, 6, 20))
    with pytest.raises(TransitionRefused, match=r"^the case has no suspension running$"):
        transition(engine, rules, case_id, Action.END_SUSPENSION, actor=LEAD, expected_version=v, today=TODAY)


def test_an_imported_case_starts_in_the_stage_its_dates_say(loaded):
    """ER-000313 was imported with a closed date and has no workflow record yet: opening and assigning it
    make one, in the stage its own dates give (closed), not the first stage."""
    admin = Actor("admin", Role.ADMIN)
    assert case_detail(loaded, "ER-000313", actor=admin).stage is Stage.CLOSED
    assign_case(loaded, "ER-000313", actor=admin, case_lead="lead1")
    assert case_detail(loaded, "ER-000313", actor=LEAD).stage is Stage.CLOSED


def test_a_case_walks_from_concern_to_formal_investigation_through_a_panel_review(engine, settings, rules):
    case_id, v = referred_case(engine, settings, rules)
    assert case_detail(engine, case_id, actor=LEAD).stage is Stage.AWAITING_PANEL_CHECK
    review_id = submit_attested(engine, rules, case_id, review())
    v = transition(
        engine,
        rules,
        case_id,
        Action.START_FORMAL,
        actor=LEAD,
        expected_version=v,
        on=date(2025, 5, 20),
        today=TODAY,
    )
    detail = case_detail(engine, case_id, actor=LEAD)
    assert detail.stage is Stage.FORMAL_INVESTIGATION
    assert detail.case["initial_route"] == "formal"
    assert detail.case["formal_investigation_date"] == date(2025, 5, 20)
    assert [r.id for r in detail.reviews] == [review_id]
    actions = [t["action"] for t in detail.timeline]
    assert actions == [
        "case.create",
        "case.start_assessment",
        "case.refer_to_panel",
        "review.submit",
        "review.attest",
        "review.attest",
        "case.start_formal",
    ]
    assert {t["by"] for t in detail.timeline} == {"lead1", "panel1", "panel2"}
    # The new formal case counts in indicator 3 and the decision points straight away.
    results = {r.point.name: r for r in service.decision_results(engine)}
    assert results["formal_investigation"].bme.events == 1


def test_gate_refuses_formal_investigation_without_a_review(engine, settings, rules):
    case_id, v = referred_case(engine, settings, rules)
    with pytest.raises(TransitionRefused, match="no panel bias-check review for formal investigation"):
        transition(engine, rules, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, today=TODAY)
    # Nor can a case lead skip the panel from initial assessment.
    other = create_case(engine, settings, NEW, actor=LEAD, today=TODAY)
    v2 = transition(engine, rules, other, Action.START_ASSESSMENT, actor=LEAD, expected_version=1, today=TODAY)
    with pytest.raises(TransitionRefused, match="no panel bias-check review"):
        transition(engine, rules, other, Action.START_FORMAL, actor=LEAD, expected_version=v2, today=TODAY)


def test_gate_refuses_with_too_small_a_panel(engine, settings, rules):
    case_id, v = referred_case(engine, settings, rules)
    lone = [Member(username="panel1", role="Line manager")]
    with pytest.raises(ReviewRejected, match="it needs at least 2"):
        submit_review(engine, rules, case_id, review(members=lone), actor=PANEL)
    with pytest.raises(TransitionRefused, match="no panel bias-check review"):
        transition(engine, rules, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, today=TODAY)
    # A quorate review made under a looser rule no longer opens the gate once the rule is tightened.
    submit_attested(engine, rules, case_id, review())
    stricter = Rules(rules.gated_steps, 3, 2, rules.templates)
    with pytest.raises(TransitionRefused, match="not valid under the current quorum rule"):
        transition(engine, stricter, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, today=TODAY)


def test_gate_refuses_after_a_divert_decision_and_the_case_goes_informal(engine, settings, rules):
    case_id, v = referred_case(engine, settings, rules)
    reason = "The ward manager agreed to mentoring instead."
    submit_review(engine, rules, case_id, review("divert_informal", override_reason=reason), actor=PANEL)
    with pytest.raises(TransitionRefused, match="Divert to an informal route"):
        transition(engine, rules, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, today=TODAY)
    transition(
        engine,
        rules,
        case_id,
        Action.ROUTE_INFORMAL,
        actor=LEAD,
        expected_version=v,
        on=date(2025, 5, 10),
        today=TODAY,
    )
    assert case_detail(engine, case_id, actor=LEAD).case["initial_route"] == "informal"


def test_suspension_has_its_own_gate(engine, settings, rules):
    case_id, v = referred_case(engine, settings, rules)
    submit_attested(engine, rules, case_id, review())
    v = transition(
        engine,
        rules,
        case_id,
        Action.START_FORMAL,
        actor=LEAD,
        expected_version=v,
        on=date(2025, 5, 20),
        today=TODAY,
    )
    with pytest.raises(TransitionRefused, match="review for suspension"):
        transition(engine, rules, case_id, Action.SUSPEND, actor=LEAD, expected_version=v, today=TODAY)
    submit_attested(engine, rules, case_id, review(step=Step.SUSPENSION))
    with pytest.raises(TransitionRefused, match="2019 safeguards"):
        transition(engine, rules, case_id, Action.SUSPEND, actor=LEAD, expected_version=v, today=TODAY)
    plan = SuspensionPlanIn(alternatives_considered="Redeployment to clinic", full_pay=True, named_contact="HR advisor")
    transition(
        engine,
        rules,
        case_id,
        Action.SUSPEND,
        actor=LEAD,
        expected_version=v,
        on=date(2025, 5, 21),
        today=TODAY,
        suspension=plan,
    )
    detail = case_detail(engine, case_id, actor=LEAD)
    assert detail.case["restriction"] == "suspended"
    assert detail.case["suspension_start_date"] == date(2025, 5, 21)
    assert detail.suspension_plan is not None and detail.suspension_plan.first_review == date(2025, 6, 18)
    assert Action.SUSPEND not in detail.actions and Action.END_SUSPENSION in detail.actions


def test_ungated_step_needs_no_review(engine, settings, rules):
    case_id, v = referred_case(engine, settings, rules)
    relaxed = Rules(frozenset({Step.SUSPENSION}), 2, 1, rules.templates)
    transition(
        engine,
        relaxed,
        case_id,
        Action.START_FORMAL,
        actor=LEAD,
        expected_version=v,
        on=date(2025, 5, 4),
        today=TODAY,
    )


def test_a_correction_is_a_new_version_and_the_original_is_kept(engine, settings, rules):
    case_id, v = referred_case(engine, settings, rules)
    first = submit_attested(engine, rules, case_id, review("proceed"))
    second = submit_review(
        engine,
        rules,
        case_id,
        review("more_information", supersedes_id=first, override_reason="The investigator is not yet named."),
        actor=PANEL,
    )
    reviews = case_detail(engine, case_id, actor=LEAD).reviews
    assert [(r.id, r.decision, r.review_version, r.supersedes_id) for r in reviews] == [
        (first, "proceed", 1, None),
        (second, "more_information", 2, first),
    ]
    with pytest.raises(TransitionRefused, match="More information needed"):
        transition(engine, rules, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, today=TODAY)
    with pytest.raises(ReviewRejected, match="already been corrected"):
        submit_review(engine, rules, case_id, review("proceed", supersedes_id=first), actor=PANEL)


def test_review_lists_every_problem(engine, settings, rules):
    case_id, _ = referred_case(engine, settings, rules)
    bad = review(members=[Member(username="panel1", role="call 07700 900123")])
    # A question no route rests on: left blank, the answers still settle a recommendation to differ from.
    bad.answers.pop("bias_risk")
    bad.answers["informal_considered"] = AnswerIn(answer="no", note="")
    bad.answers["why_formal"] = AnswerIn(note="NHS number 943 476 5919 repeated")
    bad.answers["system_problem"] = AnswerIn(answer="not_applicable")
    bad.rationale = "short"
    with pytest.raises(ReviewRejected) as info:
        submit_review(engine, rules, case_id, bad, actor=PANEL)
    text = " | ".join(info.value.problems)
    for part in [
        "needs at least 2",
        "bias_risk needs an answer",
        "informal_considered answered 'no' needs a note",
        "why_formal appears to contain an NHS number",
        "system_problem cannot be answered 'not_applicable'",
        "rationale is required",
        "a member's role appears to contain a UK phone number",
        "differs from the recommended outcome 'Divert to an informal route'",
    ]:
        assert part in text, text


def test_stale_edit_is_refused(engine, settings, rules):
    case_id = create_case(engine, settings, NEW, actor=LEAD, today=TODAY)
    transition(engine, rules, case_id, Action.START_ASSESSMENT, actor=LEAD, expected_version=1, today=TODAY)
    with pytest.raises((StaleEdit, TransitionRefused)):
        transition(engine, rules, case_id, Action.NO_FURTHER_ACTION, actor=LEAD, expected_version=1, today=TODAY)


def test_transitions_keep_the_contract_rules(engine, settings, rules):
    case_id = create_case(engine, settings, NEW, actor=LEAD, today=TODAY)
    v = transition(engine, rules, case_id, Action.START_ASSESSMENT, actor=LEAD, expected_version=1, today=TODAY)
    with pytest.raises(TransitionRefused, match="before opened_date"):
        transition(
            engine,
            rules,
            case_id,
            Action.ROUTE_INFORMAL,
            actor=LEAD,
            expected_version=v,
            on=date(2025, 4, 1),
            today=TODAY,
        )
    with pytest.raises(TransitionRefused, match="only possible from"):
        transition(
            engine,
            rules,
            case_id,
            Action.RECORD_SANCTION,
            actor=LEAD,
            expected_version=v,
            value="dismissal",
            today=TODAY,
        )


def test_case_leads_and_panels_see_only_their_cases(engine, settings, rules):
    case_id, _ = referred_case(engine, settings, rules)
    assert list(list_cases(engine, actor=LEAD)["case_id"]) == [case_id]
    assert list_cases(engine, actor=OTHER_LEAD).empty
    assert list(list_cases(engine, actor=PANEL)["case_id"]) == [case_id]
    assert list_cases(engine, actor=OTHER_PANEL).empty
    with pytest.raises(AccessDenied):
        case_detail(engine, case_id, actor=OTHER_LEAD)
    with pytest.raises(AccessDenied):
        case_detail(engine, case_id, actor=OTHER_PANEL)
    with pytest.raises(AccessDenied):
        submit_review(engine, rules, case_id, review(), actor=OTHER_PANEL)
    with pytest.raises(AccessDenied):
        transition(engine, rules, case_id, Action.NO_FURTHER_ACTION, actor=OTHER_LEAD, expected_version=3)
    with pytest.raises(AccessDenied):
        list_cases(engine, actor=ANALYST)
    assert "person_key" not in list_cases(engine, actor=LEAD).columns


def test_every_change_is_in_a_verifiable_audit_chain(engine, settings, rules):
    case_id, _ = referred_case(engine, settings, rules)
    submit_attested(engine, rules, case_id, review())
    with store.session_scope(engine) as session:
        report = audit.verify_chain(session)
    assert (
        report.ok and report.entries == 7
    )  # the North panel member, the case, two moves, the review, two attestations


def test_the_panel_sees_comparable_cases_and_the_disparity_picture(loaded, settings, rules):
    from erreview.review.context import comparables_for, disparity_context

    case_id, _ = referred_case(loaded, settings, rules)
    comparison = comparables_for(loaded, case_id, actor=PANEL)
    assert not comparison.suppressed and comparison.n == 30
    assert (comparison.cases["allegation_category"].head(5) == "behaviour").all()
    context = disparity_context(loaded, case_id, actor=PANEL)
    expected = {
        p["name"]: p
        for p in __import__("json").loads((EXAMPLES / "expected_decisions.json").read_text())["decision_points"]
    }["formal_investigation"]
    assert context.trust.estimate.ratio == pytest.approx(expected["ratio"])
    assert context.division_name == "Surgery"
    assert (
        context.division.bme.n + context.division.white.n + context.division.unknown.n
        <= context.trust.bme.n + context.trust.white.n + context.trust.unknown.n
    )
    # Recomputed from the division's own cases with fairlearn's MetricFrame (the reference counting): the
    # same counts, ratio, q and flag as the trust's rows filtered to the division.
    from erreview.metrics.decisions import decision_table
    from erreview.vocab import CaseType

    with store.session_scope(loaded) as session:
        cases = store.cases_frame(session, case_type=CaseType.DISCIPLINARY)
    assert context.division == decision_table(cases[cases["division"] == "Surgery"])[0]
    assert context.trust == decision_table(cases)[0]
    with pytest.raises(AccessDenied):
        comparables_for(loaded, case_id, actor=OTHER_PANEL)


def test_the_check_before_a_suspension_sees_the_disparity_at_suspension(loaded, settings, rules):
    """The panel checking a suspension sees the suspension decision point, not the formal route's."""
    import json

    from erreview.review.context import disparity_context

    case_id, _ = referred_case(loaded, settings, rules)
    context = disparity_context(loaded, case_id, actor=PANEL, point="suspension")
    expected = {p["name"]: p for p in json.loads((EXAMPLES / "expected_decisions.json").read_text())["decision_points"]}
    assert context.trust.point.name == "suspension"
    from erreview.metrics.decisions import decision_table
    from erreview.vocab import CaseType

    with store.session_scope(loaded) as session:
        cases = store.cases_frame(session, case_type=CaseType.DISCIPLINARY)
    table = {r.point.name: r for r in decision_table(cases)}  # q adjusted over every point, as everywhere
    assert context.trust == table["suspension"]
    assert context.trust.estimate.ratio == pytest.approx(expected["suspension"]["ratio"])
    assert expected["suspension"]["ratio"] != pytest.approx(expected["formal_investigation"]["ratio"])
    with pytest.raises(ValueError):
        disparity_context(loaded, case_id, actor=PANEL, point="no_such_point")


def test_the_timeline_tells_the_case_in_date_order(engine, settings, rules):
    case_id, _ = referred_case(engine, settings, rules)
    submit_review(engine, rules, case_id, review(), actor=PANEL)
    rows = case_detail(engine, case_id, actor=LEAD).timeline_rows()
    assert rows[0] == {"date": date(2025, 5, 1), "event": "Concern raised"}
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    events = " | ".join(r["event"] for r in rows)
    assert "Referred to the panel bias check by lead1" in events and "Proceed to formal action (v1)" in events


@pytest.mark.parametrize("name", ["north ", "Nort", "South", ""])
def test_a_referral_names_an_existing_panel_exactly(engine, settings, rules, name):
    case_id = create_case(engine, settings, NEW, actor=LEAD, today=TODAY)
    v = transition(engine, rules, case_id, Action.START_ASSESSMENT, actor=LEAD, expected_version=1, today=TODAY)
    with pytest.raises(TransitionRefused, match="panel"):
        transition(
            engine, rules, case_id, Action.REFER_TO_PANEL, actor=LEAD, expected_version=v, panel=name, today=TODAY
        )
    assert case_detail(engine, case_id, actor=LEAD).stage is Stage.INITIAL_ASSESSMENT


def test_a_suspension_is_checked_by_the_panel_on_its_own_path(engine, settings, rules):
    from erreview.review.casepage import next_steps

    case_id, v = referred_case(engine, settings, rules)
    submit_attested(engine, rules, case_id, review())
    v = transition(engine, rules, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, today=TODAY)
    offered = [s.action for s in next_steps(case_detail(engine, case_id, actor=LEAD), rules)]
    assert Action.REFER_SUSPENSION_CHECK in offered and Action.SUSPEND not in offered
    with pytest.raises(TransitionRefused, match="no panel bias-check review for suspension"):
        transition(engine, rules, case_id, Action.SUSPEND, actor=LEAD, expected_version=v, today=TODAY)
    v = transition(engine, rules, case_id, Action.REFER_SUSPENSION_CHECK, actor=LEAD, expected_version=v, today=TODAY)
    assert case_detail(engine, case_id, actor=LEAD).stage is Stage.AWAITING_SUSPENSION_CHECK
    submit_attested(engine, rules, case_id, review(step=Step.SUSPENSION))
    detail = case_detail(engine, case_id, actor=LEAD)
    assert Action.SUSPEND in [s.action for s in next_steps(detail, rules)]
    plan = SuspensionPlanIn(alternatives_considered="Restricted duties", full_pay=True, named_contact="HR advisor")
    v = transition(engine, rules, case_id, Action.SUSPEND, actor=LEAD, expected_version=v, today=TODAY, suspension=plan)
    detail = case_detail(engine, case_id, actor=LEAD)
    assert detail.stage is Stage.FORMAL_INVESTIGATION
    assert detail.case["restriction"] == "suspended"
    assert detail.case["suspension_start_date"] == TODAY


def _suspended_formal_case(engine, settings, rules, start: date) -> tuple[str, int]:
    """A case in formal investigation, its suspension checked by the panel and begun on ``start``."""
    case_id, v = referred_case(engine, settings, rules)
    submit_attested(engine, rules, case_id, review())
    v = transition(
        engine, rules, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, on=date(2025, 5, 20), today=TODAY
    )
    v = transition(engine, rules, case_id, Action.REFER_SUSPENSION_CHECK, actor=LEAD, expected_version=v, today=TODAY)
    submit_attested(engine, rules, case_id, review(step=Step.SUSPENSION))
    plan = SuspensionPlanIn(alternatives_considered="Restricted duties", full_pay=True, named_contact="HR advisor")
    v = transition(
        engine, rules, case_id, Action.SUSPEND, actor=LEAD, expected_version=v, on=start, suspension=plan, today=TODAY
    )
    return case_id, v


def test_a_case_is_not_closed_while_its_colleague_is_suspended(engine, settings, rules):
    """Closing a suspended colleague's case would leave a suspension nobody can end (no step follows a close):
    refused in plain words naming the start date, and allowed once the suspension has ended."""
    from erreview.review.workflow import suspension_work_list

    case_id, v = _suspended_formal_case(engine, settings, rules, date(2025, 6, 2))
    v = transition(
        engine, rules, case_id, Action.RECORD_OUTCOME, actor=LEAD, expected_version=v, value="hearing", today=TODAY
    )
    detail = case_detail(engine, case_id, actor=LEAD)
    assert Action.CLOSE not in detail.actions and Action.END_SUSPENSION in detail.actions
    with pytest.raises(TransitionRefused) as refused:
        transition(engine, rules, case_id, Action.CLOSE, actor=LEAD, expected_version=v, on=TODAY, today=TODAY)
    assert str(refused.value).startswith("End the suspension first: the colleague has been suspended since 2 Jun 2025.")
    # Nothing changed: still open, still suspended, still listed for its reviews.
    detail = case_detail(engine, case_id, actor=LEAD)
    assert detail.stage is Stage.OUTCOME and detail.case["closed_date"] is None
    assert detail.case["version"] == v
    assert case_id in set(suspension_work_list(engine, 28, actor=LEAD, today=TODAY)["case_id"])
    v = transition(
        engine, rules, case_id, Action.END_SUSPENSION, actor=LEAD, expected_version=v, on=date(2025, 6, 25), today=TODAY
    )
    assert Action.CLOSE in case_detail(engine, case_id, actor=LEAD).actions
    transition(engine, rules, case_id, Action.CLOSE, actor=LEAD, expected_version=v, on=TODAY, today=TODAY)
    detail = case_detail(engine, case_id, actor=LEAD)
    assert detail.stage is Stage.CLOSED
    assert (detail.case["suspension_end_date"], detail.case["closed_date"]) == (date(2025, 6, 25), TODAY)
    assert case_id not in set(suspension_work_list(engine, 28, actor=LEAD, today=TODAY)["case_id"])


def test_no_step_that_ends_a_case_is_offered_or_taken_while_a_suspension_runs():
    """Every action leading to Closed is held back while suspended, from every stage it starts from."""
    from erreview.review.lifecycle import TRANSITIONS, allowed_actions

    ending = {a for a, (_, target) in TRANSITIONS.items() if target is Stage.CLOSED}
    assert ending == {Action.CLOSE}
    for stage in Stage:
        offered = set(allowed_actions(stage, suspended=True))
        assert not offered & ending, stage
        assert ending & set(allowed_actions(stage, suspended=False)) == ending & set(allowed_actions(stage)), stage


def test_the_suspension_reviews_list_never_shows_a_closed_case_as_running(engine, settings, rules):
    """A closed case whose suspension has no end date (as an older tracker might hold it) is not listed as
    running: the list and the case page use one rule."""
    from erreview.review.workflow import suspension_work_list

    case_id, v = _suspended_formal_case(engine, settings, rules, date(2025, 6, 2))
    assert list(suspension_work_list(engine, 28, actor=LEAD, today=TODAY)["case_id"]) == [case_id]
    with store.session_scope(engine, write=True) as session:  # the tracker's record, written past the library
        ws.update_case(session, case_id, v, {"closed_date": TODAY}, user="import")
    assert suspension_work_list(engine, 28, actor=LEAD, today=TODAY).empty
    assert Action.END_SUSPENSION not in case_detail(engine, case_id, actor=LEAD).actions
