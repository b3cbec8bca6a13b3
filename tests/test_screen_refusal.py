"""Another role's screen address (issue #15, F7): typing /admin as a board viewer, or /cases as an analyst, answers
in the app's own words on the person's own My work (never Streamlit's "Page not found"), runs nothing of the
refused screen, shows none of its data, and is noted in the audit log. The menu still lists only the role's
screens."""

# ruff: noqa: F811  (fixtures imported from test_app are parameters here)
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.util import calc_hash

from erreview import store
from erreview.review.roles import ROLE_LABELS, Role

from .test_app import ACTORS, SCREENS, app_env, demo_db, signed_in  # noqa: F401  (fixtures)

ROOT = Path(__file__).parent.parent


def _address(screen: str) -> str:
    return screen.removeprefix("panels/").removesuffix(".py")


def _titles() -> dict[str, str]:
    """Each screen's title as streamlit_app.py's SCREENS names it (read from the source, not from the app run)."""
    tree = ast.parse((ROOT / "streamlit_app.py").read_text())
    found = next(
        n.value for n in ast.walk(tree) if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "SCREENS"
    )
    return {ast.literal_eval(t.elts[0]): ast.literal_eval(t.elts[1]) for t in found.elts}  # type: ignore[attr-defined]


def _refusals(engine, username: str) -> list[str]:
    with engine.connect() as con:
        rows = con.execute(
            text("SELECT entity_id FROM audit_log WHERE action = 'screen.refused' AND actor = :u ORDER BY id"),
            {"u": username},
        )
        return [r[0] for r in rows]


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_each_other_roles_screen_address_is_refused_plainly_on_my_work(app_env, role):
    engine = store.engine_for(app_env.database_url)
    titles = _titles()
    refused = [screen for screen, roles in SCREENS.items() if role not in roles]
    assert refused, role
    assert set(titles) == set(SCREENS)  # the test's list of screens is the app's
    at = signed_in(role)
    before = _refusals(engine, ACTORS[role].username)
    for screen in refused:
        at._page_hash = calc_hash(_address(screen))  # as the browser asks for /<address>
        at.run()
        assert not at.exception, (screen, at.exception)
        warnings = [w.value for w in at.warning]
        title = titles[screen]
        if title in {titles[s] for s, roles in SCREENS.items() if role in roles}:
            # The role has its own screen of that name (a division lead's Overview): the words point to it.
            expected = (
                f"That {title} screen is not one you can open: it is for other roles. Your role "
                f"({ROLE_LABELS[role]}) has its own {title} in the menu; this is your first screen, My work."
            )
        else:
            expected = (
                f"The {title} screen is not one you can open: your role ({ROLE_LABELS[role]}) does not have it. "
                "Your own screens are in the menu; this is your first, My work."
            )
        assert warnings == [expected], (screen, warnings)
        # Only My work is drawn: nothing of the refused screen (its title, tables, charts, figures, forms).
        assert [t.value for t in at.title] == ["My work"], (screen, [t.value for t in at.title])
        assert not at.dataframe and not at.metric and not at.text_input and not at.get("arrow_vega_lite_chart")
        assert not [e.value for e in at.error], (screen, [e.value for e in at.error])
        assert "Page not found" not in " ".join(str(e.value) for e in at.markdown)
    # Each attempt is in the audit log, with the address typed.
    assert _refusals(engine, ACTORS[role].username)[len(before) :] == [f"/{_address(s)}" for s in refused]


def test_own_screens_still_open_and_the_menu_lists_only_them(app_env):
    """A board viewer's own screens open as before through their address; the refusal pages are hidden from the
    menu (registered with visibility="hidden"), so the menu is the role's screens only."""
    at = signed_in(Role.BOARD_VIEWER)
    at._page_hash = calc_hash("reports")
    at.run()
    assert not at.exception and "Reports" in [t.value for t in at.title] and not at.warning
    source = (ROOT / "streamlit_app.py").read_text()
    assert 'visibility="hidden"' in source
