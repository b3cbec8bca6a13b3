"""Actions: what was agreed about each finding, who owns it, whether it is done; the board signs off."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from erreview.actions import (
    STATUS_LABELS,
    ActionInput,
    ActionStatus,
    create_action,
    finding_divisions,
    finding_periods,
    list_actions,
    measure_ids,
    measure_labels,
    sign_off,
    update_action,
)
from erreview.errors import ErreviewError
from erreview.periods import period_words
from erreview.review.roles import Role
from erreview.review.screening import check_free_text
from panels.common import (
    NONE_TEXT,
    YES_NO,
    Col,
    engine,
    flash,
    form_problems,
    number_columns,
    plain,
    require,
    settings,
    show_error,
    show_flash,
    show_problems,
    table_download,
    table_styler,
)

#: The actions table: which action, where it stands and when it is due first, then what it answers.
ACTION_COLUMNS = [
    Col("id", "No.", "number", "The action's number."),
    Col("title", "Action", help="What was agreed."),
    Col("status", "Status", help="Where the action stands."),
    Col("due_date", "Due", "date", "When it is due."),
    Col("overdue", "Overdue", help="Not finished and past the due date (the row is shaded).", words=YES_NO),
    Col("owner", "Owner", help="The post that owns the action."),
    Col("measure", "Measure", help="The measure whose finding the action answers."),
    Col("period", "Period", help="The period the finding was seen in."),
    Col("division", "Division", help="The division the finding was in, or the whole trust."),
    Col("signed_off_by", "Signed off by", help="The board member who signed the action off; — if not yet."),
    Col("evidence", "Evidence", help="Evidence of progress; — if none recorded."),
]

actor = require(Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER)
st.title("Actions", anchor=False)
st.markdown(
    "Each action answers a finding: a measure, the period it was seen in and, where it applies, a division. "
    "Inclusion analysts keep them up to date; the board signs off an action once it is done or cancelled."
)
show_flash()
editor = actor.role in (Role.ADMIN, Role.INCLUSION_ANALYST)
approver = actor.role in (Role.ADMIN, Role.BOARD_VIEWER)
STATUSES = list(ActionStatus)
measure_dir = settings().measure_dir
try:
    # The contract's measures and those the trust added to its measure library.
    measure_choices = measure_ids(measure_dir)
    measure_names = measure_labels(measure_dir)
except ErreviewError as exc:
    show_error(f"The trust's own measures cannot be offered: {exc.message}", focus=False)
    measure_dir, measure_choices, measure_names = None, measure_ids(), measure_labels()
WHOLE_TRUST = "Whole trust"


def measure_name(measure: str) -> str:
    """A measure as people read it (an action's measure the library no longer holds: its id in words)."""
    return measure_names.get(measure) or measure.replace("_", " ").capitalize()


actions = list_actions(engine(), actor=actor, today=date.today())
if actions.empty:
    st.info("No actions recorded yet.")
else:
    late = int(actions["overdue"].sum())
    if late:
        st.warning(f"{late} action(s) overdue: not finished and past the due date.", icon=":material/schedule:")
    shown = actions.assign(
        measure=actions["measure"].map(measure_name),
        period=actions["period"].fillna("").map(period_words),
        division=actions["division"].replace("", WHOLE_TRUST),
        status=actions["status"].map(lambda s: STATUS_LABELS[ActionStatus(s)]),
    )
    table = table_styler(shown, ACTION_COLUMNS)
    late_rows = table.frame["Overdue"].eq("Yes")

    def _highlight(row: pd.Series) -> list[str]:
        colour = "background-color: #fde8e8; color: #8a1538" if late_rows[row.name] else ""
        return [colour] * len(row)

    st.dataframe(
        table.styler.apply(_highlight, axis=1),
        hide_index=True,
        column_config=number_columns(table, {c.label: c.help or None for c in table.columns}),
        placeholder=NONE_TEXT,
    )
    table_download(table, table.columns, "actions")


def _label(row: pd.Series) -> str:
    return f"{row['id']}: {row['title']}"


#: The action form's fields as the screen labels them.
ACTION_LABELS = {
    "title": "Action",
    "measure": "Measure",
    "period": "Period",
    "division": "Division",
    "owner": "Owner",
    "due_date": "Due date",
    "status": "Status",
    "evidence": "Evidence of progress",
}
NEW_ERRORS = "new_action_errors"
#: What to do about a pick list left unchosen (nothing is chosen for the person).
CHOOSE = {
    "measure": "Measure: choose the measure whose finding the action answers.",
    "period": "Period: choose the period the finding was seen in.",
    "division": f"Division: choose the division the finding was in, or {WHOLE_TRUST}.",
}


def action_problems(values: dict[str, Any]) -> dict[str, str]:
    """Every problem with an action as typed, keyed by field, in plain words (empty: it can be saved)."""
    unchosen = {name: text for name, text in CHOOSE.items() if name in values and values[name] is None}
    chosen = {k: v for k, v in values.items() if k not in unchosen}
    try:
        data = ActionInput.model_validate(
            chosen | {"measure": chosen.get("measure", measure_choices[0])}, context={"measures": measure_choices}
        )
    except ValidationError as exc:
        return unchosen | form_problems(exc, ACTION_LABELS)
    problems: dict[str, str] = dict(unchosen)
    for name in ("title", "owner", "evidence"):
        try:
            check_free_text("this", getattr(data, name))
        except ErreviewError as exc:
            problems[name] = f"{ACTION_LABELS[name]}: {exc.message}."
    return problems


def _new_problem(name: str) -> None:
    """The problem with one field of the new action, shown right under it."""
    message = st.session_state.get(NEW_ERRORS, {}).get(name)
    if message:
        st.error(message, icon=":material/error:")


if editor:
    errors = st.session_state.get(NEW_ERRORS, {})
    with st.expander("Record a new action", expanded=actions.empty or bool(errors)):
        if errors:
            show_error(f"The action was not saved: {len(errors)} problem(s), shown beside each field.")
        with st.form("new_action", clear_on_submit=False):
            title = st.text_input("Action", key="new_action_title")
            _new_problem("title")
            c1, c2, c3 = st.columns(3)
            with c1:
                measure = st.selectbox(
                    "Measure",
                    measure_choices,
                    index=None,
                    format_func=measure_name,
                    placeholder="Choose a measure",
                    key="new_action_measure",
                )
                _new_problem("measure")
            with c2:
                period = st.selectbox(
                    "Period",
                    [p.label for p in finding_periods(engine())],
                    index=None,
                    format_func=period_words,
                    placeholder="Choose a period",
                    help="A financial year or one of its half-years, among those with data.",
                    key="new_action_period",
                )
                _new_problem("period")
            with c3:
                division = st.selectbox(
                    "Division",
                    ["", *finding_divisions(engine())],
                    index=None,
                    format_func=lambda d: d or WHOLE_TRUST,
                    placeholder="Choose a division",
                    help=f"The division the finding was in; {WHOLE_TRUST} for a finding across the trust.",
                    key="new_action_division",
                )
                _new_problem("division")
            c4, c5 = st.columns(2)
            with c4:
                owner = st.text_input("Owner (a post, e.g. Director of People)", key="new_action_owner")
                _new_problem("owner")
            with c5:
                due = st.date_input("Due date", value=None, format="DD/MM/YYYY", key="new_action_due_date")
                _new_problem("due_date")
            if st.form_submit_button("Save the action", type="primary"):
                values = {
                    "title": title,
                    "measure": measure,
                    "period": period,
                    "division": division,
                    "owner": owner,
                    "due_date": due,
                }
                found = action_problems(values)
                if found:
                    st.session_state[NEW_ERRORS] = found
                    st.rerun()  # every problem beside its field; what was typed stays
                st.session_state.pop(NEW_ERRORS, None)
                try:
                    number = create_action(engine(), values, actor=actor, measure_dir=measure_dir)
                except ErreviewError as exc:
                    show_error(f"The action was not saved: {exc.message}")
                else:
                    for name in values:
                        st.session_state.pop(f"new_action_{name}", None)
                    flash(f"Action {number} recorded.")
                    st.rerun()

if editor and not actions.empty:
    st.header("Update an action", anchor=False)
    editable = actions[actions["signed_off_by"].isna()]
    if editable.empty:
        st.caption("Every action is signed off.")
    else:
        choice = st.selectbox("Action to update", editable.apply(_label, axis=1).tolist())
        row = editable[editable.apply(_label, axis=1) == choice].iloc[0]
        with st.form(f"edit_{row['id']}"):
            c1, c2, c3 = st.columns(3)
            status = c1.selectbox(
                "Status",
                STATUSES,
                index=STATUSES.index(ActionStatus(row["status"])),
                format_func=lambda s: STATUS_LABELS[s],
            )
            owner = c2.text_input(f"Owner of action {row['id']}", value=row["owner"])
            due = c3.date_input(
                f"Due date of action {row['id']}", value=pd.Timestamp(row["due_date"]).date(), format="DD/MM/YYYY"
            )
            evidence = st.text_area(
                "Evidence of progress", value=row["evidence"], help="No names or identifiers: notes are checked."
            )
            if st.form_submit_button(f"Save changes to action {row['id']}"):
                changes = {"status": status, "owner": owner, "due_date": due, "evidence": evidence}
                found = action_problems({"title": row["title"], "measure": row["measure"]} | changes)
                if found:
                    show_problems(f"Action {row['id']} was not saved", list(found.values()))
                    st.stop()
                try:
                    update_action(
                        engine(),
                        int(row["id"]),
                        changes,
                        actor=actor,
                        expected_version=int(row["version"]),
                        measure_dir=measure_dir,
                    )
                    flash(f"Action {row['id']} saved.")
                    st.rerun()
                except ErreviewError as exc:
                    show_error(exc.message)

if approver and not actions.empty:
    st.header("Board sign-off", anchor=False)
    ready = actions[
        actions["signed_off_by"].isna() & actions["status"].isin([ActionStatus.DONE, ActionStatus.CANCELLED])
    ]
    if ready.empty:
        st.caption("No finished action is waiting for sign-off.")
    else:
        choice = st.selectbox("Finished action", ready.apply(_label, axis=1).tolist())
        row = ready[ready.apply(_label, axis=1) == choice].iloc[0]
        st.markdown(f"**Evidence:** {plain(row['evidence']) if row['evidence'] else 'none recorded'}")
        if st.button(f"Sign off action {row['id']}", type="primary"):
            try:
                sign_off(engine(), int(row["id"]), actor=actor, expected_version=int(row["version"]))
                flash(f"Action {row['id']} signed off.")
                st.rerun()
            except ErreviewError as exc:
                show_error(exc.message)
