"""The community and staff-network pack: stricter threshold, passes the disclosure auditor at 10."""

from __future__ import annotations

import re
from dataclasses import replace
from dataclasses import replace as dc_replace

import pandas as pd
import pytest
from pypdf import PdfReader

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
    if board_first:  # a board pack published at 7 before: the community pack is still safe among community packs
        result = cli.invoke(app, ["--db", imported, "export", "--period", PERIOD, "--out", str(tmp_path / "board")])
        assert result.exit_code == 0, result.stderr
    # The pack as the library builds it, audited independently at 10 against every pack published before it.
    inputs = service.pack_inputs(engine, here, parse_period(PERIOD))
    pack = service.community_pack(engine, here, parse_period(PERIOD))
    assert pack.threshold == 10 and pack.audit is not None and pack.audit.ok
    assert pack.record is not None
    community_before = [r for r in inputs.earlier if r.threshold >= 10]
    assert len(inputs.earlier) == int(board_first) and not community_before
    problem, _ = combined_problem(pack_cells(replace(inputs, threshold=10)), community_before)
    problem = dc_replace(problem, published=problem.published - set(pack.record.hidden))
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
    assert len(at.get("download_button")) == 3
    assert any("Community pack (community-pack-" in c.value and "from 1 to 10" in c.value for c in at.caption)
