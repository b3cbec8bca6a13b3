"""My work: each role's list of what waits for them, from the case workflow (library level)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from erreview.review.lifecycle import Step
from erreview.review.roles import Actor, Role
from erreview.review.workflow import create_case, submit_review
from erreview.review.worklist import my_work

from .test_workflow import (  # noqa: F401
    LEAD,
    NEW,
    PANEL,
    TODAY,
    accounts,
    attest_all,
    north_panel,
    referred_case,
    review,
    rules,
)

ADMIN = Actor("admin1", Role.ADMIN)


def kinds(items):
    return [(i.kind, i.case_id) for i in items]


def test_each_role_sees_what_waits_for_them(engine, settings, rules):  # noqa: F811 (fixture)
    waiting, _ = referred_case(engine, settings, rules)
    fresh = create_case(engine, settings, NEW, actor=LEAD, today=TODAY)
    # The panel member: the referral to their panel, dated when it was referred.
    panel_items = my_work(engine, rules, actor=PANEL, today=TODAY)
    assert kinds(panel_items) == [("referral", waiting)]
    assert panel_items[0].screen == "precheck" and panel_items[0].since is not None
    # Another panel's member sees nothing.
    other = Actor("panel2", Role.PANEL_MEMBER, panels=frozenset({"South"}))
    assert my_work(engine, rules, actor=other, today=TODAY) == []
    # The case lead: the new case to move on; the referred case waits on the panel, not on them.
    assert kinds(my_work(engine, rules, actor=LEAD, today=TODAY)) == [("move_on", fresh)]
    # Once the panel decides, the decision comes back to the case lead and leaves the panel's list.
    review_id = submit_review(engine, rules, waiting, review(), actor=PANEL)
    # Each named member is asked to confirm their place on the panel, until they do.
    assert kinds(my_work(engine, rules, actor=PANEL, today=TODAY)) == [("attest", waiting)]
    attest_all(engine, waiting, review_id)
    lead_items = my_work(engine, rules, actor=LEAD, today=TODAY)
    assert ("panel_decided", waiting) in kinds(lead_items)
    decided = next(i for i in lead_items if i.kind == "panel_decided")
    assert "Proceed to formal action" in decided.text and decided.screen == "cases"
    assert my_work(engine, rules, actor=PANEL, today=TODAY) == []


def test_the_admin_is_told_when_a_bias_check_is_switched_off(engine, settings, rules):  # noqa: F811
    off = replace(rules, gated_steps=frozenset({Step.FORMAL_INVESTIGATION}))
    items = my_work(engine, off, actor=ADMIN, today=date(2025, 1, 1))
    assert [i.kind for i in items] == ["gate_off"]
    assert "suspension is switched off" in items[0].text
    assert my_work(engine, rules, actor=ADMIN, today=date(2025, 1, 1)) == []
