"""Write a :class:`~erreview.export.pack.ReviewPack` as CSV files, an Excel workbook and a PDF report.

Output is deterministic for the same pack: fixed column order, fixed formatting, and file metadata dated
to the period end rather than the moment of export. Text cells that a spreadsheet would run as a formula
(starting ``=``, ``+``, ``-`` or ``@``) are neutralised.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, time
from importlib import resources
from pathlib import Path

import pandas as pd
import vl_convert as vlc
import xlsxwriter
from fpdf import FPDF
from fpdf.enums import TableCellFillMode

from erreview.charts import NHS_BLUE, NHS_DARK_BLUE, ratio_trend_chart, spc_chart, spc_description
from erreview.export.pack import ReviewPack
from erreview.export.safe_csv import neutralise
from erreview.files import private_tree

PDF_COLUMNS = {
    "indicator3": [
        "Period",
        "BME entrants",
        "BME headcount",
        "BME rate",
        "White entrants",
        "White headcount",
        "White rate",
        "Ratio",
        "95% CI low",
        "95% CI high",
        "Band",
    ],
    "decision_points": [
        "Decision point",
        "BME n",
        "BME events",
        "BME rate",
        "White n",
        "White events",
        "White rate",
        "Ratio",
        "95% CI low",
        "95% CI high",
        "Flag",
        "q (BH)",
    ],
}
# The trust's own measures and complaints have the decision points' columns (complaints by half-year first).
PDF_COLUMNS["trust_measures"] = PDF_COLUMNS["complaints"] = PDF_COLUMNS["decision_points"]
PDF_COLUMNS["complaints_trend"] = ["Half-year", *PDF_COLUMNS["decision_points"][1:]]
#: Tables whose first columns are words, not numbers: their relative column widths in the PDF (else all equal),
#: their text aligned left (the panel-check table's step and its decisions, worded for that step).
PDF_WIDTHS: dict[str, tuple[int, ...]] = {"panel_checks": (3, 4, 1, 1, 1, 1)}


def write_csvs(pack: ReviewPack, out: Path) -> list[Path]:
    """One CSV per table plus ``summary.csv`` and the tables' notes, ``notes.csv`` (UTF-8, LF line ends)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    summary = out / "summary.csv"
    with summary.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["line"])
        writer.writerows([[neutralise(line)] for line in pack.summary])
    paths.append(summary)
    for table in pack.tables:
        path = out / f"{table.name}.csv"
        table.frame.map(neutralise).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        paths.append(path)
    # The tables' notes, as in the workbook and the PDF: a reader of the CSVs alone must learn too which parts
    # are withheld as a whole (their `*` may be 0).
    notes = out / "notes.csv"
    with notes.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["table", "title", "note"])
        writer.writerows([[t.name, neutralise(t.title), neutralise(t.note)] for t in pack.tables if t.note])
    paths.append(notes)
    return paths


def trend_png(pack: ReviewPack, *, width: int = 640, height: int = 300) -> bytes | None:
    """The ratio trend chart as PNG (vl-convert: no browser needed)."""
    if pack.trend.empty:
        return None
    chart = ratio_trend_chart(
        pack.trend,
        title=f"Relative likelihood by half-year to {pack.period.label}",
        width=width,
        height=height,
        national=pack.national,
        intervention=pack.intervention,
    )
    return bytes(vlc.vegalite_to_png(chart.to_json(), scale=2))


def spc_png(pack: ReviewPack, *, width: int = 640, height: int = 260) -> bytes | None:
    """The SPC chart as PNG; none when the pack has no chart (too few periods, or one rests on a period too
    small to publish, so its centre and limits are not printed)."""
    if pack.spc is None or len(pack.spc_labels) != len(pack.spc.values):
        return None
    chart = spc_chart(pack.spc, pack.spc_labels, width=width, height=height)
    return bytes(vlc.vegalite_to_png(chart.to_json(), scale=2))


def _stamp(pack: ReviewPack) -> datetime:
    return datetime.combine(pack.generated, time(0, 0))


def write_xlsx(pack: ReviewPack, path: Path, *, chart: bytes | None = None) -> Path:
    """A workbook: Summary (with the trend chart), one sheet per table, Methods."""
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    workbook.set_properties({"title": pack.title, "author": "erreview", "created": _stamp(pack)})
    head = workbook.add_format(
        {"bold": True, "font_color": "white", "bg_color": NHS_BLUE, "border": 1, "text_wrap": True, "valign": "top"}
    )
    title = workbook.add_format({"bold": True, "font_size": 14, "font_color": NHS_DARK_BLUE})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    cell = workbook.add_format({"border": 1})
    number = workbook.add_format({"border": 1, "num_format": "#,##0"})

    sheet = workbook.add_worksheet("Summary")
    sheet.set_column(0, 0, 110)
    sheet.write(0, 0, pack.title, title)
    for i, line in enumerate(pack.summary, start=2):
        sheet.write_string(i, 0, neutralise(line), wrap)
    if chart:
        sheet.insert_image(
            len(pack.summary) + 3, 0, "trend.png", {"image_data": io.BytesIO(chart), "x_scale": 0.5, "y_scale": 0.5}
        )
    for table in pack.tables:
        ws = workbook.add_worksheet(table.title[:31].replace("/", "-").replace(":", ""))
        ws.write(0, 0, table.title, title)
        if table.note:
            ws.write_string(1, 0, neutralise(table.note))
        frame = table.frame
        for c, column in enumerate(frame.columns):
            ws.write_string(3, c, str(column), head)
            width = max([len(str(column)), *(len(str(v)) for v in frame[column])]) + 2
            ws.set_column(c, c, min(max(width, 8), 60))
        for r, row in enumerate(frame.itertuples(index=False), start=4):
            for c, value in enumerate(row):
                text = neutralise(value)
                if text.isdigit():
                    ws.write_number(r, c, int(text), number)
                else:
                    ws.write_string(r, c, text, cell)
        ws.freeze_panes(4, 1)
    methods = workbook.add_worksheet("Methods")
    methods.set_column(0, 0, 120)
    methods.write(0, 0, "Methods and definitions", title)
    for i, line in enumerate(pack.methods, start=2):
        methods.write_string(i, 0, neutralise(line), wrap)
    workbook.close()
    return path


class _Report(FPDF):
    def __init__(self, pack: ReviewPack):
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.pack = pack
        fonts = resources.files("erreview.export") / "fonts"
        self.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.set_creation_date(_stamp(pack))
        self.set_title(pack.title)
        self.set_author("erreview")
        self.set_auto_page_break(True, margin=15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(
            0,
            8,
            f"{self.pack.title} · page {self.page_no()} · counts from 1 to {self.pack.threshold} shown as *",
            align="C",
        )


def write_pdf(pack: ReviewPack, path: Path, *, chart: bytes | None = None, spc: bytes | None = None) -> Path:
    """A report of a few pages: summary and chart, the key tables (the SPC chart, described in words, with its
    signals), methods."""
    pdf = _Report(pack)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.set_text_color(0, 48, 135)
    pdf.multi_cell(0, 9, pack.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_text_color(0, 0, 0)
    for i, line in enumerate(pack.summary):
        pdf.set_font("DejaVu", "B" if i == 0 else "", 11)
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    if chart:
        pdf.image(io.BytesIO(chart), w=200)
    for table in pack.tables:
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 13)
        pdf.set_text_color(0, 48, 135)
        pdf.multi_cell(0, 8, table.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        if table.note:
            pdf.set_font("DejaVu", "", 9)
            pdf.multi_cell(0, 5, table.note, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        if table.name == "trend_signals" and spc and pack.spc is not None:
            words = spc_description(pack.spc, pack.spc_labels)
            pdf.image(io.BytesIO(spc), w=190, alt_text=words)
            pdf.set_font("DejaVu", "", 9)
            pdf.multi_cell(0, 5, words, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        frame = table.frame
        if table.name in PDF_COLUMNS:
            frame = frame[[c for c in PDF_COLUMNS[table.name] if c in frame.columns]]
        if frame.empty:
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(0, 6, "Nothing to show for this period.", new_x="LMARGIN", new_y="NEXT")
            continue
        pdf.set_font("DejaVu", "", 8)
        widths = PDF_WIDTHS.get(table.name)
        with pdf.table(
            col_widths=widths if widths and len(widths) == len(frame.columns) else None,
            text_align="LEFT" if widths else "JUSTIFY",
            first_row_as_headings=True,
            cell_fill_color=(232, 237, 238),
            cell_fill_mode=TableCellFillMode.ROWS,
            line_height=5,
        ) as grid:
            header = grid.row()
            for column in frame.columns:
                header.cell(str(column))
            for values in frame.itertuples(index=False):
                row = grid.row()
                for value in values:
                    row.cell(str(value))
        if table.name in ("decision_points",):
            pdf.set_font("DejaVu", "", 8)
            pdf.ln(2)
            pdf.multi_cell(
                0, 5, "Counts by broad ethnic group are in the workbook and CSV files.", new_x="LMARGIN", new_y="NEXT"
            )
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 8, "Methods and definitions", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    for line in pack.methods:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    pdf.output(str(path))
    return path


def write_review_pack(pack: ReviewPack, out: Path) -> list[Path]:
    """Everything: CSVs, the workbook and the PDF, into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"review-pack-{pack.period.label.replace('/', '-')}"
    chart, spc = trend_png(pack), spc_png(pack)
    paths = write_csvs(pack, out / "csv")
    paths.append(write_xlsx(pack, out / f"{stem}.xlsx", chart=chart))
    paths.append(write_pdf(pack, out / f"{stem}.pdf", chart=chart, spc=spc))
    if chart:
        (out / "trend.png").write_bytes(chart)
        paths.append(out / "trend.png")
    if spc:
        (out / "spc.png").write_bytes(spc)
        paths.append(out / "spc.png")
    private_tree(paths)
    return paths


def frame_to_text(frame: pd.DataFrame) -> str:
    """Plain text of a table (for tests and logs)."""
    return frame.to_string(index=False)
