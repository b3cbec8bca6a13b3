"""The panel-check table counts each step on its own rows (before a formal investigation; before a suspension),
then every decision of both steps: no hidden count of it can be narrowed by a reader, in one pack or beside a pack
of the same period published with the old table (one row a decision, both steps counted together).

The reader is written here: unknowns for `*` (at least 1, zeros are printed), constants for printed counts, and
the relations the table's shape tells (each step's rows and columns add up to its totals; the last row is the two
steps' totals added up; in the old table, a decision's count over both steps is its counts at each step added up).
Its inference is scipy's ``milp`` (HiGHS) over those (:class:`tests.test_disclosure_packs.Reader`), not the
library's auditor. The true counts are worked out here from the reviews.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date

import pandas as pd

from erreview.export.pack import PackInputs, ReviewPack, assemble_pack
from erreview.export.published import PublishedRecord
from erreview.periods import parse_period
from erreview.review.panel import DECISION_LABELS, SUSPENSION_DECISION_LABELS

from .test_disclosure_packs import Reader, protected

T = 7
PERIOD = "2024/25-H2"
DECISIONS = list(DECISION_LABELS)
GROUPS = {"BME": "BME", "White": "White", "Unknown": "Not stated"}
STEPS = {"Before a formal investigation": "formal_investigation", "Before a suspension": "suspension"}
WORDS = {label: code for code, label in DECISION_LABELS.items()}
WORDS |= {label: code for code, label in SUSPENSION_DECISION_LABELS.items()} | {"All decisions": "All"}


def reviews_with_a_small_suspension_count() -> pd.DataFrame:
    """Plenty of checks before a formal investigation; before a suspension, 2 BME suspensions (the only BME
    cases checked before a suspension) beside 20 White."""
    counts = {
        ("formal_investigation", "proceed", "BME"): 15,
        ("formal_investigation", "proceed", "White"): 40,
        ("formal_investigation", "divert_informal", "BME"): 12,
        ("formal_investigation", "divert_informal", "White"): 25,
        ("formal_investigation", "no_further_action", "White"): 11,
        ("formal_investigation", "more_information", "Unknown"): 9,
        ("suspension", "proceed", "BME"): 2,
        ("suspension", "proceed", "White"): 20,
        ("suspension", "no_further_action", "White"): 14,
    }
    rows = [key for key, n in counts.items() for _ in range(n)]
    return pd.DataFrame(rows, columns=["step", "decision", "wres_group"])


def truth(reviews: pd.DataFrame) -> dict[Hashable, int]:
    out: dict[Hashable, int] = {}
    for step in [*STEPS.values(), "both"]:
        for d in [*DECISIONS, "All"]:
            for g in [*GROUPS, "All"]:
                out[(step, d, g)] = sum(
                    1
                    for s, dd, gg in reviews[["step", "decision", "wres_group"]].itertuples(index=False, name=None)
                    if step in ("both", s) and d in ("All", dd) and g in ("All", gg)
                )
    return out


def pack(reviews: pd.DataFrame, earlier: list[PublishedRecord] | None = None) -> ReviewPack:
    inputs = PackInputs(
        parse_period(PERIOD),
        [],
        [],
        (date(2024, 4, 1), date(2025, 3, 31)),
        pd.DataFrame(columns=["person_key", "wres_group", "formal_investigation_date", "division"]),
        pd.DataFrame(columns=["snapshot_date", "wres_group", "division", "headcount"]),
        reviews,
        None,
        T,
        earlier=earlier or [],
    )
    return assemble_pack(inputs)


def read_new_table(reader: Reader, frame: pd.DataFrame) -> None:
    for _, row in frame.iterrows():
        step = STEPS.get(row["Step"], "both")
        assert step != "both" or row["Decision"] == "All decisions"
        for g, column in [*GROUPS.items(), ("All", "All")]:
            reader.cell((step, WORDS[row["Decision"]], g), row[column])
    for step in STEPS.values():
        for d in [*DECISIONS, "All"]:
            reader.equal((step, d, "All"), [(step, d, g) for g in GROUPS])
        for g in [*GROUPS, "All"]:
            reader.equal((step, "All", g), [(step, d, g) for d in DECISIONS])
    for g in [*GROUPS, "All"]:
        reader.equal(("both", "All", g), [(step, "All", g) for step in STEPS.values()])


def old_table_record(reviews: pd.DataFrame) -> tuple[PublishedRecord, dict[Hashable, str]]:
    """A pack of the same period published with the old table (a row a decision, both steps together), as such a
    pack's record names its cells (``pc|<period>|<decision>|<group>``), with what it printed: every count, the small
    ones as `*` with enough others hidden that none follows from the totals (hidden here by hand: the two BME
    decisions to proceed of 17, with the BME 'divert' 12 and the White ones to proceed and divert, 60 and 25)."""
    true = truth(reviews)
    values = {f"pc|{PERIOD}|{d}|{g}": true[("both", d, g)] for d in [*DECISIONS, "All"] for g in [*GROUPS, "All"]}
    hidden = {f"pc|{PERIOD}|{d}|{g}" for d in ("proceed", "divert_informal") for g in ("BME", "White")}
    printed = {
        ("both", d, g): "*" if f"pc|{PERIOD}|{d}|{g}" in hidden else str(true[("both", d, g)])
        for d in [*DECISIONS, "All"]
        for g in [*GROUPS, "All"]
    }
    from erreview.export.disclosure import total_of

    relations = [
        total_of(f"pc|{PERIOD}|{d}|All", [f"pc|{PERIOD}|{d}|{g}" for g in GROUPS]) for d in [*DECISIONS, "All"]
    ] + [total_of(f"pc|{PERIOD}|All|{g}", [f"pc|{PERIOD}|{d}|{g}" for d in DECISIONS]) for g in [*GROUPS, "All"]]
    record = PublishedRecord(PERIOD, T, values, tuple(sorted(hidden)), (), tuple(relations))
    return record, printed


def narrowed(reader: Reader, true: dict[Hashable, int]) -> list[tuple[Hashable, int, tuple[int, int]]]:
    small = [n for n in reader.unknown if 1 <= true[n] <= T]
    assert small, "the pack hides no small count: nothing is tested"
    found = []
    for name, (lo, hi) in reader.ranges(small).items():
        assert lo <= true[name] <= hi, (name, true[name], (lo, hi))
        if not protected(lo, hi):
            found.append((name, true[name], (lo, hi)))
    return found


def test_a_small_suspension_count_cannot_be_narrowed():
    reviews = reviews_with_a_small_suspension_count()
    frame = pack(reviews).table("panel_checks").frame
    reader = Reader()
    read_new_table(reader, frame)
    assert ("suspension", "proceed", "BME") in reader.unknown  # the 2 is hidden
    assert narrowed(reader, truth(reviews)) == []


def test_a_pack_published_with_the_old_table_and_a_new_one_together():
    """The old table printed a decision's count over both steps (17 BME decisions to proceed, as `*`, and the
    rest); the new one prints each step's. A reader holding both relates them: a decision's two steps add up to
    its count over both. The new pack is audited with the old pack's record, whose cells it still names."""
    reviews = reviews_with_a_small_suspension_count()
    record, old_printed = old_table_record(reviews)
    new = pack(reviews, [record])
    reader = Reader()
    for name, shown in old_printed.items():
        reader.cell(name, shown)
    read_new_table(reader, new.table("panel_checks").frame)
    for d in [*DECISIONS, "All"]:
        for g in [*GROUPS, "All"]:
            reader.equal(("both", d, g), [(step, d, g) for step in STEPS.values()])
    assert narrowed(reader, truth(reviews)) == []


def test_the_audit_takes_as_published_exactly_what_the_table_prints():
    """The record the next pack is audited with calls published only the counts the table prints: a count over
    both steps of one decision is not printed (an unknown to a reader, protected when small), and every count the
    table prints is published (an unprinted cell taken as unknown, but printed, would escape the audit)."""
    reviews = reviews_with_a_small_suspension_count()
    built = pack(reviews)
    assert built.record is not None
    printed = {}
    for _, row in built.table("panel_checks").frame.iterrows():
        step = STEPS.get(row["Step"])
        for g, column in [*GROUPS.items(), ("All", "All")]:
            d = WORDS[row["Decision"]]
            key = f"pc|{PERIOD}|{step}|{d}|{g}" if step else f"pc|{PERIOD}|{d}|{g}"
            if row[column] != "*":
                printed[key] = int(row[column])
    published = {k: v for k, v in built.record.values.items() if k.startswith("pc|") and k in built.record.published}
    assert published == printed
    true = truth(reviews)
    for d in DECISIONS:
        for g in [*GROUPS, "All"]:
            key = f"pc|{PERIOD}|{d}|{g}"
            assert key in built.record.latent and built.record.values[key] == true[("both", d, g)]


def test_the_summary_gives_no_share_resting_on_a_hidden_step_cell():
    """The summary's shares are the formal-investigation step's: 2 BME 'no further action' there is hidden (and
    cells beside it), so the BME share, resting on it, is not given, although over both steps the BME 'no
    further action' count (2 + 9) is not small."""
    rows = (
        [("formal_investigation", "proceed", "BME")] * 20
        + [("formal_investigation", "divert_informal", "BME")] * 10
        + [("formal_investigation", "no_further_action", "BME")] * 2
        + [("formal_investigation", "proceed", "White")] * 30
        + [("formal_investigation", "divert_informal", "White")] * 12
        + [("formal_investigation", "no_further_action", "White")] * 15
        + [("suspension", "no_further_action", "BME")] * 9
        + [("suspension", "proceed", "White")] * 10
    )
    built = pack(pd.DataFrame(rows, columns=["step", "decision", "wres_group"]))
    frame = built.table("panel_checks").frame
    assert frame.loc[2, "Decision"] == "No further action" and frame.loc[2, "BME"] == "*"
    summary = " ".join(built.summary)
    assert "Too few to compare diversion rates by group" in summary, summary
    assert "%" not in summary.split("Panels held")[1]
