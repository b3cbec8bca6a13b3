"""Files erreview writes hold personal data (database, WAL, backups, exports, key): readable by the owner only."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE = 0o600


def private_umask() -> int:
    """Make every file this process creates from now on owner-only; returns the previous umask."""
    return os.umask(0o077)


def make_private(path: Path) -> Path:
    """Create ``path`` empty and owner-only if it does not exist, else narrow its mode to owner-only."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    except FileExistsError:
        path.chmod(PRIVATE)
    else:
        os.close(fd)
    return path


def private_tree(paths: list[Path]) -> None:
    """Narrow already-written files to owner-only."""
    for path in paths:
        if path.is_file():
            path.chmod(PRIVATE)
