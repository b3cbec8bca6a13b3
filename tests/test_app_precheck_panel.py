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


def _link(role: Role, case_id: str) -> AppTest:
    """Panel check opened at ``/precheck?case=<case_id>`` by ``role``."""
    from .test_app import session_for

    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state[SESSION_KEY] = session_for(role)
    at.switch_page("panels/precheck.py")
    at.query_params["case"] = case_id
    return at.run()


def _words(at: AppTest) -> list[str]:
    return [w.value for w in at.warning] + [i.value for i in at.info]


def test_a_link_to_a_case_the_panel_decided_and_that_moved_on_says_so(app_env):
    """The panel decided to proceed, both confirmed, the case lead started the formal investigation: the panel's
    link to the case says it has moved on and when, instead of opening nothing without a word."""
    from datetime import UTC, datetime

    from erreview.review.lifecycle import Action
    from erreview.review.panel import AttestationIn
    from erreview.review.workflow import attest, list_cases, transition

    case_id = _refer_a_demo_case(app_env)
    engine = store.engine_for(app_env.database_url)
    rules = Rules.from_settings(app_env)
    chair = ACTORS[Role.PANEL_MEMBER]
    decided = submit_review(engine, rules, case_id, review(members=MEMBERS), actor=chair)
    for who in (chair, PANEL2):
        attest(engine, case_id, decided, AttestationIn(declaration="independent"), actor=who)
    lead = ACTORS[Role.CASE_LEAD]
    row = list_cases(engine, actor=lead).set_index("case_id").loc[case_id]
    transition(engine, rules, case_id, Action.START_FORMAL, actor=lead, expected_version=int(row["version"]))
    today = datetime.now(UTC)
    for role in (Role.PANEL_MEMBER, Role.ADMIN, Role.CASE_LEAD):
        at = _link(role, case_id)
        assert not at.exception, at.exception
        said = _words(at)
        expected = f"{case_id} has moved on: the panel's decision was acted on on {today:%-d %b %Y}."
        assert any(w.replace("\\", "").startswith(expected) for w in said), (role, said)
        assert "formal investigation" in " ".join(said)
        assert not any("not one you can open" in w for w in said)
        assert "case" not in at.query_params  # the link is answered once, not left in the address


def test_a_link_to_a_case_not_referred_to_the_panel(app_env):
    """A panel member's link to a case not referred to their panel: the same words as for no such case (the link
    tells nothing about a case they may not see). An administrator, who may see it, is told it is not waiting."""
    from erreview.review.workflow import list_cases

    engine = store.engine_for(app_env.database_url)
    every = list_cases(engine, actor=ACTORS[Role.ADMIN])
    theirs = set(list_cases(engine, actor=ACTORS[Role.PANEL_MEMBER])["case_id"])
    other = every[~every["case_id"].isin(theirs) & (every["stage"] == "closed")]["case_id"].iloc[0]
    said = {}
    for case_id in (other, "ER-NO-SUCH-CASE"):
        at = _link(Role.PANEL_MEMBER, case_id)
        assert not at.exception, at.exception
        said[case_id] = _words(at)
        assert said[case_id][0].startswith("That case is not one you can open:"), said
        assert case_id not in " ".join(said[case_id])
    assert said[other] == said["ER-NO-SUCH-CASE"]
    at = _link(Role.ADMIN, other)
    assert not at.exception, at.exception
    assert any(
        w.replace("\\", "") == f"{other} is not waiting for a panel check: its stage is closed." for w in _words(at)
    )


def test_waiting_for_confirmations_is_said_with_names_in_plain_words(app_env):
    """Panel check and Cases, while one of the two members has confirmed: their names, no usernames or jargon."""
    from erreview.review.panel import AttestationIn
    from erreview.review.workflow import attest

    case_id = _refer_a_demo_case(app_env)
    engine = store.engine_for(app_env.database_url)
    chair = ACTORS[Role.PANEL_MEMBER]
    decided = submit_review(engine, Rules.from_settings(app_env), case_id, review(members=MEMBERS), actor=chair)
    attest(engine, case_id, decided, AttestationIn(declaration="independent"), actor=chair)
    expected = (
        "Waiting for 1 more member to confirm their place: Remi Ambassador. "
        "The panel needs 2 members, 1 of them independent."
    )
    at = signed_in(Role.PANEL_MEMBER).switch_page("panels/precheck.py").run()
    at.selectbox[0].select(case_id).run()
    assert not at.exception, at.exception
    success = " ".join(s.value for s in at.success)
    assert expected in success, success
    lead = _link(Role.CASE_LEAD, case_id)
    lead.switch_page("panels/cases.py")
    lead.query_params["case"] = case_id
    lead.run()
    assert not lead.exception, lead.exception
    status = " ".join(i.value.replace("\\", "") for i in lead.info)
    assert expected in status, status
    for text in (success, status):
        assert "attest" not in text and "quorum" not in text and "panel2" not in text
