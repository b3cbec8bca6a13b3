"""The newest migration's id, read from the files in ``versions/`` without importing alembic or SQLAlchemy
(both cost a noticeable part of a command's start-up): the store skips alembic when a database is already
there, and the command line's quick counts (:mod:`erreview.tallies`) read only a database at this head."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

VERSIONS = Path(__file__).resolve().parent / "versions"

_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*['\"]?([0-9A-Za-z_]+|None)['\"]?", re.M)


@cache
def head_revision() -> str | None:
    """The newest migration's id; ``None`` if it cannot be told (several heads, or a file it cannot read),
    and callers then ask alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        found = {m.group(1): m.group(2) for m in _REVISION.finditer(path.read_text())}
        if "revision" not in found:
            continue
        revisions.add(found["revision"])
        if found.get("down_revision") not in (None, "None"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None
