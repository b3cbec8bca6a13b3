"""CSV that is safe to open in a spreadsheet: no text cell is read as a formula.

Light on purpose (the standard library only): every screen's table downloads import it, and
:mod:`erreview.export.writers` (the review pack's files, which imports the pack and its audit) re-exports
:func:`neutralise` from here.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?%?$")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """Text safe to open in a spreadsheet: formula-like text gets a leading apostrophe; numbers stay."""
    text = "" if value is None else str(value)
    if text.startswith(_DANGEROUS) and not _NUMBER.match(text):
        return "'" + text
    return text


def table_csv(headings: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A table as a screen shows it, as a CSV file safe to open in a spreadsheet.

    Every heading and cell goes through :func:`neutralise` (formula-like text gets a leading apostrophe; a
    number, '4.8%' or '+6.4' among them, stays as it is); every field is quoted, as in the audit-log extract
    (a lone carriage return inside a cell cannot end a row); LF line ends; UTF-8 with a byte-order mark
    (without one Excel reads '—' and '÷' as other characters). The caller gives each cell as the screen shows
    it ('*' for a hidden count, '' for none)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([neutralise(h) for h in headings])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
