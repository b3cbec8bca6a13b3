"""The Decision points screen for a board viewer: the main table, the gender breakdown and the ethnicity ×
gender table read together must not give back a hidden count (an outside test read a "too few to compare"
cell back: Asian events at formal investigation less female Asian events = male Asian events, 3).

The reader here is independent of the app's auditor: an integer programme (scipy's milp) over what the
screen shows, with the sums a reader knows."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from erreview.metrics.decisions import POINTS_BY_NAME
from erreview.review.roles import Role

from .sessions import shown as displayed
from .test_app import app_env, demo_db, signed_in  # noqa: F401  (fixtures)

BME_GROUPS = ("Asian", "Black", "Mixed", "Other")
MIN_SIZE = 10  # the default minimum group size: smaller cells read "too few to compare"


class Reader:
    """Cells as unknowns (a shown number fixed) and the linear relations between them."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.fixed: dict[str, int] = {}
        self.least: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self.rows: list[tuple[dict[str, float], float, float]] = []

    def cell(self, name: str, shown: object = None) -> str:
        self.index.setdefault(name, len(self.index))
        text = "" if shown is None else str(shown).strip()
        if text.isdigit():
            self.fixed[name] = int(text)
        elif text == "*":  # zeros are printed as 0: a `*` is at least 1
            self.at_least(name, 1)
        return name

    def at_least(self, name: str, value: int) -> None:
        self.least[name] = max(self.least.get(name, 0), value)

    def below(self, name: str, value: int) -> None:
        self.most[name] = min(self.most.get(name, value - 1), value - 1)

    def equal(self, terms: dict[str, float]) -> None:
        self.rows.append((terms, 0.0, 0.0))

    def at_most(self, small: str, big: str) -> None:
        self.rows.append(({small: 1.0, big: -1.0}, -np.inf, 0.0))

    def range_of(self, name: str) -> tuple[float, float]:
        size = len(self.index)
        lo, hi = np.zeros(size), np.full(size, 10_000.0)
        for k, v in self.least.items():
            lo[self.index[k]] = v
        for k, v in self.most.items():
            hi[self.index[k]] = v
        for k, v in self.fixed.items():
            lo[self.index[k]] = hi[self.index[k]] = v
        a = np.zeros((len(self.rows), size))
        for i, (terms, _, _) in enumerate(self.rows):
            for k, c in terms.items():
                a[i, self.index[k]] += c
        cons = LinearConstraint(a, [r[1] for r in self.rows], [r[2] for r in self.rows])
        out = []
        for sign in (1.0, -1.0):
            c = np.zeros(size)
            c[self.index[name]] = sign
            res = milp(c, constraints=cons, integrality=np.ones(size), bounds=Bounds(lo, hi))
            assert res.success, res.message
            out.append(sign * res.fun)
        return out[0], out[1]


def _frame(at, *columns):
    return next(displayed(d) for d in at.dataframe if set(columns) <= set(map(str, d.value.columns)))


@pytest.mark.parametrize(
    ("dimension", "point"),
    [(d, "formal_investigation") for d in ("gender", "band", "staff_group", "division")],
)
def test_breakdown_gives_no_hidden_count_back(app_env, dimension, point):  # noqa: F811
    at = signed_in(Role.BOARD_VIEWER).switch_page("panels/decisions.py").run()
    assert not at.exception, at.exception
    at.selectbox[0].select(dimension).run()
    at.selectbox[1].select(point).run()
    assert not at.exception, at.exception
    threshold = 7
    main = _frame(at, "Decision point", "Asian cases")
    labels = [str(x) for x in main["Decision point"]]
    step = main.iloc[labels.index(POINTS_BY_NAME[point].label)]
    r = Reader()
    kinds = (("n", "cases"), ("events", "it happened"))

    def main_cell(group: str, kind: str) -> str:
        column = f"{group} cases" if kind == "n" else f"{group}: it happened"
        return r.cell(f"main|{group}|{kind}", step.get(column))

    for kind, _ in kinds:
        r.equal({main_cell("BME", kind): 1.0, **{main_cell(g, kind): -1.0 for g in BME_GROUPS}})
    for g in ("BME", "White", *BME_GROUPS):
        r.at_most(main_cell(g, "events"), main_cell(g, "n"))
    column = dimension.replace("_", " ").capitalize()
    shown_tables = [displayed(d) for d in at.dataframe]
    breakdown = next((f for f in shown_tables if column in f.columns and "BME cases" in f.columns), None)
    inter = next((f for f in shown_tables if "Ethnic group" in f.columns and "Cases" in f.columns), None)
    levels: set[str] = set()
    if inter is not None:
        levels |= set(map(str, inter[column]))
    if breakdown is not None:
        levels |= set(map(str, breakdown[column]))
    for kind, _ in kinds:
        for g in ("White", *BME_GROUPS):
            parts = {}
            for lv in levels:
                shown = None
                if inter is not None:
                    found = inter[(inter[column].astype(str) == lv) & (inter["Ethnic group"] == g)]
                    shown = 0 if found.empty else found.iloc[0]["Cases" if kind == "n" else "It happened"]
                    if kind == "n" and not found.empty:
                        # The label bounds the count: compared, at least the minimum; "too few", fewer.
                        compared = str(found.iloc[0]["Compared"])
                        name = r.cell(f"ix|{lv}|{g}|n")
                        r.at_least(name, 1)  # a row is listed only when the level holds a case of the group
                        if compared == "Yes":
                            r.at_least(name, MIN_SIZE)
                        else:
                            r.below(name, MIN_SIZE)
                parts[r.cell(f"ix|{lv}|{g}|{kind}", shown)] = -1.0
            rest = r.cell(f"ix|rest|{g}|{kind}")
            r.equal({main_cell(g, kind): 1.0, **parts, rest: -1.0})
        for lv in levels:
            for g in ("White", *BME_GROUPS):
                r.at_most(r.cell(f"ix|{lv}|{g}|events"), r.cell(f"ix|{lv}|{g}|n"))
            for grp, members in (("BME", BME_GROUPS), ("White", ("White",))):
                shown = None
                if breakdown is not None:
                    found = breakdown[breakdown[column].astype(str) == lv]
                    if not found.empty:
                        shown = found.iloc[0][f"{grp} cases" if kind == "n" else f"{grp}: it happened"]
                        if kind == "n" and str(found.iloc[0]["Compared"]) == "Yes":
                            r.at_least(r.cell(f"bd|{lv}|{grp}|n"), MIN_SIZE)
                bd = r.cell(f"bd|{lv}|{grp}|{kind}", shown)
                r.equal({bd: 1.0, **{f"ix|{lv}|{g}|{kind}": -1.0 for g in members}})
        # What no level holds: BME's rest is the broad groups' rest.
        rest_bme = r.cell(f"bd|rest|BME|{kind}")
        r.equal({main_cell("BME", kind): 1.0, **{f"bd|{lv}|BME|{kind}": -1.0 for lv in levels}, rest_bme: -1.0})
        r.equal({rest_bme: 1.0, **{f"ix|rest|{g}|{kind}": -1.0 for g in BME_GROUPS}})
    for g in ("BME", "White", *BME_GROUPS):
        prefix = "bd" if g == "BME" else "ix"
        r.at_most(r.cell(f"{prefix}|rest|{g}|events"), r.cell(f"{prefix}|rest|{g}|n"))
    pinned = {}
    for name in r.index:
        if name in r.fixed or "|rest|" in name:
            continue
        lo, hi = r.range_of(name)
        if lo >= 1 and hi <= threshold:
            pinned[name] = (lo, hi)
    assert not pinned, pinned
