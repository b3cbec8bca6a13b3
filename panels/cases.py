"""Cases: the list of cases a person may see, and a case page that offers only what can happen next."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from erreview import service
from erreview.errors import ErreviewError
from erreview.ethnicity import ethnicity_table
from erreview.review.casepage import (
    CHOICE_LABELS,
    FIELD_LABELS,
    OPEN_LISTS,
    NextStep,
    case_status,
    new_case_problems,
    new_value_problem,
    next_steps,
)
from erreview.review.lifecycle import GATES, STAGE_LABELS, Action, Stage, Step
from erreview.review.panel import Rules, current_review, decision_label
from erreview.review.roles import Role
from erreview.review.screening import check_free_text
from erreview.review.suspension import STATUS_LABELS, SuspensionPlanIn
from erreview.review.workflow import (
    NewCase,
    case_detail,
    create_case,
    panels,
    record_suspension_review,
    subject_choices,
    suspension_work_list,
    transition,
)
from erreview.staffid import staff_id_expected
from panels.common import (
    Col,
    case_list,
    engine,
    flash,
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

actor = require(Role.ADMIN, Role.CASE_LEAD, Role.PANEL_MEMBER)
st.title("Cases", anchor=False)
show_flash()
gate_off = service.gate_warning(settings())
if gate_off:
    st.warning(gate_off, icon=":material/gpp_bad:")
ERRORS_KEY = "new_case_errors"
#: The suspension reviews table: what to do first (the case and its review's state and date), then the rest.
SUSPENSION_COLUMNS = [
    Col("case_id", "Case", help="The case's reference in the ER tracker."),
    Col("status", "Review", help="Whether the next review is overdue, due within a week, or scheduled."),
    Col("next_review", "Next review", "date", "When the suspension must next be reviewed."),
    Col("days_suspended", "Days suspended", "days", "Days since the suspension started."),
    Col("start", "Suspended since", "date", "The day the suspension started."),
    Col("last_review", "Last review", "date", "The last recorded review of the suspension; — if none yet."),
    Col("named_contact", "Named contact", help="The employee's named contact while suspended."),
]
#: The case list: the case and where it is first, then what it is about and who holds it.
CASE_COLUMNS = [
    Col("case_id", "Case", help="The case's reference in the ER tracker."),
    Col("stage", "Stage", help="Where the case is in the process."),
    Col("opened_date", "Opened", "date", "When the concern was raised."),
    Col("case_type", "Type", help="The kind of case."),
    Col("allegation_category", "Allegation", help="What the concern is about."),
    Col("division", "Division", help="The division the employee works in."),
    Col("band", "Band", help="The employee's Agenda for Change band, or medical grade."),
    Col("case_lead", "Case lead", help="Who moves the case on; — if nobody yet."),
    Col("panel", "Panel", help="The panel the case is referred to for its bias check; — if none yet."),
]
TIMELINE_COLUMNS = [
    Col("date", "Date", "date", "When it happened."),
    Col("event", "What happened", help="The step, and who took it."),
]


#: The suspension safeguards as the step form labels them.
SUSPENSION_LABELS = {
    "alternatives_considered": "Alternatives to suspension considered",
    "full_pay": "Full pay",
    "named_contact": "Named contact for the employee",
    "first_review": "First review of the suspension",
}


def suspension_problems(
    alternatives: str, full_pay: bool, contact: str, first_review: date | None, on: date
) -> dict[str, str]:
    """Every problem with the suspension safeguards at once, by field, in plain words under the form's labels."""
    fields = {
        "alternatives_considered": alternatives,
        "full_pay": full_pay,
        "named_contact": contact,
        "first_review": first_review,
    }
    try:
        SuspensionPlanIn(**fields)
        problems: dict[str, str] = {}
    except ValidationError as exc:
        problems = form_problems(exc, SUSPENSION_LABELS)
    for name in ("alternatives_considered", "named_contact"):
        if name not in problems:
            try:
                check_free_text("this", fields[name])
            except ErreviewError as exc:
                problems[name] = f"{SUSPENSION_LABELS[name]}: {exc.message}."
    every = settings().suspension_review_days
    if first_review is not None and first_review < on:
        problems["first_review"] = (
            f"{SUSPENSION_LABELS['first_review']}: it cannot be before the suspension starts ({on:%-d %b %Y})."
        )
    elif first_review is not None and first_review > on + timedelta(days=every):
        problems["first_review"] = (
            f"{SUSPENSION_LABELS['first_review']}: it must be within {every} days of the start "
            f"(by {on + timedelta(days=every):%-d %b %Y})."
        )
    return problems


def _field_problem(name: str) -> None:
    """The problem with one form field, shown right under it."""
    message = st.session_state.get(ERRORS_KEY, {}).get(name)
    if message:
        st.error(message, icon=":material/error:")


def _pick(column: Any, name: str, options: list[str], labels: dict[str, str] | None = None, **extra: Any) -> Any:
    """A pick list with no default: the person chooses, the form never decides for them."""
    with column:
        value = st.selectbox(
            FIELD_LABELS[name],
            options,
            index=None,
            placeholder="Choose…",
            format_func=(lambda v: labels.get(v, v)) if labels else str,
            key=f"new_{name}",
            **extra,
        )
        _field_problem(name)
    return value


def _pick_or_add(column: Any, name: str, options: list[str]) -> tuple[Any, bool]:
    """A pick list of the known values that takes a new one only deliberately: a value not in the list is named
    beside the field when the form is sent (with the listed values closest to it), and a box to confirm adding
    it appears under it; the value is added only once that box is ticked."""
    label = FIELD_LABELS[name]
    with column:
        value = st.selectbox(
            label,
            options,
            index=None,
            placeholder="Choose…",
            key=f"new_{name}",
            accept_new_options=True,
            help="Choose from the list. A value not in the list is added only when you confirm it.",
        )
        _field_problem(name)
        added = False
        if value is not None and value not in options:
            # Keyed by the value, so a changed value needs a fresh tick.
            added = st.checkbox(f"Add “{value}” as a new {label[:1].lower()}{label[1:]}", key=f"new_{name}_add_{value}")
    return value, added


def _new_concern_form() -> None:
    known = subject_choices(engine(), actor=actor)
    ethnic = {c.code: f"{c.label} ({c.code})" for c in ethnicity_table().rows()}
    with st.form("new_case"):
        c1, c2, c3 = st.columns(3)
        with c1:
            rules = settings()
            person = st.text_input(
                FIELD_LABELS["person_id"],
                key="new_person_id",
                help=f"As it is on record: {staff_id_expected(rules.staff_id_pattern, rules.staff_id_example)}. "
                "Pseudonymised on save; never stored.",
            )
            _field_problem("person_id")
        ethnicity = _pick(c2, "ethnic_category", list(ethnic), ethnic, help="As recorded in ESR.")
        gender = _pick(c3, "gender", list(CHOICE_LABELS["gender"]), CHOICE_LABELS["gender"])
        band, add_band = _pick_or_add(c1, "band", known["band"])
        staff_group, add_staff_group = _pick_or_add(c2, "staff_group", known["staff_group"])
        division, add_division = _pick_or_add(c3, "division", known["division"])
        case_type = _pick(c1, "case_type", list(CHOICE_LABELS["case_type"]), CHOICE_LABELS["case_type"])
        allegation = _pick(
            c2, "allegation_category", list(CHOICE_LABELS["allegation_category"]), CHOICE_LABELS["allegation_category"]
        )
        referral = _pick(
            c3, "referral_source", list(CHOICE_LABELS["referral_source"]), CHOICE_LABELS["referral_source"]
        )
        with c1:
            opened = st.date_input(
                FIELD_LABELS["opened_date"],
                value=None,
                # Not capped at today: a future date is kept and named as such beside the field, not emptied.
                max_value=date(2100, 12, 31),
                key="new_opened_date",
                format="DD/MM/YYYY",
            )
            _field_problem("opened_date")
        if not st.form_submit_button("Raise concern", type="primary"):
            return
    fields = {
        "person_id": person,
        "ethnic_category": ethnicity,
        "gender": gender,
        "band": band,
        "staff_group": staff_group,
        "division": division,
        "case_type": case_type,
        "allegation_category": allegation,
        "referral_source": referral,
        "opened_date": opened,
    }
    problems = new_case_problems(
        fields, staff_id_pattern=settings().staff_id_pattern, staff_id_example=settings().staff_id_example
    )
    added = {"band": add_band, "staff_group": add_staff_group, "division": add_division}
    for name in OPEN_LISTS:
        new = None if name in problems else new_value_problem(name, fields[name], known[name], confirmed=added[name])
        if new:
            problems[name] = new
    if problems:
        st.session_state[ERRORS_KEY] = problems
        st.rerun()  # show every problem beside its field; what was typed stays in the form
    st.session_state.pop(ERRORS_KEY, None)
    try:
        case_id = create_case(engine(), settings(), NewCase(**fields), actor=actor)
    except ErreviewError as exc:
        show_error(f"The concern was not saved: {exc.message}")
        return
    ours = tuple(f"new_{name}" for name in FIELD_LABELS)  # the fields and their "add as new" boxes
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(ours)]:
        st.session_state.pop(key, None)
    st.session_state["case_id"] = case_id
    st.query_params["case"] = case_id
    flash(f"Case {plain(case_id)} created. You are its case lead.")
    st.rerun()


if actor.role in (Role.CASE_LEAD, Role.ADMIN):
    problems_shown = bool(st.session_state.get(ERRORS_KEY))
    with st.expander("Raise a new concern", icon=":material/add_circle:", expanded=problems_shown):
        if problems_shown:
            count = len(st.session_state[ERRORS_KEY])
            show_error(f"The concern was not saved: {count} problem(s), shown beside each field.")
        _new_concern_form()

if actor.role in (Role.CASE_LEAD, Role.ADMIN):
    every = settings().suspension_review_days
    due = suspension_work_list(engine(), every, actor=actor, today=date.today())
    if not due.empty:
        st.header("Suspension reviews", anchor=False)
        urgent = due[due["status"] != "scheduled"]
        st.caption(
            f"{len(due)} suspension(s) running; {len(urgent)} review(s) overdue or due within a week. "
            f"Suspensions are reviewed at least every {every} days."
        )
        show_table(
            due.assign(status=due["status"].map(STATUS_LABELS)), SUSPENSION_COLUMNS, download="suspension reviews"
        )

cases = case_list(actor)
refuse_case_link(set(cases["case_id"]) if not cases.empty else set())
if cases.empty:
    st.info("No cases for you yet." if actor.role is not Role.ADMIN else "No cases yet.")
    st.stop()

with st.sidebar:
    stages = st.multiselect("Filter by stage", [s.value for s in Stage], format_func=lambda s: STAGE_LABELS[Stage(s)])
    types = st.multiselect(
        "Filter by case type",
        sorted(cases["case_type"].unique()),
        format_func=lambda t: CHOICE_LABELS["case_type"].get(t, t),
    )
    divisions = st.multiselect("Filter by division", sorted(cases["division"].unique()))
shown = cases
if stages:
    shown = shown[shown["stage"].isin(stages)]
if types:
    shown = shown[shown["case_type"].isin(types)]
if divisions:
    shown = shown[shown["division"].isin(divisions)]

listing = shown.assign(
    stage=shown["stage"].map(lambda s: STAGE_LABELS[Stage(s)]),
    case_type=shown["case_type"].map(lambda t: CHOICE_LABELS["case_type"].get(t, t)),
    allegation_category=shown["allegation_category"].map(lambda a: CHOICE_LABELS["allegation_category"].get(a, a)),
)
st.caption(f"{len(shown):,} of {len(cases):,} case(s). Select a row to open the case.")
event = show_table(
    listing, CASE_COLUMNS, download="cases", on_select="rerun", selection_mode="single-row", key="case_table"
)
case_ids = list(shown["case_id"])
selected_rows = event.selection.rows if event and hasattr(event, "selection") else []
if selected_rows:
    st.session_state["case_id"] = case_ids[selected_rows[0]]
linked = st.query_params.get("case")
if linked in case_ids and not selected_rows:
    st.session_state["case_id"] = linked
remembered = st.session_state.get("case_id")
# No case opens by itself: opening one is recorded in the audit log as a view, so only a case the person
# chose (here, in the table or by a link naming it) is opened.
case_id = st.selectbox(
    "Open case",
    case_ids,
    index=case_ids.index(remembered) if remembered in case_ids else None,
    placeholder="Choose a case",
)
if case_id is None:
    st.session_state.pop("case_id", None)
    st.stop()
st.session_state["case_id"] = case_id
st.query_params["case"] = case_id  # the address bar now links to this case

try:
    detail = case_detail(engine(), case_id, actor=actor)
    note_case_view(actor, case_id)
except ErreviewError as exc:
    show_error(exc.message, focus=False)
    st.stop()

rules = Rules.from_settings(settings())
st.header(f"{plain(case_id)}: {detail.stage_label}", anchor=False)
st.info(plain(case_status(detail, rules)), icon=":material/info:")
info = detail.case
c1, c2, c3, c4 = st.columns(4)
c1.metric("Concern raised", f"{pd.Timestamp(info['opened_date']):%-d %b %Y}")
c2.metric("Allegation", CHOICE_LABELS["allegation_category"].get(info["allegation_category"], "—"))
c3.metric("Division", info["division"])
c4.metric("Panel", detail.panel or "—")


#: The step form's button, and what the form was drawn for (the case, the step, the panel decision it rested on).
SUBMIT_KEY = "case_step_submit"
SEEN_KEY = "case_step_seen"


def _refuse_stale_click(drawn: str | None) -> None:
    """A step's button pressed after the step stopped being offered (the panel changed its decision meanwhile, or
    the case moved on): the form is gone from the redrawn page, so say out loud that nothing was saved, and why."""
    seen = st.session_state.get(SEEN_KEY)
    if not st.session_state.get(SUBMIT_KEY) or not isinstance(seen, dict) or seen.get("case") != case_id:
        return
    if seen["label"] == drawn:
        return  # the form is drawn again and handles the click itself
    st.session_state.pop(SEEN_KEY, None)
    gate = seen.get("gate")
    now = current_review(detail.reviews, Step(gate)) if gate else None
    if now is not None and now.id != seen.get("review"):
        show_error(
            f"Not saved: the panel's decision changed on {now.submitted_at:%-d %b %Y} to "
            f"“{decision_label(now.decision, now.step)}”, so “{seen['label']}” cannot go ahead. "
            "Choose the next step again."
        )
    else:
        show_error(
            f"Not saved: “{seen['label']}” is no longer possible, as the case changed since you chose it. "
            "Choose the next step again."
        )


def _step_form(step: NextStep) -> None:
    """The chosen step's form. Every problem is shown at once under its own field, with a count at the top of
    the form; nothing reruns, so what was typed stays in the form."""
    gate = GATES.get(step.action)
    decided = current_review(detail.reviews, gate) if gate is not None else None
    # What this form is drawn for: if the step is no longer offered when its button is pressed, the click is
    # refused out loud (see _refuse_stale_click), not dropped with the form.
    st.session_state[SEEN_KEY] = {
        "case": case_id,
        "label": step.label,
        "gate": gate.value if gate is not None else None,
        "review": decided.id if decided is not None else None,
    }
    with st.form(f"step_{case_id}"):
        summary = st.empty()
        beside: dict[str, Any] = {}
        value = None
        if step.choices:
            labels = {c.value: c.label for c in step.choices}
            value = st.selectbox(
                step.question or "Value", list(labels), index=None, placeholder="Choose…", format_func=labels.get
            )
            beside["value"] = st.empty()
        panel = None
        if step.needs_panel:
            offered = panels(engine(), actor=actor)
            if not offered:
                st.warning("There are no panels yet: an administrator adds panel members to a panel first.")
            panel = st.selectbox(
                "Panel", offered, index=None, placeholder="Choose the panel…", help="Only existing panels."
            )
            beside["panel"] = st.empty()
        on = st.date_input("Date", value=date.today(), max_value=date.today(), format="DD/MM/YYYY")
        alternatives, full_pay, contact, first_review = "", False, "", None
        if step.action is Action.SUSPEND:
            st.markdown("**Suspension safeguards** (the 2019 letter: suspension is a last resort)")
            alternatives = st.text_area("Alternatives to suspension considered, and why they will not do")
            beside["alternatives_considered"] = st.empty()
            full_pay = st.checkbox("The employee stays on full pay")
            beside["full_pay"] = st.empty()
            contact = st.text_input("Named contact for the employee (name or role)")
            beside["named_contact"] = st.empty()
            first_review = st.date_input(
                "First review of the suspension (empty: four weeks after the start)",
                value=None,
                format="DD/MM/YYYY",
            )
            beside["first_review"] = st.empty()
        if not st.form_submit_button(step.label, type="primary", key=SUBMIT_KEY):
            return

        def refuse(found: dict[str, str]) -> None:
            """The count (and any problem with the step as a whole) on top, each other problem under its field."""
            whole = [text for name, text in found.items() if name not in beside]
            count = len(found)
            for name, text in found.items():
                if name in beside:
                    beside[name].error(text, icon=":material/error:")
            with summary.container():
                show_error(
                    f"Not saved: {count} {'problem' if count == 1 else 'problems'}"
                    + (", each shown under its field." if count > len(whole) else ".")
                    + "".join(f"\n\n- {text}" for text in whole)
                )

        found: dict[str, str] = {}
        if step.choices and value is None:
            found["value"] = step.choose or "Choose one of the options."
        if step.needs_panel and not panel:
            found["panel"] = "Choose the panel the case is referred to."
        if step.action is Action.SUSPEND:
            found |= suspension_problems(alternatives, full_pay, contact, first_review, on)
        if found:
            refuse(found)
            return
        try:
            suspension = (
                SuspensionPlanIn(
                    alternatives_considered=alternatives,
                    full_pay=full_pay,
                    named_contact=contact,
                    first_review=first_review,
                )
                if step.action is Action.SUSPEND
                else None
            )
            transition(
                engine(),
                rules,
                case_id,
                step.action,
                actor=actor,
                expected_version=int(info["version"]),
                on=on,
                value=value,
                panel=panel,
                suspension=suspension,
                review_every_days=settings().suspension_review_days,
            )
        except ErreviewError as exc:
            refuse({"": exc.message[:1].upper() + exc.message[1:]})
            return
        except ValidationError as exc:  # the safeguards' own fields (checked above already)
            refuse(form_problems(exc, SUSPENSION_LABELS))
            return
    flash(f"Saved: {step.label}.")
    st.rerun()


steps = next_steps(detail, rules)
if not steps:
    _refuse_stale_click(None)
if steps:
    st.subheader("What happens next", anchor=False)
    by_label = {s.label: s for s in steps}
    chosen_label = st.radio(
        "Choose the next step",
        list(by_label),
        index=None,
        captions=[s.explanation for s in steps],
        key=f"next_step_{case_id}_{detail.case['version']}",
    )
    _refuse_stale_click(chosen_label)
    if chosen_label is not None:
        _step_form(by_label[chosen_label])
    if Action.END_SUSPENSION in detail.actions:
        with st.form(f"suspension_review_{case_id}"):
            st.markdown("**Record a review of the suspension**")
            held_on = st.date_input(
                "Suspension reviewed on", value=date.today(), max_value=date.today(), format="DD/MM/YYYY"
            )
            note = st.text_input("What the review found")
            if st.form_submit_button("Record the suspension review"):
                try:
                    record_suspension_review(engine(), case_id, held_on, note, actor=actor)
                    flash("Suspension review recorded.")
                    st.rerun()
                except ErreviewError as exc:
                    show_error(exc.message)
elif actor.role is Role.PANEL_MEMBER:
    st.info("Panel members review cases on the Panel check screen.")

st.subheader("Timeline", anchor=False)
show_table(pd.DataFrame(detail.timeline_rows(), columns=["date", "event"]), TIMELINE_COLUMNS, download="timeline")
