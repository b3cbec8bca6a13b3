"""Panel check: the bias-check checklist beside comparable past cases and the disparity picture.

The recommended outcome is worked out by the library as the panel answers; the chair names the members by
their accounts, and each member confirms their place from their own session (attestation).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from erreview.errors import ErreviewError
from erreview.models import PanelReview
from erreview.review.checklists import ANSWER_LABELS, Template, applies, latest, recommended_outcome
from erreview.review.lifecycle import CHECK_STAGES, Action, Step, step_under_check
from erreview.review.panel import (
    DECLARATION_LABELS,
    AnswerIn,
    AttestationIn,
    Member,
    ReviewRejected,
    ReviewSubmission,
    Rules,
    answer_rows,
    current_review,
    decision_label,
    decision_labels,
    named_members,
    review_problems_by_field,
    waiting_words,
)
from erreview.review.roles import Role
from erreview.review.workflow import (
    CaseDetail,
    attest,
    attestations_waiting,
    case_detail,
    list_cases,
    panel_candidates,
    submit_review,
)
from erreview.screen_privacy import comparable_cells
from panels.common import (
    FLAG_WORDS,
    YES_NO,
    Col,
    case_context,
    choose_case,
    engine,
    flash,
    fmt_ratio,
    form_problems,
    note_case_view,
    plain,
    refuse_case_link,
    require,
    settings,
    show_error,
    show_flash,
    show_table,
)

#: The review form's fields as the screen labels them (for problems found by the form's own model).
FORM_LABELS = {
    "members": "Panel members",
    "answers": "Questions",
    "decision": "Decision",
    "rationale": "Written rationale",
    "override_reason": "Why the panel decides against the recommended outcome",
}
STEP_WORDS = {"formal_investigation": "Formal investigation", "suspension": "Suspension"}
#: What happened in the comparable closed cases: the group first, then each outcome's count and share.
COMPARABLE_COLUMNS = [
    Col("Group", "Ethnic group", help="The employees' ethnic group (WRES groups), or all the comparable cases."),
    Col("Cases", "Cases", "count", "Comparable closed cases in the group; * where too few to show."),
    Col("Went formal", "Went formal", "count", "Cases that went to a formal investigation."),
    Col("Went formal (share)", "Went formal (share)", "rate", "Share of the group's cases that went formal."),
    Col("Case to answer", "Case to answer", "count", "Cases the investigation found a case to answer."),
    Col(
        "Case to answer (share)",
        "Case to answer (share)",
        "rate",
        "Share of the group's cases found a case to answer.",
    ),
    Col("Formal sanction", "Formal sanction", "count", "Cases that ended in a formal sanction."),
    Col(
        "Formal sanction (share)",
        "Formal sanction (share)",
        "rate",
        "Share of the group's cases that ended in a formal sanction.",
    ),
]
#: The case's reviews: which review, when and what was decided first; who confirmed and its history after.
REVIEW_COLUMNS = [
    Col("id", "Review", "number", "The review's number, as the messages on this screen name it."),
    Col("submitted_at", "Submitted", "datetime", "When the review was submitted, in UTC."),
    Col("step", "Step checked", help="The step the panel checked the case for.", words=STEP_WORDS),
    Col("decision", "Decision", help="What the panel decided, in the words of the step it checked."),
    Col(
        "recommended",
        "Recommended",
        help="The outcome the checklist recommended from the answers; — for a checklist without one.",
    ),
    Col(
        "against",
        "Against the recommendation",
        help="Whether the panel decided against the recommended outcome (it gave its reason).",
        words=YES_NO,
    ),
    Col("confirmed", "Confirmed by", help="Named members who confirmed their place; — if nobody yet."),
    Col("waiting", "Still to confirm", help="Named members who have not yet confirmed their place; — if none."),
    Col("version", "Version", "number", "1 for a first review; each correction is the next version."),
    Col("supersedes", "Corrects review", "number", "The review this one corrects; — if it corrects none."),
]
#: One review's answers in the checklist's order.
ANSWER_COLUMNS = [
    Col("number", "No.", "number", "The question's number in the checklist."),
    Col("question", "Question", help="The question the panel answered."),
    Col("answer", "Answer", help="The panel's answer; — for a question answered with a date or a note only."),
    Col("day", "Date given", "date", "The date the panel gave, for a question that asks for one; — otherwise."),
    Col("note", "Note", help="What the panel wrote with its answer; — if nothing."),
]


def _and_list(numbers: list[int]) -> str:
    """[3, 7, 21] → "3, 7 and 21"."""
    words = [str(n) for n in numbers]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _utc(moment: datetime) -> datetime:
    """A stored moment as UTC without a time zone (as the other tables show stored times)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


actor = require(Role.ADMIN, Role.CASE_LEAD, Role.PANEL_MEMBER)
st.title("Panel bias check", anchor=False)
show_flash()
st.markdown(
    "Before a case goes formal, and before a suspension, the panel checks it for bias. "
    "The case cannot go formal, or the colleague be suspended, until the panel agrees and enough members confirm "
    "their place "
    "from their own accounts."
)
rules = Rules.from_settings(settings())

# --- the signed-in member's own attestations ----------------------------------------------------------------
if actor.role in (Role.PANEL_MEMBER, Role.ADMIN):
    waiting = attestations_waiting(engine(), actor=actor)
    if waiting:
        st.header("Reviews waiting for your confirmation", anchor=False)
        for request in waiting:
            title = (
                f"Case {request.case_id}, review {request.review_id} "
                f"({request.step.replace('_', ' ')}): {decision_label(request.decision, request.step)}"
            )
            with st.form(f"attest-{request.review_id}"), st.container(border=True):
                st.markdown(f"**{title}**")
                declaration = st.radio(
                    f"Your declaration for review {request.review_id}",
                    list(DECLARATION_LABELS),
                    format_func=DECLARATION_LABELS.get,
                    index=None,
                )
                conflict = st.text_input(f"If you have a conflict, describe it (review {request.review_id})")
                director = st.checkbox(f"I am a director-level member (review {request.review_id})")
                if st.form_submit_button(f"Confirm my place on the panel for review {request.review_id}"):
                    try:
                        if declaration is None:
                            raise ReviewRejected(["choose independent or conflict of interest"])
                        attest(
                            engine(),
                            request.case_id,
                            request.review_id,
                            AttestationIn(declaration=declaration, conflict_note=conflict, director_level=director),
                            actor=actor,
                        )
                        flash(f"You confirmed your place on the panel for review {request.review_id}.")
                        st.rerun()
                    except ReviewRejected as exc:
                        show_error("Not confirmed: " + "; ".join(exc.problems))
                    except ErreviewError as exc:
                        show_error(f"Not confirmed: {exc.message}")


def _start_correction(review: PanelReview, template: Template) -> None:
    """Fill the form with ``review``'s answers, members and decision, so a correction changes only what was
    wrong. From another version of the checklist only the answers to questions asked in the same words are
    carried over (a reworded question is answered afresh)."""
    case_id = review.case_id
    step = Step(review.step)
    past = rules.templates.get((review.template_id, review.template_version))
    now = {q.id: q for q in template.questions_for(step)}
    if past is not None and past.id == template.id:
        same = {
            q.id
            for q in past.questions_for(step)
            if q.id in now and (q.text_at(step), q.answer_type) == (now[q.id].text_at(step), now[q.id].answer_type)
        }
        for qid, given in review.answers.items():
            if qid not in same:
                continue
            if given.get("answer"):
                st.session_state[f"{case_id}-{qid}"] = given["answer"]
            if given.get("note"):
                key = f"{case_id}-{qid}-note" if given.get("answer") else f"{case_id}-{qid}-text"
                st.session_state[key] = given["note"]
            if given.get("day"):
                st.session_state[f"{case_id}-{qid}-date"] = date.fromisoformat(str(given["day"]))
    st.session_state[f"{case_id}-members"] = [m["username"] for m in review.members]
    for m in review.members:
        st.session_state[f"{case_id}-{m['username']}-role"] = m.get("role", "")
        st.session_state[f"{case_id}-{m['username']}-ca"] = bool(m.get("cultural_ambassador"))
        st.session_state[f"{case_id}-{m['username']}-lay"] = bool(m.get("lay_member"))
    st.session_state[f"{case_id}-decision"] = review.decision
    st.session_state[f"{case_id}-rationale"] = review.rationale
    st.session_state[f"{case_id}-override"] = review.override_reason or ""


#: The recorded moves of a case (audit actions) that act on a panel's decision or move the case on.
MOVES = {f"case.{action.value}" for action in Action}


def not_waiting_words(detail: CaseDetail) -> str:
    """Why a case the person may see, opened by a link, is not on this screen: it moved on after the panel's
    decision (and when that decision was acted on), or it is at a stage no panel check waits at."""
    case = plain(detail.case["case_id"])
    decided = [r for r in (current_review(detail.reviews, step) for step in Step) if r is not None]
    if decided:
        last = _utc(max(decided, key=lambda r: (r.submitted_at, r.id or 0)).submitted_at)
        acted = sorted(_utc(t["at"]) for t in detail.timeline if t["action"] in MOVES and _utc(t["at"]) >= last)
        if acted:
            return (
                f"{case} has moved on: the panel's decision was acted on on {acted[0]:%-d %b %Y}. "
                f"Its stage is now {detail.stage_label.lower()}, and no panel check waits for it."
            )
    return f"{case} is not waiting for a panel check: its stage is {detail.stage_label.lower()}."


cases = list_cases(engine(), actor=actor)
visible = set(cases["case_id"]) if not cases.empty else set()
refuse_case_link(visible)
waiting_cases = (
    cases[cases["stage"].isin([stage.value for stage in CHECK_STAGES.values()])] if not cases.empty else cases
)
linked = st.query_params.get("case")
if linked and linked in visible and linked not in set(waiting_cases.get("case_id", [])):
    # A case the person may see that no panel check waits for: say so, rather than open nothing without a word.
    st.info(not_waiting_words(case_detail(engine(), linked, actor=actor)), icon=":material/info:")
    del st.query_params["case"]
    if st.session_state.get("case_id") == linked:
        st.session_state.pop("case_id", None)
if waiting_cases.empty:
    st.info("No case is waiting for a panel check.")
    st.stop()
case_id = choose_case("Case", list(waiting_cases["case_id"]))
if case_id is None:
    st.caption(f"{len(waiting_cases)} case(s) waiting for a panel check. Choose one to open it.")
    st.stop()
detail = case_detail(engine(), case_id, actor=actor)
note_case_view(actor, case_id)
step = step_under_check(detail.stage)
if step is None:  # moved on since the list was read
    st.info(f"{plain(case_id)} is no longer waiting for a panel check ({detail.stage_label}).")
    st.stop()
st.caption(
    f"{case_id} · {detail.stage_label} · checking: {step.value.replace('_', ' ')} · "
    f"{str(detail.case['allegation_category']).replace('_', ' ')} · {detail.case['division']}"
)

form_col, context_col = st.columns([3, 2])
with context_col:
    st.header("Comparable past cases", anchor=False)
    # The disparity at the decision the panel is checking: going formal, or being suspended.
    comparison, ctx = case_context(actor, case_id, settings().comparable_cases, step.value)
    try:
        if isinstance(comparison, str):
            show_error(comparison, focus=False)  # why the library cannot give them, in its own plain words
        elif comparison.suppressed:
            st.markdown(comparison.summary())
        else:
            # Counts and rates of the comparable set, suppressed like a board pack: a list of cases from a
            # small division would let the panel recognise colleagues.
            st.markdown(f"What happened in the {comparison.n} most comparable closed cases:")
            counted, hidden = comparable_cells(comparison.cases, settings().suppression_threshold)
            show_table(counted, COMPARABLE_COLUMNS, hidden, download="comparable cases")
            st.caption(
                f"Counts from 1 to {settings().suppression_threshold} are shown as *, with the shares resting "
                "on them. Cases are matched on allegation, band, referral source, staff group and division, "
                "never on ethnicity."
            )
    except ErreviewError as exc:
        show_error(exc.message, focus=False)
    if step is Step.SUSPENSION:
        st.header("Disparity at the decision to suspend", anchor=False)
        st.caption(
            "BME : White ratio of being suspended, among the formal cases of every disciplinary case on record "
            "(all years), so it can differ from Decision points, which looks at one 12-month window."
        )
    else:
        st.header("Disparity at the decision to go formal", anchor=False)
        st.caption(
            "BME : White ratio of going formal, over every disciplinary case on record (all years), so it can "
            "differ from Decision points, which looks at one 12-month window."
        )
    for label, result in (("Trust", ctx.trust), (f"Division: {ctx.division_name}", ctx.division)):
        est = result.estimate
        flag = FLAG_WORDS.get(est.flag.value, est.flag.value)
        st.metric(
            label,
            fmt_ratio(est.ratio),
            f"95% CI {fmt_ratio(est.ci_low)}–{fmt_ratio(est.ci_high)} · {flag}",
            delta_color="off",
        )
    if detail.reviews:
        st.header("Reviews so far", anchor=False)
        rows = []
        for r in detail.reviews:
            confirmed = {a.username for a in detail.attestations_of(r.id)}
            still = [u for u in named_members(r) if u not in confirmed]
            rows.append(
                {
                    "id": r.id,
                    "submitted_at": _utc(r.submitted_at),
                    "step": r.step,
                    "decision": decision_label(r.decision, r.step),
                    "recommended": decision_label(r.recommended_outcome, r.step) if r.recommended_outcome else None,
                    "against": r.against_recommendation,
                    "confirmed": ", ".join(sorted(detail.name_of(u) for u in confirmed)) or None,
                    "waiting": ", ".join(sorted(detail.name_of(u) for u in still)) or None,
                    "version": r.review_version,
                    "supersedes": r.supersedes_id,
                }
            )
        show_table(pd.DataFrame(rows), REVIEW_COLUMNS, download="reviews so far")
        for r in detail.reviews:
            past = rules.templates.get((r.template_id, r.template_version))
            if past is not None:
                with st.expander(f"Answers of review {r.id} ({past.title_at(Step(r.step))}, version {past.version})"):
                    answered = pd.DataFrame(answer_rows(past, r), columns=[c.source for c in ANSWER_COLUMNS])
                    if answered["day"].isna().all():
                        answered = answered.drop(columns="day")  # no question of this review asks for a date
                    show_table(answered, ANSWER_COLUMNS, download=f"review {r.id} answers")

with form_col:
    if actor.role is Role.CASE_LEAD:
        st.info("The panel completes this check. You can see its decision here and escalate on the Cases screen.")
        st.stop()
    template: Template = latest(rules.templates, "panel_precheck")
    decided = current_review(detail.reviews, step)
    labels = decision_labels(step)  # the decisions in the words of the step checked (suspend / do not suspend)
    mode_key = f"review-mode-{case_id}"  # ("correct" | "again", the decided review's id) once chosen
    mode = st.session_state.get(mode_key)
    if decided is not None and (mode is None or mode[1] != decided.id):
        # Decided: no second blank form. The decision stands unless the panel chooses to act on it again.
        st.header("The panel's decision", anchor=False)
        confirmed = detail.attestations_of(decided.id)
        still = [detail.name_of(u) for u in named_members(decided) if u not in {a.username for a in confirmed}]
        short = waiting_words(decided, confirmed, rules, detail.names)
        st.success(
            f"Review {decided.id}, submitted on {decided.submitted_at:%-d %b %Y}: "
            f"**{labels[decided.decision]}**. "
            + (
                short
                if short
                else f"Enough members have confirmed their place; still to confirm: {', '.join(still)}."
                if still
                else "Every named member confirmed their place."
            ),
            icon=":material/gavel:",
        )
        if decided.decision == "more_information":
            st.caption(
                "When the information the panel asked for is in, review the case again: a new review, starting "
                "from these answers. If the decision itself was wrong, correct it instead."
            )
            if st.button("Review again with the new information", type="primary", key=f"again-{decided.id}"):
                _start_correction(decided, template)
                st.session_state[mode_key] = ("again", decided.id)
                st.rerun()
        st.caption(
            "A submitted review cannot be edited. If the decision is wrong, correct it: the correction is a new "
            "version of this review, starting from its answers, and each named member confirms it afresh."
        )
        if st.button("Correct this decision", icon=":material/edit:", key=f"correct-{decided.id}"):
            _start_correction(decided, template)
            st.session_state[mode_key] = ("correct", decided.id)
            st.rerun()
        st.stop()
    correcting = decided.id if decided is not None and mode == ("correct", decided.id) else None
    started = st.session_state.setdefault(f"started-{case_id}", datetime.now(UTC))
    if decided is not None:
        if correcting is not None:
            st.header(f"Correct review {correcting}", anchor=False)
            st.caption(
                f"{template.title_at(step)} (version {template.version}), starting from review {correcting}'s answers."
            )
        else:
            st.header(f"Review again after review {decided.id}", anchor=False)
            st.caption(
                f"{template.title_at(step)} (version {template.version}), starting from review {decided.id}'s answers."
            )
        if st.button("Keep the decision as it is", key=f"cancel-{decided.id}"):
            st.session_state.pop(mode_key, None)
            st.rerun()
    else:
        st.header(f"{template.title_at(step)} (version {template.version})", anchor=False)
    # Every problem is shown at once beside its question or field (a slot under each), with a count here at the
    # top; nothing reruns, so every answer given stays in the form.
    summary = st.empty()
    beside: dict[str, Any] = {}
    answers: dict[str, AnswerIn] = {}
    values: dict[str, str | None] = {}
    numbers = {q.id: n for n, q in enumerate(template.questions_for(step), start=1)}
    section = None
    for q in template.questions_for(step):
        if applies(template, q, step, values) is False:
            continue  # a follow-up the earlier answers made irrelevant
        if q.section and q.section != section:
            section = q.section
            st.subheader(section, anchor=False)
        n = numbers[q.id]
        label = f"{n}. {q.text_at(step)}" + ("" if q.required else " (optional)")
        if q.choices:
            choice = st.radio(
                label,
                list(q.choices),
                format_func=ANSWER_LABELS.get,
                index=None,
                horizontal=True,
                key=f"{case_id}-{q.id}",
                help=q.help_at(step) or None,
            )
            note = ""
            if q.note_required_for:
                note = st.text_input(
                    f"Note for question {n}"
                    + f" (needed if {' or '.join(ANSWER_LABELS[a].lower() for a in q.note_required_for)})",
                    key=f"{case_id}-{q.id}-note",
                )
            answers[q.id] = AnswerIn(answer=choice, note=note)
            values[q.id] = choice
        elif q.answer_type == "date":
            day = st.date_input(
                label, value=None, key=f"{case_id}-{q.id}-date", help=q.help_at(step) or None, format="DD/MM/YYYY"
            )
            answers[q.id] = AnswerIn(day=day)
        else:
            answers[q.id] = AnswerIn(
                note=st.text_area(label, key=f"{case_id}-{q.id}-text", help=q.help_at(step) or None)
            )
        beside[f"question:{q.id}"] = st.empty()

    recommendation = recommended_outcome(template, values, step)
    recommended = recommendation.outcome if recommendation is not None else None
    if recommendation is not None and recommended is None:
        pending = sorted(numbers[q] for q in recommendation.waiting_on if q in numbers)
        which = f" ({'question' if len(pending) == 1 else 'questions'} {_and_list(pending)})" if pending else ""
        st.info(f"**No recommendation yet: answer the deciding questions{which}.**", icon=":material/route:")
    elif recommendation is not None and recommended is not None:
        text = f"**Recommended outcome: {labels[recommended]}.** {recommendation.reason}"
        st.info(text, icon=":material/route:")

    st.subheader("Panel members", anchor=False)
    st.caption(
        f"Name at least {rules.quorum_members} members by their erreview accounts. Each confirms their place "
        "and declares independence or a conflict from their own account; the case cannot be escalated until "
        f"{rules.quorum_members} have, {rules.quorum_independent} of them independent"
        + (", one director level" if rules.quorum_director else "")
        + ". Include a cultural ambassador or trained lay member where you can."
    )
    candidates = panel_candidates(engine(), case_id, actor=actor)
    members_key = f"{case_id}-members"
    if members_key in st.session_state:  # only accounts that may still sit on this panel
        st.session_state[members_key] = [u for u in st.session_state[members_key] if u in candidates]
    chosen = st.multiselect(
        "Panel members",
        list(candidates),
        # A correction starts from the members named before (set in the session): no second default.
        default=None if members_key in st.session_state else [actor.username] if actor.username in candidates else [],
        format_func=lambda u: f"{candidates[u]} ({u})",
        key=members_key,
    )
    beside["members"] = st.empty()
    members = []
    for username in chosen:
        name = candidates[username]
        role_key = f"{case_id}-{username}-role"
        role = st.text_input(
            f"Role on the panel: {name}",
            value="Panel chair" if username == actor.username and role_key not in st.session_state else "",
            key=role_key,
        )
        c1, c2 = st.columns(2)
        members.append(
            {
                "username": username,
                "role": role,
                "cultural_ambassador": c1.checkbox(f"{name} is a cultural ambassador", key=f"{case_id}-{username}-ca"),
                "lay_member": c2.checkbox(f"{name} is a trained lay member", key=f"{case_id}-{username}-lay"),
            }
        )
        beside[f"member:{username}"] = st.empty()

    st.subheader("Decision", anchor=False)
    decision = st.radio("Decision", list(labels), format_func=labels.get, index=None, key=f"{case_id}-decision")
    beside["decision"] = st.empty()
    override = ""
    if recommended is not None and decision is not None and decision != recommended:
        st.warning(
            f"The panel is deciding against the recommended outcome "
            f"({labels[recommended]}). Say why; this is marked in the audit of decisions.",
            icon=":material/warning:",
        )
        override = st.text_area("Why the panel decides against the recommended outcome", key=f"{case_id}-override")
        beside["override_reason"] = st.empty()
    rationale = st.text_area("Written rationale", key=f"{case_id}-rationale")
    beside["rationale"] = st.empty()

    def plain(problem: str) -> str:
        """The library names questions by id and answers by code; the screen by their number and words, as a
        sentence."""
        for qid, n in sorted(numbers.items(), key=lambda item: -len(item[0])):
            problem = problem.replace(f"question {qid}", f"question {n}").replace(
                f"note to {qid}", f"note to question {n}"
            )
        for code, words in ANSWER_LABELS.items():
            problem = problem.replace(f"answered '{code}'", f"answered {words}")
        problem = problem[:1].upper() + problem[1:]
        return problem if problem.endswith(".") else f"{problem}."

    def show_beside(what: str, found: list[tuple[str, str]]) -> None:
        """Every problem at once: each under its question or field, the count (and any problem with the review as
        a whole) at the top of the form."""
        by_place: dict[str, list[str]] = {}
        for place, text in found:
            by_place.setdefault(place if place in beside else "", []).append(plain(text))
        count = len(found)
        whole = by_place.pop("", [])
        with summary.container():
            show_error(
                f"{what}: {count} {'problem' if count == 1 else 'problems'}"
                + (", each shown beside its question or field." if by_place else ".")
                + "".join(f"\n\n- {text}" for text in whole)
            )
        for place, texts in by_place.items():
            beside[place].error("\n\n".join(texts), icon=":material/error:")
        show_error(f"{what}: {count} {'problem' if count == 1 else 'problems'}; see above.")

    def _member(row: dict[str, Any]) -> Member:
        """The member as named; a blank role is reported with the rest below, not refused on its own."""
        try:
            return Member(**row)
        except ValidationError:
            return Member.model_construct(**row)

    if st.button("Submit review", type="primary"):
        member_problems: list[tuple[str, str]] = []
        for number, row in enumerate(members, start=1):
            try:
                Member(**row)
            except ValidationError as exc:
                label = f"Role on the panel for member {number}"
                place = f"member:{row['username']}"
                if not str(row["role"]).strip():
                    member_problems.append((place, f"{label}: enter the member's role."))
                else:
                    labels = {"role": label, "username": f"Member {number}"}
                    member_problems.extend((place, text) for text in form_problems(exc, labels).values())
        try:
            submission = ReviewSubmission(
                step=step,
                template_id=template.id,
                template_version=template.version,
                members=[_member(row) for row in members],
                answers={k: v for k, v in answers.items() if v.answer or v.note or v.day},
                # No decision yet: stand in the recommended one, so the only complaint is "choose a decision".
                decision=decision or recommended or "more_information",
                rationale=rationale,
                override_reason=override,
                supersedes_id=correcting,
                started_at=started,
            )
            problems = [*member_problems, *review_problems_by_field(submission, detail.stage, rules)]
            if decision is None:
                problems.insert(0, ("decision", "Decision: choose one."))
            if problems:
                show_beside("The review was not submitted", problems)
                st.stop()
            review_id = submit_review(engine(), rules, case_id, submission, actor=actor)
            st.session_state.pop(mode_key, None)
            done = (
                f"Review {correcting} corrected by review {review_id}"
                if correcting
                else f"Review {review_id} submitted"
            )
            flash(f"{done}: {labels[submission.decision]}. Each named member now confirms their place on this screen.")
            st.rerun()
        except ReviewRejected as exc:  # refused on saving (e.g. the case moved on meanwhile)
            show_beside("The review was not submitted", [("", p) for p in exc.problems])
        except ErreviewError as exc:
            show_error(f"The review was not submitted: {exc.message}")
        except ValidationError as exc:  # the form's own fields (pydantic), not a library refusal
            show_beside("The review was not submitted", list(form_problems(exc, FORM_LABELS).items()))
