"""erreview: the Streamlit front end. Screens live in ``panels/``; the logic is in ``erreview``."""

from __future__ import annotations

import streamlit as st

from erreview.config import check_production, get_settings
from erreview.errors import ErreviewError
from erreview.review.roles import ROLE_LABELS, Role
from panels.common import ACTOR_KEY, current_actor, my_work_items

st.set_page_config(page_title="erreview", page_icon=":material/balance:", layout="wide")

ADMIN, LEAD, PANEL, ANALYST, BOARD = (
    Role.ADMIN,
    Role.CASE_LEAD,
    Role.PANEL_MEMBER,
    Role.INCLUSION_ANALYST,
    Role.BOARD_VIEWER,
)
#: (file, title, icon, roles that see it). Each screen checks the role again itself.
SCREENS = [
    ("panels/mywork.py", "My work", ":material/inbox:", set(Role)),
    ("panels/overview.py", "Overview", ":material/monitoring:", {ADMIN, LEAD, PANEL, ANALYST, BOARD}),
    ("panels/division_overview.py", "Overview", ":material/monitoring:", {Role.DIVISION_LEAD}),
    ("panels/division_decisions.py", "Decision points", ":material/account_tree:", {Role.DIVISION_LEAD}),
    ("panels/decisions.py", "Decision points", ":material/account_tree:", {ADMIN, ANALYST, BOARD}),
    ("panels/divisions.py", "Divisions", ":material/scatter_plot:", {ADMIN, ANALYST, BOARD}),
    ("panels/measures.py", "Measures", ":material/help_center:", {ADMIN, ANALYST, BOARD}),
    ("panels/cases.py", "Cases", ":material/folder_open:", {ADMIN, LEAD, PANEL}),
    ("panels/precheck.py", "Panel check", ":material/fact_check:", {ADMIN, LEAD, PANEL}),
    ("panels/reports.py", "Reports", ":material/description:", {ADMIN, ANALYST, BOARD}),
    ("panels/actions.py", "Actions", ":material/task_alt:", {ADMIN, ANALYST, BOARD}),
    ("panels/data.py", "Data", ":material/upload_file:", {ADMIN, ANALYST}),
    ("panels/admin.py", "Admin", ":material/admin_panel_settings:", {ADMIN}),
]

try:
    check_production(get_settings())
except ErreviewError as exc:
    st.error(f"erreview cannot start: {exc.message}")
    st.stop()

actor = current_actor()
if actor is None:
    page = st.navigation([st.Page("panels/signin.py", title="Sign in", icon=":material/login:")])
    # Each screen names itself in the browser tab, so a screen reader and a row of tabs can tell them apart.
    st.set_page_config(page_title=f"{page.title} – erreview")
    page.run()
else:
    waiting = len(my_work_items(actor))
    pages = [
        st.Page(
            f,
            # The count of what waits shows in the navigation; the address stays the same.
            title=f"{t} ({waiting})" if t == "My work" and waiting else t,
            icon=i,
            url_path=f.removeprefix("panels/").removesuffix(".py"),
            default=(t == "My work"),
        )
        for f, t, i, roles in SCREENS
        if actor.role in roles
    ]
    with st.sidebar:
        st.markdown(f"**{actor.label}**  \n{ROLE_LABELS[actor.role]}")
        if st.button("Sign out", icon=":material/logout:"):
            st.session_state.pop(ACTOR_KEY, None)
            if getattr(st.user, "is_logged_in", False):
                st.logout()
            st.rerun()
    page = st.navigation(pages)
    st.set_page_config(page_title=f"{page.title} – erreview")
    page.run()
