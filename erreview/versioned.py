"""The shipped reference tables (CSV with ``#`` comment lines, one of them ``# table_version: …``)."""

from __future__ import annotations

import csv
from importlib import resources


def read_versioned_csv(file: str) -> tuple[str, list[dict[str, str]]]:
    """(table version, rows) of a CSV shipped in ``erreview.data``; comment lines are skipped."""
    text = resources.files("erreview.data").joinpath(file).read_text(encoding="utf-8")
    version = "unversioned"
    body = []
    for line in text.splitlines():
        if line.startswith("#"):
            if "table_version:" in line:
                version = line.split("table_version:", 1)[1].strip()
            continue
        body.append(line)
    return version, [dict(row) for row in csv.DictReader(body)]
