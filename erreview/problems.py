"""The shape of an import report: every problem found, each naming file, row, column, value and reason.

Like pandera's lazy validation, validation collects every failure instead of stopping at the first, so
a data manager can fix a file in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from erreview.errors import ErreviewError

#: Values longer than this are shortened in messages (a huge junk field must not flood the report).
MAX_VALUE_CHARS = 60


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    ``row`` is the spreadsheet row number, counting the header as row 1 (so the first data row is 2);
    ``None`` for a problem with the whole file (a missing column, a bad encoding).
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        shown = ""
        if self.value is not None:
            value = self.value if len(self.value) <= MAX_VALUE_CHARS else self.value[:MAX_VALUE_CHARS] + "…"
            shown = f" (value {value!r})"
        return f"{where}{shown}: {self.reason}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass
class ImportReport:
    """All problems of one import attempt, in file then row order."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def sorted(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.file, p.row or 0, p.column or "", p.reason))

    def to_text(self) -> str:
        lines = [f"{len(self.problems)} problem(s) found; nothing was imported."]
        lines += [f"  {p}" for p in self.sorted()]
        return "\n".join(lines)


class ImportRejected(ErreviewError):
    """Raised when an import is refused; carries the full report."""

    def __init__(self, report: ImportReport):
        super().__init__(report.to_text())
        self.report = report
