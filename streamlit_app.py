"""erreview: the Streamlit front end. Screens live in ``panels/``; the logic is in ``erreview``."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import streamlit as st

from erreview import service
from erreview.auth import check_production_accounts, sign_out_everywhere
from erreview.config import check_production
from erreview.errors import ErreviewError
from erreview.files import private_umask
from erreview.review.roles import ROLE_LABELS, Role
from panels.common import (
    SCREEN_KEY,
    SCREEN_REFUSED_KEY,
    auth_cookie_secret,
    base_settings,
    current_actor,
    end_current_session,
    engine,
    my_work_items,
    plain,
    refuse_case_link,
    show_screen_refusal,
    sign_in_screen,
    wait_for_imports,
    warm_imports,
    warm_pack_views,
    write_pending_cookie,
)

st.set_page_config(page_title="erreview", page_icon=":material/balance:", layout="wide")
private_umask()  # files the app writes (database, WAL, exports) are the owner's only
st.set_option("client.disableDataExport", True)  # tables' own CSV export is neither audited nor formula-safe

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
    ("panels/divisions.py", "Divisions", ":material/scatter_plot:", {ADMIN, ANALYST, BOARD, Role.DIVISION_LEAD}),
    ("panels/measures.py", "Measures", ":material/help_center:", {ADMIN, ANALYST, BOARD}),
    ("panels/cases.py", "Cases", ":material/folder_open:", {ADMIN, LEAD, PANEL}),
    ("panels/precheck.py", "Panel check", ":material/fact_check:", {ADMIN, LEAD, PANEL}),
    ("panels/reports.py", "Reports", ":material/description:", {ADMIN, ANALYST, BOARD}),
    ("panels/actions.py", "Actions", ":material/task_alt:", {ADMIN, ANALYST, BOARD}),
    ("panels/data.py", "Data", ":material/upload_file:", {ADMIN, ANALYST}),
    ("panels/admin.py", "Admin", ":material/admin_panel_settings:", {ADMIN}),
]


#: The screens that open a case named in a link (``?case=…``).
CASE_SCREENS = ("panels/cases.py", "panels/precheck.py")


def url_path(file: str) -> str:
    """Every screen's address: /cases, /precheck, /reports…"""
    return file.removeprefix("panels/").removesuffix(".py")


def refusal(title: str, address: str, first: st.Page, *, has_own: bool) -> Callable[[], None]:
    """What another role's screen address opens: never the screen's file (none of its code runs, none of its data
    is read), only a note of the attempt in the audit log and the person's own first screen, which says plainly
    that the screen is not one they can open (instead of Streamlit's "Page not found")."""

    def refuse() -> None:
        if actor is not None:
            with contextlib.suppress(ErreviewError):  # the database is busy: the refusal matters more than its note
                service.record_screen_refused(engine(), user=actor.username, screen=f"/{address}")
            st.session_state[SCREEN_REFUSED_KEY] = (title, has_own)
        st.switch_page(first)

    return refuse


@st.cache_resource(ttl=60, show_spinner=False)
def _production_checked(url: str) -> bool:
    if base_settings().mode == "production":  # opening the database is not free: only when it matters
        check_production_accounts(engine(), base_settings())
    return True


try:
    check_production(base_settings(), auth_cookie_secret=auth_cookie_secret())
    _production_checked(base_settings().database_url)
except ErreviewError as exc:
    st.error(f"erreview cannot start: {exc.message}")
    st.stop()

actor = current_actor()
if actor is None:
    # Every screen keeps its address while signed out, so a link opens its screen after sign-in.
    signin = st.Page("panels/signin.py", title="Sign in", icon=":material/login:", default=True)
    hidden = [st.Page(f, title=t, icon=i, url_path=url_path(f)) for f, t, i, _ in SCREENS]
    chosen = st.navigation([signin, *hidden], position="hidden")
    # Each screen names itself in the browser tab, so a screen reader and a row of tabs can tell them apart.
    st.set_page_config(page_title="Sign in – erreview")
    write_pending_cookie()
    if chosen.url_path == signin.url_path:
        chosen.run()
    else:
        sign_in_screen()
else:
    waiting = len(my_work_items(actor))
    warm_imports()  # once per process: the heavy libraries load while this run's own work goes on
    warm_pack_views(actor)  # analysts and board viewers: the disclosure audit starts before they open a screen
    pages = [
        st.Page(
            f,
            # The count of what waits shows in the navigation; the address stays the same.
            title=f"{t} ({waiting})" if t == "My work" and waiting else t,
            icon=i,
            url_path=url_path(f),
            default=(t == "My work"),
        )
        for f, t, i, roles in SCREENS
        if actor.role in roles
    ]
    # Every other screen's address is registered too, hidden from the menu, so that typing it answers in the
    # app's own words (the menu still lists only the role's screens).
    first = next(p for p in pages if p.url_path == "" or p.title.startswith("My work"))
    own = {t for _, t, _, roles in SCREENS if actor.role in roles}
    pages += [
        st.Page(
            refusal(t, url_path(f), first, has_own=t in own),
            title=t,
            icon=i,
            url_path=url_path(f),
            visibility="hidden",
        )
        for f, t, i, roles in SCREENS
        if actor.role not in roles
    ]
    with st.sidebar:
        st.markdown(f"**{plain(actor.label)}**  \n{ROLE_LABELS[actor.role]}")  # a name is shown as typed
        if st.button("Sign out", icon=":material/logout:"):
            end_current_session()
            if getattr(st.user, "is_logged_in", False):
                st.logout()
            st.rerun()
        if st.button("Sign out everywhere", icon=":material/devices:", help="End your sessions on every device."):
            try:
                sign_out_everywhere(engine(), actor.username, by=actor.username)
            except ErreviewError as exc:
                st.error(exc.message)
            end_current_session()
            if getattr(st.user, "is_logged_in", False):
                st.logout()
            st.rerun()
    chosen = st.navigation(pages)
    st.set_page_config(page_title=f"{chosen.title} – erreview")
    show_screen_refusal(actor)  # another role's screen address was opened: say so on My work
    if not any(actor.role in roles for f, _, _, roles in SCREENS if f in CASE_SCREENS):
        refuse_case_link(None)  # a case link opened by a role that opens no case: it lands on My work, saying why
    # The screen's own title (without My work's count): its tables' downloads are named and audited with it.
    st.session_state[SCREEN_KEY] = next((t for f, t, _, _ in SCREENS if url_path(f) == chosen.url_path), chosen.title)
    write_pending_cookie()
    wait_for_imports()  # never two threads importing the heavy libraries at once (panels.common.HEAVY_IMPORTS)
    chosen.run()
