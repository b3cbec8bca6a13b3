"""The panel's check before a suspension speaks of suspension (suspend / do not suspend, alternatives such as
restricted duties or redeployment), not of formal action; the decision codes stay as they are."""

# ruff: noqa: F811  (fixtures imported from test_app are parameters here)
from __future__ import annotations

import re
from datetime import date, timedelta

from erreview.review.checklists import Template, all_templates, latest, recommended_outcome
from erreview.review.lifecycle import Step
from erreview.review.panel import DECISION_LABELS, decision_labels
from erreview.review.roles import Role

from .test_app import ACTORS, _refer_a_demo_case, app_env, demo_db, signed_in  # noqa: F401  (fixtures)

#: Words of the formal-action check that must not reach the check before a suspension.
FORMAL = re.compile(r"\bformal\b|\bproceed", re.IGNORECASE)


def _neutral_answers(template: Template, step: Step) -> dict[str, str]:
    """An answer to every choice question that triggers no route (so every follow-up is asked)."""
    routing = template.routing
    assert routing is not None
    triggers = {(qid, a) for route in routing.routes for qid, a in route.if_any.items()}
    return {
        q.id: next(a for a in q.choices if (q.id, a) not in triggers) for q in template.questions_for(step) if q.choices
    }


def test_the_check_before_a_suspension_words_questions_and_reasons_for_suspension():
    template = latest(all_templates(), "panel_precheck")
    step = Step.SUSPENSION
    questions = template.questions_for(step)
    words = [template.title_at(step)] + [q.text_at(step) for q in questions] + [q.help_at(step) for q in questions]
    assert not [w for w in words if FORMAL.search(w)]
    # Every recommendation the answers can lead to, reached through the routing itself.
    neutral = _neutral_answers(template, step)
    reached = [recommended_outcome(template, neutral, step)]
    asked = {q.id for q in questions}
    assert template.routing is not None
    for route in template.routing.routes:
        for qid, wanted in route.if_any.items():
            if qid in asked:
                result = recommended_outcome(template, neutral | {qid: wanted}, step)
                assert result is not None and result.route == route.id, (route.id, result)
                reached.append(result)
                break
    assert len(reached) > 5
    assert not [r.reason for r in reached if r is not None and FORMAL.search(r.reason)]
    # Before a formal investigation the check reads as it did in version 2.
    v2 = all_templates()[("panel_precheck", 2)]
    formal = Step.FORMAL_INVESTIGATION
    assert [q.text_at(formal) for q in template.questions_for(formal)] == [q.text for q in v2.questions_for(formal)]
    assert template.title_at(formal) == v2.title


def test_the_decisions_before_a_suspension_are_suspend_or_do_not_suspend_with_the_same_codes():
    labels = decision_labels(Step.SUSPENSION)
    assert list(labels) == list(DECISION_LABELS)  # the stored codes are the contract's; only the words change
    assert labels["proceed"] == "Suspend"
    assert not [w for w in labels.values() if FORMAL.search(w)]
    assert any("restricted duties" in w and "redeployment" in w for w in labels.values())
    assert sum(w.startswith("Do not suspend") for w in labels.values()) >= 3
    assert decision_labels(Step.FORMAL_INVESTIGATION)["proceed"] == "Proceed to formal action"


def test_the_panel_check_screen_before_a_suspension_speaks_of_suspension(app_env):
    from erreview import store
    from erreview.review.lifecycle import Action
    from erreview.review.panel import AttestationIn, Member, Rules
    from erreview.review.workflow import attest, list_cases, submit_review, transition

    from .test_app_correction import PANEL2
    from .test_workflow import review

    case_id = _refer_a_demo_case(app_env)
    engine = store.engine_for(app_env.database_url)
    rules = Rules.from_settings(app_env)
    lead, panel = ACTORS[Role.CASE_LEAD], ACTORS[Role.PANEL_MEMBER]
    members = [Member(username="panel", role="Chair"), Member(username="panel2", role="Cultural ambassador")]
    first = submit_review(engine, rules, case_id, review(members=members), actor=panel)
    for who in (panel, PANEL2):
        attest(engine, case_id, first, AttestationIn(declaration="independent"), actor=who)

    def version() -> int:
        return int(list_cases(engine, actor=lead).set_index("case_id").loc[case_id, "version"])

    transition(engine, rules, case_id, Action.START_FORMAL, actor=lead, expected_version=version())
    transition(engine, rules, case_id, Action.REFER_SUSPENSION_CHECK, actor=lead, expected_version=version())

    at = signed_in(Role.PANEL_MEMBER).switch_page("panels/precheck.py").run()
    at.selectbox[0].select(case_id).run()
    assert not at.exception
    template = latest(all_templates(), "panel_precheck")
    assert any(s.value == f"Panel bias check before suspension (version {template.version})" for s in at.header)
    decision = next(r for r in at.radio if r.label == "Decision")
    shown = list(decision.options)  # as the screen draws them
    assert "Suspend" in shown and "Do not suspend" in shown, shown
    assert any(s.value == "Disparity at the decision to suspend" for s in at.header)
    # Answer every question without pointing away from suspension: the recommendation is to suspend.
    neutral = _neutral_answers(template, Step.SUSPENSION)
    for _ in range(3):  # follow-ups appear as their questions are answered
        for radio in at.radio:
            qid = (radio.key or "").removeprefix(f"{case_id}-")
            if qid in neutral and radio.value is None:
                radio.set_value(neutral[qid])
        at.run()
    for box in at.text_input:
        if box.key and box.key.endswith("-note"):
            box.input("Considered by the panel.")
    for area in at.text_area:
        if area.label != "Written rationale":
            area.input("Restricted duties were tried and the risk to patients remained.")
    day = next(d for d in at.date_input if "first be reviewed" in d.label)
    day.set_value(date.today() + timedelta(days=14))
    at.multiselect(key=f"{case_id}-members").set_value(["panel", "panel2"]).run()
    at.text_input(key=f"{case_id}-panel2-role").input("Cultural ambassador")
    at.run()
    recommendations = [i.value for i in at.info if "Recommended outcome" in i.value]
    assert recommendations and recommendations[0].startswith("**Recommended outcome: Suspend.**"), recommendations
    screen = [
        *(w.label for w in [*at.radio, *at.text_area, *at.text_input, *at.date_input]),
        *(w.help or "" for w in [*at.radio, *at.text_area, *at.date_input]),
        *recommendations,
        *shown,
        *(s.value for s in [*at.header, *at.subheader]),
    ]
    assert not [w for w in screen if FORMAL.search(w)], [w for w in screen if FORMAL.search(w)]
    decision = next(r for r in at.radio if r.label == "Decision")
    decision.set_value("proceed")
    next(a for a in at.text_area if a.label == "Written rationale").input(
        "Restricted duties were tried and the risk to patients remained."
    )
    next(b for b in at.button if b.label == "Submit review").click().run()
    assert not at.exception
    assert any("submitted: Suspend." in s.value for s in at.success), [e.value for e in at.error]
    # The case lead's page speaks of the suspension the panel agreed to.
    cases = signed_in(Role.CASE_LEAD).switch_page("panels/cases.py")
    cases.query_params["case"] = case_id
    cases.run()
    statuses = [i.value for i in cases.info]
    assert any("The panel agreed to the suspension on" in s for s in statuses), statuses
    assert not any("decided to proceed" in s for s in statuses), statuses


def test_correcting_an_older_suspension_check_carries_only_questions_asked_in_the_same_words(app_env):
    """A suspension check made with version 2, corrected under version 3: the answers to questions worded the
    same are carried over; the answer to a question version 3 rewords for suspension is asked afresh."""
    from erreview import store
    from erreview.review.workflow import case_detail

    from .test_app_correction import case_ready_to_suspend

    case_id = case_ready_to_suspend(app_env)
    engine = store.engine_for(app_env.database_url)
    (decided,) = [r for r in case_detail(engine, case_id, actor=ACTORS[Role.ADMIN]).reviews if r.step == "suspension"]
    assert decided.template_version == 2
    v2, now = all_templates()[("panel_precheck", 2)], latest(all_templates(), "panel_precheck")
    step = Step.SUSPENSION
    reworded = next(q for q in now.questions_for(step) if q.answer_type == "text" and step in q.text_for)
    kept = next(q for q in now.questions_for(step) if q.choices and step not in q.text_for)
    assert reworded.id in decided.answers and kept.id in decided.answers
    assert v2.questions_for(step)[[q.id for q in v2.questions_for(step)].index(reworded.id)].text != reworded.text_at(
        step
    )

    at = signed_in(Role.PANEL_MEMBER).switch_page("panels/precheck.py").run()
    at.selectbox[0].select(case_id).run()
    next(b for b in at.button if b.label == "Correct this decision").click().run()
    assert not at.exception
    assert at.radio(key=f"{case_id}-{kept.id}").value == decided.answers[kept.id]["answer"]
    assert at.text_area(key=f"{case_id}-{reworded.id}-text").value == ""
