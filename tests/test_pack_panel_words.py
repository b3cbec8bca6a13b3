"""The review pack's panel-check table words each decision as the panel saw it for the step it checked (issue
#15): a check before a suspension decides "Suspend" or "Do not suspend", never "Proceed to formal action". The
counts stay by decision code (one row a decision, the same cells as before), so only the words change."""

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
FORMAL_HEADING = "Decision before a formal investigation"
SUSPENSION_HEADING = "Decision before a suspension"


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


def test_a_pack_with_a_suspension_check_words_its_decisions_for_suspension(tmp_path):
    pack = _pack_with_a_suspension_check()
    frame = pack.table("panel_checks").frame
    # Every row is one decision code, in the same order as before, worded for each step.
    expected = [(FORMAL[d], SUSPENSION[d]) for d in FORMAL] + [("All decisions", "All decisions")]
    assert list(zip(frame[FORMAL_HEADING], frame[SUSPENSION_HEADING], strict=True)) == expected
    assert list(frame.columns) == [FORMAL_HEADING, SUSPENSION_HEADING, "BME", "White", "Not stated", "All"]
    assert "step it checked" in pack.table("panel_checks").note

    write_review_pack(pack, tmp_path)
    # The CSV.
    with (tmp_path / "csv" / "panel_checks.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r[FORMAL_HEADING], r[SUSPENSION_HEADING]) for r in rows] == expected
    # The workbook: the sheet of the panel-check table, headings on its fourth row.
    book = openpyxl.load_workbook(next(tmp_path.glob("*.xlsx")), read_only=True)
    sheet = next(book[n] for n in book.sheetnames if n.startswith("Panel bias-check"))
    cells = [tuple(row) for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert cells[0][:2] == (FORMAL_HEADING, SUSPENSION_HEADING)
    assert [tuple(r[:2]) for r in cells[1:]] == expected
    # The PDF: the table's page names the suspension decisions (long cells wrap, so words are compared unwrapped).
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(next(tmp_path.glob("*.pdf"))).pages]
    page = next(p for p in pages if p.startswith("Panel bias-check decisions"))
    for words in ("Decision before a suspension", "Suspend", "Do not suspend", "restricted duties"):
        assert words in page, words
    # The two columns of words are wider than the counts': each heading and short decision on one line.
    panel_page = next(
        p for p in PdfReader(next(tmp_path.glob("*.pdf"))).pages if "Panel bias-check" in p.extract_text()
    )
    drawn = [" ".join(line.split()) for line in panel_page.extract_text().splitlines()]
    for words in (FORMAL_HEADING, SUSPENSION_HEADING, "Do not suspend: health route (occupational health)"):
        assert any(words in line for line in drawn), (words, drawn)


def test_the_words_do_not_depend_on_the_steps_checked_in_the_period():
    """Reviews without a step column (older callers) still give the table: the wording does not depend on the
    steps checked in the period (which would tell a reader a suspension check was held, a count the pack does not
    publish)."""
    reviews = pd.DataFrame([("proceed", "BME"), ("proceed", "White")], columns=["decision", "wres_group"])
    pack = _pack_with_a_suspension_check(reviews)
    frame = pack.table("panel_checks").frame
    assert frame.loc[0, FORMAL_HEADING] == "Proceed to formal action"
    assert frame.loc[0, "All"] == "*"  # 2 decisions to proceed: hidden as before
