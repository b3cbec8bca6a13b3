"""Time in process on the Decision points screen for roles without case-level access (issue #12): its case
counts are audited with the decision-point table (erreview.screen_breakdowns.timing_hidden).

Two things a reader knows from the definitions: a measure's cases less those still open are the closed cases
its median rests on, and formal start to close times exactly the formal cases (the formal-investigation step's
events; the length of suspension, the suspension step's). The old rule hid a row only when its cases or open
cases were from 1 to the threshold, so "20 (17)" printed 3 closed cases (below); and a step's count the table hides
as a secondary cell came back as the measure's cases.

The reader here is an integer programme of this file's own (tests.test_disclosure_packs.Reader) over what the
rows print and the main table shows."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date

import pandas as pd

from erreview import service, store
from erreview.export.tables import decision_points_cells, decision_points_table, window_label
from erreview.screen_breakdowns import timing_hidden, timing_rows

from .conftest import import_examples
from .pg import database_url
from .test_disclosure_packs import Reader, protected

T = 7
WINDOW = (date(2023, 10, 1), date(2024, 9, 30))
GROUPS = ["BME", "White", "Mixed", "Asian", "Black", "Other"]
BROAD_BME = ["Mixed", "Asian", "Black", "Other"]
POINTS = {
    "Formal investigation": "formal_investigation",
    "Suspension": "suspension",
    "Case to answer": "case_to_answer",
    "Formal sanction": "formal_sanction",
    "Dismissal": "dismissal",
    "Appeal upheld": "appeal_upheld",
    "Regulator referral": "regulator_referral",
}
MEASURES = {"formal_to_close": ("formal_investigation", "events"), "suspension_length": ("suspension", "events")}


def cases_with_few_closed(url: str) -> pd.DataFrame:
    """The examples' disciplinary cases opened in the window, with all but 4 of the BME formal cases still open
    (one of them was open already)."""
    engine = store.make_engine(url)
    try:
        cases = service.disciplinary_cases(engine, opened_from=WINDOW[0], opened_to=WINDOW[1])
    finally:
        engine.dispose()
    formal = cases.index[(cases["initial_route"] == "formal") & (cases["wres_group"] == "BME")]
    cases["closed_date"] = pd.to_datetime(cases["closed_date"]).astype(object)
    cases.loc[formal[4:], "closed_date"] = None
    # And White formal cases about half open: a row with nothing small, to be shown.
    white = cases.index[
        (cases["initial_route"] == "formal") & (cases["wres_group"] == "White") & cases["closed_date"].notna()
    ]
    cases.loc[white[:8], "closed_date"] = None
    return cases


def read(reader: Reader, table: pd.DataFrame, rows: list[dict[str, str]], measures: list[str], label: str) -> None:
    """The main table and the time-in-process rows, with what the definitions tie between them."""
    for _, row in table.iterrows():
        p = POINTS[row["Decision point"]]
        for g in GROUPS:
            for kind in ("n", "events"):
                reader.cell(("dp", p, g, kind), row[f"{g} {kind}"])
            reader.at_most(("dp", p, g, "events"), ("dp", p, g, "n"))
        for kind in ("n", "events"):
            reader.equal(("dp", p, "BME", kind), [("dp", p, g, kind) for g in BROAD_BME])
    for g in GROUPS:
        reader.equal(("dp", "formal_investigation", g, "events"), [("dp", "suspension", g, "n")])
        reader.equal(("dp", "formal_investigation", g, "events"), [("dp", "regulator_referral", g, "n")])
        reader.equal(("dp", "formal_sanction", g, "n"), [("dp", "dismissal", g, "n")])
    for measure, row in zip(measures, rows, strict=True):
        for g in ("BME", "White"):
            shown = row[f"{g} cases (still open)"]
            n, still = ("*", "*") if shown == "*" else shown.replace(")", "").split(" (")
            reader.cell(("tp", measure, g, "n"), n)
            reader.cell(("tp", measure, g, "open"), still)
            reader.relate(
                [
                    (("tp", measure, g, "n"), 1.0),
                    (("tp", measure, g, "open"), -1.0),
                    (("tp", measure, g, "closed"), -1.0),
                ],
                0,
                0,
            )
            if measure in MEASURES:
                reader.equal(("tp", measure, g, "n"), [("dp", *MEASURES[measure][:1], g, MEASURES[measure][1])])


def truth_of(analysis) -> dict[Hashable, int]:
    out: dict[Hashable, int] = {}
    for r in analysis.table:
        for g in GROUPS:
            found = r.bme if g == "BME" else r.white if g == "White" else r.groups.get(g)
            for kind in ("n", "events"):
                out[("dp", r.point.name, g, kind)] = getattr(found, kind) if found else 0
    for rec in analysis.timing.to_dict("records"):
        for g, prefix in (("BME", "bme"), ("White", "white")):
            out[("tp", rec["measure"], g, "n")] = int(rec[f"{prefix}_n"])
            out[("tp", rec["measure"], g, "open")] = int(rec[f"{prefix}_open"])
            out[("tp", rec["measure"], g, "closed")] = int(rec[f"{prefix}_n"]) - int(rec[f"{prefix}_open"])
    return out


def test_time_in_process_gives_no_hidden_or_closed_count_back(cli, tmp_path):
    cases = cases_with_few_closed(import_examples(cli, database_url(tmp_path, "timing.db")))
    analysis = service.decision_analysis(cases, min_group_size=10)
    truth = truth_of(analysis)
    # The scenario: the old rule showed this row (neither count from 1 to T), and a few closed cases with it.
    n, still = truth[("tp", "formal_to_close", "BME", "n")], truth[("tp", "formal_to_close", "BME", "open")]
    assert n > T and still > T and 1 <= n - still <= T
    label = window_label(WINDOW)
    main = decision_points_cells(analysis.table, label).hidden(T)
    hidden = timing_hidden(analysis.table, analysis.timing, label, T, main)
    rows = timing_rows(analysis.timing, label, hidden, T)
    table = decision_points_table(analysis.table, T, main, label)
    reader = Reader()
    read(reader, table, rows, list(analysis.timing["measure"]), label)
    small = [name for name in reader.unknown if 1 <= truth.get(name, 0) <= T]
    assert ("tp", "formal_to_close", "BME", "closed") in small
    leaks = []
    for name, (lo, hi) in reader.ranges(small).items():
        assert lo <= truth[name] <= hi, (name, truth[name], (lo, hi))
        if not protected(lo, hi):
            leaks.append((name, truth[name], (lo, hi)))
    assert leaks == []
    # What rests on the hidden counts goes with them; the rest of the table is still shown.
    row = rows[list(analysis.timing["measure"]).index("formal_to_close")]
    assert row["BME cases (still open)"] == "*" and row["BME median days (95% CI)"] == "n/a"
    assert row["White cases (still open)"] == f"{truth[('tp', 'formal_to_close', 'White', 'n')]} (10)"


def test_a_role_with_case_access_sees_every_count():
    timing = pd.DataFrame(
        [
            {
                "measure": "formal_to_close",
                "label": "Formal investigation start to close",
                **{f"{p}_{k}": v for p in ("bme", "white") for k, v in (("n", 16), ("open", 12))},
                **{
                    f"{p}_{s}": None
                    for p in ("bme", "white")
                    for s in ("median", "median_low", "median_high", "p90", "p90_low", "p90_high")
                },
                "logrank_p": None,
                "proxy_cases": 3,
            }
        ]
    )
    [row] = timing_rows(timing, "w", set(), None)
    assert row["BME cases (still open)"] == "16 (12)"
    [limited] = timing_rows(timing, "w", {"tp|w|formal_to_close|BME|open"}, T)
    assert limited["BME cases (still open)"] == "*" and limited["White cases (still open)"] == "16 (12)"
    assert "3" not in limited["Measure"]  # no small count of proxy-measured cases in the label
    [withheld] = timing_rows(timing, "w", None, T)
    assert withheld["BME cases (still open)"] == withheld["White cases (still open)"] == "*"
