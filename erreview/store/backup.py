"""Backups of the embedded database with SQLite's online backup API (safe while the app is running).

PostgreSQL has its own well-kept tools: ``pg_dump -Fc`` and ``pg_restore`` (see the README).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from erreview.errors import ErreviewError
from erreview.files import make_private


class BackupError(ErreviewError, RuntimeError):
    pass


def _sqlite_path(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise BackupError(
            "erreview backup and restore work on the embedded SQLite database; for PostgreSQL use "
            "pg_dump -Fc and pg_restore"
        )
    return Path(parsed.database)


def backup_sqlite(url: str, out: Path) -> int:
    """Copy the live database to ``out``; returns the number of pages copied."""
    source_path = _sqlite_path(url)
    if not source_path.exists():
        raise BackupError(f"there is no database at {source_path}")
    if out.exists():
        raise BackupError(f"{out} already exists; choose a new file")
    if not out.parent.is_dir():
        raise BackupError(f"there is no folder {out.parent} to write the backup into; create it first")
    make_private(out)  # a backup holds everything the database does: owner-only from the first byte
    with sqlite3.connect(source_path) as source, sqlite3.connect(out) as target:
        source.backup(target)
        pages = int(target.execute("PRAGMA page_count").fetchone()[0])
    return pages


def restore_sqlite(backup: Path, url: str, *, force: bool = False) -> None:
    """Replace the database at ``url`` with ``backup`` after checking the backup is an erreview database."""
    target_path = _sqlite_path(url)
    if not backup.is_file():
        raise BackupError(f"no backup file at {backup}")
    try:
        with sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as check:
            ok = check.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{backup} is not a readable SQLite database ({exc})") from None
    if ok != "ok" or not {"er_case", "workforce_record", "audit_log"} <= tables:
        raise BackupError(f"{backup} is not an intact erreview database")
    if target_path.exists() and not force:
        with sqlite3.connect(target_path) as existing:
            has_data = existing.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='er_case'"
            ).fetchone()[0]
            if has_data and existing.execute("SELECT count(*) FROM er_case").fetchone()[0]:
                raise BackupError(f"{target_path} already holds cases; add --force to overwrite it")
    make_private(target_path)
    with sqlite3.connect(backup) as source, sqlite3.connect(target_path) as target:
        source.backup(target)
