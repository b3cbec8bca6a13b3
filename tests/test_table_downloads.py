# ruff: noqa: F811  (the fixtures imported from test_app are parameters here)
"""Every table on the screens has its own download: a button beside it, labelled with the table's name and unique
on its screen, whose CSV holds the table as the screen shows it (a hidden count stays '*'), is safe to open in a
spreadsheet, is made only at the click inside a still-valid session, and is audited with the screen and table."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pandas as pd
import pytest
import streamlit

from erreview import service, store
from erreview.auth import end_session
from erreview.export.safe_csv import table_csv
from erreview.review.roles import Role
from panels.common import SESSION_KEY, Col, DownloadRefused, table_cells, table_styler

from .sessions import shown
from .test_app import app_env, demo_db, signed_in  # noqa: F401  (fixtures)
from .test_screen_privacy import COUNT, T
from .test_table_values import with_actions  # noqa: F401  (fixture)

LABEL = re.compile(r"^Download the (.+) table \(CSV\)$")


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --- the CSV builder ---------------------------------------------------------------------------------------


def test_the_csv_keeps_headings_and_stars_and_neutralises_formula_text_only():
    data = table_csv(
        ["Group", "BME cases", "Difference (points)", "Note"],
        [
            ['=HYPERLINK("http://x")', "*", "+6.4", "@risk"],
            ["White", "1234", "-3.2", "-dash then words"],
            ["Mixed", "", "4.8%", "tab\there\rand a carriage return"],
        ],
    )
    rows = _rows(data)
    assert rows[0] == ["Group", "BME cases", "Difference (points)", "Note"]
    assert rows[1] == ['\'=HYPERLINK("http://x")', "*", "+6.4", "'@risk"]
    assert rows[2] == ["White", "1234", "-3.2", "'-dash then words"]
    assert rows[3] == ["Mixed", "", "4.8%", "tab\there\rand a carriage return"]
    # Every field quoted: a carriage return inside a cell cannot end the row in a spreadsheet.
    assert data.decode("utf-8-sig").splitlines()[0] == '"Group","BME cases","Difference (points)","Note"'


def test_a_tables_cells_are_read_from_what_is_drawn():
    """table_cells gives each cell as the screen draws it (read from the Styler, never the source), in the pack's
    CSV conventions: no thousands separator, points as a signed number, '' for none, '*' where hidden."""
    frame = pd.DataFrame(
        {
            "group": ["BME", "White", "=1+1"],
            "n": [1234, 3, 40],
            "rate": [0.0482, 0.5, None],
            "difference": [0.064, -0.032, None],
            "opened": pd.to_datetime(["2026-03-03", "2026-01-12", None]),
        }
    )
    columns = [
        Col("group", "Group"),
        Col("n", "Cases", "count"),
        Col("rate", "Rate", "rate"),
        Col("difference", "Difference", "points"),
        Col("opened", "Opened", "date"),
    ]
    table = table_styler(frame, columns, {(1, "n"), (1, "rate"), (1, "difference")})
    assert table.hidden
    headings, rows = table_cells(table, table.columns)
    assert headings == ["Group", "Cases", "Rate", "Difference (points)", "Opened"]
    assert rows == [
        ["BME", "1234", "4.8%", "+6.4", "3 Mar 2026"],
        ["White", "*", "*", "*", "12 Jan 2026"],
        ["=1+1", "40", "", "", ""],
    ]
    assert _rows(table_csv(headings, rows))[3][0] == "'=1+1"
    # Nothing hidden: a plain table of text and dates, its empty cells empty.
    table = table_styler(frame, columns)
    assert not table.hidden
    assert table_cells(table, table.columns)[1][1][1:3] == ["3", "50.0%"]


# --- the buttons on the screens ----------------------------------------------------------------------------

#: Each screen, for a few roles: every table there has its download (the audit log has its own).
SCREENS = [
    (Role.ADMIN, "panels/overview.py"),
    (Role.ADMIN, "panels/decisions.py"),
    (Role.ADMIN, "panels/measures.py"),
    (Role.ADMIN, "panels/divisions.py"),
    (Role.ADMIN, "panels/cases.py"),
    (Role.ADMIN, "panels/data.py"),
    (Role.ADMIN, "panels/admin.py"),
    (Role.BOARD_VIEWER, "panels/overview.py"),
    (Role.BOARD_VIEWER, "panels/decisions.py"),
    (Role.CASE_LEAD, "panels/cases.py"),
    (Role.DIVISION_LEAD, "panels/division_overview.py"),
    (Role.DIVISION_LEAD, "panels/division_decisions.py"),
]
OWN_DOWNLOADS = {"Download these entries (CSV)"}  # Admin's audit log: every entry as recorded


@pytest.fixture
def offered(monkeypatch):
    """Every download button drawn, as (label, the function that makes its file at the click, file name)."""
    seen: list[tuple[str, object, str]] = []
    original = streamlit.download_button

    def spy(label, data, file_name=None, mime=None, **kwargs):
        seen.append((label, data, file_name))
        return original(label, data, file_name, mime, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", spy)
    return seen


@pytest.mark.parametrize(("role", "screen"), SCREENS)
def test_every_table_has_its_own_named_download(app_env, offered, role, screen):
    at = signed_in(role).switch_page(screen).run()
    if screen == "panels/cases.py":  # no case opens by itself: open one for its timeline
        picker = next(s for s in at.selectbox if s.label == "Open case")
        picker.select(picker.options[0]).run()
    _check_downloads(at, offered)


def test_the_actions_table_has_its_download(with_actions, offered):
    """Actions draws its table itself (overdue rows highlighted), with the same download."""
    at = signed_in(Role.INCLUSION_ANALYST).switch_page("panels/actions.py").run()
    _check_downloads(at, offered)
    assert "Download the actions table (CSV)" in [b.proto.label for b in at.get("download_button")]


def _check_downloads(at, offered) -> None:
    assert not at.exception, at.exception
    buttons = [b.proto for b in at.get("download_button") if b.proto.label not in OWN_DOWNLOADS]
    labels = [b.label for b in buttons]
    own = len(at.get("download_button")) - len(buttons)
    assert len(at.dataframe) >= 1 and len(buttons) + own == len(at.dataframe), (labels, len(at.dataframe))
    assert all(LABEL.match(label) for label in labels), labels
    assert len(set(labels)) == len(labels), labels
    ids = [b.id for b in buttons]
    assert len(set(ids)) == len(ids) and all("download-" in i for i in ids), ids
    stamp = date.today().isoformat()
    names = list({label: name for label, _, name in offered if label in labels}.values())  # this run's
    assert len(names) == len(labels)
    assert all(re.fullmatch(rf"[a-z0-9-]+-{stamp}\.csv", n) for n in names), names
    assert len(set(names)) == len(names), names


def _normal(text: object) -> str:
    """A screen cell in the download's conventions (counts without separators, points as a number, none empty)."""
    if isinstance(text, pd.Timestamp):
        return f"{text:%-d %b %Y}"
    cell = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    if re.fullmatch(r"[+-]?[\d,]+(\.\d+)?%?( points)?", cell):
        cell = cell.replace(",", "").removesuffix(" points")
    return "" if cell == "—" else cell


@pytest.mark.parametrize(
    ("role", "screen"),
    [
        (Role.BOARD_VIEWER, "panels/decisions.py"),
        (Role.BOARD_VIEWER, "panels/overview.py"),
        (Role.DIVISION_LEAD, "panels/division_decisions.py"),
        (Role.DIVISION_LEAD, "panels/division_overview.py"),
    ],
)
def test_a_restricted_roles_download_holds_the_screens_stars_and_no_small_count(app_env, offered, role, screen):
    at = signed_in(role).switch_page(screen).run()
    assert not at.exception, at.exception
    tables = [(label, make) for label, make, _ in offered if LABEL.match(label)]
    assert len(tables) == len(at.dataframe)
    stars = 0
    for (label, make), table in zip(tables, at.dataframe, strict=True):
        rows = _rows(make())  # type: ignore[operator]
        screen_text = shown(table)
        assert [h.removesuffix(" (points)") for h in rows[0]] == [str(c) for c in screen_text.columns], label
        assert len(rows) - 1 == len(screen_text), label
        for r, row in enumerate(rows[1:]):
            expected = [_normal(v) for v in screen_text.iloc[r].tolist()]
            assert [c.removeprefix("'") for c in row] == expected, (label, r)
        for position, heading in enumerate(rows[0]):
            if COUNT.search(heading) and "rate" not in heading.lower() and "share" not in heading.lower():
                small = [c for c in (row[position] for row in rows[1:]) if c.isdigit() and 1 <= int(c) <= T]
                assert not small, (label, heading, small)
        stars += sum(cell == "*" for row in rows[1:] for cell in row)
    if screen in ("panels/decisions.py", "panels/division_decisions.py"):
        assert stars, "the demo data hides some counts on this screen: the test must meet them"


# --- at the click: audited, and nothing for a session that has ended ---------------------------------------


def _downloads(engine) -> pd.DataFrame:
    return service.audit_log(engine, action="download")


def test_a_download_is_audited_and_a_signed_out_session_gets_nothing(app_env, offered):
    engine = store.engine_for(app_env.database_url)
    before = len(_downloads(engine))
    at = signed_in(Role.BOARD_VIEWER).switch_page("panels/decisions.py").run()
    assert not at.exception, at.exception
    _, make, name = next(o for o in offered if o[0] == "Download the breakdown table (CSV)")
    assert len(_downloads(engine)) == before  # drawing the buttons hands nothing out and writes nothing
    data = make()  # type: ignore[operator]
    assert len(_rows(data)) >= 2  # its headings and rows
    log = _downloads(engine)
    assert len(log) == before + 1
    entry = log.iloc[0]
    assert entry["actor"] == "board" and entry["entity_id"] == "table: Decision points: breakdown"
    assert name in entry["detail"] and name.startswith("decision-points-breakdown-")
    end_session(engine, at.session_state[SESSION_KEY])  # signed out (or timed out) before the click
    with pytest.raises(DownloadRefused, match="signed out"):  # no file at all (before: an empty one)
        make()  # type: ignore[operator]
    assert len(_downloads(engine)) == before + 1


def test_one_audit_entry_for_each_file_handed_out_and_none_without_a_file(app_env, offered, monkeypatch):
    """Each click that hands out a file writes one entry; a click whose file cannot be made, or whose entry
    cannot be written, hands out nothing (and the first writes nothing)."""
    engine = store.engine_for(app_env.database_url)
    at = signed_in(Role.BOARD_VIEWER).switch_page("panels/decisions.py").run()
    assert not at.exception, at.exception
    _, make, _ = next(o for o in offered if o[0] == "Download the disparity table (CSV)")
    before = len(_downloads(engine))
    files = [make() for _ in range(3)]  # type: ignore[operator]
    assert len(set(files)) == 1 and len(_rows(files[0])) > 2
    assert len(_downloads(engine)) == before + 3

    import panels.common

    def broken(*args, **kwargs):
        raise RuntimeError("the file could not be made")

    monkeypatch.setattr(panels.common, "table_cells", broken)
    with pytest.raises(RuntimeError):
        make()  # type: ignore[operator]
    assert len(_downloads(engine)) == before + 3  # no file, no entry
    monkeypatch.undo()

    def unwritable(*args, **kwargs):
        raise RuntimeError("the audit log could not be written")

    monkeypatch.setattr(service, "record_download", unwritable)
    with pytest.raises(RuntimeError):
        make()  # type: ignore[operator]  # no entry, so no file either
    assert len(_downloads(engine)) == before + 3


@pytest.mark.parametrize(
    ("role", "screen"), [(Role.ADMIN, "panels/admin.py"), (Role.BOARD_VIEWER, "panels/decisions.py")]
)
def test_a_download_click_does_not_rerun_the_screen(app_env, role, screen):
    """Every download button hands its file out without rerunning the screen: a rerun lets go of the files the
    previous run registered, so a click that reran raced its own rerun for its file (F1)."""
    at = signed_in(role).switch_page(screen).run()
    assert not at.exception, at.exception
    buttons = [b.proto for b in at.get("download_button")]
    assert buttons and all(b.ignore_rerun for b in buttons), [(b.label, b.ignore_rerun) for b in buttons]
    assert all(b.deferred_file_id and not b.url for b in buttons)  # no file address until the click
