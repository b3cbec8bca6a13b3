"""The review pack's panel-check table words each decision as the panel saw it for the step it checked (issue
#15): a check before a suspension decides "Suspend" or "Do not suspend", never "Proceed to formal action". Each
step has its own block of rows and counts (a row "Proceed to formal action | Suspend | BME 5" could not tell 5
decisions to proceed from 3 and 2 suspensions), then one row of every decision of both steps."""

from __future__ import annotations

import csv
from datetime import date

import openpyxl
import pandas as pd
from pypdf import PdfReader

from erreview.export.pack import PackInputs, assemble_pack
from erreview.export.writers import write_review_pack
from erreview.periods import parse_period
from erreview.review.lifecycle import Step
from erreview.review.panel import decision_labels

PERIOD = "2024/25-H2"
#: The decision codes in the table's row order (contract: stored codes), with the words a person reads at each
#: step, written out here as the screens show them (README, panel check), not taken from the code under test.
FORMAL = {
    "proceed": "Proceed to formal action",
    "divert_informal": "Divert to an informal route",
    "no_further_action": "No further action",
    "more_information": "More information needed",
    "health_route": "Health route (occupational health)",
    "system_learning_only": "System learning only",
}
SUSPENSION = {
    "proceed": "Suspend",
    "divert_informal": "Do not suspend: use an alternative (such as restricted duties or redeployment)",
    "no_further_action": "Do not suspend",
    "more_information": "More information needed",
    "health_route": "Do not suspend: health route (occupational health)",
    "system_learning_only": "Do not suspend: system learning only",
}
FORMAL_STEP = "Before a formal investigation"
SUSPENSION_STEP = "Before a suspension"
GROUPS = {"BME": "BME", "White": "White", "Unknown": "Not stated"}


def _pack_with_a_suspension_check(reviews: pd.DataFrame | None = None):
    if reviews is None:
        reviews = pd.DataFrame(
            [
                ("suspension", "divert_informal", "BME"),
                ("suspension", "proceed", "White"),
                ("formal_investigation", "proceed", "BME"),
            ],
            columns=["step", "decision", "wres_group"],
        )
    inputs = PackInputs(
        parse_period(PERIOD),
        [],
        [],
        (date(2024, 4, 1), date(2025, 3, 31)),
        pd.DataFrame(columns=["person_key", "wres_group", "formal_investigation_date", "division"]),
        pd.DataFrame(columns=["snapshot_date", "wres_group", "division", "headcount"]),
        reviews,
        None,
        7,
    )
    return assemble_pack(inputs)


def test_the_screens_and_the_pack_share_one_wording_of_the_decisions():
    assert decision_labels(Step.SUSPENSION) == SUSPENSION
    assert decision_labels(Step.FORMAL_INVESTIGATION) == FORMAL


def _expected_rows(reviews: pd.DataFrame) -> list[tuple[str, ...]]:
    """The table's rows as the test works them out from the reviews themselves: per step, each decision's count
    by group (and all), the step's total, then both steps' total."""

    def counts(rows: list[tuple[str, str, str]]) -> tuple[str, ...]:
        return (*(str(sum(1 for r in rows if r[2] == g)) for g in GROUPS), str(len(rows)))

    records = list(reviews[["step", "decision", "wres_group"]].itertuples(index=False, name=None))
    out = []
    for step, name, words in (
        ("formal_investigation", FORMAL_STEP, FORMAL),
        ("suspension", SUSPENSION_STEP, SUSPENSION),
    ):
        at_step = [r for r in records if r[0] == step]
        for code, label in words.items():
            out.append((name, label, *counts([r for r in at_step if r[1] == code])))
        out.append((name, "All decisions", *counts(at_step)))
    out.append(("Both steps", "All decisions", *counts(records)))
    return out


def _both_steps_reviews() -> pd.DataFrame:
    """Both steps checked, with counts above the threshold so that they are printed: 12 BME decisions to proceed
    to formal action and 9 BME suspensions (one row 'proceed | BME' of 21 before), and so on."""
    rows = (
        [("formal_investigation", "proceed", "BME")] * 12
        + [("formal_investigation", "proceed", "White")] * 20
        + [("formal_investigation", "divert_informal", "BME")] * 10
        + [("formal_investigation", "divert_informal", "White")] * 8
        + [("formal_investigation", "no_further_action", "White")] * 9
        + [("suspension", "proceed", "BME")] * 9
        + [("suspension", "proceed", "White")] * 11
        + [("suspension", "no_further_action", "BME")] * 8
        + [("suspension", "no_further_action", "White")] * 13
    )
    return pd.DataFrame(rows, columns=["step", "decision", "wres_group"])


def test_each_step_is_counted_on_its_own_rows():
    reviews = _both_steps_reviews()
    pack = _pack_with_a_suspension_check(reviews)
    frame = pack.table("panel_checks").frame
    assert list(frame.columns) == ["Step", "Decision", "BME", "White", "Not stated", "All"]
    got = [tuple(str(v) for v in row) for row in frame.itertuples(index=False)]
    assert got == _expected_rows(reviews)
    # The numbers the brief's example names: 12 proceed and 9 suspend for BME, not 21 on one row.
    assert got[0][:3] == (FORMAL_STEP, "Proceed to formal action", "12")
    assert got[7][:3] == (SUSPENSION_STEP, "Suspend", "9")
    # The summary's shares are the formal-investigation step's: 10 of 22 BME (45%), 17 of 37 White (46%); the
    # 'do not suspend' decisions are no diversion from formal action (with them: 18 of 39 and 30 of 61).
    summary = " ".join(pack.summary)
    assert "Panels held 100 bias-check review(s)" in summary
    assert (
        "Before a formal investigation, they diverted to an informal route or took no further action in 45% of BME "
        "cases and 46% of White cases." in summary
    )


def test_a_pack_with_a_suspension_check_words_its_decisions_for_suspension(tmp_path):
    reviews = _both_steps_reviews()
    pack = _pack_with_a_suspension_check(reviews)
    frame = pack.table("panel_checks").frame
    expected = [row[:2] for row in _expected_rows(reviews)]
    assert list(zip(frame["Step"], frame["Decision"], strict=True)) == expected
    assert "own rows" in pack.table("panel_checks").note

    write_review_pack(pack, tmp_path)
    # The CSV.
    with (tmp_path / "csv" / "panel_checks.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [tuple(r.values()) for r in rows] == _expected_rows(reviews)
    # The workbook: the sheet of the panel-check table, headings on its fourth row.
    book = openpyxl.load_workbook(next(tmp_path.glob("*.xlsx")), read_only=True)
    sheet = next(book[n] for n in book.sheetnames if n.startswith("Panel bias-check"))
    cells = [tuple(row) for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert cells[0][:2] == ("Step", "Decision")
    assert [tuple(r[:2]) for r in cells[1:]] == expected
    # The PDF: the table's page names the suspension decisions (long cells wrap, so words are compared unwrapped).
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(next(tmp_path.glob("*.pdf"))).pages]
    page = next(p for p in pages if p.startswith("Panel bias-check decisions"))
    for words in (SUSPENSION_STEP, "Suspend", "Do not suspend", "restricted duties", "Both steps"):
        assert words in page, words
    # The two columns of words are wider than the counts': each step and short decision on one line.
    panel_page = next(
        p for p in PdfReader(next(tmp_path.glob("*.pdf"))).pages if "Panel bias-check" in p.extract_text()
    )
    drawn = [" ".join(line.split()) for line in panel_page.extract_text().splitlines()]
    for words in (FORMAL_STEP, SUSPENSION_STEP, "Do not suspend: health route (occupational health)"):
        assert any(words in line for line in drawn), (words, drawn)


def test_both_steps_are_printed_whatever_was_checked_in_the_period():
    """No suspension check in the period: the suspension step's rows are there all the same (zeros), so the
    table's shape does not tell a reader whether a suspension check was held."""
    reviews = pd.DataFrame(
        [("formal_investigation", "proceed", "BME"), ("formal_investigation", "proceed", "White")],
        columns=["step", "decision", "wres_group"],
    )
    pack = _pack_with_a_suspension_check(reviews)
    frame = pack.table("panel_checks").frame
    assert list(zip(frame["Step"], frame["Decision"], strict=True)) == [r[:2] for r in _expected_rows(reviews)]
    assert frame.loc[0, "All"] == "*"  # 2 decisions to proceed: hidden
    assert list(frame.loc[7:13, "All"]) == ["0"] * 7
