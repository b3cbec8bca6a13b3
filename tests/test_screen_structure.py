"""Every screen, for every role, read as a screen reader lists it: its headings in order and its controls by name.

- Headings: one level-1 heading (the screen's title), first; no level skipped on the way down (a level-3 heading
  straight under the level-1 one leaves a screen-reader user wondering what they missed).
- Controls (buttons, fields, expanders, tabs): each named once on a screen, and never by a bare verb ("Open":
  open what?), since a screen reader lists them by name, out of their surroundings.

Read from Streamlit's element tree (AppTest), in the order the browser draws it; the browser's own view of the same
screens is checked in tests/test_browser_structure.py.
"""

# ruff: noqa: F811  (fixtures imported from test_app are parameters here)
from __future__ import annotations

import json
import re
from collections import Counter
from itertools import pairwise
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from erreview.review.roles import Role

from .test_app import ACTORS, SCREENS, _refer_a_demo_case, app_env, demo_db, signed_in  # noqa: F401  (fixtures)

#: Streamlit's heading commands and the level each draws (st.title: <h1>, st.header: <h2>, st.subheader: <h3>).
LEVELS = {"title": 1, "header": 2, "subheader": 3}
#: A Markdown heading line (``#### Panel members``).
MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$", re.MULTILINE)
#: Names that say what to do but not to what: alone on a control they leave the person guessing.
MEANINGLESS = {"open", "go", "ok", "apply", "submit", "save", "click here", "more", "view", "show", "next", "yes", "no"}


def headings(at: AppTest) -> list[tuple[int, str]]:
    """The screen's headings (level, text) in the order they are drawn, the sidebar's first."""
    found: list[tuple[int, str]] = []
    for node in [*at.sidebar, *at.main]:
        kind = getattr(node, "type", "")
        if kind in LEVELS:
            found.append((LEVELS[kind], str(node.value)))
        elif kind == "markdown":
            found += [(len(m.group(1)), m.group(2)) for m in MD_HEADING.finditer(str(node.value))]
        elif kind == "html" and re.search(r"<h[1-6]\b", str(node.value)):
            found += [(int(level), text) for level, text in re.findall(r"<h([1-6])[^>]*>(.*?)</h", str(node.value))]
    return found


def heading_problems(found: list[tuple[int, str]]) -> list[str]:
    problems = []
    top = [text for level, text in found if level == 1]
    if len(top) != 1:
        problems.append(f"{len(top)} level-1 headings: {top}")
    if found and found[0][0] != 1:
        problems.append(f"the first heading is level {found[0][0]}: {found[0][1]!r}")
    for (before, _), (level, text) in pairwise(found):
        if level > before + 1:
            problems.append(f"level {before} then level {level}: {text!r}")
    return problems


def control_names(at: AppTest) -> list[tuple[str, str]]:
    """(kind, accessible name) of every named control: widgets by their label, expanders and tabs by theirs."""
    names = []
    for node in [*at.sidebar, *at.main]:
        if getattr(node, "type", "metric") == "metric":  # a metric's label is text beside a number, not a control
            continue
        label: Any = getattr(node, "label", None)
        if isinstance(label, str) and label.strip():
            names.append((node.type, " ".join(label.split())))
    return names


def label_problems(names: list[tuple[str, str]]) -> list[str]:
    problems = [f"{n} controls named {label!r}" for label, n in Counter(label for _, label in names).items() if n > 1]
    problems += [f"a {kind} named only {label!r}" for kind, label in names if label.strip(" .:").lower() in MEANINGLESS]
    return problems


@pytest.fixture(scope="module")
def busy_demo(demo_db):
    """The demo with every part of every screen in use: a case waiting for the panel, a review waiting for the
    panel member's confirmation, a running suspension, an overdue action and a finished one awaiting sign-off."""
    from datetime import date

    from erreview import store
    from erreview.actions import ActionStatus, create_action, list_actions, update_action
    from erreview.review.panel import AttestationIn, Member, Rules
    from erreview.review.workflow import attest, submit_review

    from .test_app_correction import PANEL2, _suspended_case
    from .test_workflow import review

    engine = store.engine_for(demo_db.database_url)
    _suspended_case(demo_db)
    _refer_a_demo_case(demo_db)
    waiting = _refer_a_demo_case(demo_db)
    members = [Member(username="panel", role="Chair"), Member(username="panel2", role="Cultural ambassador")]
    review_id = submit_review(engine, Rules.from_settings(demo_db), waiting, review(members=members), actor=PANEL2)
    attest(engine, waiting, review_id, AttestationIn(declaration="independent"), actor=PANEL2)
    analyst = ACTORS[Role.INCLUSION_ANALYST]
    for title, due in (
        ("Review the referral route", date(2020, 1, 31)),
        ("Train the case managers", date(2030, 1, 31)),
    ):
        values = {"title": title, "measure": "wres_indicator3", "owner": "Director of People", "due_date": due}
        create_action(engine, values, actor=analyst)
    done = list_actions(engine, actor=analyst).iloc[-1]
    update_action(
        engine, int(done["id"]), {"status": ActionStatus.DONE}, actor=analyst, expected_version=int(done["version"])
    )
    return demo_db


def _screens(role: Role) -> list[str]:
    return [screen for screen, roles in SCREENS.items() if role in roles]


def _open_first(at: AppTest, picker_label: str) -> AppTest:
    picker = next(s for s in at.selectbox if s.label == picker_label)
    return picker.select(picker.options[0]).run()


def _states(role: Role):
    """Every screen as it opens for ``role``; then, where a screen opens a case, with the first case open."""
    for screen in _screens(role):
        at = signed_in(role).switch_page(screen).run()
        assert not at.exception, at.exception
        yield screen, at
        pickers = {"panels/cases.py": "Open case", "panels/precheck.py": "Case"}
        if screen in pickers and any(s.label == pickers[screen] for s in at.selectbox):
            at = _open_first(at, pickers[screen])
            assert not at.exception, at.exception
            yield f"{screen} with a case open", at
            if screen == "panels/precheck.py":  # every case waiting for the panel: a blank check, a decided one
                for case_id in next(s for s in at.selectbox if s.label == "Case").options[1:]:
                    at = next(s for s in at.selectbox if s.label == "Case").select(case_id).run()
                    assert not at.exception, at.exception
                    yield f"{screen} with {case_id} open", at


ROLES = [Role.ADMIN, Role.CASE_LEAD, Role.PANEL_MEMBER, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER, Role.DIVISION_LEAD]


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_every_screen_has_one_title_and_headings_in_order(busy_demo, app_env, role):
    found = {}
    for where, at in _states(role):
        problems = heading_problems(headings(at))
        if problems:
            found[where] = [*problems, f"headings: {headings(at)}"]
    assert not found, json.dumps(found, indent=1)


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_every_control_on_a_screen_has_its_own_meaningful_name(busy_demo, app_env, role):
    found = {}
    for where, at in _states(role):
        problems = label_problems(control_names(at))
        if problems:
            found[where] = problems
    assert not found, json.dumps(found, indent=1)


def test_the_checks_find_what_they_look_for():
    """The checks themselves: a skipped level, a second title, a repeated or bare name are each caught."""
    assert heading_problems([(1, "A"), (2, "B"), (3, "C"), (2, "D")]) == []
    assert heading_problems([(1, "A"), (3, "B")]) == ["level 1 then level 3: 'B'"]
    assert heading_problems([(2, "B"), (1, "A")])[0].startswith("the first heading is level 2")
    assert heading_problems([(1, "A"), (1, "B")]) == ["2 level-1 headings: ['A', 'B']"]
    assert label_problems([("button", "Open ER-1"), ("button", "Open ER-2")]) == []
    assert label_problems([("button", "Open")]) == ["a button named only 'Open'"]
    assert label_problems([("selectbox", "Division"), ("multiselect", "Division")]) == ["2 controls named 'Division'"]
