"""Admin: users and roles, settings, checklist templates, audit-log check."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from erreview import service
from erreview.auth import add_user, set_active, sign_out_everywhere, users
from erreview.config import ADJUSTABLE, Settings, get_settings
from erreview.errors import ErreviewError
from erreview.review.roles import ROLE_LABELS, Role
from erreview.review.workflow import Rules
from panels.common import engine, plain, require, settings, show_error, signed_in_download

actor = require(Role.ADMIN)
st.title("Admin")
users_tab, settings_tab, templates_tab, national_tab, audit_tab = st.tabs(
    ["Users", "Settings", "Templates", "National comparator", "Audit log"]
)

with users_tab:
    st.dataframe(pd.DataFrame(users(engine())), hide_index=True)
    with st.form("add_user"):
        st.markdown("**Add or change a user** (use the email address as username for organisation sign-in)")
        c1, c2, c3 = st.columns(3)
        username = c1.text_input("Username")
        name = c2.text_input("Display name")
        role = c3.selectbox("Role", list(Role), format_func=lambda r: ROLE_LABELS[r])
        panels = c1.text_input("Panels (panel members)")
        password = c2.text_input("Password (leave empty for organisation sign-in only)", type="password")
        if st.form_submit_button("Save user", type="primary"):
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
                st.success(f"Saved {plain(username)}.")
            except ErreviewError as exc:
                show_error(exc.message)
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
        if st.form_submit_button("Apply", type="primary") and who:
            try:
                if change == "Sign out everywhere":
                    sign_out_everywhere(engine(), who, by=actor.username)
                else:
                    set_active(engine(), who, change == "Reactivate", by=actor.username)
                st.success(f"{change}: {plain(who)}.")
            except ErreviewError as exc:
                show_error(exc.message)

with settings_tab:
    current = settings()
    with st.form("settings"):
        values: dict[str, str] = {}
        for name in ADJUSTABLE:
            field = Settings.model_fields[name]
            shown = getattr(current, name)
            values[name] = st.text_input(
                name.replace("_", " ").capitalize(), value="" if shown is None else str(shown), help=field.description
            )
        confirm_off = st.checkbox(
            "I confirm turning the panel bias-check gate off for a step (cases could escalate without a review)",
            help="Needed only when the gated steps above leave out formal_investigation or suspension. "
            "Everyone sees a warning on the Cases screen while the gate is off.",
        )
        if st.form_submit_button("Save settings", type="primary"):
            try:
                for name, raw in values.items():
                    before = getattr(current, name)
                    if raw.strip() != ("" if before is None else str(before)):
                        service.change_setting(
                            engine(),
                            get_settings(),
                            name,
                            raw.strip() or None,
                            user=actor.username,
                            confirm_gate_off=confirm_off,
                        )
                st.success("Settings saved.")
            except ErreviewError as exc:
                show_error(f"Not saved: {exc.message}")

with templates_tab:
    try:
        templates = Rules.from_settings(settings()).templates
    except ErreviewError as exc:
        show_error(exc.message)
        templates = {}
    for (template_id, version), template in sorted(templates.items()):
        with st.expander(f"{template.title} — {template_id} v{version}"):
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "id": q.id,
                            "question": q.text,
                            "answer": q.answer_type,
                            "required": q.required,
                            "steps": ", ".join(q.steps) or "all",
                        }
                        for q in template.questions
                    ]
                ),
                hide_index=True,
            )
    st.caption("A trust adds its own template as a TOML file in the folder set by ERREVIEW_TEMPLATE_DIR.")

with national_tab:
    table = service.national_figures(engine())
    st.markdown(
        "England's WRES indicator 3 by report, drawn on the Overview and in the review pack (the latest report). "
        f"Shipped table version {table.version}. Add a later report's figure only from the report itself."
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Label": f.label,
                    "Value": f.value,
                    "Source": f.source_title,
                    "Address": f.source_url,
                    "Added by an admin": f.added,
                }
                for f in table.figures
            ]
        ),
        hide_index=True,
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
        show_error(f"Tampering found: {report.reason}.")
    people, actions = service.audit_filters(engine())
    c1, c2, c3, c4 = st.columns(4)
    person = c1.selectbox("Person", ["Everyone", *people])
    action = c2.selectbox("Action", ["All actions", *actions])
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
    st.dataframe(log, hide_index=True)
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
