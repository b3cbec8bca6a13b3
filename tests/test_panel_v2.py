"""The v2 panel check: Just Culture routing, decisions against the recommendation, attested quorum,
the atomic gate and suspension reviews."""

from __future__ import annotations

import threading
from datetime import date

import pandas as pd
import pytest
from pydantic import ValidationError
from sqlmodel import Session

from erreview import service, store
from erreview.models import PanelReview
from erreview.review.checklists import TemplateError, all_templates, load_template, recommended_outcome
from erreview.review.lifecycle import Action, Stage, Step, TransitionRefused
from erreview.review.panel import Member, ReviewSubmission, Rules, review_problems
from erreview.review.roles import AccessDenied, Actor, Role
from erreview.review.suspension import SuspensionPlanIn, reviews_due
from erreview.review.workflow import (
    AttestationIn,
    ReviewRejected,
    attest,
    attestations_waiting,
    case_detail,
    record_suspension_review,
    submit_review,
    suspension_work_list,
    transition,
)
from erreview.store import audit
from erreview.store import workflow as ws

from .test_workflow import (
    LEAD,
    PANEL,
    PANEL2,
    PROCEED,
    TODAY,
    make_accounts,
    referred_case,
    review,
    submit_attested,
)


@pytest.fixture
def rules(settings) -> Rules:
    return Rules.from_settings(settings)


@pytest.fixture(autouse=True)
def _accounts(engine) -> None:
    make_accounts(engine)


PANEL3 = Actor("panel3", Role.PANEL_MEMBER, panels=frozenset({"North"}))
V2 = all_templates()[("panel_precheck", 2)]
V1 = all_templates()[("panel_precheck", 1)]

# --- routing: every path -------------------------------------------------------------------------------

INCIDENT = PROCEED | {
    "followed_incident": "yes",
    "jc_harm_intended": "no",
    "jc_substance_misuse": "no",
    "jc_physical_ill_health": "no",
    "jc_mental_ill_health": "no",
    "jc_protocols_exist": "yes",
    "jc_protocols_workable": "yes",
    "jc_protocols_in_use": "yes",
    "jc_knowingly_departed": "yes",
    "jc_peer_same": "no",
    "jc_missed_training": "no",
    "jc_missed_supervision": "no",
    "jc_mitigation": "no",
    "psirf_learning_response": "no",
}

# The oracle: what the guide (and the 2019 letter, PSIRF, the bias question) says each finding leads to,
# written here by hand rather than read from the template.
PATHS = [
    ("formal_investigation", {}, "proceed", "default"),
    ("formal_investigation", {"jc_harm_intended": "yes"}, "proceed", "deliberate_harm"),
    ("formal_investigation", {"jc_substance_misuse": "yes"}, "health_route", "health"),
    ("formal_investigation", {"jc_physical_ill_health": "yes"}, "health_route", "health"),
    ("formal_investigation", {"jc_mental_ill_health": "yes"}, "health_route", "health"),
    ("formal_investigation", {"jc_protocols_exist": "no"}, "system_learning_only", "foresight"),
    ("formal_investigation", {"jc_protocols_workable": "no"}, "system_learning_only", "foresight"),
    ("formal_investigation", {"jc_protocols_in_use": "no"}, "system_learning_only", "foresight"),
    ("formal_investigation", {"jc_knowingly_departed": "no"}, "system_learning_only", "foresight"),
    ("formal_investigation", {"jc_peer_same": "yes"}, "system_learning_only", "substitution"),
    ("formal_investigation", {"jc_missed_training": "yes"}, "system_learning_only", "substitution"),
    ("formal_investigation", {"jc_missed_supervision": "yes"}, "system_learning_only", "substitution"),
    ("formal_investigation", {"jc_mitigation": "yes"}, "divert_informal", "mitigation"),
    (
        "formal_investigation",
        {"psirf_learning_response": "yes", "psirf_relied_on": "yes"},
        "more_information",
        "psirf",
    ),
    ("formal_investigation", {"would_we_be_here": "no"}, "divert_informal", "would_we_be_here"),
    ("suspension", {"suspension_alternative_enough": "yes"}, "no_further_action", "suspension_alternative"),
    (
        "suspension",
        {"suspension_alternatives_considered": "no", "suspension_alternative_enough": None},
        "more_information",
        "suspension_safeguards",
    ),
    ("suspension", {"suspension_full_pay": "no"}, "more_information", "suspension_safeguards"),
    ("suspension", {"suspension_named_contact": "no"}, "more_information", "suspension_safeguards"),
    ("formal_investigation", {"concern_framed": "no"}, "more_information", "not_ready"),
    ("formal_investigation", {"own_account_heard": "no"}, "more_information", "not_ready"),
    ("formal_investigation", {"information_gathered": "no"}, "more_information", "not_ready"),
    ("formal_investigation", {"case_manager_trained": "no"}, "more_information", "not_ready"),
    ("formal_investigation", {"investigator_trained": "no"}, "more_information", "not_ready"),
    ("formal_investigation", {"informal_considered": "no"}, "divert_informal", "informal_first"),
    ("formal_investigation", {"system_problem": "yes"}, "system_learning_only", "system_problem"),
]


@pytest.mark.parametrize(
    ("step", "change", "outcome", "route"), PATHS, ids=[f"{p[3]}-{i}" for i, p in enumerate(PATHS)]
)
def test_every_routing_path(step, change, outcome, route):
    given = {k: v for k, v in (INCIDENT | change).items() if v is not None}
    rec = recommended_outcome(V2, given, Step(step))
    assert rec is not None
    assert (rec.outcome, rec.route) == (outcome, route)
    assert rec.final, rec.waiting_on


def test_every_route_in_the_template_has_a_tested_path():
    assert V2.routing is not None
    assert {r.id for r in V2.routing.routes} | {"default"} == {p[3] for p in PATHS}


def test_the_guide_s_tests_are_taken_in_order():
    # Deliberate harm outranks ill health; ill health outranks the foresight test.
    both = INCIDENT | {"jc_harm_intended": "yes", "jc_mental_ill_health": "yes", "jc_protocols_exist": "no"}
    assert recommended_outcome(V2, both, Step.FORMAL_INVESTIGATION).outcome == "proceed"
    health = INCIDENT | {"jc_mental_ill_health": "yes", "jc_protocols_exist": "no"}
    assert recommended_outcome(V2, health, Step.FORMAL_INVESTIGATION).outcome == "health_route"


def test_answers_to_questions_not_asked_are_ignored():
    # No incident: the Just Culture answers are not asked, so they cannot route.
    stray = PROCEED | {"jc_mental_ill_health": "yes", "jc_peer_same": "yes"}
    assert recommended_outcome(V2, stray, Step.FORMAL_INVESTIGATION).outcome == "proceed"
    # Suspension questions do not route a formal-investigation check.
    assert recommended_outcome(V2, PROCEED | {"suspension_full_pay": "no"}, Step.FORMAL_INVESTIGATION).outcome == (
        "proceed"
    )


# The questions a route names (if_any), written out by hand from the v2 template's [routing], for checking
# which ones an unanswered form waits on.
ROUTED_FI = {
    "concern_framed", "own_account_heard", "information_gathered", "case_manager_trained",
    "investigator_trained", "informal_considered", "system_problem", "followed_incident", "would_we_be_here",
}  # fmt: skip


@pytest.mark.parametrize("step", [Step.FORMAL_INVESTIGATION, Step.SUSPENSION])
def test_an_unanswered_check_recommends_nothing_yet(step):
    """A blank form must not lean towards formal action (or anything else): no outcome until answered."""
    empty = recommended_outcome(V2, {}, step)
    assert empty is not None
    assert (empty.outcome, empty.route, empty.final) == (None, "none_yet", False)
    assert empty.reason == "No recommendation yet: answer the deciding questions."
    assert "Proceed" not in empty.reason and "formal action" not in empty.reason
    # Before "did it follow an incident?" is answered the panel waits on it, not on the hidden tests.
    assert "followed_incident" in empty.waiting_on and "jc_harm_intended" not in empty.waiting_on
    suspension_only = {"suspension_alternatives_considered", "suspension_full_pay", "suspension_named_contact"}
    assert set(empty.waiting_on) == ROUTED_FI | (suspension_only if step is Step.SUSPENSION else set())


@pytest.mark.parametrize(
    ("step", "missing"),
    [(Step.FORMAL_INVESTIGATION, q) for q in sorted(ROUTED_FI)]
    + [
        (Step.SUSPENSION, q) for q in ("suspension_alternatives_considered", "suspension_full_pay", "followed_incident")
    ],
)
def test_proceed_is_only_recommended_once_every_deciding_question_is_answered(step, missing):
    # PROCEED answers every deciding question so that none points away; leave one out and there is no
    # recommendation yet, rather than "proceed" by default.
    rec = recommended_outcome(V2, PROCEED, step)
    assert rec is not None and (rec.outcome, rec.final) == ("proceed", True)
    given = {k: v for k, v in PROCEED.items() if k != missing}
    rec = recommended_outcome(V2, given, step)
    assert rec is not None and rec.outcome is None and missing in rec.waiting_on


def test_a_later_route_waits_for_the_earlier_tests():
    # Ill health points to the health route, but deliberate harm (asked first by the guide) would outrank
    # it: until that is answered there is no recommendation.
    early = recommended_outcome(
        V2, {"followed_incident": "yes", "jc_mental_ill_health": "yes"}, Step.FORMAL_INVESTIGATION
    )
    assert early is not None and early.outcome is None and early.waiting_on == ("jc_harm_intended",)
    answered = recommended_outcome(
        V2,
        {"followed_incident": "yes", "jc_harm_intended": "no", "jc_mental_ill_health": "yes"},
        Step.FORMAL_INVESTIGATION,
    )
    assert answered is not None and (answered.outcome, answered.final) == ("health_route", True)
    # Deliberate harm is the first test: answered yes, nothing earlier can change it.
    harm = recommended_outcome(V2, {"followed_incident": "yes", "jc_harm_intended": "yes"}, Step.FORMAL_INVESTIGATION)
    assert harm is not None and (harm.outcome, harm.final) == ("proceed", True)


@pytest.mark.parametrize("decision", ["more_information", "divert_informal", "proceed"])
def test_a_blank_review_is_not_told_it_differs_from_a_recommendation(rules, decision):
    sub = ReviewSubmission(
        step=Step.FORMAL_INVESTIGATION,
        template_id="panel_precheck",
        template_version=2,
        members=[],
        answers={},
        decision=decision,
        rationale="",
    )
    problems = review_problems(sub, Stage.AWAITING_PANEL_CHECK, rules)
    assert "question concern_framed needs an answer" in problems
    assert not any("recommended" in p for p in problems), problems


def test_v1_is_kept_without_routing_and_still_validates():
    assert V1.routing is None and recommended_outcome(V1, {}, Step.FORMAL_INVESTIGATION) is None
    sub = ReviewSubmission(
        step=Step.FORMAL_INVESTIGATION,
        template_id="panel_precheck",
        template_version=1,
        members=[Member(username="panel1", role="Chair"), Member(username="panel2", role="Member")],
        answers={},
        decision="divert_informal",
        rationale="A rationale long enough to count.",
    )
    problems = review_problems(sub, Stage.AWAITING_PANEL_CHECK, Rules(frozenset(), 2, 1, all_templates()))
    assert "question q01_framing needs an answer" in problems
    assert not any("recommended" in p for p in problems)  # no routing, no override rule


def test_v2_questions_ask_one_thing():
    texts = [q.text for q in V2.questions]
    assert all(t.count("?") == 1 for t in texts), [t for t in texts if t.count("?") != 1]
    assert not [
        q.id
        for q in V2.questions
        if q.answer_type != "text" and q.text.lower().startswith(("how", "what", "who", "why"))
    ]
    assert any("were White" in t for t in texts)


@pytest.mark.parametrize(
    ("routing", "message"),
    [
        (
            '[[routing.routes]]\nid = "r"\noutcome = "proceed"\nif_any = { nope = "yes" }\nreason = "Because."',
            "no question 'nope'",
        ),
        (
            '[[routing.routes]]\nid = "r"\noutcome = "proceed"\nif_any = { q1 = "not_applicable" }\nreason = "Because."',
            "does not offer",
        ),
        ('[[routing.routes]]\nid = "r"\noutcome = "sack"\nif_any = { q1 = "yes" }\nreason = "Because."', "outcome"),
    ],
)
def test_broken_routing_names_the_problem(routing, message):
    text = (
        'id = "t"\nversion = 1\ntitle = "Test"\nsteps = ["formal_investigation"]\n'
        '[[questions]]\nid = "q1"\ntext = "Was it so?"\nanswer_type = "yes_no"\n'
        '[routing]\ndefault = "proceed"\ndefault_reason = "Nothing else."\n' + routing
    )
    with pytest.raises(TemplateError, match=message):
        load_template("t.toml", text)


# --- decisions against the recommendation -------------------------------------------------------------


def test_a_decision_against_the_recommendation_needs_a_reason_and_is_marked(engine, settings, rules):
    case_id, _ = referred_case(engine, settings, rules)
    sub = review("health_route")  # the answers route to "proceed"
    with pytest.raises(ReviewRejected, match="differs from the recommended outcome 'Proceed to formal action'"):
        submit_review(engine, rules, case_id, sub, actor=PANEL)
    sub.override_reason = "short"
    with pytest.raises(ReviewRejected, match="write why"):
        submit_review(engine, rules, case_id, sub, actor=PANEL)
    sub.override_reason = "Occupational health reported a new diagnosis after the form was drafted."
    review_id = submit_review(engine, rules, case_id, sub, actor=PANEL)
    stored = case_detail(engine, case_id, actor=LEAD).reviews[-1]
    assert (stored.id, stored.recommended_outcome, stored.against_recommendation) == (review_id, "proceed", True)
    assert stored.override_reason.startswith("Occupational health")
    with store.session_scope(engine) as session:
        entry = [e for e in audit.entries_for(session, "case", case_id) if e.action == "review.submit"][-1]
    assert entry.detail["against_recommendation"] is True and entry.detail["recommended"] == "proceed"
    # Agreeing with the recommendation needs no reason and is not marked.
    other, _ = referred_case(engine, settings, rules)
    submit_review(engine, rules, other, review(), actor=PANEL)
    agreed = case_detail(engine, other, actor=LEAD).reviews[-1]
    assert agreed.against_recommendation is False and agreed.override_reason is None


# --- attested quorum ------------------------------------------------------------------------------------


def test_typed_names_cannot_open_the_gate(engine, settings, rules):
    case_id, v = referred_case(engine, settings, rules)
    # The old form: a name and a ticked "independent" box. The submission model has no such fields...
    with pytest.raises(ValidationError):
        Member(name="A. Director", role="Director", independent=True)  # type: ignore[call-arg]
    # ... names that are not accounts are refused ...
    typed = review(members=[Member(username="A. Director", role="Chair"), Member(username="B. Lay", role="Lay")])
    with pytest.raises(ReviewRejected, match="is not an active erreview account"):
        submit_review(engine, rules, case_id, typed, actor=PANEL)
    # ... and a review stored with typed names (as v1 allowed) never counts.
    with store.session_scope(engine) as session:
        ws.add_review(
            session,
            PanelReview(
                case_id=case_id,
                step="formal_investigation",
                template_id="panel_precheck",
                template_version=1,
                members=[
                    {"name": "A. Director", "role": "Director", "independent": True},
                    {"name": "B. Lay", "role": "Lay member", "independent": True},
                ],
                answers={},
                decision="proceed",
                rationale="Typed by one account for the whole panel.",
                submitted_at=ws.now(),
                submitted_by="panel1",
            ),
        )
    with pytest.raises(TransitionRefused, match="Names typed without accounts do not count"):
        transition(engine, rules, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, today=TODAY)


def test_one_account_cannot_attest_for_the_panel(engine, settings, rules):
    case_id, v = referred_case(engine, settings, rules)
    review_id = submit_review(engine, rules, case_id, review(), actor=PANEL)
    attest(engine, case_id, review_id, AttestationIn(declaration="independent"), actor=PANEL)
    with pytest.raises(ReviewRejected, match="already attested"):
        attest(engine, case_id, review_id, AttestationIn(declaration="independent"), actor=PANEL)
    with pytest.raises(TransitionRefused, match=r"1 member\(s\) have attested.*still to attest: panel2"):
        transition(engine, rules, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, today=TODAY)
    # Someone not named cannot attest in a member's place.
    with pytest.raises(AccessDenied, match="not named"):
        attest(engine, case_id, review_id, AttestationIn(declaration="independent"), actor=PANEL3)
    assert [r.review_id for r in attestations_waiting(engine, actor=PANEL2)] == [review_id]
    from erreview.review.worklist import my_work

    assert [i.kind for i in my_work(engine, rules, actor=PANEL2) if i.kind == "attest"] == ["attest"]
    attest(engine, case_id, review_id, AttestationIn(declaration="independent"), actor=PANEL2)
    assert attestations_waiting(engine, actor=PANEL2) == []
    transition(
        engine, rules, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, today=TODAY, on=date(2025, 5, 20)
    )


def test_a_declared_conflict_counts_as_a_member_but_not_as_independent(engine, settings, rules):
    case_id, v = referred_case(engine, settings, rules)
    review_id = submit_review(engine, rules, case_id, review(), actor=PANEL)
    with pytest.raises(ReviewRejected, match="describe the conflict"):
        attest(engine, case_id, review_id, AttestationIn(declaration="conflict"), actor=PANEL)
    for actor in (PANEL, PANEL2):
        attest(
            engine,
            case_id,
            review_id,
            AttestationIn(declaration="conflict", conflict_note="Worked on the same ward last year."),
            actor=actor,
        )
    with pytest.raises(TransitionRefused, match="0 independent"):
        transition(engine, rules, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, today=TODAY)


def test_a_director_level_member_when_the_setting_asks(engine, settings, rules):
    strict = Rules(rules.gated_steps, 2, 1, rules.templates, quorum_director=True)
    case_id, v = referred_case(engine, settings, rules)
    submit_attested(engine, strict, case_id, review())
    with pytest.raises(TransitionRefused, match="none director level"):
        transition(engine, strict, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, today=TODAY)
    # A correction naming a director: attestations are per review, so all attest again.
    first = case_detail(engine, case_id, actor=LEAD).reviews[-1].id
    members = [Member(username="panel1", role="Chair"), Member(username="panel3", role="Director of nursing")]
    second = submit_review(engine, strict, case_id, review(members=members, supersedes_id=first), actor=PANEL)
    with pytest.raises(ReviewRejected, match="has been corrected"):
        attest(engine, case_id, first, AttestationIn(declaration="independent"), actor=PANEL2)
    attest(engine, case_id, second, AttestationIn(declaration="independent"), actor=PANEL)
    attest(engine, case_id, second, AttestationIn(declaration="independent", director_level=True), actor=PANEL3)
    transition(
        engine, strict, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, today=TODAY, on=date(2025, 5, 20)
    )


def test_named_members_must_sit_on_the_case_s_panel(engine, settings, rules):
    case_id, _ = referred_case(engine, settings, rules)
    members = [Member(username="panel1", role="Chair"), Member(username="panel9", role="Member")]
    with pytest.raises(ReviewRejected, match="panel9 does not sit on panel North"):
        submit_review(engine, rules, case_id, review(members=members), actor=PANEL)
    members = [Member(username="panel1", role="Chair"), Member(username="lead1", role="Member")]
    with pytest.raises(ReviewRejected, match="lead1 does not sit on panel North"):
        submit_review(engine, rules, case_id, review(members=members), actor=PANEL)


# --- the atomic gate ------------------------------------------------------------------------------------


def test_a_correction_at_the_same_moment_cannot_slip_a_case_through(engine, settings, rules):
    """Two sessions: one is correcting the review to 'more information' (holding the case, not yet
    committed) while the case lead escalates. The escalation must wait and then see the correction."""
    case_id, v = referred_case(engine, settings, rules)
    first = submit_attested(engine, rules, case_id, review())
    correcting = Session(engine, expire_on_commit=False)
    ws.lock_case(correcting, case_id)
    ws.add_review(
        correcting,
        PanelReview(
            case_id=case_id,
            step="formal_investigation",
            template_id="panel_precheck",
            template_version=2,
            members=[{"username": "panel1", "role": "Chair"}, {"username": "panel2", "role": "Member"}],
            answers={},
            decision="more_information",
            rationale="New evidence arrived this morning.",
            submitted_at=ws.now(),
            submitted_by="panel1",
            supersedes_id=first,
            review_version=2,
        ),
    )
    outcome: dict[str, str] = {}

    def escalate() -> None:
        try:
            transition(
                engine,
                rules,
                case_id,
                Action.START_FORMAL,
                actor=LEAD,
                expected_version=v,
                today=TODAY,
                on=date(2025, 5, 20),
            )
            outcome["result"] = "escalated"
        except TransitionRefused as exc:
            outcome["result"] = str(exc)
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            outcome["result"] = f"error: {exc!r}"

    worker = threading.Thread(target=escalate)
    worker.start()
    worker.join(timeout=1.5)
    assert worker.is_alive(), outcome  # waiting for the case the correction holds
    correcting.commit()
    correcting.close()
    worker.join(timeout=60)
    assert "More information needed" in outcome["result"], outcome
    assert case_detail(engine, case_id, actor=LEAD).stage is Stage.AWAITING_PANEL_CHECK


# --- suspension reviews falling due (fixed clock) ---------------------------------------------------------


def _suspensions(rows):
    columns = [
        "case_id",
        "wres_group",
        "start",
        "end",
        "first_review",
        "review_every_days",
        "named_contact",
        "last_review",
    ]
    return pd.DataFrame(rows, columns=columns)


def test_suspension_reviews_fall_due_every_four_weeks():
    frame = _suspensions(
        [
            # Started 1 March, no plan, never reviewed: first review 29 March.
            ("A", "BME", date(2025, 3, 1), None, None, None, None, None),
            # Reviewed on 20 March under a two-week plan: next 3 April.
            ("B", "White", date(2025, 3, 1), None, date(2025, 3, 15), 14, "HR advisor", date(2025, 3, 20)),
            # Planned first review 12 April, not yet held.
            ("C", "BME", date(2025, 3, 25), None, date(2025, 4, 12), 28, "Matron", None),
            # Ended: never listed.
            ("D", "BME", date(2025, 1, 1), date(2025, 2, 1), None, None, None, None),
        ]
    )
    on_28_march = reviews_due(frame, date(2025, 3, 28), 28)
    assert list(zip(on_28_march["case_id"], on_28_march["next_review"], on_28_march["status"], strict=True)) == [
        ("A", date(2025, 3, 29), "due"),
        ("B", date(2025, 4, 3), "due"),
        ("C", date(2025, 4, 12), "scheduled"),
    ]
    on_5_april = reviews_due(frame, date(2025, 4, 5), 28).set_index("case_id")
    assert on_5_april.loc["A", "status"] == "overdue" and on_5_april.loc["B", "status"] == "overdue"
    assert on_5_april.loc["C", "status"] == "due" and on_5_april.loc["A", "days_suspended"] == 35
    # On the due day itself a review is due, not yet overdue.
    assert reviews_due(frame, date(2025, 3, 29), 28).set_index("case_id").loc["A", "status"] == "due"
    # A shorter interval (the setting) brings the first review forward.
    assert reviews_due(frame, date(2025, 3, 28), 14).set_index("case_id").loc["A", "status"] == "overdue"


def test_a_case_lead_s_work_list_shows_suspensions_due_and_a_review_moves_the_date(engine, settings, rules):
    case_id, v = referred_case(engine, settings, rules)
    submit_attested(engine, rules, case_id, review())
    v = transition(
        engine, rules, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, today=TODAY, on=date(2025, 5, 20)
    )
    submit_attested(engine, rules, case_id, review(step=Step.SUSPENSION))
    plan = SuspensionPlanIn(
        alternatives_considered="Redeployment to outpatients", full_pay=True, named_contact="HR advisor"
    )
    with pytest.raises(TransitionRefused, match="within 28 days"):
        transition(
            engine,
            rules,
            case_id,
            Action.SUSPEND,
            actor=LEAD,
            expected_version=v,
            today=TODAY,
            on=date(2025, 5, 21),
            suspension=plan.model_copy(update={"first_review": date(2025, 7, 30)}),
        )
    v = transition(
        engine,
        rules,
        case_id,
        Action.SUSPEND,
        actor=LEAD,
        expected_version=v,
        today=TODAY,
        on=date(2025, 5, 21),
        suspension=plan,
    )
    due = suspension_work_list(engine, 28, actor=LEAD, today=date(2025, 6, 20))
    assert list(due["case_id"]) == [case_id] and due.loc[0, "status"] == "overdue"
    assert due.loc[0, "next_review"] == date(2025, 6, 18) and due.loc[0, "named_contact"] == "HR advisor"
    from erreview.review.worklist import my_work

    items = [i for i in my_work(engine, rules, actor=LEAD, today=date(2025, 6, 20)) if i.kind == "suspension_review"]
    assert [(i.case_id, i.since) for i in items] == [(case_id, date(2025, 6, 18))] and "overdue" in items[0].text
    assert suspension_work_list(engine, 28, actor=Actor("lead2", Role.CASE_LEAD), today=date(2025, 6, 20)).empty
    version = service.current_data_version(engine)
    record_suspension_review(engine, case_id, date(2025, 6, 19), "Risk unchanged.", actor=LEAD, today=TODAY)
    # The screens' cached worklists (My work) are kept per data version: the review must change it.
    assert service.current_data_version(engine) > version
    due = suspension_work_list(engine, 28, actor=LEAD, today=date(2025, 6, 20))
    assert (due.loc[0, "next_review"], due.loc[0, "status"]) == (date(2025, 7, 17), "scheduled")
    transition(
        engine, rules, case_id, Action.END_SUSPENSION, actor=LEAD, expected_version=v, today=TODAY, on=date(2025, 6, 25)
    )
    assert suspension_work_list(engine, 28, actor=LEAD, today=date(2025, 6, 30)).empty
    assert case_detail(engine, case_id, actor=LEAD).case["suspension_end_date"] == date(2025, 6, 25)


# --- the post-action audit ------------------------------------------------------------------------------


def test_post_action_audit_by_recommendation_override_rate_and_referral_time():
    from datetime import UTC, datetime

    from erreview.review.context import panel_audit_of

    rows = [
        # id, case, group, recommended, decision, submitted (day of May 2025)
        (1, "a", "BME", "proceed", "proceed", 10),
        (2, "b", "BME", "divert_informal", "proceed", 12),
        (3, "c", "BME", "health_route", "proceed", 20),
        (4, "d", "White", "divert_informal", "divert_informal", 11),
        (5, "e", "White", "proceed", "system_learning_only", 15),
        (6, "f", "White", None, "proceed", 15),  # a v1 review: no recommendation, not counted in the rate
    ]
    reviews = pd.DataFrame(
        [
            {
                "id": i,
                "case_id": c,
                "step": "formal_investigation",
                "decision": d,
                "submitted_at": datetime(2025, 5, day, 12, tzinfo=UTC),
                "supersedes_id": None,
                "recommended_outcome": r,
                "against_recommendation": r is not None and r != d,
                "wres_group": g,
                "broad_group": g,
                "opened_date": date(2025, 5, 1),
                "division": "X",
            }
            for i, c, g, r, d, day in rows
        ]
    )
    referrals = pd.DataFrame(
        [
            ("a", datetime(2025, 5, 2, 12, tzinfo=UTC)),  # 8 days
            ("a", datetime(2025, 5, 30, tzinfo=UTC)),  # a later referral (after the review): ignored
            ("b", datetime(2025, 5, 8, 12, tzinfo=UTC)),  # 4 days
            ("c", datetime(2025, 5, 2, 12, tzinfo=UTC)),  # 18 days
            ("d", datetime(2025, 5, 10, 12, tzinfo=UTC)),  # 1 day
            ("e", datetime(2025, 5, 12, 12, tzinfo=UTC)),  # 3 days
        ],
        columns=["case_id", "referred_at"],
    )
    audit_ = panel_audit_of(reviews, referrals=referrals)
    # Hand-counted: BME 2 of 3 against the recommendation, White 1 of 2 (the v1 review has none).
    assert audit_.overrides.loc["BME"].tolist() == [3, 2, pytest.approx(2 / 3)]
    assert audit_.overrides.loc["White"].tolist() == [2, 1, 0.5]
    assert audit_.by_recommendation.loc[("divert_informal", "proceed"), "BME"] == 1
    assert audit_.by_recommendation.loc[("divert_informal", "divert_informal"), "White"] == 1
    assert audit_.by_recommendation.to_numpy().sum() == 5
    timing = audit_.days_referral_to_decision
    assert timing.loc["BME", "median"] == 8 and timing.loc["White", "median"] == 2
    assert timing.loc["BME", "n"] == 3 and timing.loc["White", "n"] == 2  # case f was never referred


def test_post_action_audit_reads_referrals_from_the_case_history(engine, settings, rules):
    from erreview.review.context import panel_audit

    case_id, _ = referred_case(engine, settings, rules)
    submit_review(engine, rules, case_id, review(), actor=PANEL)
    result = panel_audit(engine, actor=Actor("ana", Role.INCLUSION_ANALYST))
    assert result.days_referral_to_decision.loc["BME", "n"] == 1
    assert 0 <= result.days_referral_to_decision.loc["BME", "median"] < 1  # referred and decided just now
    assert result.overrides.loc["BME", "against"] == 0


# --- suspension length by group (Kaplan–Meier, ongoing suspensions censored) ------------------------------


def test_suspension_length_by_group_counts_ongoing_suspensions_as_censored():
    """#11's Kaplan–Meier (erreview.metrics.timing) on suspensions recorded with start and end dates: checked
    against a hand-worked product-limit estimate and against statsmodels directly."""
    from datetime import timedelta

    from statsmodels.duration.survfunc import SurvfuncRight

    from erreview.metrics.timing import time_in_process

    as_of = date(2025, 6, 30)
    # (group, days suspended, still suspended?)
    spells = [
        ("BME", 10, False),
        ("BME", 20, True),
        ("BME", 30, False),
        ("BME", 40, False),
        ("BME", 50, True),
        ("White", 5, False),
        ("White", 15, False),
        ("White", 25, False),
    ]
    rows = []
    for i, (group, days, ongoing) in enumerate(spells):
        start = as_of - timedelta(days=days) if ongoing else date(2025, 1, 1)
        rows.append(
            {
                "case_id": f"C{i}",
                "wres_group": group,
                "opened_date": pd.Timestamp(date(2024, 12, 1)),
                "route_date": pd.Timestamp(date(2024, 12, 15)),
                "formal_investigation_date": pd.Timestamp(date(2024, 12, 15)),
                "closed_date": pd.NaT,
                "initial_route": "formal",
                "restriction": "suspended",
                "suspension_start_date": pd.Timestamp(start),
                "suspension_end_date": pd.NaT if ongoing else pd.Timestamp(start + timedelta(days=days)),
            }
        )
    table = time_in_process(pd.DataFrame(rows), min_group_size=3, as_of=as_of).set_index("measure")
    row = table.loc["suspension_length"]
    # Every concern-to-route time is 14 days and no case has closed: the log-rank test has no variance and
    # is left out (it used to raise "singular matrix" and take the whole table down).
    assert pd.isna(table.loc["concern_to_route", "logrank_p"]) and pd.isna(table.loc["formal_to_close", "logrank_p"])
    assert (row["bme_n"], row["bme_open"], row["white_n"], row["white_open"]) == (5, 2, 3, 0)
    # By hand: S(10) = 4/5; 20 censored; S(30) = 4/5 x 2/3 = 0.533; S(40) = 0.533 x 1/2 = 0.267 <= 0.5.
    assert row["bme_median"] == 40
    assert row["white_median"] == 15
    bme = [(d, not o) for g, d, o in spells if g == "BME"]
    sf = SurvfuncRight([d for d, _ in bme], [float(e) for _, e in bme])
    assert row["bme_median"] == pytest.approx(sf.quantile(0.5))
    # Leaving the ongoing suspensions out (the bias this avoids) would give a shorter median.
    ended = [d for d, e in bme if e]
    assert SurvfuncRight(ended, [1.0] * len(ended)).quantile(0.5) < row["bme_median"]


def test_past_v1_reviews_still_render_as_answered():
    from erreview.review.panel import answer_rows

    past = PanelReview(
        case_id="X",
        step="formal_investigation",
        template_id="panel_precheck",
        template_version=1,
        members=[{"name": "A. Director", "role": "Director", "independent": True}],
        answers={"q01_framing": {"answer": "yes", "note": ""}, "q02_why_formal": {"note": "Repeated conduct."}},
        decision="proceed",
        rationale="Typed by one account for the whole panel.",
        submitted_at=ws.now(),
        submitted_by="panel1",
    )
    rows = answer_rows(V1, past)
    assert rows[0] == {"number": 1, "question": V1.questions[0].text, "answer": "Yes", "day": None, "note": ""}
    assert rows[1]["note"] == "Repeated conduct." and len(rows) == 2
