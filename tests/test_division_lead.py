"""The division lead: their divisions beside the trust, small numbers suppressed, never another division."""

# ruff: noqa: F811  (the fixtures imported from test_app are parameters here)
from __future__ import annotations

import pytest

from erreview import store
from erreview.auth import UserError, add_user, authenticate
from erreview.cli import app
from erreview.divisions import TRUST, division_decisions, division_trend
from erreview.periods import parse_period
from erreview.review.roles import AccessDenied, Actor, Role

from .test_app import ACTORS, app_env, demo_db, signed_in  # noqa: F401  (fixtures)

LEAD = ACTORS[Role.DIVISION_LEAD]
OTHER_DIVISIONS = ("Surgery", "Corporate", "Community Services", "Mental Health", "Women and Children")


def test_users_add_a_division_lead_from_the_command_line(cli, settings, monkeypatch):
    monkeypatch.setenv("ERREVIEW_NEW_PASSWORD", "a long enough password 123")
    url = settings.database_url
    result = cli.invoke(
        app,
        ["--db", url, "users", "add", "dl@trust.nhs.uk", "--role", "division_lead", "--divisions", "Medicine, Surgery"],
    )
    assert result.exit_code == 0, result.stderr
    actor = authenticate(store.engine_for(url), "dl@trust.nhs.uk", "a long enough password 123")
    assert actor is not None and actor.role is Role.DIVISION_LEAD
    assert actor.divisions == frozenset({"Medicine", "Surgery"})
    refused = cli.invoke(app, ["--db", url, "users", "add", "nobody", "--role", "division_lead", "--no-password"])
    assert refused.exit_code == 1 and "needs at least one division" in refused.stderr
    with pytest.raises(UserError):
        add_user(store.engine_for(url), username="x", role=Role.DIVISION_LEAD, divisions=" , ")


def test_the_library_refuses_other_divisions_and_other_roles(app_env):
    engine = store.engine_for(app_env.database_url)
    with pytest.raises(AccessDenied, match="only their own divisions"):
        division_trend(engine, actor=LEAD, threshold=7, divisions=["Surgery"])
    with pytest.raises(AccessDenied):
        division_trend(engine, actor=ACTORS[Role.BOARD_VIEWER], threshold=7)
    with pytest.raises(AccessDenied, match="no division is assigned"):
        division_trend(engine, actor=Actor("x", Role.DIVISION_LEAD), threshold=7)
    trend = division_trend(engine, actor=LEAD, threshold=7)
    assert set(trend["Where"]) == {TRUST, "Medicine"}
    for column in ("BME entrants", "BME headcount", "White entrants", "White headcount"):
        shown = trend[column][trend[column] != "*"].str.replace(",", "").astype(int)
        assert not ((shown >= 1) & (shown <= 7)).any(), column
    hidden = trend[(trend["Where"] == "Medicine") & (trend["BME entrants"] == "*")]
    assert not hidden.empty and (hidden["Ratio"] == "*").all()  # a ratio on a hidden count is hidden
    tables = division_decisions(engine, actor=LEAD, threshold=7, window=parse_period("2024/25"))
    assert set(tables) == {TRUST, "Medicine"}


def test_the_division_lead_sees_their_division_and_not_others(app_env):
    at = signed_in(Role.DIVISION_LEAD)
    assert not at.exception, at.exception
    at.switch_page("panels/division_overview.py").run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown) + " ".join(m.label for m in at.metric)
    table = at.dataframe[0].value
    assert set(table["Where"]) == {TRUST, "Medicine"}
    assert "Medicine" in text
    for other in OTHER_DIVISIONS:
        assert other not in text and other not in set(table["Where"])
    at.switch_page("panels/division_decisions.py").run()
    assert not at.exception, at.exception
    assert [s.value for s in at.header] == ["Medicine", "Whole trust"]
    # The trust overview (which lists every division's data quality) is not theirs.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("panels/overview.py")


def _truth(engine, period):
    """Entrants and headcounts by division for one half-year, straight from the stored rows with pandas."""
    import pandas as pd

    with store.session_scope(engine) as session:
        entries = store.formal_disciplinary_entries(session)
        heads = store.snapshot_headcounts(session, by="division")
    day = entries["formal_investigation_date"]
    inside = entries[(day >= pd.Timestamp(period.start)) & (day <= pd.Timestamp(period.end))]
    snaps = sorted(
        d for d in set(heads["snapshot_date"]) if pd.Timestamp(period.start) <= d <= pd.Timestamp(period.end)
    )
    snap = heads[heads["snapshot_date"] == snaps[-1]]
    out = {}
    for d in sorted(set(snap["division"])):
        for g in ("BME", "White"):
            out[(d, f"{g} entrants")] = inside.loc[
                (inside["division"] == d) & (inside["wres_group"] == g), "person_key"
            ].nunique()
            out[(d, f"{g} headcount")] = int(
                snap.loc[(snap["division"] == d) & (snap["wres_group"] == g), "headcount"].sum()
            )
    return out


def _rest_range(trust: dict, mine: list[dict], kind: str, group: str) -> tuple[int, int]:
    """What a reader infers about the rest of the trust (trust less the lead's divisions) from the shown cells:
    an integer programme over trust = Σ divisions + rest and entrants ≤ headcount, written here."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    names = ["trust", *(f"d{i}" for i in range(len(mine))), "rest"]
    rows = [trust, *mine]
    unknown = [f"{n}|{k}" for n in names for k in ("entrants", "headcount")]
    col = {u: i for i, u in enumerate(unknown)}
    a, lo, hi = [], [], []

    def add(coefs, low, high):
        r = np.zeros(len(unknown))
        for u, c in coefs.items():
            r[col[u]] += c
        a.append(r)
        lo.append(low)
        hi.append(high)

    for name, shown in zip(names, [*rows, None], strict=True):
        for k in ("entrants", "headcount"):
            value = None if shown is None else shown[f"{group} {k}"]
            if value not in (None, "*"):
                add({f"{name}|{k}": 1}, int(value), int(value))
        add({f"{name}|entrants": 1, f"{name}|headcount": -1}, -np.inf, 0)
    for k in ("entrants", "headcount"):
        add({f"trust|{k}": 1, **{f"{n}|{k}": -1 for n in names[1:]}}, 0, 0)
    ends = []
    for sign in (1, -1):
        c = np.zeros(len(unknown))
        c[col[f"rest|{kind}"]] = sign
        res = milp(
            c,
            constraints=[LinearConstraint(np.array(a), lo, hi)],
            integrality=np.ones(len(unknown)),
            bounds=Bounds(0, 10**6),
        )
        assert res.status == 0, res.message
        ends.append(round(sign * res.fun))
    return ends[0], ends[1]


#: A trust of three divisions; the lead sees A and B. C has 3 BME entrants in 2024/25-H1: the trust's 30 less
#: A's 15 and B's 12.
TRUST_OF_THREE = {"A": ((100, 300), (15, 20)), "B": ((80, 200), (12, 18)), "C": ((20, 50), (3, 9))}


def _import_trust_of_three(engine, settings, folder):
    import pandas as pd

    from erreview import service

    work, cases = [], []
    n = 0
    for division, ((bme, white), (bme_in, white_in)) in TRUST_OF_THREE.items():
        for group, heads, entrants in (
            ("H Asian or Asian British - Indian", bme, bme_in),
            ("A White - British", white, white_in),
        ):
            for i in range(heads):
                n += 1
                person = f"E{n:07d}"
                work.append(("2024-09-30", person, group, "female", "Band 5", "Admin and Clerical", division))
                if i < entrants:
                    cases.append(
                        (
                            f"C{n}",
                            person,
                            group,
                            "female",
                            "Band 5",
                            "Admin and Clerical",
                            division,
                            "disciplinary",
                            "behaviour",
                            "manager",
                            "2024-05-01",
                            "formal",
                            "2024-05-02",
                            "2024-05-03",
                        )
                    )
    w = folder / "workforce.csv"
    c = folder / "cases.csv"
    pd.DataFrame(
        work, columns=["snapshot_date", "person_id", "ethnic_category", "gender", "band", "staff_group", "division"]
    ).to_csv(w, index=False)
    pd.DataFrame(
        cases,
        columns=[
            "case_id",
            "person_id",
            "ethnic_category",
            "gender",
            "band",
            "staff_group",
            "division",
            "case_type",
            "allegation_category",
            "referral_source",
            "opened_date",
            "initial_route",
            "route_date",
            "formal_investigation_date",
        ],
    ).to_csv(c, index=False)
    service.import_files(engine, settings, workforce=w, cases=c)


def test_the_trust_less_a_leads_divisions_gives_no_small_count_back(engine, settings, tmp_path):
    """A lead of A and B sees the trust row and theirs: the trust less their divisions is C, which they do not
    see. C's 3 BME entrants must stay protected (a range with 0 or a value above 7, at least 7 wide), on the
    Overview trend and on Decision points. Before, each row was suppressed on its own and 30 - 15 - 12 gave
    the 3 back."""
    _import_trust_of_three(engine, settings, tmp_path)
    lead = Actor("lead", Role.DIVISION_LEAD, divisions=frozenset({"A", "B"}))
    trend = division_trend(engine, actor=lead, threshold=7)
    rows = trend[trend["Period"] == "2024/25-H1"].set_index("Where")
    mine = [rows.loc[d].to_dict() for d in ("A", "B")]
    lo, hi = _rest_range(rows.loc[TRUST].to_dict(), mine, "entrants", "BME")
    assert lo <= 3 <= hi
    assert (lo == 0 or hi > 7) and hi - lo >= 7, (lo, hi)
    tables = division_decisions(engine, actor=lead, threshold=7, window=parse_period("2024/25"))
    for column in ("BME n", "BME events"):
        shown = [tables[w].set_index("Decision point").loc["Formal investigation", column] for w in (TRUST, "A", "B")]
        # 30 less 15 less 12: at least one of the three must be hidden (and the auditor keeps the rest wide).
        assert "*" in shown, (column, shown)


def test_a_division_leads_decision_points_narrow_no_hidden_count(app_env):
    """An outside reader (1 December 2026), the demo's Medicine lead, 2025/26: the trust's White formal sanctions
    8, its dismissals hidden, Medicine's sanctions `*` (at least 1) and dismissals 0. The rest of the trust's
    sanctions are then at most 7, its dismissals at most those (a dismissal is a sanction), and equal to the
    trust's: trust dismissals 1..7 (true 1) and Medicine's sanctions 1..7 (true 3). The auditor had the rest
    as plain differences, without the steps' relations. A reader written here (scipy milp over the shown
    tables: the trust = Medicine + the rest; in each, events at most cases, BME the sum of its groups, and the
    steps' shared populations) finds every hidden small count protected."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    from erreview.divisions import division_decision_results

    from .test_disclosure_packs import BROAD_BME, GROUPS, POINTS

    engine = store.engine_for(app_env.database_url)
    found = division_decision_results(engine, actor=LEAD, threshold=7, window=parse_period("2025/26"))
    assert set(found) == {TRUST, "Medicine"}
    places = [TRUST, "Medicine", "rest"]
    cells = [(w, p, g, k) for w in places for p in POINTS.values() for g in GROUPS for k in ("n", "events")]
    col = {c: i for i, c in enumerate(cells)}
    truth, low, high = {}, np.zeros(len(cells)), np.full(len(cells), 10**6)
    for where, (results, table) in found.items():
        shown = table.set_index("Decision point")
        for r in results:
            for g in GROUPS:
                counts = r.bme if g == "BME" else r.groups.get(g)
                for k in ("n", "events"):
                    cell = (where, r.point.name, g, k)
                    truth[cell] = getattr(counts, k) if counts else 0
                    text = str(shown.loc[r.point.label, f"{g} {k}"])
                    if text == "*":
                        low[col[cell]] = 1
                    else:
                        low[col[cell]] = high[col[cell]] = int(text.replace(",", ""))
    for p in POINTS.values():
        for g in GROUPS:
            for k in ("n", "events"):
                truth[("rest", p, g, k)] = truth[(TRUST, p, g, k)] - truth[("Medicine", p, g, k)]
    rows, lo, hi = [], [], []

    def relate(terms, a, b):
        row = np.zeros(len(cells))
        for cell, c in terms:
            row[col[cell]] += c
        rows.append(row)
        lo.append(a)
        hi.append(b)

    for p in POINTS.values():
        for g in GROUPS:
            for k in ("n", "events"):
                relate([((TRUST, p, g, k), 1), (("Medicine", p, g, k), -1), (("rest", p, g, k), -1)], 0, 0)
    for w in places:
        for g in GROUPS:
            for p in POINTS.values():
                relate([((w, p, g, "events"), 1), ((w, p, g, "n"), -1)], -np.inf, 0)
            fi = (w, "formal_investigation", g, "events")
            relate([(fi, 1), ((w, "suspension", g, "n"), -1)], 0, 0)
            relate([(fi, 1), ((w, "regulator_referral", g, "n"), -1)], 0, 0)
            relate([((w, "formal_sanction", g, "n"), 1), ((w, "dismissal", g, "n"), -1)], 0, 0)
            relate([((w, "dismissal", g, "events"), 1), ((w, "formal_sanction", g, "events"), -1)], -np.inf, 0)
            relate([((w, "case_to_answer", g, "n"), 1), (fi, -1)], -np.inf, 0)
            relate([((w, "formal_sanction", g, "n"), 1), ((w, "case_to_answer", g, "events"), -1)], -np.inf, 0)
        for p in POINTS.values():
            for k in ("n", "events"):
                relate([((w, p, "BME", k), 1), *(((w, p, g, k), -1) for g in BROAD_BME)], 0, 0)
    matrix = LinearConstraint(np.array(rows), lo, hi)
    leaks = []
    for cell in cells:
        if not 1 <= truth[cell] <= 7 or low[col[cell]] == high[col[cell]]:
            continue
        ends = []
        for sign in (1, -1):
            c = np.zeros(len(cells))
            c[col[cell]] = sign
            res = milp(c, constraints=[matrix], integrality=np.ones(len(cells)), bounds=Bounds(low, high))
            assert res.status == 0, res.message
            ends.append(round(sign * res.fun))
        assert ends[0] <= truth[cell] <= ends[1], (cell, truth[cell], ends)
        if not ((ends[0] == 0 or ends[1] > 7) and ends[1] - ends[0] >= 7):
            leaks.append((cell, truth[cell], tuple(ends)))
    assert leaks == []
