"""The community and staff-network pack: stricter threshold, passes the disclosure auditor at 10."""

from __future__ import annotations

import re
from dataclasses import replace
from dataclasses import replace as dc_replace

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader
from scipy.optimize import Bounds, LinearConstraint, milp

from erreview import service, store
from erreview.cli import app
from erreview.export.disclosure import audit
from erreview.export.pack import pack_cells
from erreview.export.published import combined_problem
from erreview.periods import parse_period

PERIOD = "2024/25-H2"
COUNT = re.compile(r"( n$| events$| entrants$| headcount$|^Staff$|^Ethnicity not stated$)")


def _counts_ok(frame: pd.DataFrame, threshold: int) -> None:
    for column in frame.columns:
        if COUNT.search(str(column)):
            for value in frame[column].astype(str):
                if value not in ("", "*", "None", "nan"):
                    assert not 1 <= int(value.replace(",", "")) <= threshold, (column, value)


@pytest.mark.parametrize("board_first", [False, True])
def test_the_community_pack_passes_the_auditor_at_ten(cli, imported, settings, tmp_path, board_first):
    engine = store.engine_for(imported)
    here = settings.model_copy(update={"database_url": imported})
    if board_first:  # a board pack published at 7 before: the community pack is audited with it
        result = cli.invoke(app, ["--db", imported, "export", "--period", PERIOD, "--out", str(tmp_path / "board")])
        assert result.exit_code == 0, result.stderr
    # The pack as the library builds it, audited independently at 10 against every pack published before it.
    inputs = service.pack_inputs(engine, here, parse_period(PERIOD))
    pack = service.community_pack(engine, here, parse_period(PERIOD))
    assert pack.threshold == 10 and pack.audit is not None and pack.audit.ok
    assert pack.record is not None
    community_before = [r for r in inputs.earlier if r.threshold >= 10]
    assert len(inputs.earlier) == int(board_first) and not community_before
    # With every pack before it, of either audience (one reader may hold them all): a count the board pack
    # printed is public, and one it left narrower than 10 values may be left so, no narrower.
    cells = pack_cells(replace(inputs, threshold=10))
    # What the pack withholds as a whole (its notes say so) is known to hold zeros too: never read as at least 1.
    cells.latent |= set(pack.record.withheld)
    problem, fixed = combined_problem(cells, inputs.earlier)
    decided = set(cells.values) - cells.latent - fixed
    problem = dc_replace(problem, published=problem.published - set(pack.record.hidden), decided=decided)
    result = audit(problem, 10)
    assert result.ok, (result.failures[:5], result.unmodelled[:5])
    if board_first:  # the community pack hides more than the board pack did
        assert len(pack.record.hidden) > len(inputs.earlier[0].hidden)

    out = tmp_path / "community"
    result = cli.invoke(
        app, ["--db", imported, "export", "--period", PERIOD, "--audience", "community", "--out", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    for path in (out / "csv").glob("*.csv"):
        _counts_ok(pd.read_csv(path, dtype=str, keep_default_na=False), 10)
    names = {p.stem for p in (out / "csv").glob("*.csv")}
    assert "panel_checks" not in names and "data_quality" not in names
    assert {"indicator3", "decision_points", "measures"} <= names
    # The same pack at the board threshold would publish counts between 8 and 10: the threshold matters.
    board = service.review_pack(engine, here, parse_period(PERIOD))
    shown = [
        int(v.replace(",", ""))
        for t in board.tables
        for c in t.frame.columns
        if COUNT.search(str(c))
        for v in t.frame[c].astype(str)
        if v not in ("", "*", "None", "nan")
    ]
    assert any(8 <= v <= 10 for v in shown)


def test_the_community_pack_reads_plainly(cli, imported, settings, tmp_path):
    out = tmp_path / "c"
    result = cli.invoke(
        app, ["--db", imported, "export", "--period", PERIOD, "--audience", "community", "--out", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    pdf = next(out.glob("*.pdf"))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(pdf).pages).split())
    assert "community and staff-network summary" in text
    assert "no number from 1 to 10 is shown" in text
    assert "95% interval" in text
    summary = pd.read_csv(out / "csv" / "summary.csv")["line"].tolist()
    assert not any(re.search(r"\b(?:[1-9]|10) of ", line) for line in summary)


def test_an_unknown_audience_is_refused(cli, imported, tmp_path):
    result = cli.invoke(
        app, ["--db", imported, "export", "--period", PERIOD, "--audience", "public", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1 and "--audience must be board or community" in result.stderr


def test_the_refusal_names_the_period_and_how_many_counts_and_is_silent_when_the_audit_passes():
    from erreview.export.disclosure import Audit, Range
    from erreview.export.pack import refusal

    assert refusal(Audit({"a": Range(0, 20)}, [], []), PERIOD) is None
    said = refusal(Audit({"a": Range(1, 5), "b": Range(1, 6)}, ["a", "b"], []), PERIOD)
    assert said is not None and PERIOD in said and "2 count(s)" in said and "Nothing has been written" in said


@pytest.mark.parametrize("audience", ["board", "community"])
def test_a_pack_the_audit_still_fails_is_refused_and_nothing_is_written_or_recorded(
    cli, imported, tmp_path, monkeypatch, audience
):
    """Where a count stays narrowed with every part withheld that could be, the export stops with the reason:
    no file is written and nothing is recorded as published (the next pack is not audited against it)."""
    from erreview.export import pack as pack_module

    engine = store.engine_for(imported)
    before = service.published_version(engine)
    seen = []

    def still_failing(found, period):
        seen.append(len(found.failures))
        return f"The {period} pack cannot be published safely: (a test)"

    monkeypatch.setattr(pack_module, "refusal", still_failing)
    out = tmp_path / "pack"
    result = cli.invoke(
        app, ["--db", imported, "export", "--period", PERIOD, "--audience", audience, "--out", str(out)]
    )
    assert result.exit_code == 1, result.stdout
    assert "cannot be published safely" in result.stderr and "Traceback" not in result.stderr
    assert seen and not out.exists()
    assert service.published_version(engine) == before


def test_a_second_community_pack_is_audited_with_the_first(cli, imported, settings, tmp_path):
    engine = store.engine_for(imported)
    here = settings.model_copy(update={"database_url": imported})
    first = ["--db", imported, "export", "--period", "2024/25-H1", "--audience", "community", "--out"]
    assert cli.invoke(app, [*first, str(tmp_path / "h1")]).exit_code == 0
    inputs = service.pack_inputs(engine, here, parse_period(PERIOD))
    assert [r.threshold for r in inputs.earlier] == [10]
    pack = service.community_pack(engine, here, parse_period(PERIOD))
    assert pack.audit is not None and pack.audit.ok


def test_reports_offers_the_community_pack(imported, monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from erreview.review.roles import Actor, Role

    monkeypatch.setenv("ERREVIEW_DATABASE_URL", imported)
    monkeypatch.setenv("ERREVIEW_PSEUDONYM_KEY", "test-pseudonym-key-0123456789abcdef")
    at = AppTest.from_file(str(Path(__file__).parent.parent / "panels" / "reports.py"), default_timeout=180)
    from .sessions import SESSION_KEY, session_token

    at.session_state[SESSION_KEY] = session_token(imported, Actor("board", Role.BOARD_VIEWER))
    at.run()
    assert not at.exception, at.exception
    next(r for r in at.radio if r.label == "Audience").set_value("community").run()
    assert not at.exception, at.exception
    next(b for b in at.button if b.label == "Prepare the pack").click().run()
    assert not at.exception, at.exception
    assert len(at.get("download_button")) == 3
    assert any("Community pack (community-pack-" in c.value and "from 1 to 10" in c.value for c in at.caption)


# --- one reader, both audiences -------------------------------------------------------------------------

#: Four divisions (BME and White entrants; BME, White and not-stated headcounts) for which the board pack
#: (threshold 7) and the community pack (10), each audited within its own audience, together gave D3's
#: not-stated headcount of 5 back exactly (found by a random search over small trusts).
ENTRANTS = {"D0": (10, 11), "D1": (20, 11), "D2": (15, 9), "D3": (30, 25)}
HEADS = {"D0": (11, 166, 0), "D1": (21, 110, 4), "D2": (55, 130, 4), "D3": (67, 183, 5)}
KINDS = ["BME entrants", "BME headcount", "White entrants", "White headcount", "Staff", "Ethnicity not stated"]


def _small_trust_inputs(period, threshold, earlier):
    from datetime import date

    from erreview.export.pack import PackInputs

    rows = [
        (f"p{d}{g}{i}", g, d)
        for d, counts in ENTRANTS.items()
        for g, n in zip(("BME", "White"), counts, strict=True)
        for i in range(n)
    ]
    heads = [
        (pd.Timestamp(period.end), g, d, n)
        for d, counts in HEADS.items()
        for g, n in zip(("BME", "White", "Unknown"), counts, strict=True)
    ]
    return PackInputs(
        period,
        [],
        [],
        (date(2024, 4, 1), date(2025, 3, 31)),
        pd.DataFrame(rows, columns=["person_key", "wres_group", "division"]),
        pd.DataFrame(heads, columns=["snapshot_date", "wres_group", "division", "headcount"]),
        pd.DataFrame(columns=["wres_group", "decision"]),
        None,
        threshold,
        earlier=earlier,
    )


def _reader_ranges(packs, divisions):
    """What one reader of all ``packs`` infers about every count none of them prints: an integer programme
    over the relations the tables' shapes state (divisions add up to the trust, entrants never exceed
    headcount, staff = BME + White + not stated), written from the printed tables, not the auditor."""
    everywhere = [*divisions, "Trust"]
    known: dict[tuple[str, str], int] = {}
    for pack in packs:
        for table in pack.tables:
            if table.name not in ("divisions", "data_quality"):
                continue
            for _, row in table.frame.iterrows():
                for kind in KINDS:
                    if kind in row and row[kind] not in ("*", ""):
                        known[(row["Division"], kind)] = int(row[kind])
    cells = [(d, k) for d in everywhere for k in KINDS]
    unknown = [c for c in cells if c not in known]
    col = {c: i for i, c in enumerate(unknown)}
    rows, low, high = [], [], []

    def relate(terms, lo, hi):
        coefs, const = np.zeros(len(unknown)), 0.0
        for cell, c in terms:
            if cell in known:
                const += c * known[cell]
            else:
                coefs[col[cell]] += c
        if coefs.any():
            rows.append(coefs)
            low.append(lo - const)
            high.append(hi - const)

    for kind in KINDS:
        relate([(("Trust", kind), 1.0), *(((d, kind), -1.0) for d in divisions)], 0, 0)
    for d in everywhere:
        for g in ("BME", "White"):
            relate([((d, f"{g} entrants"), 1.0), ((d, f"{g} headcount"), -1.0)], -np.inf, 0)
        parts = [(d, "BME headcount"), (d, "White headcount"), (d, "Ethnicity not stated")]
        relate([((d, "Staff"), 1.0), *((p, -1.0) for p in parts)], 0, 0)
    out = {}
    for cell in unknown:
        ends = []
        for sign in (1, -1):
            c = np.zeros(len(unknown))
            c[col[cell]] = sign
            res = milp(
                c,
                constraints=[LinearConstraint(np.array(rows), low, high)] if rows else [],
                integrality=np.ones(len(unknown)),
                bounds=Bounds(0, 10**5),
            )
            assert res.status == 0, res.message
            ends.append(round(sign * res.fun))
        out[cell] = (ends[0], ends[1])
    return out


def test_a_community_pack_after_a_board_pack_gives_none_of_their_hidden_counts_back(engine, settings, monkeypatch):
    """A reader of the board pack (7) and the later community pack (10) for the same half-year learns no
    small hidden count: each is protected at 10 or left exactly as the board pack alone left it. Before, the
    community pack was audited against earlier community packs only, and the two packs together gave D3's
    not-stated headcount of 5 back exactly (the board's data-quality table with the community's divisions)."""
    period = parse_period(PERIOD)
    published: list = []

    def inputs(engine, settings, p):
        return _small_trust_inputs(p, settings.suppression_threshold, list(published))

    monkeypatch.setattr(service, "pack_inputs", inputs)
    monkeypatch.setattr(service, "effective_settings", lambda engine, s: s)
    board = service.review_pack(engine, settings, period)
    assert board.threshold == 7 and board.record is not None
    published.append(board.record)  # as the export keeps it, for the next pack's inputs
    community = service.community_pack(engine, settings, period)
    assert community.threshold == 10

    truth = {(d, "BME entrants"): a for d, (a, _) in ENTRANTS.items()}
    truth |= {(d, "White entrants"): c for d, (_, c) in ENTRANTS.items()}
    for d, (b, w, u) in HEADS.items():
        truth |= {(d, "BME headcount"): b, (d, "White headcount"): w, (d, "Ethnicity not stated"): u}
        truth[(d, "Staff")] = b + w + u
    divisions = list(ENTRANTS)
    alone, both = _reader_ranges([board], divisions), _reader_ranges([board, community], divisions)
    leaks = []
    for cell, (lo, hi) in both.items():
        if cell in truth:
            assert lo <= truth[cell] <= hi, cell
        if 1 <= truth.get(cell, 0) <= 10 and not ((lo == 0 or hi > 10) and hi - lo >= 10) and (lo, hi) != alone[cell]:
            leaks.append((cell, truth[cell], (lo, hi)))
    assert leaks == []
