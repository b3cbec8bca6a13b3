"""Panel check: the bias-check checklist beside comparable past cases and the disparity picture."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from erreview.errors import ErreviewError
from erreview.review.checklists import ANSWER_LABELS, latest
from erreview.review.context import comparables_for, disparity_context
from erreview.review.lifecycle import CHECK_STAGES, step_under_check
from erreview.review.panel import (
    DECISION_LABELS,
    AnswerIn,
    Member,
    ReviewRejected,
    ReviewSubmission,
    Rules,
    review_problems,
)
from erreview.review.roles import Role
from erreview.review.workflow import case_detail, list_cases, submit_review
from panels.common import (
    choose_case,
    engine,
    fmt_ratio,
    note_case_view,
    plain_validation,
    require,
    settings,
    show_error,
)

MEMBER_SLOTS = 5

actor = require(Role.ADMIN, Role.CASE_LEAD, Role.PANEL_MEMBER)
st.title("Panel bias check")
st.markdown(
    "Before a case goes formal (and before suspension) the panel checks it for bias. "
    "The case cannot be escalated until a quorate panel decides to proceed."
)

cases = list_cases(engine(), actor=actor)
waiting = cases[cases["stage"].isin([stage.value for stage in CHECK_STAGES.values()])] if not cases.empty else cases
if waiting.empty:
    st.info("No case is waiting for a panel check.")
    st.stop()
case_id = choose_case("Case", list(waiting["case_id"]))
detail = case_detail(engine(), case_id, actor=actor)
note_case_view(actor, case_id)
rules = Rules.from_settings(settings())
step = step_under_check(detail.stage)
if step is None:  # moved on since the list was read
    st.info(f"{case_id} is no longer waiting for a panel check ({detail.stage_label}).")
    st.stop()
st.caption(
    f"{case_id} · {detail.stage_label} · checking: {step.value.replace('_', ' ')} · "
    f"{str(detail.case['allegation_category']).replace('_', ' ')} · {detail.case['division']}"
)

form_col, context_col = st.columns([3, 2])
with context_col:
    st.subheader("Comparable past cases")
    try:
        comparison = comparables_for(engine(), case_id, actor=actor, k=settings().comparable_cases)
        st.markdown(comparison.summary())
        if not comparison.suppressed:
            st.dataframe(comparison.cases.drop(columns=["distance"]).head(15), hide_index=True)
    except ErreviewError as exc:
        show_error(exc.message)
    st.subheader("Disparity at the decision to go formal")
    ctx = disparity_context(engine(), case_id, actor=actor)
    for label, result in (("Trust", ctx.trust), (f"Division: {ctx.division_name}", ctx.division)):
        est = result.estimate
        st.metric(
            label,
            fmt_ratio(est.ratio),
            f"95% CI {fmt_ratio(est.ci_low)}–{fmt_ratio(est.ci_high)} · {est.flag.value}",
            delta_color="off",
        )
    if detail.reviews:
        st.subheader("Reviews so far")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "id": r.id,
                        "step": r.step,
                        "decision": DECISION_LABELS[r.decision],
                        "version": r.review_version,
                        "submitted": r.submitted_at,
                        "corrects": r.supersedes_id,
                    }
                    for r in detail.reviews
                ]
            ),
            hide_index=True,
        )

with form_col:
    if actor.role is Role.CASE_LEAD:
        st.info("The panel completes this check. You can see its decision here and escalate on the Cases screen.")
        st.stop()
    template = latest(rules.templates, "panel_precheck")
    started = st.session_state.setdefault(f"started-{case_id}", datetime.now(UTC))
    with st.form("review"):
        st.subheader(f"{template.title} (v{template.version})")
        answers: dict[str, AnswerIn] = {}
        for q in template.questions_for(step):
            st.markdown(f"**{q.text}**" + ("" if q.required else " *(optional)*"))
            if q.help:
                st.caption(q.help)
            if q.answer_type == "yes_no_na":
                choice = st.radio(
                    q.id,
                    list(ANSWER_LABELS),
                    format_func=ANSWER_LABELS.get,
                    index=None,
                    horizontal=True,
                    label_visibility="collapsed",
                    key=f"{case_id}-{q.id}",
                )
                note = st.text_input(
                    "Note",
                    key=f"{case_id}-{q.id}-note",
                    label_visibility="collapsed",
                    placeholder="Note"
                    + (f" (required if {', '.join(q.note_required_for)})" if q.note_required_for else ""),
                )
                answers[q.id] = AnswerIn(answer=choice, note=note)
            else:
                answers[q.id] = AnswerIn(
                    note=st.text_area(q.id, key=f"{case_id}-{q.id}-text", label_visibility="collapsed")
                )
        st.subheader("Panel members")
        st.caption(
            "At least two members, at least one independent of the referring manager. Include a cultural "
            "ambassador or trained lay member where you can."
        )
        member_rows = []
        for i in range(MEMBER_SLOTS):
            c1, c2, c3 = st.columns([3, 3, 2.4])
            member_rows.append(
                {
                    "name": c1.text_input(
                        f"Member {i + 1} name", value=actor.label if i == 0 else "", key=f"{case_id}-m{i}-name"
                    ),
                    "role": c2.text_input(
                        f"Member {i + 1} role", value="Panel chair" if i == 0 else "", key=f"{case_id}-m{i}-role"
                    ),
                    "independent": c3.checkbox("Independent", value=i == 0, key=f"{case_id}-m{i}-ind"),
                    "cultural_ambassador": c3.checkbox("Cultural ambassador", key=f"{case_id}-m{i}-ca"),
                    "lay_member": c3.checkbox("Lay member", key=f"{case_id}-m{i}-lay"),
                }
            )
        decision = st.radio("Decision", list(DECISION_LABELS), format_func=DECISION_LABELS.get, index=None)
        rationale = st.text_area("Written rationale")
        correcting = st.selectbox(
            "This corrects review", [None, *[r.id for r in detail.reviews if r.step == step.value]]
        )
        if st.form_submit_button("Submit review", type="primary"):
            try:
                submission = ReviewSubmission(
                    step=step,
                    template_id=template.id,
                    template_version=template.version,
                    members=[Member(**row) for row in member_rows if row["name"].strip()],
                    answers=answers,
                    decision=decision or "more_information",
                    rationale=rationale,
                    supersedes_id=correcting,
                    started_at=started,
                )
                problems = review_problems(submission, detail.stage, rules)
                if decision is None:
                    problems.insert(0, "choose a decision")
                if problems:
                    raise ReviewRejected(problems)
                review_id = submit_review(engine(), rules, case_id, submission, actor=actor)
                st.success(f"Review {review_id} submitted: {DECISION_LABELS[decision]}.")
            except ReviewRejected as exc:
                show_error("The review was not submitted:\n\n" + "\n".join(f"- {p}" for p in exc.problems))
            except ErreviewError as exc:
                show_error(f"The review was not submitted: {exc.message}")
            except ValidationError as exc:  # the form's own fields (pydantic), not a library refusal
                show_error(f"The review was not submitted: {plain_validation(exc)}")
