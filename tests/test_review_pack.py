"""The six-monthly review pack: golden CSVs and summary, disclosure control in every file, determinism."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from erreview import service
from erreview.cli import app
from erreview.export.suppression import Relation, recomputable
from erreview.export.writers import neutralise
from erreview.periods import parse_period

from .conftest import EXAMPLES
from .pg import database_url

GOLDEN = Path(__file__).parent / "data" / "golden" / "pack-2024-25-H2"
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
PERIOD = "2024/25-H2"
COUNT_COLUMN = re.compile(
    r"( n$| events$| entrants$| headcount$|^Staff$|^Ethnicity not stated$|^BME$|^White$|"
    r"^Not stated$|^All$)"
)


@pytest.fixture(scope="module")
def pack_dir(tmp_path_factory):
    from typer.testing import CliRunner

    tmp = tmp_path_factory.mktemp("pack")
    runner = CliRunner(
        env={"ERREVIEW_PSEUDONYM_KEY": "test-pseudonym-key-0123456789abcdef", "ERREVIEW_KEY_FILE": str(tmp / "k")}
    )
    url = database_url(tmp, "p.db")
    assert (
        runner.invoke(
            app,
            [
                "--db",
                url,
                "import",
                "--workforce",
                str(EXAMPLES / "workforce.csv"),
                "--cases",
                str(EXAMPLES / "cases.csv"),
            ],
        ).exit_code
        == 0
    )
    outputs = []
    for run in ("a", "b"):
        result = runner.invoke(app, ["--db", url, "export", "--period", PERIOD, "--out", str(tmp / run)])
        assert result.exit_code == 0, result.stderr
        outputs.append(tmp / run)
    return outputs


def test_golden_csv_tables_and_summary(pack_dir):
    produced = pack_dir[0] / "csv"
    if os.environ.get("ERREVIEW_UPDATE_GOLDEN"):
        shutil.copytree(produced, GOLDEN, dirs_exist_ok=True)
    names = sorted(p.name for p in produced.glob("*.csv"))
    assert names == sorted(p.name for p in GOLDEN.glob("*.csv"))
    for name in names:
        assert (produced / name).read_text() == (GOLDEN / name).read_text(), name


def test_the_same_data_gives_the_same_files(pack_dir):
    a, b = pack_dir

    def digests(folder: Path) -> dict[str, str]:
        return {
            str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }

    assert digests(a) == digests(b)


def _check_table(frame: pd.DataFrame, threshold: int = 7) -> None:
    for column in frame.columns:
        if not COUNT_COLUMN.search(str(column)):
            continue
        for value in frame[column].astype(str):
            if value in ("", "*", "None", "nan"):
                continue
            assert not 1 <= int(value) <= threshold, (column, value)


def _relations(frame: pd.DataFrame, name: str) -> tuple[dict, list[Relation]]:
    """The totals a reader could use, rebuilt from the published table's own shape."""
    values, relations = {}, []

    def num(v):
        return None if str(v) in ("*", "", "nan", "None") else int(v)

    if name == "decision_points":
        for _, row in frame.iterrows():
            p = row["Decision point"]
            for kind in ("n", "events"):
                parts = [f"{g} {kind}" for g in ("Mixed", "Asian", "Black", "Other")]
                for c in [f"BME {kind}", *parts, f"White {kind}", f"Not stated {kind}"]:
                    values[(p, c)] = num(row[c])
                relations.append(Relation((p, f"BME {kind}"), tuple((p, c) for c in parts)))
        for g in ("BME", "White", "Mixed", "Asian", "Black", "Other", "Not stated"):
            relations.append(Relation(("Formal investigation", f"{g} events"), (("Suspension", f"{g} n"),)))
            relations.append(Relation(("Formal sanction", f"{g} n"), (("Dismissal", f"{g} n"),)))
    elif name in ("divisions", "data_quality"):
        body = frame[frame["Division"] != "Trust"]
        for column in frame.columns[1:]:
            if not COUNT_COLUMN.search(column):
                continue
            for _, row in frame.iterrows():
                values[(row["Division"], column)] = num(row[column])
            relations.append(Relation(("Trust", column), tuple((d, column) for d in body["Division"])))
    hidden = {k for k, v in values.items() if v is None}
    return {k: (v if v is not None else 0) for k, v in values.items()} | {k: 0 for k in hidden}, relations, hidden


def test_no_small_count_and_no_recomputable_cell_in_any_file(pack_dir):
    folder = pack_dir[0]
    # CSV
    for path in (folder / "csv").glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        _check_table(frame)
        values, relations, hidden = _relations(frame, path.stem)
        assert recomputable(values, hidden, relations) == [], path.name
    # Workbook: every sheet, every count-like column
    workbook = openpyxl.load_workbook(next(folder.glob("*.xlsx")), read_only=True)
    sheets = workbook.sheetnames
    assert sheets[0] == "Summary" and sheets[-1] == "Methods" and len(sheets) == 11
    for sheet in workbook.worksheets[1:-1]:
        rows = list(sheet.iter_rows(min_row=4, values_only=True))
        frame = pd.DataFrame(rows[1:], columns=[str(c) for c in rows[0]]).fillna("")
        _check_table(frame.astype(str))
    # PDF: the text of every page
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(next(folder.glob("*.pdf"))).pages).split())
    assert "six-monthly review, 2024/25-H2" in text
    assert "BME staff were 3.04 times as likely" in text
    assert "8 of 539 BME staff compared with 9 of 1,842 White staff" in text
    # The PDF's decision-point table agrees with the CSV (suppressed cells included).
    csv = pd.read_csv(folder / "csv" / "decision_points.csv", dtype=str, keep_default_na=False)
    suspension = csv[csv["Decision point"] == "Suspension"].iloc[0]
    assert suspension["BME events"] == "*" and f"Suspension {suspension['BME n']} *" in text


def test_pdf_pages_render_to_images_for_review(pack_dir):
    """The pages are turned into PNGs under test-artifacts/ (looked at by a person, and in the README)."""
    pdf = next(pack_dir[0].glob("*.pdf"))
    out = ARTIFACTS / "review-pack"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(out / "page")], check=True)
    pages = sorted(out.glob("page-*.png"))
    assert len(pages) >= 5 and all(p.stat().st_size > 5_000 for p in pages)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+cmd", "'+cmd"),
        ("@x", "'@x"),
        ("-2+3", "'-2+3"),
        ("-0.05", "-0.05"),
        ("+15.4", "+15.4"),
        ("-3%", "-3%"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_formula_injection_is_neutralised(value, expected):
    assert neutralise(value) == expected


def test_hostile_division_names_are_neutralised_in_csv_and_xlsx(engine, settings, tmp_path):
    frame = pd.read_csv(EXAMPLES / "workforce.csv", dtype=str)
    # "=..." is refused at import; a leading "-" is a legal name that a spreadsheet would still evaluate.
    frame.loc[frame["division"] == "Corporate", "division"] = "-2+3 Corporate"
    hostile = tmp_path / "w.csv"
    frame.to_csv(hostile, index=False)
    service.import_files(engine, settings, workforce=hostile, cases=EXAMPLES / "cases.csv")
    from erreview.export.writers import write_review_pack

    paths = write_review_pack(service.review_pack(engine, settings, parse_period(PERIOD)), tmp_path / "out")
    quality = (tmp_path / "out" / "csv" / "data_quality.csv").read_text()
    assert "'-2+3 Corporate" in quality
    workbook = openpyxl.load_workbook(next(p for p in paths if p.suffix == ".xlsx"))
    cells = [c.value for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert not any(str(v).startswith(("=", "-2+3")) for v in cells)
    assert "'-2+3 Corporate" in cells


def test_the_summary_reports_panel_diversion_only_when_numbers_allow():
    from datetime import date

    from erreview.export.pack import PackInputs, summary_lines

    def reviews(bme_stopped, bme_n, white_stopped, white_n):
        rows = (
            [("BME", "divert_informal")] * bme_stopped
            + [("BME", "proceed")] * (bme_n - bme_stopped)
            + [("White", "no_further_action")] * white_stopped
            + [("White", "proceed")] * (white_n - white_stopped)
        )
        return pd.DataFrame(rows, columns=["wres_group", "decision"])

    def lines(frame):
        inputs = PackInputs(
            parse_period(PERIOD),
            [],
            [],
            (date(2024, 4, 1), date(2025, 3, 31)),
            pd.DataFrame(),
            pd.DataFrame(),
            frame,
            None,
            7,
        )
        return summary_lines(inputs)

    assert not any("Panels held" in line for line in lines(pd.DataFrame(columns=["wres_group", "decision"])))
    big = " ".join(lines(reviews(10, 40, 12, 30)))
    assert (
        "Panels held 70 bias-check review(s) in 2024/25 H2. They diverted or stopped 25% of BME cases and 40% of White cases."
        in big
    )
    small = " ".join(lines(reviews(3, 40, 12, 30)))
    assert "Too few to compare diversion rates" in small and "3" not in small.split("review(s)")[1]
    tiny = " ".join(lines(reviews(1, 2, 1, 3)))
    assert "Panels held * bias-check review(s)" in tiny
