"""A year pack's division, data-quality and panel-check tables beside the two half-year packs of that year
(issue #12, contract §5 v2).

A reader who holds all three packs knows from the definitions that a division's entrants in the year are its
half-years' less the people who entered in both (this reader is told how many: the worst case; most would guess
none), that the year's headcounts, staff and ethnicity-not-stated counts are those of its end snapshot, the
second half-year's, and that the panel checks held in the year are the two half-years' added up. Before the
year pack's tables were related to the half-years', every one of the seeded trusts below leaked: in seed 1 the
year's 26 BME entrants in D2 less the second half-year's 23 gave the first half-year's hidden 3 back, the year's
32 White entrants in D1 less 25 a hidden 7, and the year's 16 'no further action' panel checks of White staff
less the second half-year's 11 a hidden 5.

The trust is small and synthetic (numpy's seeded generator); the packs are assembled by the library and read
back from their printed tables; the reader's inference is an integer programme written in this file (scipy's
``milp``, :class:`tests.test_disclosure_packs.Reader`), not the library's auditor. A year's entrants are not
assumed to be at most its end snapshot's headcount: someone who entered in the first half-year and left before
the year's end is in the one and not the other.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date

import numpy as np
import pandas as pd
import pytest

from erreview.export.pack import HalfTables, PackInputs, ReviewPack, assemble_pack
from erreview.metrics.likelihood import period_entrants, wres_indicator
from erreview.periods import Period
from erreview.review.panel import DECISION_LABELS, SUSPENSION_DECISION_LABELS

from .test_disclosure_packs import Reader, protected

T = 7
H1, H2, YEAR = Period(2024, 1), Period(2024, 2), Period(2024)
SNAPSHOT = {H1: pd.Timestamp(H1.end), H2: pd.Timestamp(H2.end), YEAR: pd.Timestamp(H2.end)}
COLUMNS = ("BME entrants", "BME headcount", "White entrants", "White headcount")
DECISIONS = list(DECISION_LABELS)
PANEL = (("BME", "BME"), ("White", "White"), ("Unknown", "Not stated"), ("All", "All"))
#: The panel-check table's blocks of rows: each step's, then "Both steps" (its last row only).
STEPS = {"Before a formal investigation": "formal_investigation", "Before a suspension": "suspension"}


def small_trust(seed: int) -> tuple[list[str], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Two to four divisions: headcounts at the two half-years' snapshots, formal entrants in each half-year
    (now and then the same person in both), and panel reviews submitted in each."""
    rng = np.random.default_rng(seed)
    divisions = [f"D{i}" for i in range(int(rng.integers(2, 5)))]
    heads = {}
    for snap in (H1, H2):
        for d in divisions:
            heads[(snap, d, "BME")] = int(rng.integers(0, 60))
            heads[(snap, d, "White")] = int(rng.integers(0, 200))
            heads[(snap, d, "Unknown")] = int(rng.integers(0, 15))
    entries, next_id = [], 0
    for d in divisions:
        for g in ("BME", "White"):
            most = min(heads[(H1, d, g)], heads[(H2, d, g)], 25)
            n1, n2 = int(rng.integers(0, most + 1)), int(rng.integers(0, most + 1))
            both = int(rng.integers(0, min(n1, n2, 2) + 1)) if rng.random() < 0.3 else 0
            while n1 + n2 - both > heads[(H2, d, g)]:
                n1 -= 1
            first = [f"p{next_id + i}" for i in range(n1)]
            next_id += n1
            second = first[:both] + [f"p{next_id + i}" for i in range(n2 - both)]
            next_id += n2 - both
            entries += [(p, g, pd.Timestamp(date(2024, 6, 1)), d) for p in first]
            entries += [(p, g, pd.Timestamp(date(2025, 1, 10)), d) for p in second]
    reviews = []
    for half in (H1, H2):
        for decision in DECISIONS:
            for g in ("BME", "White", "Unknown"):
                n = int(rng.integers(0, 14)) if rng.random() < 0.6 else 0
                reviews += [(decision, g, half.label, "formal_investigation")] * n
    # Checks before a suspension: fewer, drawn after the others (so the seeds' other counts stay as they were).
    for half in (H1, H2):
        for decision in DECISIONS:
            for g in ("BME", "White", "Unknown"):
                n = int(rng.integers(0, 6)) if rng.random() < 0.3 else 0
                reviews += [(decision, g, half.label, "suspension")] * n
    return (
        divisions,
        pd.DataFrame(entries, columns=["person_key", "wres_group", "formal_investigation_date", "division"]),
        pd.DataFrame(
            [(SNAPSHOT[s], g, d, n) for (s, d, g), n in heads.items()],
            columns=["snapshot_date", "wres_group", "division", "headcount"],
        ),
        pd.DataFrame(reviews, columns=["decision", "wres_group", "half", "step"]),
    )


def tables_of(period: Period, entries: pd.DataFrame, heads: pd.DataFrame, reviews: pd.DataFrame) -> HalfTables:
    day = entries["formal_investigation_date"]
    halves = [H1.label, H2.label] if period == YEAR else [period.label]
    return HalfTables(
        period,
        SNAPSHOT[period].date(),
        entries[(day >= pd.Timestamp(period.start)) & (day <= pd.Timestamp(period.end))],
        heads[heads["snapshot_date"] == SNAPSHOT[period]],
        reviews[reviews["half"].isin(halves)],
    )


def pack_for(period: Period, trust, earlier) -> ReviewPack:
    """The pack as the export builds it (erreview.service.pack_inputs), from the small trust's frames."""
    _, entries, heads, reviews = trust
    totals = heads.groupby(["snapshot_date", "wres_group"], as_index=False)["headcount"].sum()
    current = wres_indicator(entries, totals, period)
    own = tables_of(period, entries, heads, reviews)
    year = period == YEAR
    halves = [(wres_indicator(entries, totals, h), period_entrants(entries, h)) for h in (H1, H2)]
    inputs = PackInputs(
        period,
        [current],
        [],
        (YEAR.start, YEAR.end),
        own.period_entries,
        own.division_headcounts,
        own.reviews,
        None,
        T,
        series_halves=[(current, halves)] if year else [],
        year_halves=[tables_of(h, entries, heads, reviews) for h in (H1, H2)] if year else [],
        earlier=earlier,
    )
    return assemble_pack(inputs)


def read(reader: Reader, pack: ReviewPack, period: Period) -> None:
    """Every count of the pack's indicator-3, division, data-quality and panel-check tables, with what the
    tables' shapes tell a reader."""
    p = period.label
    for _, row in pack.table("indicator3").frame.iterrows():
        for grp in ("BME", "White", "Not stated"):
            for kind in ("entrants", "headcount"):
                reader.cell(("i3", p, f"{grp} {kind}"), row[f"{grp} {kind}"])
            reader.at_most(("i3", p, f"{grp} entrants"), ("i3", p, f"{grp} headcount"))
    frame = pack.table("divisions").frame
    names = [d for d in frame["Division"] if d != "Trust"]
    for _, row in frame.iterrows():
        for column in COLUMNS:
            reader.cell(
                ("i3", p, column) if row["Division"] == "Trust" else ("div", p, row["Division"], column), row[column]
            )
    for column in COLUMNS:
        reader.equal(("i3", p, column), [("div", p, d, column) for d in names])
    reader.withheld_whole(frame, names, p)
    if period != YEAR:
        for d in names:
            for g in ("BME", "White"):
                reader.at_most(("div", p, d, f"{g} entrants"), ("div", p, d, f"{g} headcount"))
    for _, row in pack.table("data_quality").frame.iterrows():
        d = row["Division"]
        staff = ("dq", p, d, "Staff")
        missing = ("i3", p, "Not stated headcount") if d == "Trust" else ("dq", p, d, "Ethnicity not stated")
        reader.cell(staff, row["Staff"])
        reader.cell(missing, row["Ethnicity not stated"])
        parts = [
            ("i3", p, f"{g} headcount") if d == "Trust" else ("div", p, d, f"{g} headcount") for g in ("BME", "White")
        ]
        reader.equal(staff, [*parts, missing])
    reader.equal(("dq", p, "Trust", "Staff"), [("dq", p, d, "Staff") for d in names])
    reader.equal(("i3", p, "Not stated headcount"), [("dq", p, d, "Ethnicity not stated") for d in names])
    decision_of = {label: key for key, label in DECISION_LABELS.items()}
    decision_of |= {label: key for key, label in SUSPENSION_DECISION_LABELS.items()} | {"All decisions": "All"}
    panel = pack.table("panel_checks").frame
    for _, row in panel.iterrows():
        step = STEPS.get(row["Step"], "both")
        for g, column in PANEL:
            reader.cell(("pc", p, step, decision_of[row["Decision"]], g), row[column])
    cells = [("pc", p, s, d, g) for s in STEPS.values() for d in [*DECISIONS, "All"] for g, _ in PANEL]
    if all(str(v) == "*" for _, column in PANEL for v in panel[column]):
        # Withheld as a whole, zeros too (the table's note): no `*` in it is known to be at least 1.
        reader.starred -= {*cells, *(("pc", p, "both", "All", g) for g, _ in PANEL)}
    for s in STEPS.values():
        for decision in [*DECISIONS, "All"]:
            reader.equal(("pc", p, s, decision, "All"), [("pc", p, s, decision, g) for g, _ in PANEL[:3]])
        for g, _ in PANEL:
            reader.equal(("pc", p, s, "All", g), [("pc", p, s, decision, g) for decision in DECISIONS])
    for g, _ in PANEL:
        reader.equal(("pc", p, "both", "All", g), [("pc", p, s, "All", g) for s in STEPS.values()])


def truth_of(trust) -> dict[Hashable, int]:
    """Every count of the three packs, from the small trust's frames."""
    divisions, entries, heads, reviews = trust
    out: dict[Hashable, int] = {}
    for period in (H1, H2, YEAR):
        p, t = period.label, tables_of(period, entries, heads, reviews)
        for d in [*divisions, "Trust"]:
            e = t.period_entries if d == "Trust" else t.period_entries[t.period_entries["division"] == d]
            h = t.division_headcounts if d == "Trust" else t.division_headcounts[t.division_headcounts["division"] == d]

            def name(column: str, d: str = d, p: str = p) -> Hashable:
                return ("i3", p, column) if d == "Trust" else ("div", p, d, column)

            for g in ("BME", "White"):
                out[name(f"{g} entrants")] = e.loc[e["wres_group"] == g, "person_key"].nunique()
                out[name(f"{g} headcount")] = int(h.loc[h["wres_group"] == g, "headcount"].sum())
            unknown = int(h.loc[h["wres_group"] == "Unknown", "headcount"].sum())
            out[("i3", p, "Not stated headcount") if d == "Trust" else ("dq", p, d, "Ethnicity not stated")] = unknown
            out[("dq", p, d, "Staff")] = int(h["headcount"].sum())
        out[("i3", p, "Not stated entrants")] = 0
        for step in [*STEPS.values(), "both"]:
            for decision in [*DECISIONS, "All"]:
                for g, _ in PANEL:
                    mask = pd.Series(True, index=t.reviews.index)
                    if step != "both":
                        mask &= t.reviews["step"] == step
                    if decision != "All":
                        mask &= t.reviews["decision"] == decision
                    if g != "All":
                        mask &= t.reviews["wres_group"] == g
                    out[("pc", p, step, decision, g)] = int(mask.sum())
    return out


def relate_year(reader: Reader, divisions: list[str], truth: dict[Hashable, int]) -> None:
    """What the definitions tie between the year and its half-years (see the module)."""
    y, h1, h2 = YEAR.label, H1.label, H2.label
    for d in [*divisions, "Trust"]:

        def name(p: str, column: str, d: str = d) -> Hashable:
            return ("i3", p, column) if d == "Trust" else ("div", p, d, column)

        for g in ("BME", "White"):
            column = f"{g} entrants"
            both = truth[name(h1, column)] + truth[name(h2, column)] - truth[name(y, column)]
            reader.relate([(name(y, column), 1.0), (name(h1, column), -1.0), (name(h2, column), -1.0)], -both, -both)
            reader.equal(name(y, f"{g} headcount"), [name(h2, f"{g} headcount")])
    for d in [*divisions, "Trust"]:
        reader.equal(("dq", y, d, "Staff"), [("dq", h2, d, "Staff")])
    for d in divisions:
        reader.equal(("dq", y, d, "Ethnicity not stated"), [("dq", h2, d, "Ethnicity not stated")])
    reader.equal(("i3", y, "Not stated headcount"), [("i3", h2, "Not stated headcount")])
    for step in STEPS.values():
        for decision in [*DECISIONS, "All"]:
            for g, _ in PANEL:
                reader.equal(
                    ("pc", y, step, decision, g), [("pc", h1, step, decision, g), ("pc", h2, step, decision, g)]
                )
    for g, _ in PANEL:
        reader.equal(("pc", y, "both", "All", g), [("pc", h1, "both", "All", g), ("pc", h2, "both", "All", g)])


def leaks(seed: int, order: tuple[Period, ...]) -> list[tuple[Hashable, int, tuple[int, int]]]:
    trust = small_trust(seed)
    reader, earlier = Reader(), []
    for period in order:
        pack = pack_for(period, trust, list(earlier))
        assert pack.record is not None
        earlier.append(pack.record)
        read(reader, pack, period)
    truth = truth_of(trust)
    relate_year(reader, trust[0], truth)
    small = [n for n in reader.unknown if 1 <= truth.get(n, 0) <= T]
    found = []
    for name, (lo, hi) in reader.ranges(small).items():
        assert lo <= truth[name] <= hi, (name, truth[name], (lo, hi))
        if not protected(lo, hi):
            found.append((name, truth[name], (lo, hi)))
    return found


@pytest.mark.parametrize("order", [(H1, H2, YEAR), (YEAR, H1, H2)], ids=["year last", "year first"])
@pytest.mark.parametrize("seed", [1, 3, 5])
def test_a_year_packs_tables_beside_its_half_year_packs_give_no_hidden_count_back(seed, order):
    assert leaks(seed, order) == []


def test_the_example_of_the_docstring():
    """Seed 1's numbers (the leak the relations close): the year less the second half-year is the first."""
    truth = truth_of(small_trust(1))
    for name, (year, second, first) in {
        ("div", "D2", "BME entrants"): (26, 23, 3),
        ("div", "D1", "White entrants"): (32, 25, 7),
        ("pc", "formal_investigation", "no_further_action", "White"): (16, 11, 5),
    }.items():
        found = [truth[(name[0], p.label, *name[1:])] for p in (YEAR, H2, H1)]
        assert found == [year, second, first]


def test_the_export_gives_a_year_pack_its_half_years_tables(cli, tmp_path):
    """The command line's year pack is built with both half-years' tables (erreview.service.pack_inputs), each
    at its own snapshot: without them the relations above are never made."""
    from erreview import service
    from erreview.config import Settings
    from erreview.store import make_engine

    from .conftest import TEST_KEY, import_examples
    from .pg import database_url

    url = import_examples(cli, database_url(tmp_path, "year.db"))
    engine = make_engine(url)
    try:
        inputs = service.pack_inputs(engine, Settings(database_url=url, pseudonym_key=TEST_KEY), YEAR)
    finally:
        engine.dispose()
    assert [h.period for h in inputs.year_halves] == [H1, H2]
    assert [str(h.snapshot) for h in inputs.year_halves] == ["2024-09-30", "2025-03-28"]
    assert sum(len(h.period_entries) for h in inputs.year_halves) == len(inputs.period_entries)
