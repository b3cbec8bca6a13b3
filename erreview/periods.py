"""NHS financial years and half-years (contract §3).

A financial year starts on 1 April: ``2024/25`` is 1 Apr 2024 – 31 Mar 2025, ``2024/25-H1`` is
1 Apr – 30 Sep 2024 and ``2024/25-H2`` is 1 Oct 2024 – 31 Mar 2025.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from erreview.errors import ErreviewError

Length = Literal["year", "half"]
_LABEL = re.compile(r"^(\d{4})/(\d{2})(?:-H([12]))?$")


class PeriodError(ErreviewError, ValueError):
    """A period label that does not follow the contract."""


@dataclass(frozen=True, order=True)
class Period:
    """A financial year (``half is None``) or one of its halves."""

    fy_start: int
    half: int | None = None

    @property
    def length(self) -> Length:
        return "year" if self.half is None else "half"

    @property
    def label(self) -> str:
        base = f"{self.fy_start}/{(self.fy_start + 1) % 100:02d}"
        return base if self.half is None else f"{base}-H{self.half}"

    @property
    def start(self) -> date:
        return date(self.fy_start, 10, 1) if self.half == 2 else date(self.fy_start, 4, 1)

    @property
    def end(self) -> date:
        return date(self.fy_start, 9, 30) if self.half == 1 else date(self.fy_start + 1, 3, 31)

    @property
    def words(self) -> str:
        """The period as screens and reports word it for people: ``2024/25`` or ``2024/25 H1`` (the contract's
        code, :attr:`label`, stays in exports and the command line)."""
        return period_words(self.label)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def shift(self, steps: int) -> Period:
        """The period ``steps`` periods of the same length later (negative: earlier)."""
        if self.half is None:
            return Period(self.fy_start + steps)
        index = self.fy_start * 2 + (self.half - 1) + steps
        return Period(index // 2, index % 2 + 1)

    def window(self, pool: int) -> list[Period]:
        """The ``pool`` consecutive periods of this length ending with this one, oldest first."""
        if pool < 1:
            raise PeriodError(f"pool must be at least 1, not {pool}")
        return [self.shift(-k) for k in range(pool - 1, -1, -1)]

    def __str__(self) -> str:
        return self.label


def period_words(label: str) -> str:
    """A period code (``2024/25-H1``) as people read it (``2024/25 H1``); other text is returned as it is."""
    return re.sub(r"\b(\d{4}/\d{2})-H([12])\b", r"\1 H\2", label)


def parse_period(label: str) -> Period:
    """Parse ``2024/25`` or ``2024/25-H1``; the two years must be consecutive."""
    match = _LABEL.match(label.strip())
    if not match:
        raise PeriodError(f"{label!r} is not a period label like 2024/25 or 2024/25-H1")
    start = int(match.group(1))
    if (start + 1) % 100 != int(match.group(2)):
        raise PeriodError(f"{label!r}: the second year must follow the first (e.g. {start}/{(start + 1) % 100:02d})")
    half = int(match.group(3)) if match.group(3) else None
    return Period(start, half)


def period_of(day: date, length: Length = "half") -> Period:
    """The financial year or half-year containing ``day``."""
    fy = day.year if day.month >= 4 else day.year - 1
    if length == "year":
        return Period(fy)
    return Period(fy, 1 if 4 <= day.month <= 9 else 2)


def periods_between(first: date, last: date, length: Length = "half") -> list[Period]:
    """Every period of ``length`` from the one containing ``first`` to the one containing ``last``."""
    current, stop = period_of(first, length), period_of(last, length)
    out = []
    while current <= stop:
        out.append(current)
        current = current.shift(1)
    return out
