"""Cases (case leads): your cases with filters, a case's timeline, raising a concern, moving a case on."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from erreview.errors import ErreviewError
from erreview.review.lifecycle import ACTION_LABELS, STAGE_LABELS, Action, Stage
from erreview.review.roles import Role
from erreview.review.workflow import (
    ACTION_VALUES,
    NewCase,
    Rules,
    case_detail,
    create_case,
    list_cases,
    transition,
)
from erreview.vocab import AllegationCategory, CaseType, Gender, ReferralSource
from panels.common import choose_case, engine, flash, plain_validation, require, settings, show_error, show_flash

actor = require(Role.ADMIN, Role.CASE_LEAD, Role.PANEL_MEMBER)
st.title("Cases")
show_flash()

if actor.role in (Role.CASE_LEAD, Role.ADMIN):
    with st.expander("Raise a new concern", icon=":material/add_circle:"), st.form("new_case"):
        c1, c2, c3 = st.columns(3)
        person = c1.text_input("Staff identifier (ESR number)", help="Pseudonymised on save; never stored.")
        ethnicity = c2.text_input("Ethnic category code", help="NHS code, e.g. A, N, LH; empty if not stated.")
        gender = c3.selectbox("Gender", [g.value for g in Gender])
        band = c1.text_input("Band", value="Band 5")
        staff_group = c2.text_input("Staff group")
        division = c3.text_input("Division")
        case_type = c1.selectbox("Case type", [t.value for t in CaseType])
        allegation = c2.selectbox("Allegation category", [a.value for a in AllegationCategory])
        referral = c3.selectbox("Referral source", [r.value for r in ReferralSource])
        opened = c1.date_input("Concern raised on", value=date.today(), max_value=date.today())
        if st.form_submit_button("Raise concern", type="primary"):
            try:
                new = NewCase(
                    person_id=person,
                    ethnic_category=ethnicity,
                    gender=gender,
                    band=band,
                    staff_group=staff_group,
                    division=division,
                    case_type=case_type,
                    allegation_category=allegation,
                    referral_source=referral,
                    opened_date=opened,
                )
                case_id = create_case(engine(), settings(), new, actor=actor)
                st.success(f"Case {case_id} created. You are its case lead.")
                st.session_state["case_id"] = case_id
            except ErreviewError as exc:
                show_error(f"The concern was not saved: {exc.message}")
            except ValidationError as exc:  # the form's own fields (pydantic), not a library refusal
                show_error(f"The concern was not saved: {plain_validation(exc)}")

cases = list_cases(engine(), actor=actor)
if cases.empty:
    st.info("No cases for you yet." if actor.role is not Role.ADMIN else "No cases yet.")
    st.stop()

with st.sidebar:
    stages = st.multiselect("Stage", [s.value for s in Stage], format_func=lambda s: STAGE_LABELS[Stage(s)])
    types = st.multiselect("Case type", sorted(cases["case_type"].unique()))
    divisions = st.multiselect("Division", sorted(cases["division"].unique()))
shown = cases
if stages:
    shown = shown[shown["stage"].isin(stages)]
if types:
    shown = shown[shown["case_type"].isin(types)]
if divisions:
    shown = shown[shown["division"].isin(divisions)]

columns = [
    "case_id",
    "stage",
    "case_type",
    "allegation_category",
    "division",
    "band",
    "opened_date",
    "initial_route",
    "case_lead",
    "panel",
]
listing = shown[columns].assign(stage=shown["stage"].map(lambda s: STAGE_LABELS[Stage(s)]))
st.caption(f"{len(shown):,} of {len(cases):,} case(s)")
event = st.dataframe(listing, hide_index=True, on_select="rerun", selection_mode="single-row", key="case_table")
selected_rows = event.selection.rows if event and hasattr(event, "selection") else []
if selected_rows:
    st.session_state["case_id"] = listing.iloc[selected_rows[0]]["case_id"]
case_id = choose_case("Open case", list(shown["case_id"]))

try:
    detail = case_detail(engine(), case_id, actor=actor)
except ErreviewError as exc:
    show_error(exc.message)
    st.stop()

st.header(f"{case_id}: {detail.stage_label}")
info = detail.case
c1, c2, c3, c4 = st.columns(4)
c1.metric("Stage", detail.stage_label)
c2.metric("Allegation", str(info["allegation_category"]).replace("_", " "))
c3.metric("Division", info["division"])
c4.metric("Panel", detail.panel or "—")

st.subheader("Timeline")
st.dataframe(pd.DataFrame(detail.timeline_rows()), hide_index=True)

if detail.actions:
    st.subheader("Move the case on")
    rules = Rules.from_settings(settings())
    with st.form("transition"):
        action = st.selectbox(
            "Action", [a.value for a in detail.actions], format_func=lambda a: ACTION_LABELS[Action(a)]
        )
        on = st.date_input("Date", value=date.today(), max_value=date.today())
        options = sorted({v for col, values in ACTION_VALUES.values() for v in values})
        value = st.selectbox("Outcome (for outcomes, sanctions, appeals and restrictions)", ["", *options])
        panel = st.text_input("Panel (when referring to the panel check)", value=detail.panel or "")
        if st.form_submit_button("Save", type="primary"):
            try:
                transition(
                    engine(),
                    rules,
                    case_id,
                    Action(action),
                    actor=actor,
                    expected_version=int(info["version"]),
                    on=on,
                    value=value or None,
                    panel=panel or None,
                )
                flash(f"Saved: {ACTION_LABELS[Action(action)]}.")
                st.rerun()
            except ErreviewError as exc:
                show_error(exc.message)
elif actor.role is Role.PANEL_MEMBER:
    st.info("Panel members review cases on the Panel check screen.")
