"""Every screen, for every role that can open it, speaks in plain words: no internal codes (``non_adverse``,
``female``), no "None"/"nan" shown as a value, dates in one format (``1 Jun 2025``) and periods in one wording
(``2025/26 H1``; the contract's code ``2025/26-H1`` stays in exports and the command line). Issue #15."""

# ruff: noqa: F811  (fixtures imported from test_app are parameters here)
from __future__ import annotations

import re
from collections.abc import Iterator

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from erreview.review.roles import Role

from .sessions import shown
from .test_app import ACTORS, SCREENS, _refer_a_demo_case, app_env, demo_db, signed_in  # noqa: F401

#: Text elements whose words people read.
TEXTS = ("Markdown", "Text", "Caption", "Title", "Header", "Subheader", "Info", "Warning", "Error", "Success", "Code")
WIDGETS = ("Selectbox", "Radio", "Multiselect", "SelectSlider")
MONTHS = "January|February|March|April|June|July|August|September|October|November|December"
#: What people should never read, each with the reason it names.
PATTERNS = [
    # A checklist question's reference in its template file, which a trust writing its own template needs, is
    # shown after the question's words as "(reference q01_framing)" (Admin, Templates): only so is a code fine.
    (
        re.compile(r"(?<![\w/.$={-])(?<!\(reference )[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?![\w/.-]*\.(?:toml|csv|py))"),
        "a snake_case code",
    ),
    (re.compile(r"(?i):\s*(none|nan)\b(?!\s+\w)"), "'none' or 'nan' shown as a value"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "a date as 2025-06-01 (dates read 1 Jun 2025)"),
    (re.compile(r"\b\d{2}/\d{2}/\d{4}\b"), "a date as 01/06/2025 (dates read 1 Jun 2025)"),
    (re.compile(rf"\b\d{{1,2}} (?:{MONTHS}) \d{{4}}\b"), "a date with the month in full (dates read 1 Jun 2025)"),
    (re.compile(r"\b0\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"), "a day with a leading zero"),
    (re.compile(r"\b\d{4}/\d{2}\\?-H[12]\b"), "a period as its code 2025/26-H1 (periods read 2025/26 H1)"),
    (re.compile(r"\bCurrent half-year\b"), "'Current half-year' for a chosen period"),
    (re.compile(r"(?i)\battest(?:ed|s|ing)?\b|\bquorum\b"), "jargon: 'attest' or 'quorum' (say confirm their place)"),
]
#: A whole value (a table cell, a metric, a choice) that is a code or a missing value, not a word for people.
RAW_VALUES = re.compile(
    r"^(None|none|nan|NaN|NaT|<NA>|True|False|female|male|other|not_stated|above|below|parity|non_adverse|"
    r"disparity|watch|too_few|open|in_progress|done|cancelled|proceed|scheduled|due|overdue)$"
)


def _said(at: AppTest) -> Iterator[tuple[str, str, bool]]:
    """Every piece of text on the screen as (where, text, whether it is a whole value), charts and the
    session cookie's script aside."""
    for node in at._tree:
        kind = type(node).__name__
        for attr in ("label", "help", "placeholder"):
            value = getattr(node, attr, None)
            if isinstance(value, str) and value:
                yield f"{kind} {attr}", value, False
        if kind in TEXTS:
            yield kind, str(node.value), False
        elif kind == "Metric":
            yield "Metric", str(node.value), True
            if node.proto.delta:
                yield "Metric delta", str(node.proto.delta), False
        elif kind in WIDGETS:
            for option in node.options:
                yield f"{kind} option", str(option), True
        elif kind == "Dataframe":
            frame = shown(node)
            for column in frame.columns:
                yield "Table heading", str(column), True
                if pd.api.types.is_datetime64_any_dtype(node.value[column]):
                    continue  # a date column is drawn day month year by its column format (number_columns)
                for cell in frame[column].astype(str):
                    yield "Table cell", cell, True


#: A whole value that is a dotted code (an audit action such as ``case.view``), a file name aside.
DOTTED = re.compile(r"^[a-z]+(?:\.[a-z_]+)+$(?<!\.csv)(?<!\.xlsx)(?<!\.toml)(?<!\.pdf)(?<!\.zip)")


def problems(at: AppTest) -> list[str]:
    found = []
    for where, text, whole in _said(at):
        if whole and (RAW_VALUES.match(text.strip()) or DOTTED.match(text.strip())):
            found.append(f"{where}: {text!r} is a code or a missing value")
            continue
        for pattern, reason in PATTERNS:
            hit = pattern.search(text)
            if hit:
                found.append(f"{where}: {reason}: {hit.group(0)!r} in {text[:160]!r}")
    return sorted(set(found))


CASES = [(screen, role) for screen, roles in SCREENS.items() for role in Role if role in roles]


@pytest.mark.parametrize(("screen", "role"), CASES, ids=[f"{s.split('/')[1][:-3]}-{r.value}" for s, r in CASES])
def test_every_screen_speaks_plainly_for_every_role(app_env, screen, role):
    at = signed_in(role).switch_page(screen).run()
    assert not at.exception, at.exception
    found = problems(at)
    assert not found, "\n".join(found)


def test_an_open_case_and_the_panel_check_speak_plainly(app_env):
    """The screens' deeper states: a case page and a case waiting for the panel's check."""
    case_id = _refer_a_demo_case(app_env)
    lead = signed_in(Role.CASE_LEAD).switch_page("panels/cases.py").run()
    next(s for s in lead.selectbox if s.label == "Open case").select(case_id).run()
    assert not lead.exception, lead.exception
    assert any(h.value.replace("\\", "").startswith(case_id) for h in lead.header)
    panel = signed_in(Role.PANEL_MEMBER).switch_page("panels/precheck.py").run()
    panel.selectbox[0].select(case_id).run()
    assert not panel.exception, panel.exception
    found = problems(lead) + problems(panel)
    assert not found, "\n".join(found)


def test_a_check_waiting_for_confirmations_speaks_plainly(app_env):
    """While one of the two named members has confirmed: Panel check and Cases say so in plain words."""
    from erreview import store
    from erreview.review.panel import AttestationIn, Member, Rules
    from erreview.review.workflow import attest, submit_review

    from .test_workflow import review

    case_id = _refer_a_demo_case(app_env)
    engine = store.engine_for(app_env.database_url)
    chair = ACTORS[Role.PANEL_MEMBER]
    members = [Member(username="panel", role="Chair"), Member(username="panel2", role="Member")]
    decided = submit_review(engine, Rules.from_settings(app_env), case_id, review(members=members), actor=chair)
    attest(engine, case_id, decided, AttestationIn(declaration="independent"), actor=chair)
    lead = signed_in(Role.CASE_LEAD).switch_page("panels/cases.py").run()
    next(s for s in lead.selectbox if s.label == "Open case").select(case_id).run()
    panel = signed_in(Role.PANEL_MEMBER).switch_page("panels/precheck.py").run()
    panel.selectbox[0].select(case_id).run()
    assert not lead.exception and not panel.exception
    assert any("confirm their place" in i.value for i in lead.info)
    found = problems(lead) + problems(panel)
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("the panel review 1 is not valid under the current quorum rule: 1 member(s) have attested", False),
        ("Band (non-adverse 0.80–1.25): non_adverse", False),
        ("Side of parity: none", False),
        ("Value: none", False),
        ("female", True),
        ("Ethnicity not stated at 2026-03-31", False),
        ("Since 23 February 2026", False),
        ("pre-checks began (01 Apr 2024)", False),
        ("Relative likelihood, 2025/26-H2", False),
        ("in 2025/26\\-H2", False),
        ("Current half-year: 2025/26 H2", False),
        ("case.view", True),
        ("q01_framing", True),
        ("See q01_framing (reference q02_facts)", False),
    ],
)
def test_the_sweep_catches_each_kind_of_raw_text(text, whole):
    """The sweep itself: each kind of text it names is caught (and plain words are not)."""
    raw = bool(whole and (RAW_VALUES.match(text) or DOTTED.match(text))) or any(p.search(text) for p, _ in PATTERNS)
    assert raw, text
    for fine in (
        "1 Jun 2025",
        "2025/26 H1",
        "Within 0.80–1.25",
        "Female",
        "No flag",
        "none of them were",
        "cases.csv",
        "Is the allegation framed neutrally? (reference q01_framing)",
    ):
        assert not RAW_VALUES.match(fine) and not DOTTED.match(fine) and not any(p.search(fine) for p, _ in PATTERNS), (
            fine
        )


def test_the_templates_show_each_question_first_and_its_reference_after_it(app_env):
    """Admin, Templates: a question reads as its words, its reference in the template file after them, for the
    trust writing its own template; no column of references alone."""
    from erreview.review.checklists import all_templates

    at = signed_in(Role.ADMIN).switch_page("panels/admin.py").run()
    assert not at.exception, at.exception
    tables = [shown(t) for t in at.dataframe]
    questions = next(t for t in tables if "Question" in t.columns)
    assert "Reference" not in questions.columns
    template = max((t for (tid, _), t in all_templates().items() if tid == "panel_precheck"), key=lambda t: t.version)
    first = template.questions[0]
    cells = [str(c) for t in tables if "Question" in t.columns for c in t["Question"]]
    assert f"{first.text} (reference {first.id})" in cells


def _board_screen(screen: str) -> AppTest:
    at = signed_in(Role.BOARD_VIEWER).switch_page(screen).run()
    assert not at.exception, at.exception
    return at


def test_a_refused_pack_is_worded_with_the_period_as_people_read_it(app_env, monkeypatch):
    """The two rare refusals of a pack published out of date order: Reports' reason and the notice the other
    screens show in its place name the period as 2025/26 H2, not by its code (the command line keeps the code)."""
    import streamlit as st

    from erreview import screen_audit
    from erreview.export import pack as pack_module

    def refused(audit, period):
        return f"The {period} pack cannot be published safely: (a test)."

    monkeypatch.setattr(pack_module, "refusal", refused)
    monkeypatch.setattr(screen_audit, "refusal", refused)
    st.cache_resource.clear()  # packs and pack views already built are kept for the process
    try:
        reports = _board_screen("panels/reports.py")
        next(b for b in reports.button if b.label == "Prepare the pack").click().run()
        assert not reports.exception, reports.exception
        said = [e.value for e in reports.error]
        assert any("cannot be published safely" in e and re.search(r"\d{4}/\d{2} H[12]", e) for e in said), said
        overview = _board_screen("panels/overview.py")
        notices = [w.value for w in overview.warning if "are not shown" in w.value]
        assert notices and all(re.search(r"\d{4}/\d{2} H[12]", n) for n in notices), notices
        found = problems(reports) + problems(overview)
        assert not found, "\n".join(found)
    finally:
        st.cache_resource.clear()  # the refused views are not left for other tests
