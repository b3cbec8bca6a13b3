"""Small-number suppression for board exports (contract §5; NHS Digital's rule).

* **Primary**: any count from 1 to the threshold (default 7) is hidden and shown as ``*``.
* **Secondary**: wherever cells add up to a shown total (parts and total, or two cells that count the
  same people), a relation with exactly one hidden cell would let a reader recompute it; the smallest
  other non-zero part is hidden too (the total only when no part is left), repeated until no relation
  has exactly one hidden cell. Trust-wide totals therefore stay visible when they are not small.
* **Derived**: rates, ratios and intervals built on a hidden count are hidden with it.

The engine works on named cells so each table states its own relations explicitly.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

SUPPRESSED = "*"
DEFAULT_THRESHOLD = 7


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
    """The cells to hide: primary suppression, then secondary until no relation gives one away."""
    relations = [r for r in relations if r.total in values and all(p in values for p in r.parts)]
    hidden = primary(values, threshold) if threshold > 0 else set()
    changed = True
    while changed:
        changed = False
        for relation in relations:
            cells = [relation.total, *relation.parts]
            if sum(c in hidden for c in cells) != 1:
                continue
            candidates = sorted((values[p], str(p)) for p in relation.parts if p not in hidden and values[p] > 0)
            by_name = {str(p): p for p in relation.parts}
            if candidates:
                hidden.add(by_name[candidates[0][1]])
            elif relation.total not in hidden:
                hidden.add(relation.total)
            else:  # only zeros left visible: they reveal nothing more
                continue
            changed = True
    return hidden


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
