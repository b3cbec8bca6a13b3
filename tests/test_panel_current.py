"""Only the current review of a case and step waits for confirmation (issue: a superseded review still asked).

A review is replaced by a correction (``supersedes_id``) or by a later review of the same step ("Review again"
after "More information needed"). The gate follows the latest decision, so only that one is confirmed: the list
of reviews waiting for a member leaves the others out, and confirming or correcting an earlier one is refused."""

# ruff: noqa: F811  (fixtures imported from test_workflow are parameters here)
from __future__ import annotations

import pytest

from erreview.review.lifecycle import Action, TransitionRefused
from erreview.review.workflow import (
    AttestationIn,
    ReviewRejected,
    attest,
    attestations_waiting,
    submit_review,
    transition,
)

from .test_workflow import (  # noqa: F401  (fixtures)
    LEAD,
    PANEL,
    PANEL2,
    TODAY,
    accounts,
    north_panel,
    referred_case,
    review,
    rules,
)

REASON = "The investigator is not yet named for this case."


def _waiting(engine, actor) -> list[int]:
    return [r.review_id for r in attestations_waiting(engine, actor=actor)]


def test_only_the_latest_review_of_a_step_waits_for_confirmation(engine, settings, rules):
    case_id, _ = referred_case(engine, settings, rules)
    asked = submit_review(engine, rules, case_id, review("more_information", override_reason=REASON), actor=PANEL)
    assert _waiting(engine, PANEL2) == [asked]
    # "Review again with the new information": a new review of the same step, correcting nothing.
    again = submit_review(engine, rules, case_id, review("more_information", override_reason=REASON), actor=PANEL)
    corrected = submit_review(
        engine, rules, case_id, review("more_information", supersedes_id=again, override_reason=REASON), actor=PANEL
    )
    latest = submit_review(engine, rules, case_id, review("proceed", supersedes_id=corrected), actor=PANEL)
    assert _waiting(engine, PANEL2) == [latest]
    assert _waiting(engine, PANEL) == [latest]
    # The replaced review is refused in the library too, the corrected ones as before.
    for old in (asked, again, corrected):
        with pytest.raises(ReviewRejected, match=r"replaced|corrected"):
            attest(engine, case_id, old, AttestationIn(declaration="independent"), actor=PANEL2)
    attest(engine, case_id, latest, AttestationIn(declaration="independent"), actor=PANEL2)
    assert _waiting(engine, PANEL2) == []
    assert _waiting(engine, PANEL) == [latest]


def test_confirming_an_earlier_proceed_cannot_open_the_gate(engine, settings, rules):
    """An earlier review said proceed; the panel reviewed again and asked for more information. The members
    cannot confirm the earlier review, nor correct it past the later one: the gate follows the latest decision."""
    case_id, v = referred_case(engine, settings, rules)
    proceed = submit_review(engine, rules, case_id, review("proceed"), actor=PANEL)
    later = submit_review(engine, rules, case_id, review("more_information", override_reason=REASON), actor=PANEL)
    for actor in (PANEL, PANEL2):
        with pytest.raises(ReviewRejected, match=f"replaced by a later review \\(review {later}\\)"):
            attest(engine, case_id, proceed, AttestationIn(declaration="independent"), actor=actor)
    assert _waiting(engine, PANEL) == [later]
    with pytest.raises(ReviewRejected, match=f"review {proceed} has been replaced"):
        submit_review(engine, rules, case_id, review("proceed", supersedes_id=proceed), actor=PANEL)
    with pytest.raises(TransitionRefused, match="More information needed"):
        transition(engine, rules, case_id, Action.START_FORMAL, actor=LEAD, expected_version=v, today=TODAY)


def test_only_members_of_the_cases_panel_can_be_named(engine, settings, rules):
    """An administrator manages panels and is not a member of one: neither offered nor accepted as a member; nor
    is a panel member of another panel, an inactive member, or the case's lead."""
    from erreview import store
    from erreview.models import AppUser
    from erreview.review.roles import Actor, Role
    from erreview.review.workflow import Member, panel_candidates
    from erreview.store import workflow as ws

    with store.session_scope(engine) as session:
        ws.save_user(session, AppUser(username="ada", display_name="Ada Admin", role="admin", panels="North"))
        ws.save_user(
            session, AppUser(username="gone", display_name="Gone", role="panel_member", panels="North", active=False)
        )
    admin = Actor("ada", Role.ADMIN)
    case_id, _ = referred_case(engine, settings, rules)
    # Independently: the accounts test_workflow makes on North are pat and panel1-3 (panel9 sits on West).
    for actor in (PANEL, admin):
        assert set(panel_candidates(engine, case_id, actor=actor)) == {"pat", "panel1", "panel2", "panel3"}
    for outsider in ("ada", "panel9", "gone"):
        members = [Member(username="panel1", role="Chair"), Member(username=outsider, role="Member")]
        with pytest.raises(ReviewRejected, match=f"{outsider} (does not sit on panel North|is not an active)"):
            submit_review(engine, rules, case_id, review(members=members), actor=admin)
    # Members of the panel still make a valid review, submitted by the administrator or a member.
    assert submit_review(engine, rules, case_id, review(), actor=admin)


def test_the_screen_says_who_is_still_to_confirm_by_name_and_the_rule_in_words():
    """The screen's words while the panel waits: display names, plain numbers, no usernames or 'attest'."""
    from datetime import datetime

    from erreview.models import PanelAttestation, PanelReview
    from erreview.review.panel import Rules, waiting_words

    names = {"panel": "Pat Panel", "panel2": "Remi Ambassador", "panel3": "Sam Lay"}

    def made(*usernames: str) -> PanelReview:
        members = [{"username": u, "role": "Member"} for u in usernames]
        return PanelReview(
            id=7, case_id="ER-1", step="formal_investigation", template_id="t", template_version=1, members=members,
            answers={}, decision="proceed", rationale="r", submitted_at=datetime(2025, 6, 1), submitted_by="panel",
        )  # fmt: skip

    def said(who: str, declaration: str = "independent", director: bool = False) -> PanelAttestation:
        return PanelAttestation(
            review_id=7,
            username=who,
            declaration=declaration,
            director_level=director,
            attested_at=datetime(2025, 6, 2),
        )

    two = Rules(frozenset(), 2, 1, {})
    assert waiting_words(made("panel", "panel2"), [said("panel")], two, names) == (
        "Waiting for 1 more member to confirm their place: Remi Ambassador. "
        "The panel needs 2 members, 1 of them independent."
    )
    assert waiting_words(made("panel", "panel2", "panel3"), [], two, names) == (
        "Waiting for 2 more members to confirm their place, from Pat Panel, Remi Ambassador and Sam Lay. "
        "The panel needs 2 members, 1 of them independent."
    )
    # Enough have confirmed: nothing to wait for.
    assert waiting_words(made("panel", "panel2"), [said("panel"), said("panel2")], two, names) is None
    # Confirmed, but with conflicts: the rule is not met and nobody is left to confirm.
    both_conflicted = [said("panel", "conflict"), said("panel2", "conflict")]
    text = waiting_words(made("panel", "panel2"), both_conflicted, two, names)
    assert text is not None and text.startswith("Every named member has confirmed their place, but not enough")
    director = Rules(frozenset(), 2, 1, {}, quorum_director=True)
    assert waiting_words(made("panel", "panel2", "panel3"), [said("panel"), said("panel2")], director, names) == (
        "Waiting for a director-level member to confirm their place; still to confirm: Sam Lay. "
        "The panel needs 2 members, 1 of them independent, and one at director level."
    )
    for words in filter(None, [waiting_words(made("panel", "panel2"), [said("panel")], two, {})]):
        assert "attest" not in words and "(s)" not in words and "quorum" not in words
