"""Admin: users and roles, settings, checklist templates, audit-log check."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from erreview import service
from erreview.auth import USERNAME_RULE, add_user, set_active, sign_out_everywhere, user_problems, users
from erreview.config import ADJUSTABLE, Settings, get_settings
from erreview.errors import ErreviewError
from erreview.periods import period_words
from erreview.review.lifecycle import Step
from erreview.review.roles import ROLE_LABELS, Role
from erreview.review.workflow import Rules
from panels.common import (
    YES_NO,
    Col,
    engine,
    focus_message,
    form_problems,
    plain,
    require,
    settings,
    show_error,
    show_table,
    signed_in_download,
)

USER_COLUMNS = [
    Col("username", "Username", help="What the person signs in with (their email address for organisation sign-in)."),
    Col("name", "Name", help="The name shown on screens."),
    Col("role", "Role", help="What the person may see and do."),
    Col("active", "Active", help="Whether the person can sign in.", words=YES_NO),
    Col("panels", "Panels", help="The panels a panel member sits on; — if none."),
    Col("divisions", "Divisions", help="The divisions a division lead sees; — if none."),
    Col("local password", "Local password", help="Whether the person has a password in erreview.", words=YES_NO),
    Col("OIDC bound", "Organisation account", help="Whether an organisation account is linked.", words=YES_NO),
]
QUESTION_COLUMNS = [
    Col(
        "question",
        "Question",
        help="The question the panel answers, then its reference in the template file (for a trust's own template).",
    ),
    Col("answer", "Answer", help="The kind of answer the question takes."),
    Col("required", "Required", help="Whether the review cannot be submitted without it.", words=YES_NO),
    Col("steps", "Steps", help="The steps the question is asked for."),
]
ANSWER_WORDS = {"yes_no_na": "Yes / No / Not applicable", "yes_no": "Yes / No", "text": "Text", "date": "Date"}
NATIONAL_COLUMNS = [
    Col("label", "Report", help="The WRES report and the year of data it covers."),
    Col(
        "value",
        "Relative likelihood",
        "ratio",
        "England's WRES indicator 3: BME ÷ White likelihood of formal disciplinary process; 1.00 is parity.",
    ),
    Col("source_title", "Source", help="The report the figure was published in."),
    Col("source_url", "Address", help="Where the report can be read."),
    Col("added", "Added by an admin", help="Whether an administrator added it (not shipped).", words=YES_NO),
]


def words_of(value: object) -> str:
    """A value recorded in the audit log as people read it: a code's underscores as spaces, a date as 1 Jun 2025,
    yes or no, — for none."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{words_of(k)}: {words_of(v)}" for k, v in value.items()) or "—"
    if isinstance(value, list):
        return ", ".join(words_of(v) for v in value) or "—"
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return f"{date.fromisoformat(text):%-d %b %Y}"
    return period_words(text.replace("_", " ")) if re.fullmatch(r"[\w./: -]*", text) else text


def action_words(code: str) -> str:
    """An audit entry's action as people read it: ``case.view`` reads "Case: view", ``action.sign_off``
    "Action: sign off" (the download and the log keep the code)."""
    text = code.replace(".", ": ", 1).replace("_", " ")
    return text[:1].upper() + text[1:]


def detail_words(text: object) -> str:
    """An audit entry's detail (JSON as recorded) in words: "role: division lead; password set: yes"."""
    if not isinstance(text, str) or not text:
        return "—"
    try:
        return words_of(json.loads(text))
    except ValueError:
        return text


AUDIT_COLUMNS = [
    Col("at", "When", "datetime", "When it happened, in UTC (as stored)."),
    Col("actor", "Person", help="Who did it."),
    Col("action", "Action", help="What was done."),
    Col("entity", "On", help="What kind of record it was done to."),
    Col("entity_id", "Record", help="Which record."),
    Col("detail", "Detail", help="What changed, as recorded."),
    Col("id", "Entry", "number", "The entry's number in the log (each entry is chained to the one before)."),
]

actor = require(Role.ADMIN)
st.title("Admin", anchor=False)
users_tab, settings_tab, templates_tab, national_tab, audit_tab = st.tabs(
    ["Users", "Settings", "Templates", "National comparator", "Audit log"]
)

with users_tab:
    show_table(pd.DataFrame(users(engine())), USER_COLUMNS, download="users")
    with st.form("add_user"):
        # Every problem is named at once under its own field on Save (a slot under each), checked by the library's
        # own rules (the same add_user applies, for the command line too); nothing reruns, so what was typed stays.
        st.markdown("**Add or change a user** (use the email address as username for organisation sign-in)")
        user_summary = st.empty()
        c1, c2, c3 = st.columns(3)
        username = c1.text_input("Username", help=f"For a new user: {USERNAME_RULE}.")
        user_beside = {"username": c1.empty()}
        name = c2.text_input("Display name", help="The name shown on screens; it cannot start with =, +, - or @.")
        user_beside["display_name"] = c2.empty()
        role = c3.selectbox("Role", list(Role), format_func=lambda r: ROLE_LABELS[r])
        panels = c1.text_input("Panels (panel members)")
        password = c2.text_input("Password (leave empty for organisation sign-in only)", type="password")
        user_beside["password"] = c2.empty()
        if st.form_submit_button("Save user", type="primary"):
            known = {str(u["username"]) for u in users(engine())}
            problems = user_problems(username, name, password or None, new=username.strip().lower() not in known)
            if problems:
                count = len(problems)
                with user_summary.container():
                    show_error(
                        f"The user was not saved: {count} {'problem' if count == 1 else 'problems'}, shown beside "
                        f"{'its field' if count == 1 else 'each field'}."
                    )
                for field_name, text in problems.items():
                    user_beside[field_name].error(text, icon=":material/error:")
            else:
                try:
                    add_user(
                        engine(),
                        username=username,
                        role=role,
                        display_name=name,
                        password=password or None,
                        panels=panels,
                        by=actor.username,
                    )
                    st.success(f"Saved {plain(username.strip().lower())}.")
                    focus_message()
                except ErreviewError as exc:
                    show_error(f"The user was not saved: {exc.message}")
    with st.form("user_access"):
        st.markdown("**Deactivate, reactivate or sign out a user** (takes effect on their next click)")
        everyone = [u["username"] for u in users(engine())]
        who = st.selectbox("User", everyone)
        change = st.radio(
            "Change",
            ["Deactivate", "Reactivate", "Sign out everywhere"],
            horizontal=True,
            captions=["Ends their sessions; they cannot sign in", "Lets them sign in again", "Ends every session"],
        )
        if st.form_submit_button("Apply the change to this user", type="primary") and who:
            try:
                if change == "Sign out everywhere":
                    sign_out_everywhere(engine(), who, by=actor.username)
                else:
                    set_active(engine(), who, change == "Reactivate", by=actor.username)
                st.success(f"{change}: {plain(who)}.")
                focus_message()
            except ErreviewError as exc:
                show_error(exc.message)

#: The settings' names on the form, in plain words.
SETTING_LABELS = {
    "intervention_date": "Date the panel pre-checks began",
    "suppression_threshold": "Hide counts up to (board packs and restricted screens)",
    "community_threshold": "Hide counts up to (community packs)",
    "min_group_size": "Fewest cases to compare a group",
    "gated_steps": "Steps that need the panel's check first",
    "quorum_members": "Panel members needed",
    "quorum_independent": "Of them, independent of the referring manager",
    "quorum_director": "A director-level member is needed too",
    "suspension_review_days": "Review a suspension at least every (days)",
    "comparable_cases": "Comparable past cases shown to the panel",
}
STEP_WORDS = {"formal_investigation": "Formal investigation", "suspension": "Suspension"}
#: The slot for the problem with the gate-off confirmation (not a setting itself).
CONFIRM_OFF = "confirm_gate_off"


def given(name: str, raw: str) -> str | None:
    """The value to store: no step chosen means no step gated; any other empty value restores the default."""
    return raw if raw or name == "gated_steps" else None


def settings_problems(current: Settings, changed: dict[str, str], confirm_off: bool) -> dict[str, str]:
    """Every problem with the changed settings at once, by setting name, in plain words under the form's labels
    (checked before anything is saved, so a refusal saves nothing)."""
    labels = {name: SETTING_LABELS.get(name, name) for name in ADJUSTABLE}
    proposed_values = current.model_dump() | {
        n: Settings.model_fields[n].default if given(n, v) is None else v for n, v in changed.items()
    }
    found: dict[str, str] = {}
    try:
        proposed = Settings.model_validate(proposed_values)
        off_after = set(service.ungated_steps(proposed))
    except ValidationError as exc:
        found.update(form_problems(exc, labels))
        steps = str(proposed_values.get("gated_steps") or "")
        off_after = {s.value for s in Step} - {s.strip() for s in steps.split(",")}
    try:
        members, independent = int(proposed_values["quorum_members"]), int(proposed_values["quorum_independent"])
    except (TypeError, ValueError):  # not whole numbers: named above already
        members, independent = 0, 0
    if independent > members and "quorum_independent" not in found:
        found["quorum_independent"] = (
            f"{labels['quorum_independent']}: it cannot be more than the panel members needed ({members}), "
            "or no panel could ever meet the rule."
        )
    newly_off = sorted(off_after - set(service.ungated_steps(current)))
    if newly_off and not confirm_off:
        # Checked here too, so that nothing else is saved first (the service refuses it on its own).
        off_words = " and ".join(STEP_WORDS.get(s, s) for s in newly_off)
        found[CONFIRM_OFF] = (
            f"Confirm turning the gate off: this turns the panel bias-check gate off for {off_words}, so cases "
            "could then escalate without a panel review. Tick the box to go ahead, or put the step back."
        )
    return found


with settings_tab:
    current = settings()
    with st.form("settings"):
        # Each setting with the control its kind needs (numbers, a yes/no, a date, the steps from a list), each
        # shown as stored; what changes is validated together and saved through the audited service call.
        # Every problem is shown at once beside its setting (a slot under each control), with a count on top;
        # nothing reruns, so what was typed stays in the form.
        summary = st.empty()
        values: dict[str, str] = {}
        beside: dict[str, Any] = {}
        for name in ADJUSTABLE:
            field = Settings.model_fields[name]
            shown = getattr(current, name)
            label = SETTING_LABELS.get(name, name.replace("_", " ").capitalize())
            if name == "gated_steps":
                chosen = st.multiselect(
                    label,
                    [s.value for s in Step],
                    default=[s for s in str(shown).split(",") if s],
                    format_func=lambda v: STEP_WORDS.get(v, v),
                    help=field.description,
                    placeholder="No step gated",
                )
                values[name] = ",".join(chosen)
            elif field.annotation is bool:
                values[name] = str(st.checkbox(label, value=bool(shown), help=field.description))
            elif name == "intervention_date":
                # The box takes any day it can draw; the library names one it refuses (before 2000) beside it,
                # in its own words, never the box's "below the allowed range".
                day = st.date_input(
                    label,
                    value=shown,
                    format="DD/MM/YYYY",
                    min_value=date(1900, 1, 1),
                    max_value=date(2100, 12, 31),
                    help=field.description,
                )
                values[name] = "" if day is None else str(day)
            else:
                # No bounds on the box: the library's bounds (Settings) name a number out of range beside it on
                # Save ("at least 5 (you entered 3)"), and what was typed stays.
                number = st.number_input(label, value=int(shown), step=1, help=field.description)
                values[name] = str(int(number))
            beside[name] = st.empty()
        confirm_off = st.checkbox(
            "I confirm turning the panel bias-check gate off for a step (cases could escalate without a review)",
            help="Needed only when the steps that need the panel's check leave out "
            f"{' or '.join(STEP_WORDS.values())}. Everyone sees a warning on the Cases screen while the gate is off.",
        )
        beside[CONFIRM_OFF] = st.empty()
        if st.form_submit_button("Save settings", type="primary"):
            changed = {
                name: raw.strip()
                for name, raw in values.items()
                if raw.strip() != ("" if getattr(current, name) is None else str(getattr(current, name)))
            }
            found = settings_problems(current, changed, confirm_off)
            if found:
                count = len(found)
                unplaced = [text for name, text in found.items() if name not in beside]  # across settings
                with summary.container():
                    show_error(
                        f"The settings were not saved: {count} {'problem' if count == 1 else 'problems'}"
                        + (", shown beside each setting." if not unplaced else ".")
                        + " Nothing was changed."
                        + "".join(f"\n\n- {text}" for text in unplaced)
                    )
                for name, text in found.items():
                    if name in beside:
                        beside[name].error(text, icon=":material/error:")
            else:
                try:
                    for name, raw in changed.items():
                        service.change_setting(
                            engine(),
                            get_settings(),
                            name,
                            given(name, raw),
                            user=actor.username,
                            confirm_gate_off=confirm_off,
                        )
                    st.success("Settings saved.")
                    focus_message()
                except ErreviewError as exc:
                    show_error(f"Not saved: {exc.message}")

with templates_tab:
    try:
        templates = Rules.from_settings(settings()).templates
    except ErreviewError as exc:
        show_error(exc.message, focus=False)
        templates = {}
    for (_template_id, version), template in sorted(templates.items()):
        with st.expander(f"{template.title}, version {version}"):
            show_table(
                pd.DataFrame(
                    [
                        {
                            "question": f"{q.text} (reference {q.id})",
                            "answer": ANSWER_WORDS.get(q.answer_type, q.answer_type),
                            "required": q.required,
                            "steps": ", ".join(s.replace("_", " ") for s in q.steps) or "all",
                        }
                        for q in template.questions
                    ]
                ),
                QUESTION_COLUMNS,
                download=f"{template.title}, version {version}, questions",
            )
    st.caption("A trust adds its own template as a TOML file in the folder set by ERREVIEW_TEMPLATE_DIR.")

with national_tab:
    table = service.national_figures(engine())
    st.markdown(
        "England's WRES indicator 3 by report, drawn on the Overview and in the review pack (the latest report). "
        f"Shipped table version {table.version}. Add a later report's figure only from the report itself."
    )
    show_table(
        pd.DataFrame(
            [
                {
                    "label": f.label,
                    "value": f.value,
                    "source_title": f.source_title,
                    "source_url": f.source_url,
                    "added": f.added,
                }
                for f in table.figures
            ]
        ),
        NATIONAL_COLUMNS,
        download="national comparator",
    )
    with st.form("national_figure"):
        c1, c2, c3 = st.columns(3)
        report_year = c1.text_input("Report year", placeholder="2023")
        data_year = c2.text_input("Data year", placeholder="2022/23")
        value = c3.text_input("Relative likelihood", placeholder="1.09")
        title = st.text_input("Source title (the report the figure was published in)")
        url = st.text_input("Source address (https://…)")
        if st.form_submit_button("Add figure", type="primary"):
            try:
                service.add_national_figure(
                    engine(),
                    {
                        "report_year": report_year,
                        "data_year": data_year,
                        "value": value,
                        "source_title": title,
                        "source_url": url,
                    },
                    user=actor.username,
                )
                st.success(f"Added the WRES {report_year} report's figure.")
                focus_message()
            except ErreviewError as exc:
                show_error(f"Not added: {exc}")

with audit_tab:
    report = service.verify_audit(engine())
    if report.ok:
        st.success(
            f"The audit log is intact: all {report.entries} entries check out, and all {report.anchored} "
            f"records kept outside the database match ({report.head_text()})."
        )
    else:
        show_error(f"Tampering found: {report.reason}.", focus=False)
    people, actions = service.audit_filters(engine())
    c1, c2, c3, c4 = st.columns(4)
    person = c1.selectbox("Person", ["Everyone", *people])
    action = c2.selectbox("Action", ["All actions", *actions], format_func=action_words)
    start = c3.date_input("From", value=None, format="DD/MM/YYYY")
    end = c4.date_input("To", value=None, format="DD/MM/YYYY")
    log = service.audit_log(
        engine(),
        person=None if person == "Everyone" else person,
        action=None if action == "All actions" else action,
        start=start if isinstance(start, date) else None,
        end=end if isinstance(end, date) else None,
    )
    st.caption(f"{len(log)} {'entry' if len(log) == 1 else 'entries'}, newest first.")
    # On screen in words (the download keeps each entry as recorded).
    show_table(
        log.assign(
            action=log["action"].map(action_words),
            detail=log["detail"].map(detail_words),
            # A setting's name in words; other records (a case, a user, an action) by their own reference.
            entity_id=log["entity_id"].where(log["entity"] != "setting", log["entity_id"].map(words_of)),
        ),
        AUDIT_COLUMNS,
        download=None,  # its own download below: every entry, as recorded
    )
    signed_in_download(
        st,
        "Download these entries (CSV)",
        service.audit_csv(log),
        "audit-log.csv",
        "text/csv",
        actor=actor,
        what="audit_log",
        icon=":material/download:",
    )
