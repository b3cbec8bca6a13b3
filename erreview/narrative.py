"""Plain-English sentences written from the numbers, for screens and board packs.

Numbers are framed as the question trusts ask: *If I am from a minority ethnic background, am I more
likely to enter a formal disciplinary process than a White colleague?*
"""

from __future__ import annotations

from erreview.metrics.likelihood import WresResult
from erreview.metrics.ratio import NON_ADVERSE_HIGH, NON_ADVERSE_LOW
from erreview.vocab import Band, WresGroup

QUESTION = (
    "If I am from a minority ethnic background, am I more likely to enter a formal disciplinary "
    "process than a White colleague?"
)


def _period_words(label: str) -> str:
    return label.replace("-H1", " H1").replace("-H2", " H2")


def wres_sentence(result: WresResult) -> str:
    """One or two sentences answering :data:`QUESTION` for a period."""
    period = _period_words(result.period.label)
    if not result.available or result.estimate is None:
        return f"{period}: no ratio can be given because {result.unavailable_reason}."
    est = result.estimate
    bme, white = result.groups[WresGroup.BME], result.groups[WresGroup.WHITE]
    counts = f"{bme.entrants:,} of {bme.headcount:,} compared with {white.entrants:,} of {white.headcount:,}"
    if est.ratio is None:
        return (
            f"In {period} no ratio can be given because no White staff entered a formal disciplinary "
            f"investigation ({counts})."
        )
    if est.ratio == 0:
        return f"In {period} no BME staff entered a formal disciplinary investigation ({counts})."
    interval = ""
    if est.ci_low is not None and est.ci_high is not None:
        interval = f" (95% CI {est.ci_low:.2f} to {est.ci_high:.2f})"
    sentence = (
        f"In {period}, BME staff were {est.ratio:.2f} times as likely as White staff to enter a "
        f"formal disciplinary investigation{interval}: {counts}."
    )
    range_text = f"the non-adverse range of {NON_ADVERSE_LOW:.2f} to {NON_ADVERSE_HIGH:.2f}"
    if est.band is Band.NON_ADVERSE:
        sentence += f" This is inside {range_text}."
    elif est.significant:
        sentence += f" This is outside {range_text}, and the interval excludes parity (1.0)."
    else:
        sentence += (
            f" This is outside {range_text}, but the interval includes parity (1.0), "
            "so with numbers this small the gap could be chance."
        )
    return sentence
