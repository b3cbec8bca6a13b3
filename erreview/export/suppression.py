"""Small-number suppression for board exports (contract §5; NHS Digital's rule).

* **Primary**: any count from 1 to the threshold (default 7) is hidden and shown as ``*``.
* **Secondary**: chosen by the exact disclosure audit (:mod:`erreview.export.disclosure`): while a hidden
  count could be worked out, or narrowed to fewer than T values, from *any* linear combination of the
  published cells, the nearest published cell that widens its range is hidden too, smallest first.
* **Derived**: rates, ratios and intervals built on a hidden count are hidden with it.

The engine works on named cells so each table states its own relations explicitly.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from erreview.config import MIN_SUPPRESSION_THRESHOLD
from erreview.export.disclosure import Problem, protect, total_of
from erreview.vocab import SUPPRESSED as SUPPRESSED  # re-exported: packs and screens import it from here

DEFAULT_THRESHOLD = 7
#: The threshold cannot be set below this (contract §5).
MIN_THRESHOLD = MIN_SUPPRESSION_THRESHOLD


@dataclass(frozen=True)
class Relation:
    """``total = sum(parts)`` (with one part: the two cells count the same people)."""

    total: Hashable
    parts: tuple[Hashable, ...]


def primary(values: Mapping[Hashable, int], threshold: int) -> set[Hashable]:
    return {k for k, v in values.items() if 1 <= v <= threshold}


def suppress(
    values: Mapping[Hashable, int], relations: Iterable[Relation], *, threshold: int = DEFAULT_THRESHOLD
) -> set[Hashable]:
    """The cells to hide: primary suppression, then secondary until the audit finds no hidden count
    that the published cells pin down (contract §5 v2)."""
    if threshold <= 0:
        return set()
    relations = [r for r in relations if r.total in values and all(p in values for p in r.parts)]
    problem = Problem(values=values, published=set(values), relations=[total_of(r.total, r.parts) for r in relations])
    return protect(problem, threshold).hidden


def recomputable(
    values: Mapping[Hashable, int], hidden: set[Hashable], relations: Sequence[Relation]
) -> list[Relation]:
    """Relations in which exactly one hidden cell could be worked out from the visible ones."""
    out = []
    for relation in relations:
        cells = [relation.total, *relation.parts]
        if all(c in values for c in cells) and sum(c in hidden for c in cells) == 1:
            out.append(relation)
    return out
