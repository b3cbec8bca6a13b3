"""Actions: what was agreed about each finding, who owns it, whether it is done; the board signs off."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from erreview.actions import (
    STATUS_LABELS,
    ActionStatus,
    create_action,
    list_actions,
    measure_ids,
    sign_off,
    update_action,
)
from erreview.errors import ErreviewError
from erreview.review.roles import Role
from panels.common import (
    NONE_TEXT,
    YES_NO,
    Col,
    engine,
    flash,
    number_columns,
    plain,
    require,
    settings,
    show_error,
    show_flash,
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
st.title("Actions")
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
except ErreviewError as exc:
    show_error(f"The trust's own measures cannot be offered: {exc.message}")
    measure_dir, measure_choices = None, measure_ids()

actions = list_actions(engine(), actor=actor, today=date.today())
if actions.empty:
    st.info("No actions recorded yet.")
else:
    late = int(actions["overdue"].sum())
    if late:
        st.warning(f"{late} action(s) overdue: not finished and past the due date.", icon=":material/schedule:")
    shown = actions.assign(
        measure=actions["measure"].str.replace("_", " "),
        division=actions["division"].replace("", "Whole trust"),
        status=actions["status"].map(lambda s: STATUS_LABELS[ActionStatus(s)]),
    )
    styled, present = table_styler(shown, ACTION_COLUMNS)
    late_rows = styled.data["Overdue"].eq("Yes")

    def _highlight(row: pd.Series) -> list[str]:
        colour = "background-color: #fde8e8; color: #8a1538" if late_rows[row.name] else ""
        return [colour] * len(row)

    st.dataframe(
        styled.apply(_highlight, axis=1),
        hide_index=True,
        column_config=number_columns(styled, {c.label: c.help or None for c in present}),
        placeholder=NONE_TEXT,
    )


def _label(row: pd.Series) -> str:
    return f"{row['id']}: {row['title']}"


if editor:
    with st.expander("Record a new action", expanded=actions.empty), st.form("new_action", clear_on_submit=True):
        title = st.text_input("Action")
        c1, c2, c3 = st.columns(3)
        measure = c1.selectbox("Measure", measure_choices, format_func=lambda m: m.replace("_", " "))
        period = c2.text_input("Period (e.g. 2024/25-H2)")
        division = c3.text_input("Division (empty: the whole trust)")
        c4, c5 = st.columns(2)
        owner = c4.text_input("Owner (a post, e.g. Director of People)")
        due = c5.date_input("Due date", value=None, format="DD/MM/YYYY")
        if st.form_submit_button("Save the action", type="primary"):
            try:
                number = create_action(
                    engine(),
                    {
                        "title": title,
                        "measure": measure,
                        "period": period,
                        "division": division,
                        "owner": owner,
                        "due_date": due,
                    },
                    actor=actor,
                    measure_dir=measure_dir,
                )
                flash(f"Action {number} recorded.")
                st.rerun()
            except ErreviewError as exc:
                show_error(exc.message)

if editor and not actions.empty:
    st.subheader("Update an action")
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
            owner = c2.text_input("Owner", value=row["owner"])
            due = c3.date_input("Due date", value=pd.Timestamp(row["due_date"]).date(), format="DD/MM/YYYY")
            evidence = st.text_area(
                "Evidence of progress", value=row["evidence"], help="No names or identifiers: notes are checked."
            )
            if st.form_submit_button("Save changes"):
                try:
                    update_action(
                        engine(),
                        int(row["id"]),
                        {"status": status, "owner": owner, "due_date": due, "evidence": evidence},
                        actor=actor,
                        expected_version=int(row["version"]),
                        measure_dir=measure_dir,
                    )
                    flash(f"Action {row['id']} saved.")
                    st.rerun()
                except ErreviewError as exc:
                    show_error(exc.message)

if approver and not actions.empty:
    st.subheader("Board sign-off")
    ready = actions[
        actions["signed_off_by"].isna() & actions["status"].isin([ActionStatus.DONE, ActionStatus.CANCELLED])
    ]
    if ready.empty:
        st.caption("No finished action is waiting for sign-off.")
    else:
        choice = st.selectbox("Finished action", ready.apply(_label, axis=1).tolist())
        row = ready[ready.apply(_label, axis=1) == choice].iloc[0]
        st.markdown(f"**Evidence:** {plain(row['evidence']) if row['evidence'] else 'none recorded'}")
        if st.button("Sign off", type="primary"):
            try:
                sign_off(engine(), int(row["id"]), actor=actor, expected_version=int(row["version"]))
                flash(f"Action {row['id']} signed off.")
                st.rerun()
            except ErreviewError as exc:
                show_error(exc.message)
