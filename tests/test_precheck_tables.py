# ruff: noqa: F811  (the fixtures imported from test_app are parameters here)
"""Panel check's tables are like the other work screens' (tests/test_table_values.py): human headings, key
columns first, help on every column, number columns holding numbers and date columns dates (so a click on a
heading sorts by value), each cell showing the human text: dates as day month year, shares to 1 dp, '—' for
none, '*' for a hidden count, never None, a decision's code or True/False. The text is read back here
independently of the screen (``datetime.strptime``, a regular expression, the library's stored values)."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from erreview import store
from erreview.review.lifecycle import Action, Step
from erreview.review.panel import DECISION_LABELS, AttestationIn, Member, Rules
from erreview.review.roles import Actor, Role
from erreview.review.workflow import attest, case_detail, list_cases, submit_review, transition

from .sessions import shown
from .test_app import ACTORS, _refer_a_demo_case, app_env, demo_db, signed_in  # noqa: F401  (fixtures)
from .test_table_keys import check_table
from .test_workflow import review

PANEL = ACTORS[Role.PANEL_MEMBER]
PANEL2 = Actor("panel2", Role.PANEL_MEMBER, frozenset({"North"}))
LEAD = ACTORS[Role.CASE_LEAD]
#: Headings each table must show, in this order (key columns first).
REVIEWS = [
    "Review",
    "Submitted",
    "Step checked",
    "Decision",
    "Recommended",
    "Against the recommendation",
    "Confirmed by",
    "Still to confirm",
    "Version",
    "Corrects review",
]
ANSWERS = ["No.", "Question", "Answer", "Note"]
COMPARABLE = [
    "Ethnic group",
    "Cases",
    "Went formal",
    "Went formal (share)",
    "Case to answer",
    "Case to answer (share)",
    "Formal sanction",
    "Formal sanction (share)",
]
#: Headings a person should never meet: the library's own column names.
RAW = re.compile(r"_|^(id|step|decision|number|question|answer|note|day|group|supersedes)$")
#: What a cell never shows: a machine's empty value, a true/false, a decision's or step's code.
MACHINE = {"None", "nan", "NaN", "NaT", "<NA>", "", "True", "False", *DECISION_LABELS, "formal_investigation"}
WHOLE = re.compile(r"^\d+$")
SHARE = re.compile(r"^\d{1,3}\.\d%$")


@pytest.fixture
def checked_case(app_env, _checked_once):
    return _checked_once


@pytest.fixture(scope="module")
def _checked_once(demo_db):
    """A demo case with three reviews: a first formal check confirmed by one member of two, its correction
    (version 2) confirmed by both, then a suspension check against its recommendation, confirmed by nobody
    yet, whose answers hold a date. Made once for the module, so every test sees the same case whatever
    runs first (each test referring its own case made which case the comparables test saw depend on order)."""
    engine = store.engine_for(demo_db.database_url)
    rules = Rules.from_settings(demo_db)
    case_id = _refer_a_demo_case(demo_db)
    members = [Member(username="panel", role="Panel chair"), Member(username="panel2", role="Cultural ambassador")]
    first = submit_review(engine, rules, case_id, review(members=members), actor=PANEL)
    attest(engine, case_id, first, AttestationIn(declaration="independent"), actor=PANEL)
    second = submit_review(engine, rules, case_id, review(members=members, supersedes_id=first), actor=PANEL)
    for who in (PANEL, PANEL2):
        attest(engine, case_id, second, AttestationIn(declaration="independent"), actor=who)
    for action in (Action.START_FORMAL, Action.REFER_SUSPENSION_CHECK):
        case = list_cases(engine, actor=LEAD).set_index("case_id").loc[case_id]
        transition(engine, rules, case_id, action, actor=LEAD, expected_version=int(case["version"]))
    third = submit_review(
        engine,
        rules,
        case_id,
        review(
            "divert_informal",
            members=members,
            step=Step.SUSPENSION,
            override_reason="Restricted duties on another ward manage the risk.",
        ),
        actor=PANEL,
    )
    return case_id, (first, second, third)


def _screen(case_id: str):
    at = signed_in(Role.PANEL_MEMBER).switch_page("panels/precheck.py").run()
    at.selectbox[0].select(case_id).run()
    assert not at.exception, at.exception
    return at


def _table(at, first_heading: str):
    return next(t for t in at.dataframe if list(t.value.columns)[:1] == [first_heading])


def _human(table) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """What a table holds, the text it shows, and its column configuration; checks every heading is a human one
    with help, no cell shows a machine value, and number columns sort by the numbers they show."""
    check_table(table)
    held, text = table.value, shown(table)
    config = json.loads(table.proto.columns or "{}")
    for heading in held.columns:
        assert not RAW.search(str(heading)), heading
        assert (config.get(str(heading)) or {}).get("help"), heading
    for heading in text.columns:
        cells = text[heading].map(lambda v: v if isinstance(v, str) else f"{v.day} {v:%b %Y}" if not pd.isna(v) else "")
        assert not cells.isin(MACHINE).any(), (heading, cells.tolist())
    return held, text, config


def test_the_reviews_table_holds_numbers_and_times_and_shows_words(checked_case):
    case_id, (first, second, third) = checked_case
    at = _screen(case_id)
    held, text, config = _human(_table(at, "Review"))
    assert list(held.columns) == REVIEWS
    # Number columns hold numbers (review 10 sorts after review 9), shown as whole numbers, '—' for none.
    for heading in ("Review", "Version", "Corrects review"):
        assert pd.api.types.is_float_dtype(held[heading]), (heading, held[heading].dtype)
        assert all(WHOLE.match(c) or c == "—" for c in text[heading]), (heading, text[heading].tolist())
    # The submission time holds the moment itself; it shows to the minute, day month year, as the grid draws it.
    assert pd.api.types.is_datetime64_any_dtype(held["Submitted"]), held["Submitted"].dtype
    assert "D MMM YYYY" in json.dumps(config["Submitted"]), config["Submitted"]
    stored = {r.id: r.submitted_at for r in case_detail(_engine(), case_id, actor=PANEL).reviews}
    rows = dict(zip(held["Review"].astype(int), range(len(held)), strict=True))
    assert set(rows) == {first, second, third}
    for review_id, i in rows.items():
        moment = stored[review_id]
        utc = (moment.astimezone(UTC) if moment.tzinfo else moment).replace(tzinfo=None)
        assert held["Submitted"][i].to_pydatetime() == utc, (held["Submitted"][i], moment)
        assert datetime.strptime(text["Submitted"][i], "%d %b %Y, %H:%M") == utc.replace(second=0, microsecond=0)
    by_id = text.assign(_id=held["Review"].astype(int)).set_index("_id")
    assert (by_id.loc[first, "Corrects review"], by_id.loc[second, "Corrects review"]) == ("—", str(first))
    assert (by_id.loc[first, "Version"], by_id.loc[second, "Version"]) == ("1", "2")
    assert (by_id.loc[first, "Confirmed by"], by_id.loc[first, "Still to confirm"]) == ("Pat Panel", "Remi Ambassador")
    assert (by_id.loc[second, "Confirmed by"], by_id.loc[second, "Still to confirm"]) == (
        "Pat Panel, Remi Ambassador",
        "—",
    )
    assert (by_id.loc[third, "Confirmed by"], by_id.loc[third, "Still to confirm"]) == (
        "—",
        "Pat Panel, Remi Ambassador",
    )
    assert (by_id.loc[second, "Step checked"], by_id.loc[third, "Step checked"]) == (
        "Formal investigation",
        "Suspension",
    )
    # The suspension check's decisions in the words of suspension (the formal check's in its own words).
    assert (by_id.loc[third, "Decision"], by_id.loc[third, "Recommended"]) == (
        "Do not suspend: use an alternative (such as restricted duties or redeployment)",
        "Suspend",
    )
    assert by_id.loc[second, "Decision"] == "Proceed to formal action"
    assert (by_id.loc[third, "Against the recommendation"], by_id.loc[second, "Against the recommendation"]) == (
        "Yes",
        "No",
    )


def test_each_reviews_answers_hold_question_numbers_and_the_date_given(checked_case):
    from erreview.review.checklists import ANSWER_LABELS, all_templates

    from .test_workflow import PROCEED

    case_id, _ = checked_case
    at = _screen(case_id)
    tables = [t for t in at.dataframe if list(t.value.columns)[:1] == ["No."]]
    assert len(tables) == 3  # one for each review, in its own expander
    template = all_templates()[("panel_precheck", 2)]
    for table, step in zip(
        tables, (Step.FORMAL_INVESTIGATION, Step.FORMAL_INVESTIGATION, Step.SUSPENSION), strict=True
    ):
        held, text, config = _human(table)
        dated = step is Step.SUSPENSION
        assert list(held.columns) == ([*ANSWERS[:3], "Date given", *ANSWERS[3:]] if dated else ANSWERS)
        # The question's number is a number: question 22 sorts after question 7, not between 2 and 3.
        assert pd.api.types.is_float_dtype(held["No."]), held["No."].dtype
        numbers = {q.text: n for n, q in enumerate(template.questions_for(step), start=1)}
        questions = {q.text: q for q in template.questions_for(step)}
        for i, question in enumerate(text["Question"]):
            assert text["No."][i] == str(numbers[question]) and held["No."][i] == numbers[question]
            q = questions[question]
            expected = ANSWER_LABELS[PROCEED[q.id]] if q.choices and q.id in PROCEED else "—"
            assert text["Answer"][i] == expected, (question, text["Answer"][i])
            if dated:
                day = date(2025, 6, 1) if q.answer_type == "date" else None  # what the fixture's review gave
                cell = text["Date given"][i]
                if day is None:
                    assert cell == "—" and pd.isna(held["Date given"][i]), (question, cell)
                else:
                    assert held["Date given"][i] == pd.Timestamp(day)
                    assert datetime.strptime(cell, "%d %b %Y").date() == day
        if dated:
            assert pd.api.types.is_datetime64_any_dtype(held["Date given"]), held["Date given"].dtype
            assert "D MMM YYYY" in json.dumps(config["Date given"]), config["Date given"]
            assert (text["Date given"] != "—").sum() == 1


def test_comparable_cases_hold_counts_and_shares_as_numbers_with_the_hidden_ones_hidden(checked_case, app_env):
    from erreview.screen_privacy import comparable_table

    case_id, _ = checked_case
    T = app_env.suppression_threshold
    at = _screen(case_id)
    held, text, _ = _human(_table(at, "Ethnic group"))
    assert list(held.columns) == COMPARABLE
    assert text["Ethnic group"].tolist() == ["White", "BME", "Not stated", "All"]
    for heading in COMPARABLE[1:]:
        assert pd.api.types.is_float_dtype(held[heading]), (heading, held[heading].dtype)
        pattern = SHARE if heading.endswith("(share)") else WHOLE
        assert all(pattern.match(c) or c in ("*", "—") for c in text[heading]), (heading, text[heading].tolist())
    # The same cells hidden as the library's own display table (the pack's rule), and no small count shown.
    from erreview.review.context import comparables_for

    comparison = comparables_for(_engine(), case_id, actor=PANEL, k=app_env.comparable_cases)
    library = comparable_table(comparison.cases, T)
    for heading in COMPARABLE[1:]:
        assert (text[heading] == "*").tolist() == (library[heading] == "*").tolist(), heading
        for cell in text[heading]:
            assert not (WHOLE.match(cell) and 1 <= int(cell) <= T), (heading, cell)
    # A share shown is its count over the group's cases, to 1 dp, worked out here from the counts shown.
    shares = 0
    for i in range(len(text)):
        for outcome in ("Went formal", "Case to answer", "Formal sanction"):
            share = text[f"{outcome} (share)"][i]
            if share not in ("*", "—"):
                count, cases = int(text[outcome][i]), int(text["Cases"][i])
                assert share == f"{round(100 * count / cases, 1):.1f}%", (outcome, share, count, cases)
                assert held[f"{outcome} (share)"][i] == round(100 * count / cases, 1)
                shares += 1
    assert shares, "no share shown: the demo case should show at least one"


def _engine():
    return store.engine_for(os.environ["ERREVIEW_DATABASE_URL"])


def test_the_disparity_figure_says_what_it_covers_and_its_flag_in_words(checked_case):
    """The panel's ratio is over every case on record, Decision points' over one 12-month window: an outside
    reviewer saw 1.41 here and 1.19 there with nothing saying why; and the flag read 'disparity' in code."""
    case_id, _ = checked_case
    at = _screen(case_id)
    assert any("every disciplinary case on record (all years)" in c.value for c in at.caption)
    deltas = [m.proto.delta for m in at.metric if m.label == "Trust" or m.label.startswith("Division: ")]
    assert len(deltas) == 2
    for delta in deltas:
        assert delta.split(" · ")[-1] in {"Disparity", "Watch", "No flag"}, delta
