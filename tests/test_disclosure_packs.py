"""Whole review packs against differencing (issue #12): inside one pack, through a published pooled ratio,
and across two consecutive packs.

The packs are exported through the command line and read back from their CSV files. The true counts
come from the ``wres`` and ``decisions`` commands and, for divisions, from the example files directly with
pandas. A reader's inference is an integer programme written here (scipy's ``milp`` on this file's own
matrix), over relations a reader knows from the tables' shapes; the pooled ratio is checked by enumerating
every value of the hidden counts. None of it uses the library's auditor.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Hashable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from erreview.cli import app
from erreview.ethnicity import classify

from .conftest import EXAMPLES, TEST_KEY, import_examples
from .pg import database_url

T = 7
BROAD_BME = ["Mixed", "Asian", "Black", "Other"]
GROUPS = ["BME", "White", *BROAD_BME, "Not stated"]
POINTS = {
    "Formal investigation": "formal_investigation",
    "Suspension": "suspension",
    "Case to answer": "case_to_answer",
    "Formal sanction": "formal_sanction",
    "Dismissal": "dismissal",
    "Appeal upheld": "appeal_upheld",
    "Regulator referral": "regulator_referral",
}


def protected(lo: int, hi: int, threshold: int = T) -> bool:
    return (lo == 0 or hi > threshold) and hi - lo >= threshold


class Reader:
    """What a reader can infer: unknowns for hidden cells, constants for published ones, linear relations.
    Zeros are printed as 0, so a cell printed as `*` is at least 1; a cell no table prints is at least 0."""

    def __init__(self) -> None:
        self.known: dict[Hashable, int] = {}
        self.unknown: list[Hashable] = []
        self.starred: set[Hashable] = set()
        self.printed_stars: set[Hashable] = set()  # every cell printed as `*`, withheld ones too
        self.rows: list[tuple[dict[Hashable, float], float, float]] = []  # (coefs, low, high)

    def cell(self, name: Hashable, shown: str | int | None) -> None:
        text = "" if shown is None else str(shown)
        if text == "*":
            self.starred.add(name)
            self.printed_stars.add(name)
        if text == "*" or shown is None:
            if name not in self.known and name not in self.unknown:
                self.unknown.append(name)
        elif text != "":
            value = int(text)
            assert self.known.get(name, value) == value, name
            self.known[name] = value
            if name in self.unknown:
                self.unknown.remove(name)

    def withheld_whole(self, divisions: pd.DataFrame, names: list[str], period: str) -> None:
        """An entrants column of the division table that is `*` in every division may be withheld as a whole,
        zeros too (the pack says so): a reader cannot take its `*` to be at least 1."""
        rows = divisions[divisions["Division"] != "Trust"]
        for column in ("BME entrants", "White entrants"):
            if names and all(str(v) == "*" for v in rows[column]):
                self.starred -= {("div", period, d, column) for d in names}

    def relate(self, terms: list[tuple[Hashable, float]], low: float, high: float) -> None:
        coefs: dict[Hashable, float] = {}
        const = 0.0
        for name, c in terms:
            if name in self.known:
                const += c * self.known[name]
            else:
                self.cell(name, None)
                coefs[name] = coefs.get(name, 0.0) + c
        if coefs:
            self.rows.append((coefs, low - const, high - const))

    def equal(self, total: Hashable, parts: list[Hashable]) -> None:
        self.relate([(total, 1.0), *((p, -1.0) for p in parts)], 0.0, 0.0)

    def at_most(self, small: Hashable, big: Hashable) -> None:
        self.relate([(small, 1.0), (big, -1.0)], -np.inf, 0.0)

    def ranges(self, names: list[Hashable]) -> dict[Hashable, tuple[int, int]]:
        system = self._system()
        return {name: self.span({name: 1.0}, system) for name in names}

    def _system(self) -> tuple[dict[Hashable, int], np.ndarray, list[float], list[float]]:
        col = {n: i for i, n in enumerate(self.unknown)}
        matrix = np.zeros((len(self.rows), len(col)))
        low, high = [], []
        for i, (coefs, lo, hi) in enumerate(self.rows):
            # A cell unknown when the relation was read may be printed by a pack read later.
            known = sum(c * self.known[name] for name, c in coefs.items() if name in self.known)
            for name, c in coefs.items():
                if name not in self.known:
                    matrix[i, col[name]] = c
            low.append(lo - known)
            high.append(hi - known)
        return col, matrix, low, high

    def span(self, terms: dict[Hashable, float], system: tuple | None = None) -> tuple[int, int]:
        """The least and greatest value of a linear combination of cells (printed ones are constants)."""
        col, matrix, low, high = system or self._system()
        const = sum(c * self.known[name] for name, c in terms.items() if name in self.known)
        objective = np.zeros(len(col))
        for name, c in terms.items():
            if name not in self.known:
                objective[col[name]] = c
        ends = []
        for sign in (1, -1):
            if not objective.any():
                ends.append(round(const))
                continue
            res = milp(
                sign * objective,
                constraints=[LinearConstraint(matrix, low, high)],
                integrality=np.ones(len(col)),
                bounds=Bounds([1 if n in self.starred else 0 for n in self.unknown], 10**6),
                # HiGHS's presolve (scipy 1.17.1) cut off feasible values: the 2024/25-H1 example pack's Mixed
                # formal-investigation events (true 4) came out at most 1, with presolve off 20, as the relaxation.
                options={"presolve": False},
            )
            assert res.status == 0, res.message
            ends.append(round(sign * res.fun + const))
        return ends[0], ends[1]


# --- exporting and reading packs ---------------------------------------------------------------------


def export(cli, url: str, period: str, out: Path, *, audience: str = "board") -> dict[str, pd.DataFrame]:
    result = cli.invoke(app, ["--db", url, "export", "--period", period, "--out", str(out), "--audience", audience])
    assert result.exit_code == 0, result.stderr
    return {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in (out / "csv").glob("*.csv")}


def half_bounds(label: str) -> tuple[date, date]:
    fy = int(label[:4])
    return (date(fy, 4, 1), date(fy, 9, 30)) if label.endswith("H1") else (date(fy, 10, 1), date(fy + 1, 3, 31))


def previous_half(label: str) -> str:
    fy = int(label[:4])
    return f"{fy - 1}/{fy % 100:02d}-H2" if label.endswith("H1") else f"{fy}/{(fy + 1) % 100:02d}-H1"


def decision_truth(cli, url: str, start: date, end: date) -> dict[tuple[str, str, str], int]:
    result = cli.invoke(app, ["--db", url, "decisions", "--from", str(start), "--to", str(end), "--json"])
    assert result.exit_code == 0, result.stderr
    out = {}
    for d in json.loads(result.stdout)["decision_points"]:
        for grp in GROUPS:
            found = d["bme"] if grp == "BME" else d["white"] if grp == "White" else d["groups"].get(grp)
            for kind in ("n", "events"):
                out[(d["name"], grp, kind)] = found[kind] if found else 0
    return out


def wres_truth(cli, url: str) -> dict[tuple[str, str], int]:
    result = cli.invoke(app, ["--db", url, "wres", "--json"])
    assert result.exit_code == 0, result.stderr
    out = {}
    for p in json.loads(result.stdout)["periods"]:
        for grp, key in (("BME", "bme"), ("White", "white"), ("Not stated", "unknown")):
            if key in p:
                out[(p["period"], f"{grp} entrants")] = p[key]["entrants"]
                out[(p["period"], f"{grp} headcount")] = p[key]["headcount"]
    return out


def division_truth(period: str, snapshot: str) -> dict[tuple[str, str], int]:
    """Divisions' entrants and headcounts, and staff and not stated, straight from the example files."""
    start, end = half_bounds(period)
    work = pd.read_csv(EXAMPLES / "workforce.csv", dtype=str, keep_default_na=False)
    work = work[work["snapshot_date"] == snapshot].copy()
    work["wres"] = [classify(v).wres_group.value for v in work["ethnic_category"]]
    cases = pd.read_csv(EXAMPLES / "cases.csv", dtype=str, keep_default_na=False)
    day = pd.to_datetime(cases["formal_investigation_date"].replace("", None))
    cases = cases[(cases["case_type"] == "disciplinary") & (day >= str(start)) & (day <= str(end))].copy()
    cases["wres"] = [classify(v).wres_group.value for v in cases["ethnic_category"]]
    out = {}
    for d in sorted(set(work["division"]) | set(cases["division"])):
        w, c = work[work["division"] == d], cases[cases["division"] == d]
        for grp in ("BME", "White"):
            out[(d, f"{grp} entrants")] = c.loc[c["wres"] == grp, "person_id"].nunique()
            out[(d, f"{grp} headcount")] = w.loc[w["wres"] == grp, "person_id"].nunique()
        out[(d, "Staff")] = w["person_id"].nunique()
        out[(d, "Ethnicity not stated")] = w.loc[w["wres"] == "Unknown", "person_id"].nunique()
    return out


def read_pack(reader: Reader, tables: dict[str, pd.DataFrame], period: str, window: str) -> None:
    """Every count of one pack, with the relations its tables' shapes tell a reader."""
    starred_before = set(reader.starred)  # another pack's `*` for the same count still says at least 1
    i3 = tables["indicator3"]
    for _, row in i3.iterrows():
        if row["Snapshot"]:
            for grp in ("BME", "White", "Not stated"):
                for kind in ("entrants", "headcount"):
                    reader.cell(("i3", row["Period"], f"{grp} {kind}"), row[f"{grp} {kind}"])
                reader.at_most(("i3", row["Period"], f"{grp} entrants"), ("i3", row["Period"], f"{grp} headcount"))
    div = tables["divisions"]
    names = [d for d in div["Division"] if d != "Trust"]
    for _, row in div.iterrows():
        for column in ("BME entrants", "BME headcount", "White entrants", "White headcount"):
            name = ("i3", period, column) if row["Division"] == "Trust" else ("div", period, row["Division"], column)
            reader.cell(name, row[column])
    for column in ("BME entrants", "BME headcount", "White entrants", "White headcount"):
        reader.equal(("i3", period, column), [("div", period, d, column) for d in names])
    reader.withheld_whole(div, names, period)
    dq = tables.get("data_quality", pd.DataFrame(columns=["Division"]))  # not in the community pack
    for _, row in dq.iterrows():
        d = row["Division"]
        staff = ("dq", period, d, "Staff")
        missing = ("i3", period, "Not stated headcount") if d == "Trust" else ("dq", period, d, "Ethnicity not stated")
        reader.cell(staff, row["Staff"])
        reader.cell(missing, row["Ethnicity not stated"])
        heads = [
            ("i3", period, f"{g} headcount") if d == "Trust" else ("div", period, d, f"{g} headcount")
            for g in ("BME", "White")
        ]
        reader.equal(staff, [*heads, missing])
    if not dq.empty:
        reader.equal(("dq", period, "Trust", "Staff"), [("dq", period, d, "Staff") for d in names])
        reader.equal(("i3", period, "Not stated headcount"), [("dq", period, d, "Ethnicity not stated") for d in names])
    dp = tables["decision_points"]
    for _, row in dp.iterrows():
        p = POINTS[row["Decision point"]]
        for grp in GROUPS:
            for kind in ("n", "events"):
                reader.cell(("dp", window, p, grp, kind), row[f"{grp} {kind}"])
            reader.at_most(("dp", window, p, grp, "events"), ("dp", window, p, grp, "n"))
        for kind in ("n", "events"):
            reader.equal(("dp", window, p, "BME", kind), [("dp", window, p, g, kind) for g in BROAD_BME])
    read_complaints(reader, tables, window)
    unstar_withheld(reader, tables, window, keep=starred_before)
    for grp in GROUPS:
        fi = ("dp", window, "formal_investigation", grp, "events")
        reader.equal(fi, [("dp", window, "suspension", grp, "n")])
        reader.equal(fi, [("dp", window, "regulator_referral", grp, "n")])
        reader.equal(("dp", window, "formal_sanction", grp, "n"), [("dp", window, "dismissal", grp, "n")])


def read_complaints(reader: Reader, tables: dict[str, pd.DataFrame], window: str) -> None:
    """Complaints over the window and by half-year: each group's n and events, BME the sum of its broad groups,
    the window the sum of its two half-years."""
    if "complaints" not in tables:
        return
    rows = [(window, tables["complaints"].iloc[0])]
    rows += [(row["Half-year"], row) for _, row in tables["complaints_trend"].iterrows()]
    for where, row in rows:
        for grp in GROUPS:
            for kind in ("n", "events"):
                reader.cell(("cp", where, grp, kind), row[f"{grp} {kind}"])
            reader.at_most(("cp", where, grp, "events"), ("cp", where, grp, "n"))
        for kind in ("n", "events"):
            reader.equal(("cp", where, "BME", kind), [("cp", where, g, kind) for g in BROAD_BME])
    halves = window.split("+")
    if all(h in set(tables["complaints_trend"]["Half-year"]) for h in halves):
        for grp in GROUPS:
            for kind in ("n", "events"):
                reader.equal(("cp", window, grp, kind), [("cp", h, grp, kind) for h in halves])


def complaint_truth(period: str, halves: list[str], source: Path = EXAMPLES / "cases.csv") -> dict[Hashable, int]:
    """Complaints (contract §4.3) by group straight from the cases file, for the window and each half-year (none
    in a file without complaint outcomes, as the main example)."""
    cases = pd.read_csv(source, dtype=str, keep_default_na=False)
    if "complaint_outcome" not in cases:
        cases["complaint_outcome"] = ""
    cases = cases[
        cases["case_type"].isin(["grievance", "bullying_harassment"])
        & ~cases["complaint_outcome"].isin(["", "withdrawn"])
    ].copy()
    cases["broad"] = [classify(v).broad_group.value for v in cases["ethnic_category"]]
    cases["wres"] = [classify(v).wres_group.value for v in cases["ethnic_category"]]
    upheld = cases["complaint_outcome"].isin(["upheld", "partially_upheld"])
    window = f"{previous_half(period)}+{period}"
    spans = {h: half_bounds(h) for h in halves} | {
        window: (half_bounds(previous_half(period))[0], half_bounds(period)[1])
    }
    out: dict[Hashable, int] = {}
    for where, (start, end) in spans.items():
        inside = (cases["opened_date"] >= str(start)) & (cases["opened_date"] <= str(end))
        for grp in GROUPS:
            member = cases["wres"] == "BME" if grp == "BME" else cases["broad"] == grp
            out[("cp", where, grp, "n")] = int((inside & member).sum())
            out[("cp", where, grp, "events")] = int((inside & member & upheld).sum())
    return out


@pytest.fixture
def examples_db(cli, tmp_path):
    return import_examples(cli, database_url(tmp_path, "packs.db"))


def check(
    reader: Reader, truth: dict[Hashable, int], threshold: int = T
) -> list[tuple[Hashable, int, tuple[int, int]]]:
    leaks = []
    names = [n for n in reader.unknown if truth.get(n, 0) >= 1]
    for name, (lo, hi) in reader.ranges(names).items():
        assert lo <= truth[name] <= hi, (name, truth[name], (lo, hi))
        if not protected(lo, hi, threshold):
            leaks.append((name, truth[name], (lo, hi)))
    return leaks


def pack_truth(cli, url: str, period: str, tables: dict[str, pd.DataFrame]) -> dict[Hashable, int]:
    truth: dict[Hashable, int] = {("i3", *k): v for k, v in wres_truth(cli, url).items()}
    snapshot = tables["indicator3"].set_index("Period").loc[period, "Snapshot"]
    for (d, column), v in division_truth(period, snapshot).items():
        if column in ("Staff", "Ethnicity not stated"):
            truth[("dq", period, d, column)] = v
        else:
            truth[("div", period, d, column)] = v
    truth[("dq", period, "Trust", "Staff")] = sum(
        v for (d, c), v in division_truth(period, snapshot).items() if c == "Staff"
    )
    if "complaints_trend" in tables:
        truth |= complaint_truth(period, tables["complaints_trend"]["Half-year"].tolist())
    return truth


@pytest.mark.parametrize("period", ["2024/25-H1", "2024/25-H2"])
def test_no_hidden_count_follows_from_the_other_tables_of_the_pack(cli, examples_db, tmp_path, period):
    tables = export(cli, examples_db, period, tmp_path / "pack")
    window = f"{previous_half(period)}+{period}"
    reader = Reader()
    read_pack(reader, tables, period, window)
    truth = pack_truth(cli, examples_db, period, tables)
    start, end = half_bounds(previous_half(period))[0], half_bounds(period)[1]
    truth |= {("dp", window, *k): v for k, v in decision_truth(cli, examples_db, start, end).items()}
    assert check(reader, truth) == []


def test_a_published_pooled_ratio_gives_no_hidden_entrants_back(tmp_path):
    """'Before and after': a pooled ratio with every headcount and the other periods' entrants published
    would pin a hidden period's BME entrants (1.84 × (55 / 14,286) × 5,923 ≈ 42 = 35 + the hidden 7)."""
    from typer.testing import CliRunner

    cli = CliRunner(env={"ERREVIEW_PSEUDONYM_KEY": TEST_KEY, "ERREVIEW_INTERVENTION_DATE": "2023-04-01"})
    url = import_examples(cli, database_url(tmp_path, "pooled.db"))
    tables = export(cli, url, "2024/25-H2", tmp_path / "pack")
    truth = wres_truth(cli, url)
    i3 = tables["indicator3"].set_index("Period")
    change = tables["change"]
    rows = change[change["Comparison"].str.startswith("Before and after")]
    assert len(rows) == 1
    row = rows.iloc[0]
    scenario = 0
    for side in ("Earlier", "Later"):
        shown = row[f"{side} ratio"]
        periods = [p for p in row[f"{side} periods"].split(", ") if i3.loc[p, "Snapshot"]]
        hidden = [p for p in periods if i3.loc[p, "BME entrants"] == "*"]
        scenario += bool(hidden)
        if shown == "*" or not hidden:
            continue
        others = {c: [i3.loc[p, c] for p in periods] for c in ("BME headcount", "White entrants", "White headcount")}
        if any("*" in v for v in others.values()) or len(hidden) > 2:
            continue  # not linear for a reader, or too many unknowns to enumerate here
        n1 = sum(map(int, others["BME headcount"]))
        c = sum(map(int, others["White entrants"]))
        n2 = sum(map(int, others["White headcount"]))
        known = sum(int(i3.loc[p, "BME entrants"]) for p in periods if p not in hidden)
        bounds = [int(i3.loc[p, "BME headcount"]) for p in hidden]
        grids = np.meshgrid(*[np.arange(b + 1) for b in bounds], indexing="ij")
        a = known + sum(grids)
        fits = np.abs((a / n1) / (c / n2) - float(shown)) <= 0.005 + 1e-9
        for p, grid in zip(hidden, grids, strict=True):
            values = grid[fits]
            lo, hi = int(values.min()), int(values.max())
            assert lo <= truth[(p, "BME entrants")] <= hi
            assert protected(lo, hi), (side, p, truth[(p, "BME entrants")], (lo, hi))
    assert scenario, "the example must pool a period whose BME entrants are hidden"


def test_two_consecutive_packs_give_no_hidden_count_back(cli, examples_db, tmp_path):
    """Packs for 2024/25-H1 and H2 share a half-year of their 12-month decision windows and the
    indicator-3 series: a reader puts both side by side."""
    first, second = "2024/25-H1", "2024/25-H2"
    halves = [previous_half(first), first, second]
    reader = Reader()
    truth: dict[Hashable, int] = {}
    for period in (first, second):
        tables = export(cli, examples_db, period, tmp_path / period.replace("/", "-"))
        window = f"{previous_half(period)}+{period}"
        read_pack(reader, tables, period, window)
        truth |= pack_truth(cli, examples_db, period, tables)
        start, end = half_bounds(previous_half(period))[0], half_bounds(period)[1]
        truth |= {("dp", window, *k): v for k, v in decision_truth(cli, examples_db, start, end).items()}
        # The window is the sum of its two half-years (unknowns shared by the two packs).
        for p in POINTS.values():
            for grp in GROUPS:
                for kind in ("n", "events"):
                    reader.equal(
                        ("dp", window, p, grp, kind),
                        [("dp", h, p, grp, kind) for h in (previous_half(period), period)],
                    )
    for h in halves:
        start, end = half_bounds(h)
        truth |= {("dp", h, *k): v for k, v in decision_truth(cli, examples_db, start, end).items()}
    assert check(reader, truth) == []


def trust_copies(folder: Path, prefix: str = "trust_") -> dict[str, str]:
    """The trust's own measures: a copy of each contract step under another id and label (a trust may well
    add a question that counts what a contract step counts). A reader of the pack's measure definitions sees
    that each copy counts the same cases as its step."""
    from erreview.measures import shipped_measures

    folder.mkdir()
    labels = {}
    for m in shipped_measures():
        if m.kind != "decision_point":
            continue
        raw = m.model_dump(mode="json", by_alias=True, exclude={"shipped", "kind", "order"})
        raw |= {"id": f"{prefix}{m.id}", "label": f"Our {m.label.lower()}"}
        lines = [f"{k} = {json.dumps(v)}" for k, v in raw.items() if k not in ("population", "event")]
        for part in ("population", "event"):
            conditions = [{k: v for k, v in c.items() if v is not None} for c in raw[part]]
            lines.append(f"{part} = [" + ", ".join(_inline(c) for c in conditions) + "]")
        (folder / f"{m.id}.toml").write_text("\n".join(lines) + "\n")
        labels[raw["label"]] = m.id
    return labels


def _inline(table: dict[str, object]) -> str:
    return "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in table.items()) + " }"


@pytest.mark.parametrize("period", ["2024/25-H1", "2024/25-H2"])
def test_the_trusts_own_measures_are_audited_with_the_rest_of_the_pack(tmp_path, period):
    """A trust measure counting what a contract step counts must not publish a cell the step hides (or the
    other way round): the pack's auditor sees the trust's measures with every other table."""
    from typer.testing import CliRunner

    labels = trust_copies(tmp_path / "measures")
    cli = CliRunner(env={"ERREVIEW_PSEUDONYM_KEY": TEST_KEY, "ERREVIEW_MEASURE_DIR": str(tmp_path / "measures")})
    url = import_examples(cli, database_url(tmp_path, "own.db"))
    tables = export(cli, url, period, tmp_path / "pack")
    window = f"{previous_half(period)}+{period}"
    reader = Reader()
    read_pack(reader, tables, period, window)
    own = tables["trust_measures"]
    assert sorted(own["Decision point"]) == sorted(labels)
    for _, row in own.iterrows():
        p = labels[row["Decision point"]]
        for grp in GROUPS:
            for kind in ("n", "events"):
                reader.cell(("own", p, grp, kind), row[f"{grp} {kind}"])
                reader.equal(("own", p, grp, kind), [("dp", window, p, grp, kind)])
    unstar_withheld(reader, tables, window)  # a withheld part's `*` may be 0 (its note says so)
    truth = pack_truth(cli, url, period, tables)
    start, end = half_bounds(previous_half(period))[0], half_bounds(period)[1]
    decided = decision_truth(cli, url, start, end)
    truth |= {("dp", window, *k): v for k, v in decided.items()}
    truth |= {("own", *k): v for k, v in decided.items()}
    assert check(reader, truth) == []


def test_the_community_pack_gives_no_count_back_at_ten(cli, tmp_path):
    """The community pack (threshold 10, after a board pack at 7 and an earlier community pack), read by the
    reader of this file: no count from 1 to 10 is published, and no hidden count can be narrowed to fewer than
    10 values or pinned inside 1..10 from the community packs' cells. Board packs are not in this reader's
    view: the community pack's promise is among community packs (erreview/export/community.py)."""
    url = import_examples(cli, database_url(tmp_path, "community.db"))
    export(cli, url, "2024/25-H2", tmp_path / "board")
    reader = Reader()
    truth: dict[Hashable, int] = {}
    for period in ("2024/25-H1", "2024/25-H2"):
        tables = export(cli, url, period, tmp_path / period.replace("/", "-"), audience="community")
        assert "data_quality" not in tables and "panel_checks" not in tables
        for frame in tables.values():
            for column in frame.columns:
                if column.endswith((" n", " events", " entrants", " headcount")):
                    shown = frame[column].str.replace(",", "")
                    shown = shown[shown.str.fullmatch(r"\d+")].astype(int)
                    assert not shown.between(1, 10).any(), (column, shown.tolist())
        window = f"{previous_half(period)}+{period}"
        read_pack(reader, tables, period, window)
        truth |= pack_truth(cli, url, period, tables)
        start, end = half_bounds(previous_half(period))[0], half_bounds(period)[1]
        truth |= {("dp", window, *k): v for k, v in decision_truth(cli, url, start, end).items()}
        for p in POINTS.values():
            for grp in GROUPS:
                for kind in ("n", "events"):
                    reader.equal(
                        ("dp", window, p, grp, kind),
                        [("dp", h, p, grp, kind) for h in (previous_half(period), period)],
                    )
    for h in ("2023/24-H2", "2024/25-H1", "2024/25-H2"):
        start, end = half_bounds(h)
        truth |= {("dp", h, *k): v for k, v in decision_truth(cli, url, start, end).items()}
    # A count above 10 that the tables pin (a withheld row's 12 White dismissal cases, equal to the printed
    # formal sanction cases) is as good as printed and identifies no one: the promise is about counts 1..10.
    assert [leak for leak in check(reader, truth, threshold=10) if leak[1] <= 10] == []


def test_complaints_are_in_the_pack_by_group_and_half_year(cli, tmp_path):
    """Contract §4.3 in the pack: the window's complaints and each half-year's, counted here from the cases file
    (synthetic, with complaint outcomes); no count 1..7 shown; the summary speaks of complaints; and no hidden
    count follows from the complaint tables with the rest of the pack."""
    from erreview.synth import SynthConfig, write_synthetic

    files = {p.stem: p for p in write_synthetic(SynthConfig(seed=11, staff=2500, years=3, end_fy=2024), tmp_path)}
    url = database_url(tmp_path, "complaints.db")
    args = ["--db", url, "import", "--workforce", str(files["workforce"]), "--cases", str(files["cases"])]
    assert cli.invoke(app, args).exit_code == 0
    period = "2024/25-H2"
    tables = export(cli, url, period, tmp_path / "pack")
    window = f"{previous_half(period)}+{period}"
    trend = tables["complaints_trend"]
    assert trend["Half-year"].tolist()[-2:] == [previous_half(period), period]
    truth = complaint_truth(period, trend["Half-year"].tolist(), files["cases"])
    rows = [(window, tables["complaints"].iloc[0]), *((r["Half-year"], r) for _, r in trend.iterrows())]
    shown = 0
    for where, row in rows:
        for grp in GROUPS:
            for kind in ("n", "events"):
                cell = row[f"{grp} {kind}"]
                if cell == "*":  # small, or hidden to protect a small one
                    continue
                assert int(cell.replace(",", "")) == truth[("cp", where, grp, kind)], (where, grp, kind)
                assert not 1 <= int(cell.replace(",", "")) <= T
                shown += 1
    assert shown >= 10
    summary = pd.read_csv(tmp_path / "pack" / "csv" / "summary.csv")["line"].tolist()
    assert any(line.startswith("Complaints raised by staff") for line in summary)
    reader = Reader()
    read_complaints(reader, tables, window)
    unstar_withheld(reader, tables, window)  # a withheld part's `*` may be 0 (its note says so)
    assert check(reader, truth) == []


@pytest.mark.parametrize("board_first", [True, False])
def test_a_board_pack_and_a_community_pack_together_give_no_hidden_count_back(cli, examples_db, tmp_path, board_first):
    """One reader holds the board pack (threshold 7) and the community pack (threshold 10) for the same
    half-year. Every count hidden in both and printed by neither is, with both packs together, protected at
    the second pack's threshold, or exactly as well as the first pack alone left it (a board pack's printed 8
    bounds a hidden count to 0..8, and no later pack can undo that), in either order. (The example data
    happen not to leak on the old per-audience audit; the small trust in test_community_pack does.)"""
    period = "2024/25-H2"
    window = f"{previous_half(period)}+{period}"
    order = ["board", "community"] if board_first else ["community", "board"]
    first, both = Reader(), Reader()
    truth: dict[Hashable, int] = {}
    for i, audience in enumerate(order):
        tables = export(cli, examples_db, period, tmp_path / audience, audience=audience)
        for reader in (first, both) if i == 0 else (both,):
            read_pack(reader, tables, period, window)
        if audience == "board":
            truth |= pack_truth(cli, examples_db, period, tables)
    start, end = half_bounds(previous_half(period))[0], half_bounds(period)[1]
    truth |= {("dp", window, *k): v for k, v in decision_truth(cli, examples_db, start, end).items()}
    second = 10 if board_first else 7
    narrowed = check(both, truth, threshold=second)
    before = first.ranges([name for name, _, _ in narrowed])
    leaks = [(name, v, found, before[name]) for name, v, found in narrowed if found != before[name]]
    assert leaks == [], "\n".join(map(str, leaks))


# --- a year pack beside half-year packs ------------------------------------------------------------------


def wres_period(cli, url: str, period: str) -> dict:
    result = cli.invoke(app, ["--db", url, "wres", "--period", period, "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["periods"][0]


def read_indicator3(reader: Reader, tables: dict[str, pd.DataFrame]) -> list[str]:
    """Indicator 3's rows (every period of the pack's series); the periods read."""
    read = []
    for _, row in tables["indicator3"].iterrows():
        if row["Snapshot"]:
            read.append(row["Period"])
            for grp in ("BME", "White", "Not stated"):
                for kind in ("entrants", "headcount"):
                    reader.cell(("i3", row["Period"], f"{grp} {kind}"), row[f"{grp} {kind}"].replace(",", ""))
                reader.at_most(("i3", row["Period"], f"{grp} entrants"), ("i3", row["Period"], f"{grp} headcount"))
    return read


def relate_years(reader: Reader, cli, url: str, years: list[str]) -> dict[Hashable, int]:
    """What a reader knows of a year and its half-years: its entrants are H1 + H2 less those who entered in
    both (distinct people; this reader is told how many, the worst case: most would guess none), and its
    headcount is its end snapshot's, H2's (when H2 has that snapshot). The truth of every cell involved."""
    truth: dict[Hashable, int] = {}
    for year in years:
        found = {p: wres_period(cli, url, p) for p in (year, f"{year}-H1", f"{year}-H2")}
        for grp, key in (("BME", "bme"), ("White", "white"), ("Not stated", "unknown")):
            for p, data in found.items():
                if key in data:
                    truth[("i3", p, f"{grp} entrants")] = data[key]["entrants"]
                    truth[("i3", p, f"{grp} headcount")] = data[key]["headcount"]
            halves = [(f"{year}-H{h}") for h in (1, 2)]
            if not all(key in found[h] for h in halves):
                continue
            both = sum(found[h][key]["entrants"] for h in halves) - found[year][key]["entrants"]
            terms = [(("i3", year, f"{grp} entrants"), 1.0), *((("i3", h, f"{grp} entrants"), -1.0) for h in halves)]
            reader.relate(terms, -both, -both)
            for h in halves:
                reader.at_most(("i3", h, f"{grp} entrants"), ("i3", year, f"{grp} entrants"))
            if found[year]["snapshot_date"] == found[halves[1]]["snapshot_date"]:
                reader.equal(("i3", year, f"{grp} headcount"), [("i3", halves[1], f"{grp} headcount")])
    return truth


@pytest.mark.parametrize("year_first", [False, True])
@pytest.mark.parametrize("audience", ["board", "community"])
def test_a_year_pack_beside_half_year_packs_gives_no_hidden_count_back(cli, tmp_path, audience, year_first):
    """A reader holds the year pack (2024/25) and the half-year packs (2024/25-H1, -H2), in either order: a
    year's entrants are its half-years' less the people who entered in both, so year − H2 gives H1 back
    (19 − 12 = the hidden 7) unless the auditor relates the year's cells to its half-years'."""
    threshold = T if audience == "board" else 10
    url = import_examples(cli, database_url(tmp_path, "years.db"))
    periods = ["2024/25", "2024/25-H1", "2024/25-H2"]
    if not year_first:
        periods = periods[1:] + periods[:1]
    reader = Reader()
    seen: set[str] = set()
    for period in periods:
        tables = export(cli, url, period, tmp_path / period.replace("/", "-"), audience=audience)
        seen |= {p for p in read_indicator3(reader, tables) if "-H" not in p}
    truth = relate_years(reader, cli, url, sorted(seen))
    hidden = [n for n in reader.unknown if 1 <= truth.get(n, 0) <= threshold]
    assert hidden, "the example must hide a small count"
    assert check(reader, truth, threshold) == []


def demo_runner(tmp_path):
    """A demo database and a command-line runner for it."""
    from typer.testing import CliRunner

    from erreview import store
    from erreview.config import Settings
    from erreview.demo import prepare_demo
    from erreview.store import audit

    settings = Settings(
        database_url=database_url(tmp_path, "demo.db"), pseudonym_key=TEST_KEY, key_file=tmp_path / "pseudonym.key"
    )
    audit.bind(settings.database_url, settings)
    prepare_demo(store.make_engine(settings.database_url), settings)
    runner = CliRunner(env={"ERREVIEW_PSEUDONYM_KEY": TEST_KEY, "ERREVIEW_KEY_FILE": str(settings.key_file)})
    return runner, settings.database_url


def test_a_community_pack_is_safe_among_community_packs_after_board_packs(tmp_path):
    """An outside reader's order: the 2025/26-H2 community pack, the 2025/26 and 2025/26-H1 board packs, then
    the 2025/26-H1 community pack. Its division table printed two zeros and six `*` summing to the trust's
    13 BME entrants (each 1..8) with nothing but community packs: the community-only stage's failures were
    not reported, so the split was not withheld."""
    runner, url = demo_runner(tmp_path)
    order = [("2025/26-H2", "community"), ("2025/26", "board"), ("2025/26-H1", "board"), ("2025/26-H1", "community")]
    reader = Reader()
    for i, (period, audience) in enumerate(order):
        tables = export(runner, url, period, tmp_path / f"pack{i}", audience=audience)
        if audience == "community":
            read_pack(reader, tables, period, f"{previous_half(period)}+{period}")
    starred = [n for n in reader.unknown if n in reader.starred]
    assert starred
    ranges = reader.ranges(starred)
    assert {n: r for n, r in ranges.items() if not protected(*r, threshold=10)} == {}


def test_a_starred_count_is_at_least_one_and_still_protected_in_the_demo_pack(tmp_path):
    """An outside reader of the demo's 2025/26-H2 board pack: zeros are printed, so every `*` is at least 1.
    With that, the trust's BME entrants (10) less one division at 0 left seven `*` divisions at 1..4 each
    while the auditor took a hidden count's least value to be 0. Every `*` cell must stay protected."""
    from typer.testing import CliRunner

    from erreview import store
    from erreview.config import Settings
    from erreview.demo import prepare_demo
    from erreview.store import audit

    settings = Settings(
        database_url=database_url(tmp_path, "demo.db"), pseudonym_key=TEST_KEY, key_file=tmp_path / "pseudonym.key"
    )
    audit.bind(settings.database_url, settings)
    prepare_demo(store.make_engine(settings.database_url), settings)
    runner = CliRunner(env={"ERREVIEW_PSEUDONYM_KEY": TEST_KEY, "ERREVIEW_KEY_FILE": str(settings.key_file)})
    period = "2025/26-H2"
    tables = export(runner, settings.database_url, period, tmp_path / "pack")
    reader = Reader()
    read_pack(reader, tables, period, f"{previous_half(period)}+{period}")  # it reads the withheld parts' notes
    starred = [n for n in reader.unknown if n in reader.starred]
    printed = [n for n in reader.unknown if n in reader.printed_stars]
    # Every `*`: those read as at least 1, and those of withheld parts (which may be 0).
    assert len(starred) > 20 and len(printed) > 100
    ranges = reader.ranges(printed)
    # A withheld part's zero may follow from a printed 0 (no BME appeal upheld: none for any broad group); zeros
    # are printed anyway, so only a count that could be 1..T matters.
    assert {n: r for n, r in ranges.items() if not protected(*r) and r != (0, 0)} == {}
    # The board reads BME against White: the window's complaints (8 of 29 BME complaints upheld against 23 of
    # 42 White; the broad groups' parts are small) are printed, with their ratio and flag, the broad groups'
    # columns and the window's own half-years in the trend being withheld instead (the notes say so). The
    # counts are the `decisions` command's, not the pack's.
    start, end = half_bounds(previous_half(period))[0], half_bounds(period)[1]
    result = runner.invoke(
        app, ["--db", settings.database_url, "decisions", "--from", str(start), "--to", str(end), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    counted = json.loads(result.stdout)
    columns = ("BME n", "BME events", "White n", "White events")

    def counts(found: dict) -> list[str]:
        return [str(found[g][k]) for g in ("bme", "white") for k in ("n", "events")]

    complaints = tables["complaints"].iloc[0]
    assert [complaints[c] for c in columns] == counts(counted["complaints"]) == ["29", "8", "42", "23"]
    assert complaints["Ratio"] not in ("*", "") and complaints["Flag"] == "disparity"
    notes = dict(zip(tables["notes"]["table"], tables["notes"]["note"], strict=True))
    assert "columns of the broad ethnic groups" in notes["complaints"]
    assert "Withheld as a whole" in notes["complaints_trend"]
    # Likewise a step: case to answer's 9 of 19 BME and 10 of 21 White are printed.
    steps = tables["decision_points"].set_index("Decision point")
    step = next(d for d in counted["decision_points"] if d["name"] == "case_to_answer")
    assert [steps.loc["Case to answer", c] for c in columns] == counts(step) == ["19", "9", "21", "10"]


# --- packs exported out of date order ---------------------------------------------------------------------


def pack_window(period: str) -> str:
    """The decision window of a pack as this file names it: its two half-years joined by '+'."""
    if "-H" not in period:  # a year: its own two halves
        return f"{period}-H1+{period}-H2"
    return f"{previous_half(period)}+{period}"


def unstar_withheld(
    reader: Reader, tables: dict[str, pd.DataFrame], window: str, keep: set[Hashable] | frozenset = frozenset()
) -> None:
    """The notes (notes.csv) say which rows or columns of a table are withheld as a whole: their `*` may be 0.
    Read from the note's words, not from the library."""
    notes = tables.get("notes", pd.DataFrame(columns=["table", "note"]))
    for _, row in notes.iterrows():
        note, table = row["note"], row["table"]
        if "Withheld as a whole" not in note:
            continue
        said = note.split("Withheld as a whole for this period: ", 1)[1].split(". With the packs", 1)[0]
        rows = said.split("the row(s) ", 1)[1].split(" and the columns", 1)[0].split(", ") if "row(s)" in said else []
        groups = [*BROAD_BME, "Not stated"] if "columns of the broad ethnic groups" in said else []
        for name in list(reader.starred):
            if table == "decision_points" and name[:2] == ("dp", window):
                hit = name[2] in [POINTS.get(r) for r in rows] or name[3] in groups
            elif table == "complaints" and name[:2] == ("cp", window):
                hit = bool(rows) or name[2] in groups
            elif table == "complaints_trend" and name[0] == "cp" and name[1] != window:
                hit = name[1] in rows or name[2] in groups
            elif table == "trust_measures" and name[0] == "own":  # a copy of a step: "Our case to answer"
                hit = name[1] in [POINTS.get(r.removeprefix("Our ").capitalize()) for r in rows] or name[2] in groups
            else:
                hit = table == "data_quality" and name[0] == "dq" and said == "this table"
            if hit and name not in keep:
                reader.starred.discard(name)


def read_windowed(reader: Reader, tables: dict[str, pd.DataFrame], period: str) -> None:
    """One pack, with its decision window the sum of its two half-years (unknowns no table prints), so that
    packs whose windows share a half-year are read together."""
    window = pack_window(period)
    read_pack(reader, tables, period, window)
    for p in POINTS.values():
        for grp in GROUPS:
            for kind in ("n", "events"):
                reader.equal(("dp", window, p, grp, kind), [("dp", h, p, grp, kind) for h in window.split("+")])
    # The steps' definitions (contract §4.2), in the window and in each half-year, group by group: a case to
    # answer is found only in a formal investigation, a sanction is set only after a case to answer, and a
    # dismissal is a sanction.
    for where in (window, *window.split("+")):
        for grp in GROUPS:
            reader.at_most(
                ("dp", where, "case_to_answer", grp, "n"), ("dp", where, "formal_investigation", grp, "events")
            )
            reader.at_most(("dp", where, "formal_sanction", grp, "n"), ("dp", where, "case_to_answer", grp, "events"))
            reader.at_most(("dp", where, "dismissal", grp, "events"), ("dp", where, "formal_sanction", grp, "events"))
            for p in POINTS.values():
                reader.at_most(("dp", where, p, grp, "events"), ("dp", where, p, grp, "n"))


ORDERS = {
    # The first outside reader's order.
    "year board, H1 community, earlier year community": [
        ("2025/26", "board"),
        ("2025/26-H1", "community"),
        ("2024/25", "community"),
    ],
    # The second's: the 2024/25 pack's printed 0 (its window's 2024/25-H2 part is 0), then the 2025/26-H1
    # community pack's BME dismissal `*` (at least 1) put that count in 1..10 (true 1; 0..10 before). The
    # auditor judged "what earlier packs left" with the pack's own first-stage `*` in it, so saw no change.
    "year board, earlier year community, H1 community": [
        ("2025/26", "board"),
        ("2024/25", "community"),
        ("2025/26-H1", "community"),
    ],
}


def left_before(before: Reader, name: Hashable) -> tuple[int, int]:
    """What the packs read by ``before`` left of a count: its range there; for a 12-month window no pack before
    printed (a new pack's), the range of the sum of its two half-years, which it is by definition (the 2025/26
    board pack's 9 BME sanctions leave 2025/26-H1's BME dismissals at most 9, and the 2024/25 pack's 0 leaves
    2024/25-H2's at 0: the 2025/26-H1 pack's window, their sum, is at most 9 before it prints anything)."""
    if name in before.unknown or name in before.known:
        return before.span({name: 1.0})
    if isinstance(name, tuple) and name[0] == "dp" and "+" in name[1]:
        halves = [("dp", h, *name[2:]) for h in name[1].split("+")]
        if all(h in before.unknown or h in before.known for h in halves):
            return before.span(dict.fromkeys(halves, 1.0))
    return (0, 10**6)


@pytest.mark.parametrize("order", list(ORDERS))
def test_an_earlier_years_pack_exported_last_narrows_no_count_the_later_packs_hid(tmp_path, order):
    """An outside reader's order (1 December 2026): the 2025/26 board pack, the 2025/26-H1 community pack, then
    the 2024/25 community pack. The last two printed zeros and `*` (each at least 1) that, through the 12-month
    windows' shared half-years, narrowed counts hidden earlier (a 2025/26-H1 not-stated formal-investigation
    count to 1..9 at threshold 10, true 5): the auditor saw it (63 counts) and the export went ahead. Now parts
    of such a pack are withheld as a whole (their `*` may be 0, the note says which), or the export is refused.
    Each pack may narrow no small count further than the packs before it left it, unless it stays protected
    at 10."""
    runner, url = demo_runner(tmp_path)
    order = ORDERS[order]
    truth: dict[Hashable, int] = {}
    for period, _ in order:
        window = pack_window(period)
        spans = {window: (half_bounds(window.split("+")[0])[0], half_bounds(window.split("+")[1])[1])}
        spans |= {h: half_bounds(h) for h in window.split("+")}
        for where, (start, end) in spans.items():
            truth |= {("dp", where, *k): v for k, v in decision_truth(runner, url, start, end).items()}
    readers: list[Reader] = []
    refused = []
    for i, (period, audience) in enumerate(order):
        result = runner.invoke(
            app, ["--db", url, "export", "--period", period, "--out", str(tmp_path / f"p{i}"), "--audience", audience]
        )
        if result.exit_code != 0:
            assert "cannot be published safely" in result.stderr, result.stderr
            assert not (tmp_path / f"p{i}" / "csv").exists()
            refused.append(period)
            continue
        reader = Reader()
        for j, (earlier, _) in enumerate(order[: i + 1]):
            if earlier in refused:
                continue
            folder = tmp_path / f"p{j}" / "csv"
            tables = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in folder.glob("*.csv")}
            read_windowed(reader, tables, earlier)
        readers.append(reader)
    leaks = []
    for before, after in itertools.pairwise(readers):
        small = [n for n in after.unknown if 1 <= truth.get(n, 0) <= 10]
        now = after.ranges(small)
        for name, found in now.items():
            assert found[0] <= truth[name] <= found[1], (name, truth[name], found)
            if not protected(*found, threshold=10):
                then = left_before(before, name)
                if then != found:
                    leaks.append((name, truth[name], found, then))
    assert leaks == []
    # In this order withholding parts is enough: no pack needs refusing (a refusal would hide the leak too).
    assert refused == []
