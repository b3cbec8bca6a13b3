"""Files the tool writes are owner-only; hostile workbooks are refused before they are unpacked."""

from __future__ import annotations

import io
import os
import stat
import time
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from erreview import service, store
from erreview.periods import parse_period

from .conftest import EXAMPLES
from .pg import BACKEND


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """Run as a default-configured server would: a umask that lets everyone read new files."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.skipif(BACKEND != "sqlite", reason="file modes of the embedded database")
def test_the_database_its_wal_and_backups_are_owner_only(tmp_path, open_umask):
    from erreview.store.backup import backup_sqlite

    db = tmp_path / "live.db"
    engine = store.make_engine(f"sqlite:///{db}")
    with engine.begin() as con:  # a write, so the WAL and shared-memory files exist
        con.execute(text("INSERT INTO erreview_meta (name, value) VALUES ('x', 'y')"))
    written = [db, tmp_path / "live.db-wal", tmp_path / "live.db-shm"]
    assert all(p.exists() for p in written)
    assert {p.name: oct(_mode(p)) for p in written} == {p.name: "0o600" for p in written}
    backup_sqlite(f"sqlite:///{db}", tmp_path / "backup.db")
    assert oct(_mode(tmp_path / "backup.db")) == "0o600"
    engine.dispose()
    # An existing database made before this rule is narrowed when opened.
    old = tmp_path / "old.db"
    old.touch(mode=0o644)
    old.chmod(0o644)
    store.make_engine(f"sqlite:///{old}").dispose()
    assert oct(_mode(old)) == "0o600"


def test_exports_are_owner_only(engine, settings, tmp_path, open_umask):
    from erreview.export.writers import write_review_pack

    service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv", cases=EXAMPLES / "cases.csv")
    pack = service.review_pack(engine, settings, parse_period("2024/25-H2"), generated=date(2025, 4, 1))
    paths = write_review_pack(pack, tmp_path / "pack")
    assert paths and {oct(_mode(p)) for p in paths} == {"0o600"}


def _bomb(unpacked_mb: int) -> bytes:
    """A workbook whose one sheet is ``unpacked_mb`` MB of repeated XML (compresses about 1000 to 1)."""
    base = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["case_id", "person_id"])
    book.save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(item, src.read(item))
        row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
        chunk = row * (1024**2 // len(row))
        with dst.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData>'
            )
            for _ in range(unpacked_mb):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def test_an_xlsx_bomb_is_refused_within_two_seconds():
    data = _bomb(600)
    assert len(data) < 5 * 1024**2  # a few MB on the wire ...
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sum(i.file_size for i in archive.infolist()) > 600 * 1024**2  # ... 600 MB unpacked
    started = time.monotonic()
    _, _, report = service.check_files(cases=data, cases_name="cases.xlsx", today=date(2026, 1, 1))
    elapsed = time.monotonic() - started
    assert not report.ok and ("zip bomb" in report.to_text() or "unpacks to" in report.to_text()), report.to_text()
    assert elapsed < 2, f"took {elapsed:.1f} s"


def test_a_small_but_highly_compressed_workbook_is_refused_by_ratio():
    data = _bomb(20)  # 20 MB unpacked, under the size limit, but ~1000 to 1
    _, _, report = service.check_files(cases=data, cases_name="cases.xlsx", today=date(2026, 1, 1))
    assert "zip bomb" in report.to_text()


def test_an_ordinary_workbook_still_reads():
    book = openpyxl.Workbook()
    for line in (EXAMPLES / "cases.csv").read_text().splitlines()[:50]:
        book.active.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    _, clean, report = service.check_files(cases=buffer.getvalue(), cases_name="cases.xlsx", today=date(2026, 1, 1))
    assert report.ok, report.to_text()
    assert clean is not None and len(clean) == 49
