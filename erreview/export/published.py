"""What each review pack published, kept so that the next pack is audited together with it (contract §5 v2).

A :class:`PublishedRecord` holds a pack's cells (every count the tables are built from, hidden or not,
with the half-year unknowns under its 12-month window), which of them were shown as ``*`` and the linear
relations between them. It is stored as JSON when a pack is exported; :func:`combined_problem` puts the
new pack's cells and every earlier record into one system for the auditor. A cell of an earlier pack with
the same name and the same value is the same unknown; if the data changed since, it is a separate one.

One reader may hold every pack, whatever its audience (contract §5 v2, issue #12). So a new pack, board
(threshold 7) or community (threshold 10), is audited and secondarily suppressed against every pack
published before it, of both audiences, by this rule:

* a count any earlier pack printed is public: a constant in the system, whatever the audience (a later
  pack at a stricter threshold still prints ``*`` for it, but cannot count on it being unknown);
* every other count hidden in the new pack or in any earlier pack must, with everything published
  together, keep a range that contains zero or a value above the new pack's threshold T and is at least
  T wide; or, where the earlier packs had already narrowed it more than that (a board pack's printed 8
  bounds a count hidden at 10 to 0..8), a range no narrower than the earlier packs left it: the new
  pack tells nothing more about it.

So a community pack never makes recoverable, or narrows further, a small count hidden in any pack. It is
also made safe first among community packs alone (:func:`hide_with_earlier`, ``own_audience``), where the
board packs' counts are unknown: a reader of community packs only still finds every count from 1 to 10
hidden and at least 10 values wide. A board pack published after a community pack protects at its own
threshold: it could print counts of 8 to 10 outright, so it may also narrow a count the community pack
hid to 7 values; where board papers are public, set the board threshold to the community one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from erreview.export.disclosure import Audit, Linear, Problem, protect
from erreview.export.tables import Cells

FORMAT = 1


@dataclass(frozen=True)
class PublishedRecord:
    period: str
    threshold: int
    values: dict[str, int]
    hidden: tuple[str, ...]
    latent: tuple[str, ...]
    relations: tuple[Linear, ...]
    #: Cells withheld as a whole: every one printed as `*`, zeros too (so none is known to be at least 1).
    withheld: tuple[str, ...] = ()

    def withheld_cells(self, legacy: set[str]) -> set[str]:
        """What this pack withheld as a whole. A record written before ``withheld`` was kept said so only by
        marking the cells latent: those among ``legacy`` (the division entrants and panel checks it could
        withhold then) are taken as withheld."""
        return set(self.withheld) | (set(self.latent) & legacy)

    @property
    def published(self) -> set[str]:
        return set(self.values) - set(self.hidden) - set(self.latent)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "period": self.period,
            "threshold": self.threshold,
            "values": dict(sorted(self.values.items())),
            "hidden": sorted(self.hidden),
            "latent": sorted(self.latent),
            "relations": [
                {"terms": [[str(k), c] for k, c in r.terms], "equal": r.equal, "const": r.const}
                | ({"assumed": True} if r.assumed else {})
                for r in self.relations
            ],
        } | ({"withheld": sorted(self.withheld)} if self.withheld else {})

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PublishedRecord:
        return cls(
            period=str(data["period"]),
            threshold=int(data["threshold"]),
            values={str(k): int(v) for k, v in data["values"].items()},
            hidden=tuple(data["hidden"]),
            latent=tuple(data["latent"]),
            relations=tuple(
                Linear(
                    tuple((str(k), float(c)) for k, c in r["terms"]),
                    bool(r["equal"]),
                    float(r["const"]),
                    bool(r.get("assumed", False)),
                )
                for r in data["relations"]
            ),
            withheld=tuple(data.get("withheld", ())),
        )


def _signature(r: Linear) -> tuple[Any, ...]:
    return (tuple(sorted((str(k), c) for k, c in r.terms)), r.equal, r.const, r.assumed)


def combined_problem(current: Cells, earlier: Sequence[PublishedRecord]) -> tuple[Problem, set[str]]:
    """One system of this pack's cells (all candidates for publishing) and every earlier record; also the
    cells of this pack that an earlier pack already published (they cannot be taken back)."""
    values: dict[str, int] = dict(current.values)
    latent = set(current.latent)
    published = set(current.values) - latent
    relations: dict[tuple[Any, ...], Linear] = {_signature(r): r for r in current.relations}
    fixed: set[str] = set()
    starred: dict[str, int] = {}  # printed as `*` by an earlier pack: at least 1 (zeros are printed)
    for i, record in enumerate(earlier):
        names = {}
        for key, value in record.values.items():
            name = key if values.get(key, value) == value else f"{key}@{i}"
            values[name] = value
            names[key] = name
        latent |= {names[k] for k in record.latent}
        starred |= {names[k]: 1 for k in set(record.hidden) - set(record.latent)}
        shown = {names[k] for k in record.published}
        fixed |= shown & set(current.values)
        published |= shown
        for r in record.relations:
            renamed = Linear(tuple((names[str(k)], c) for k, c in r.terms), r.equal, r.const, r.assumed)
            relations.setdefault(_signature(renamed), renamed)
    # A cell hidden now but shown before is public all the same.
    problem = Problem(values, published, list(relations.values()), latent=latent - published, lower=starred)
    return problem, fixed


def hide_with_earlier(
    cells: Cells,
    threshold: int,
    earlier: Sequence[PublishedRecord],
    *,
    own_audience: Sequence[PublishedRecord] | None = None,
) -> tuple[set[str], Audit]:
    """The cells of ``cells`` to show as ``*``: primary and audited secondary suppression over them together
    with every earlier record (the rule above). Also the audit.

    With ``own_audience`` (the community pack: earlier community packs) the pack is first made safe among
    those alone, where a board pack's printed counts are unknown (a reader who never saw a board pack gets
    the full protection at T), and then among every pack, hiding more where needed; hiding more never
    narrows a range, so the first guarantee still holds."""
    first: set[str] = set()
    first_failures: list[Any] = []
    if own_audience is not None:
        first, first_audit = hide_with_earlier(cells, threshold, own_audience)
        first_failures = first_audit.failures
    problem, fixed = combined_problem(cells, earlier)
    problem.published -= first - fixed
    shown = set(cells.values) - cells.latent
    # Every cell this pack prints or stars is its own decision, those the first stage hid too: what earlier
    # packs left is judged without them (else a first-stage `*`, read as at least 1, counted as left before:
    # an outside reader's order narrowed a BME dismissal count from 0..10 to 1..10 unreported).
    problem = replace(problem, decided=shown - fixed)
    protection = protect(problem, threshold, candidates=shown - fixed - first)
    # A small count published before (under a lower threshold) is public, but is still shown as '*'.
    hidden = {str(k) for k in protection.hidden if k in shown} | {k for k in fixed if 1 <= cells.values[k] <= threshold}
    # A count the own audience alone can narrow is a failure too, whatever the second stage finds (an outside
    # reader found a community pack's division split narrowed among community packs alone, unreported).
    failures = protection.audit.failures + [k for k in first_failures if k not in protection.audit.failures]
    return hidden | first, replace(protection.audit, failures=failures)
