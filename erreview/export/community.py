"""The community and staff-network pack: the review pack for the Community Advisory Board and staff networks.

The same numbers as the board pack, built by the same machinery, but with a stricter small-number threshold
(``ERREVIEW_COMMUNITY_THRESHOLD``, default 10): every count from 1 to it is hidden, with secondary suppression
chosen by the disclosure audit over the whole pack and every pack published before it, board packs included
(one reader may hold both; the rule is in :mod:`erreview.export.published`), and every rate, ratio and
interval resting on a hidden count hidden too. A count a board pack printed is public; a count it hid is
left no easier to work out than the board pack left it, or protected at 10. It is first made safe among
community packs alone (a reader who never sees a board pack finds every hidden count at least 10 wide).

A count from 8 to 10 that a board pack at the lower board threshold printed is public already, and no later
pack can take it back: the community pack still prints ``*`` for it, and a count such a number bounds
(an 8 among whom a 2 is hidden) can be no better protected than to 0..8. Where board papers are published to
the public, set the board threshold (``ERREVIEW_SUPPRESSION_THRESHOLD``) to the community one as well. It keeps
the rates and ratios with their intervals, the trend, the decision points, the divisions, the measures and
the actions, leaves out the operational tables (panel checks, data quality), and opens with a plain-English
summary of what the numbers mean.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from erreview.export.pack import PackInputs, ReviewPack, assemble_pack

#: Tables the community pack leaves out: internal process and data-quality detail.
LEFT_OUT = frozenset({"panel_checks", "data_quality"})
#: The data-quality table's cells (``dq|``) are then unknowns to a reader of this pack, not published (the
#: trust's not-stated headcount, which that table shares with indicator 3, is printed there). The panel-check
#: counts stay: the summary still quotes their total and shares.
UNPRINTED = ("dq|",)


def intro_lines(threshold: int) -> list[str]:
    return [
        "This summary is for the Community Advisory Board and staff networks. It shows whether Black, Asian and "
        "minority ethnic (BME) colleagues are treated differently from White colleagues in the trust's "
        "disciplinary and complaints processes, and what the trust is doing about it.",
        "A ratio of 1.00 means BME and White colleagues are equally likely to experience something; 2.00 means "
        "BME colleagues are twice as likely. Between 0.80 and 1.25 is treated as no adverse difference. The range "
        "after each ratio (the 95% interval) shows how sure we can be: when it includes 1.00, the difference could "
        "be chance.",
        f"To protect colleagues' privacy, no number from 1 to {threshold} is shown (it appears as *), and nor is "
        "any rate or ratio worked out from one.",
    ]


def community_pack(inputs: PackInputs, *, threshold: int, generated: date | None = None) -> ReviewPack:
    """The community variant of the pack for ``inputs`` at ``threshold``."""
    pack = assemble_pack(replace(inputs, threshold=threshold, unprinted=UNPRINTED), generated=generated)
    return replace(
        pack,
        title=f"Race equality in employee relations: community and staff-network summary, {inputs.period.label}",
        summary=[*intro_lines(threshold), *pack.summary],
        tables=[t for t in pack.tables if t.name not in LEFT_OUT],
        methods=[
            *pack.methods,
            f"Community pack: small-number threshold {threshold} (counts from 1 to {threshold} hidden); panel-check "
            "and data-quality tables left out.",
        ],
    )
