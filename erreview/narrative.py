"""Plain-English sentences written from the numbers and their flags, for screens and board packs.

Numbers are framed as the question trusts ask: *If I am from a minority ethnic background, am I more
likely to enter a formal disciplinary process than a White colleague?* Every judgement in a sentence
comes from the flag rule (:mod:`erreview.metrics.flags`), never from an unadjusted p-value, and says
which side of parity harms BME staff at that step. A step that is not flagged says how large a gap the
counts could have detected, so "no flag" is not read as "no gap".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from erreview.metrics.decisions import DecisionResult
from erreview.metrics.flags import ABOVE, detectable_ratio
from erreview.metrics.likelihood import WresResult
from erreview.metrics.ratio import NON_ADVERSE_HIGH, NON_ADVERSE_LOW
from erreview.metrics.trend import RatioChange
from erreview.periods import period_words
from erreview.vocab import Band, Flag, WresGroup

QUESTION = (
    "If I am from a minority ethnic background, am I more likely to enter a formal disciplinary "
    "process than a White colleague?"
)
RANGE_TEXT = f"the non-adverse range of {NON_ADVERSE_LOW:.2f} to {NON_ADVERSE_HIGH:.2f}"


def _period_words(label: str) -> str:
    return period_words(label)


def fmt_ratio(ratio: float) -> str:
    """Two decimals, except where rounding would put a ratio outside the range on its edge: 1.2500001
    reads "just over 1.25", never "1.25 … outside 0.80 to 1.25"."""
    text = f"{ratio:.2f}"
    if ratio > NON_ADVERSE_HIGH and float(text) <= NON_ADVERSE_HIGH:
        return f"just over {NON_ADVERSE_HIGH:.2f}"
    if ratio < NON_ADVERSE_LOW and float(text) >= NON_ADVERSE_LOW:
        return f"just under {NON_ADVERSE_LOW:.2f}"
    return text


def fmt_q(q: float | None) -> str:
    if q is None:
        return "q not available"
    return "q < 0.001" if q < 0.001 else f"q = {q:.3f}"


def _share(events: int, n: int) -> str:
    return f"{events:,} of {n:,}" + (f" ({events / n:.1%})" if n else "")


def no_ratio_reason(a: int, n1: int, c: int, n2: int, *, people: str, event: str) -> str:
    """Why there is no ratio, accurately: which group is missing or has no events."""
    if n1 == 0 and n2 == 0:
        return f"there are no BME or White {people}"
    if n1 == 0:
        return f"there are no BME {people}"
    if n2 == 0:
        return f"there are no White {people}"
    if a == 0 and c == 0:
        return f"neither BME nor White {people} {event}"
    return f"no White {people} {event}, so there is no White rate to compare with"


def _likelihood(ratio: float, ci_low: float | None, ci_high: float | None, what: str = "") -> str:
    """ "1.66 times as likely as White staff …" at or above parity, "less likely than White staff …: 0.42
    times the White rate" below it (a ratio under 1 is never worded as "as likely")."""
    ci = f" (95% CI {ci_low:.2f} to {ci_high:.2f})" if ci_low is not None and ci_high is not None else ""
    if ratio >= 1:
        return f"{fmt_ratio(ratio)} times as likely as White staff{what}{ci}"
    return f"less likely than White staff{what}: {fmt_ratio(ratio)} times the White rate{ci}"


def wres_sentence(result: WresResult) -> str:
    """One or two sentences answering :data:`QUESTION` for a period (indicator 3 keeps its §4.1 interval rule)."""
    period = _period_words(result.period.label)
    if not result.available or result.estimate is None:
        return f"{period}: no ratio can be given because {result.unavailable_reason}."
    est = result.estimate
    bme, white = result.groups[WresGroup.BME], result.groups[WresGroup.WHITE]
    counts = (
        f"{bme.entrants:,} of {bme.headcount:,} BME staff compared with "
        f"{white.entrants:,} of {white.headcount:,} White staff"
    )
    if est.ratio is None:
        reason = no_ratio_reason(
            bme.entrants,
            bme.headcount,
            white.entrants,
            white.headcount,
            people="staff",
            event="entered a formal disciplinary investigation",
        )
        return f"In {period} no ratio can be given because {reason} ({counts})."
    if est.ratio == 0:
        return (
            f"In {period} no BME staff entered a formal disciplinary investigation ({counts}). The ratio is 0, "
            "but with no BME entrants there is no interval, so this cannot show whether BME staff are less "
            "likely to enter the process or the numbers are too small to tell."
        )
    what = " to enter a formal disciplinary investigation"
    sentence = f"In {period}, BME staff were {_likelihood(est.ratio, est.ci_low, est.ci_high, what)}: {counts}."
    if est.band is Band.NON_ADVERSE:
        return sentence + f" This is inside {RANGE_TEXT}."
    side = "above" if est.band is Band.ABOVE else "below"
    if est.significant:
        return sentence + f" This is {side} {RANGE_TEXT}, and the interval excludes parity (1.0)."
    return sentence + (
        f" This is {side} {RANGE_TEXT}, but the interval includes parity (1.0), so with numbers this "
        "small the gap could be chance."
    )


def detectable_text(r: DecisionResult) -> str:
    """How large a gap, on the side that harms BME staff, these counts would detect reliably."""
    direction = r.point.harm_direction
    found = detectable_ratio(r.bme.n, r.white.n, r.white.rate, direction)
    numbers = f"{r.bme.n:,} BME and {r.white.n:,} White cases"
    if found is None:
        return f"With {numbers}, even a large gap would probably not be detected, so none can be ruled out."
    more = "or more (BME staff more likely)" if direction == ABOVE else "or less (BME staff less likely)"
    return (
        f"With {numbers}, only a ratio of about {found:.2f} {more} would be detected reliably "
        "(80% power), so a smaller gap cannot be ruled out."
    )


def decision_sentence(r: DecisionResult, *, compared: int) -> str:
    """What one decision point shows, from its flag: counts, ratio, verdict, and which side harms BME staff.

    ``compared`` is the number of points tested together (the q-value's m).
    """
    counts = f"BME {_share(r.bme.events, r.bme.n)}, White {_share(r.white.events, r.white.n)}"
    est = r.estimate
    harm = r.point.harm
    together = f"allowing for the {compared} steps compared together" if compared > 1 else "on its own"
    if r.bme.n == 0 or r.white.n == 0:
        reason = no_ratio_reason(
            r.bme.events, r.bme.n, r.white.events, r.white.n, people="cases reached this step", event=""
        )
        return f"{r.point.label}: {counts}. Nothing to compare, because {reason}."
    if est.ratio is None and r.side is None:
        return (
            f"{r.point.label}: {counts}. Nothing to compare, because no BME or White case had this outcome. "
            + detectable_text(r)
        )
    if est.ratio is None:
        text = (
            f"{r.point.label}: {counts}. No ratio can be calculated because no White case had this outcome, "
            "while some BME cases did; this counts as above the range."
        )
    else:
        text = f"{r.point.label}: {counts}. BME staff were {_likelihood(est.ratio, est.ci_low, est.ci_high)}."
    if r.flag is Flag.DISPARITY:
        text += f" Outside {RANGE_TEXT} and unlikely to be chance, {together} ({fmt_q(r.q_value)}): a disparity."
        if r.adverse:
            return text + f" This is the side that harms BME staff: {harm}."
        return text + " It is on the side that does not disadvantage BME staff at this step; worth understanding."
    if r.flag is Flag.WATCH:
        text += f" Outside {RANGE_TEXT}, but it could be chance, {together} ({fmt_q(r.q_value)}): one to watch."
        if r.adverse:
            text += f" If real, it would harm BME staff: {harm}."
    else:
        text += f" Inside {RANGE_TEXT}."
    return text + " " + detectable_text(r)


#: How the exports (the review pack's text) write a day; the screens write it as 1 Jun 2025 (SCREEN_DAY).
EXPORT_DAY = "%d %B %Y"
SCREEN_DAY = "%-d %b %Y"


def window_words(start: date | None, end: date | None, *, day: str = EXPORT_DAY) -> str:
    if start is None and end is None:
        return "all cases on record"
    if start is None:
        return f"cases opened up to {end:{day}}"
    if end is None:
        return f"cases opened from {start:{day}}"
    return f"cases opened {start:{day}} to {end:{day}}"


def decisions_headline(
    results: Sequence[DecisionResult],
    window: str,
    *,
    withheld: int = 0,
    too_small: int = 0,
    complaints: DecisionResult | None = None,
) -> tuple[Flag, str]:
    """The one-line verdict over the table (the screen's banner and the pack's line), from the flags only.

    ``results`` are the steps that may be judged in public; ``withheld`` counts the steps left out because
    their numbers cannot be published. Nothing is said about those, so a clean verdict is never claimed
    for the whole process when part of it was not looked at. ``too_small`` (the screens) counts steps not
    shown because their numbers are too small, said after the verdict. ``complaints``, given only when its counts may
    be shown, adds its verdict when it disadvantages BME staff: a banner saying no step does, above a
    complaints result that does, contradicted itself.
    """
    adverse = [r.point.label.lower() for r in results if r.flag is Flag.DISPARITY and r.adverse]
    other = [r.point.label.lower() for r in results if r.flag is Flag.DISPARITY and not r.adverse]
    watch = [r.point.label.lower() for r in results if r.flag is Flag.WATCH and r.adverse]
    if adverse:
        text = f"For {window}, a disparity that disadvantages BME staff at: {', '.join(adverse)}."
        level = Flag.DISPARITY
    elif not results and withheld:
        text = (
            f"For {window}, no decision point can be judged here: the numbers at every step are too small "
            "to publish safely."
        )
        level = Flag.WATCH
    elif withheld:
        judged = (
            f"the one decision point whose numbers can be published ({results[0].point.label.lower()}) does not"
            if len(results) == 1
            else f"none of the {len(results)} decision points whose numbers can be published"
        )
        text = (
            f"For {window}, {judged} show{'' if len(results) == 1 else 's'} a disparity that disadvantages BME staff."
        )
        level = Flag.WATCH
    else:
        text = f"For {window}, no decision point shows a disparity that disadvantages BME staff."
        level = Flag.WATCH if (watch or other) else Flag.NONE
    if other:
        text += f" A disparity on the other side (not disadvantaging BME staff) at: {', '.join(other)}."
    if watch:
        text += f" Outside the range on the harmful side but possibly chance (watch): {', '.join(watch)}."
    if too_small:
        text += f" {too_small} step(s) rest on numbers too small to show and are not judged here."
    if complaints is not None and complaints.adverse and complaints.flag is Flag.DISPARITY:
        text += (
            " Complaints raised by staff: a disparity that disadvantages BME staff (their complaints are upheld "
            "less often); see below."
        )
        level = Flag.DISPARITY
    elif complaints is not None and complaints.adverse and complaints.flag is Flag.WATCH:
        text += (
            " Complaints raised by staff: upheld less often for BME staff, outside the range but possibly chance "
            "(watch); see below."
        )
        level = level if level is Flag.DISPARITY else Flag.WATCH
    return level, text


def change_sentence(label: str, change: RatioChange, since: date, *, day: str = EXPORT_DAY) -> str:
    """Before/after the intervention at one step, answered in a sentence (ratio of ratios with interval)."""
    e, l_ = change.earlier.ratio, change.later.ratio
    if change.ratio is None or change.ci_low is None or change.ci_high is None or not e or not l_:
        return (
            f"{label}: no before-and-after comparison can be made around {since:{day}} "
            "(a group had no events or no cases in one of the two spans)."
        )
    closer = abs(math.log(l_)) < abs(math.log(e))
    moved = "moved toward parity" if closer else "moved away from parity"
    ci = f"ratio of ratios {change.ratio:.2f}, 95% CI {change.ci_low:.2f} to {change.ci_high:.2f}"
    verdict = (
        f"the change is unlikely to be chance: the gap {moved}" if change.significant else "the change could be chance"
    )
    return f"{label}: the ratio was {e:.2f} before {since:{day}} and {l_:.2f} since ({ci}); {verdict}."
