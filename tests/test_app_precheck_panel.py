"""Panel check through AppTest: what waits for a member's confirmation, who may be named, and case links."""

# ruff: noqa: F811  (fixtures imported from test_app are parameters here)
from __future__ import annotations

import os

from streamlit.testing.v1 import AppTest

from erreview import store
from erreview.review.panel import Member, Rules
from erreview.review.roles import Actor, Role
from erreview.review.workflow import submit_review
from panels.common import SESSION_KEY

from .test_app import ACTORS, APP, _refer_a_demo_case, app_env, demo_db, signed_in  # noqa: F401  (fixtures)
from .test_workflow import review

PANEL2 = Actor("panel2", Role.PANEL_MEMBER, frozenset({"North"}))
MEMBERS = [Member(username="panel", role="Chair"), Member(username="panel2", role="Cultural ambassador")]
REASON = "The investigator is not yet named for this case."


def _as(actor: Actor) -> AppTest:
    from .sessions import session_token

    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state[SESSION_KEY] = session_token(os.environ["ERREVIEW_DATABASE_URL"], actor)
    return at.run().switch_page("panels/precheck.py").run()


def _asked(at: AppTest) -> set[int]:
    """The reviews the screen asks the member to confirm (by their declaration's label)."""
    prefix = "Your declaration for review "
    return {int(r.label.removeprefix(prefix)) for r in at.radio if r.label.startswith(prefix)}


def test_a_superseded_review_no_longer_asks_for_confirmation(app_env):
    """Review "More information needed", then review again, then corrections: only the latest is asked for."""
    case_id = _refer_a_demo_case(app_env)
    engine = store.engine_for(app_env.database_url)
    rules = Rules.from_settings(app_env)
    chair = ACTORS[Role.PANEL_MEMBER]

    def submit(decision: str, supersedes: int | None = None) -> int:
        extra = {"override_reason": REASON} if decision != "proceed" else {}
        sub = review(decision, members=MEMBERS, supersedes_id=supersedes, **extra)
        return submit_review(engine, rules, case_id, sub, actor=chair)

    asked = submit("more_information")
    assert asked in _asked(_as(PANEL2))
    again = submit("more_information")  # "Review again with the new information"
    corrected = submit("more_information", again)
    latest = submit("proceed", corrected)
    at = _as(PANEL2)
    assert not at.exception, at.exception
    shown = _asked(at)
    assert latest in shown
    assert not shown & {asked, again, corrected}, shown
    titles = " ".join(m.value for m in at.markdown)
    assert f"review {asked} " not in titles and f"review {latest} " in titles


def test_the_member_list_offers_only_the_panels_members(app_env):
    """The chair's pick list: the North panel's members (Pat Panel, Remi Ambassador), not Ada Admin."""
    from erreview.auth import users
    from erreview.review.roles import ROLE_LABELS

    case_id = _refer_a_demo_case(app_env)
    engine = store.engine_for(app_env.database_url)
    north = {
        u["username"] for u in users(engine) if u["role"] == ROLE_LABELS[Role.PANEL_MEMBER] and "North" in u["panels"]
    }
    assert north == {"panel", "panel2"}  # the demo's accounts, read independently of the screen
    for role in (Role.PANEL_MEMBER, Role.ADMIN):
        at = signed_in(role).switch_page("panels/precheck.py").run()
        at.selectbox[0].select(case_id).run()
        assert not at.exception, at.exception
        picker = at.multiselect(key=f"{case_id}-members")
        assert set(picker.options) == {"Pat Panel (panel)", "Remi Ambassador (panel2)"}, picker.options
