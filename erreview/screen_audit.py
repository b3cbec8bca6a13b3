"""What screens show roles without case-level access: the review pack's numbers and nothing else (contract §5
v2, issue #12).

Each screen used to suppress its own tables: counts from 1 to the threshold, and a breakdown's levels against
its total. Two screens (or two tables of one screen) could still be subtracted: the trust's not-stated
headcount on Overview less the divisions' in the completeness table gave a hidden division's count back.

The rule now, for the inclusion analyst and the board viewer: **a screen shows for a half-year exactly what
the review pack for that half-year prints**. The pack's cells (indicator 3 for every half-year up to it,
its divisions and their ethnicity recording at its snapshot, the decision points over its 12-month window,
panel checks, the trust's own measures) are one system, audited by :func:`erreview.export.pack.choose_hidden`
together with every pack published before it; each screen hides what that audit hides, and what rests on it.
So whatever a reader subtracts across Overview, Divisions and Decision points, and the packs, is one of the
differences the auditor has already checked. Screens that cannot match a pack's cells (another window or
another measure) keep their own, per-table suppression.

Division leads have their own audit over what their screens show (:mod:`erreview.divisions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from erreview import service
from erreview.config import Settings
from erreview.export.pack import PackInputs, choose_hidden, refusal
from erreview.export.tables import decision_points_cells, i3_key, window_label
from erreview.metrics.decisions import DecisionResult
from erreview.metrics.likelihood import WresResult
from erreview.periods import Period
from erreview.store import Engine

#: The four counts indicator 3's ratio rests on.
I3_COUNTS = (("BME", "entrants"), ("BME", "headcount"), ("White", "entrants"), ("White", "headcount"))


@dataclass(frozen=True)
class PackView:
    """The pack for ``period`` as screens use it: its inputs and the cells it hides."""

    period: Period
    inputs: PackInputs
    hidden: frozenset[str]
    #: Why the pack for this period cannot be published (then every count of it is hidden here too).
    refused: str | None = None
    #: The cells the pack withholds as a whole (every one `*`, zeros too; among ``hidden``): unknown to a reader,
    #: not known to be at least 1.
    withheld: frozenset[str] = frozenset()

    @property
    def window(self) -> str:
        """The decision-point window's cell label."""
        return window_label(self.inputs.decision_window)

    @property
    def refused_notice(self) -> str | None:
        """What a screen says when the pack is ``refused``: why none of this period's numbers are shown."""
        if not self.refused:
            return None
        return (
            f"The numbers for {self.period.words} are not shown: with the review packs already published, they "
            "would let a reader narrow down counts hidden to protect colleagues."
        )

    def covers(self, start: date | None, end: date | None) -> bool:
        """``start``..``end`` is this pack's decision-point window."""
        return tuple(self.inputs.decision_window) == (start, end)

    def hides(self, period: str, group: str, kind: str) -> bool:
        return i3_key(period, group, kind) in self.hidden

    def ratio_hidden(self, result: WresResult) -> bool:
        """The ratio (and interval, band) of ``result`` rests on a count this pack hides."""
        return any(self.hides(result.period.label, g, k) for g, k in I3_COUNTS)


def pack_view(engine: Engine, settings: Settings, period: Period) -> PackView:
    inputs = service.pack_inputs(engine, settings, period)
    hidden, record, audit = choose_hidden(inputs)
    refused = refusal(audit, period.label)
    if refused:
        # With the packs already published, this period's numbers would narrow a hidden count even with parts
        # withheld (the pack itself is refused): its screens show none of its counts either.
        hidden = set(record.values)
    return PackView(period, inputs, frozenset(hidden), refused, frozenset(record.withheld))


def decision_hidden(
    pack: PackView | None, results: Sequence[DecisionResult], start: date | None, end: date | None, threshold: int
) -> tuple[str, set[str]]:
    """A decision-point table over ``start``..``end`` as a restricted screen shows it: its cells' window label
    and the cells it hides. Over the pack's own window, the pack's audit with the table's own (hiding more
    never narrows a range, and a cell the pack does not hold, such as a measure added since, is still
    suppressed); over any other window, the table's own audit alone. The table's own audit takes the cells the
    pack withholds as a whole (the broad groups' columns, say) as unknown, as the pack's audit does: they are
    hidden already, and their printed neighbours (a BME count made of a few Asian and Black) need not be."""
    if pack is not None and pack.covers(start, end):
        own = decision_points_cells(results, pack.window)
        own.latent |= pack.withheld & set(own.values)
        return pack.window, set(pack.hidden) | own.hidden(threshold)
    return "window", decision_points_cells(results, "window").hidden(threshold)
