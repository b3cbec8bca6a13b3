"""The six-monthly review pack: what boards, the People Committee and community advisory boards see.

:func:`assemble_pack` is pure: it takes the numbers (as the library computes them) and returns a
:class:`ReviewPack` of plain-English text and suppressed tables. :mod:`erreview.export.writers` turns a
pack into Excel, PDF and CSV. The same data and settings always give the same pack.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd

from erreview.errors import ErreviewError
from erreview.export.actions_section import NOTE as ACTIONS_NOTE
from erreview.export.actions_section import TITLE as ACTIONS_TITLE
from erreview.export.actions_section import actions_section, progress_line
from erreview.export.disclosure import Audit, Linear, Problem, at_most, protect, total_of
from erreview.export.funnel_section import TITLE as FUNNEL_TITLE
from erreview.export.funnel_section import funnel_note, funnel_table
from erreview.export.measures_section import NOTE as MEASURES_NOTE
from erreview.export.measures_section import TITLE as MEASURES_TITLE
from erreview.export.measures_section import TRUST_NOTE, TRUST_TITLE, measures_table
from erreview.export.published import PublishedRecord, hide_with_earlier
from erreview.export.suppression import SUPPRESSED
from erreview.export.tables import (
    DP_GROUPS,
    Cells,
    data_quality_cells,
    data_quality_links,
    data_quality_table,
    decision_points_cells,
    decision_points_table,
    div_key,
    division_cells,
    division_table,
    dp_key,
    i3_key,
    indicator3_cells,
    indicator3_table,
    measure_links,
    panel_cells,
    panel_printed_keys,
    panel_table,
    pc_key,
    pcs_key,
    window_label,
    year_half_cells,
)
from erreview.measures import Measure
from erreview.metrics.decisions import COMPLAINT_POINT, DecisionResult
from erreview.metrics.funnel import ABOVE_MEASURE, FunnelView, funnel_sentence
from erreview.metrics.likelihood import WresResult, pooled_counts, split_at
from erreview.metrics.ratio import NON_ADVERSE_HIGH, NON_ADVERSE_LOW
from erreview.metrics.trend import (
    MIN_POINTS_FOR_LIMITS,
    RULES_SOURCE,
    TRIAL_LIMITS_NOTE,
    XmR,
    ratio_of_ratios,
    series_xmr,
)
from erreview.narrative import QUESTION, decision_sentence, decisions_headline, window_words, wres_sentence
from erreview.national import NationalFigure
from erreview.periods import Period, periods_between
from erreview.review.lifecycle import Step
from erreview.vocab import WresGroup


@dataclass(frozen=True)
class PackTable:
    name: str
    title: str
    frame: pd.DataFrame
    note: str = ""


@dataclass(frozen=True)
class ReviewPack:
    period: Period
    title: str
    summary: list[str]
    tables: list[PackTable]
    trend: pd.DataFrame  # every period: ratio, ci_low, ci_high, band, status (suppressed periods marked, no numbers)
    spc: XmR | None  # None when it rests on a period too small to publish (nor is it drawn then)
    methods: list[str]
    threshold: int
    generated: date = field(default_factory=date.today)
    national: NationalFigure | None = None  # England's figure for the chart, labelled by report and data year
    intervention: date | None = None  # marked on the trend
    #: What this pack publishes, to be stored when it is exported (the next pack is audited against it).
    record: PublishedRecord | None = None
    #: The disclosure audit of this pack together with the packs published before it.
    audit: Audit | None = None
    #: The period label of each point of ``spc``, in order.
    spc_labels: tuple[str, ...] = ()

    def table(self, name: str) -> PackTable:
        return next(t for t in self.tables if t.name == name)


@dataclass(frozen=True)
class HalfTables:
    """One half-year of a year pack: the counts that half-year's own pack builds its division, data-quality and
    panel-check tables from (as :class:`PackInputs` holds them for it)."""

    period: Period
    snapshot: date | None  # the half-year's workforce snapshot (None: it has none)
    period_entries: pd.DataFrame
    division_headcounts: pd.DataFrame
    reviews: pd.DataFrame


@dataclass(frozen=True)
class PackInputs:
    """Everything the pack needs, already computed by the library."""

    period: Period
    series: Sequence[WresResult]  # half-years up to and including the period
    decisions: Sequence[DecisionResult]  # decision points over the decision window
    decision_window: tuple[date, date]
    period_entries: pd.DataFrame  # formal entrants in the period: person_key, wres_group, division
    division_headcounts: pd.DataFrame  # the period's snapshot: wres_group, division, headcount
    reviews: pd.DataFrame  # current panel reviews submitted in the period, with wres_group
    intervention: date | None
    threshold: int
    #: The action tracker's actions (none: the pack has no actions section).
    actions: pd.DataFrame | None = None
    national: NationalFigure | None = None
    #: Divisions on a funnel plot (None: no funnel section).
    funnel: FunnelView | None = None
    #: The decision points of each half-year of the decision window (label, results): the window's counts
    #: are their sums, so that packs with overlapping windows are audited together.
    decisions_by_half: Sequence[tuple[str, Sequence[DecisionResult]]] = ()
    #: A year pack's years, each with its two half-years (result, entrants per group): a year's cells are
    #: related to its half-years' so that a year pack and half-year packs are audited together.
    series_halves: Sequence[tuple[WresResult, Sequence[tuple[WresResult, Mapping[WresGroup, int]]]]] = ()
    #: A year pack's two half-years' division, data-quality and panel-check counts: the year's tables are related
    #: to theirs (:func:`year_table_cells`) so that a year pack and the half-year packs are audited together.
    year_halves: Sequence[HalfTables] = ()
    #: What earlier packs published.
    earlier: Sequence[PublishedRecord] = ()
    #: The measure library (shipped and the trust's own) and the trust measures' results.
    measures: Sequence[Measure] = ()
    trust_results: Sequence[DecisionResult] = ()
    #: The trust measures of each half-year of the decision window, as ``decisions_by_half``.
    trust_by_half: Sequence[tuple[str, Sequence[DecisionResult]]] = ()
    #: Complaints raised by staff (contract §4.3) over the decision window, and by half-year up to the period
    #: (the trend; the window's two half-years are among them).
    complaints: DecisionResult | None = None
    complaints_by_half: Sequence[tuple[str, DecisionResult]] = ()
    #: Every measure over cases by division on a funnel plot over the decision window, unsuppressed (the pack
    #: leaves off what its own threshold and hidden cells require).
    measure_funnels: Sequence[FunnelView] = ()
    #: Cells whose names start with one of these are in no table this pack prints (the community pack leaves
    #: out the data-quality and panel-check tables): unknowns to a reader, never published.
    unprinted: tuple[str, ...] = ()
    #: Earlier packs of this pack's own audience (community packs): the pack is made safe among them alone
    #: first, then among every earlier pack (:func:`erreview.export.published.hide_with_earlier`).
    own_audience: Sequence[PublishedRecord] | None = None


def _small(*counts: int, threshold: int) -> bool:
    return any(1 <= c <= threshold for c in counts)


class Hidden:
    """The pack's hidden cells (``None``: the old per-number rule, for callers without a pack)."""

    def __init__(self, keys: set[str] | None, threshold: int):
        self.keys = keys
        self.threshold = threshold

    def any(self, keys: Sequence[str], counts: Sequence[int]) -> bool:
        if self.keys is None:
            return _small(*counts, threshold=self.threshold)
        return any(k in self.keys for k in keys)


def _i3_keys(r: WresResult) -> list[str]:
    return [i3_key(r.period.label, g, k) for g in ("BME", "White") for k in ("entrants", "headcount")]


def _i3_counts(r: WresResult) -> list[int]:
    g = r.groups
    return [
        g[WresGroup.BME].entrants,
        g[WresGroup.BME].headcount,
        g[WresGroup.WHITE].entrants,
        g[WresGroup.WHITE].headcount,
    ]


def panel_lines(inputs: PackInputs, words: str, hidden: Hidden | None = None) -> list[str]:
    """How many panel checks were held, and whether the checks before a formal investigation diverted BME and
    White cases alike (a decision not to suspend is no diversion from formal action: the suspension step's
    decisions are not counted in the shares)."""
    if inputs.reviews.empty:
        return []
    hidden = hidden or Hidden(None, inputs.threshold)
    period = inputs.period.label
    step = Step.FORMAL_INVESTIGATION
    formal = inputs.reviews[inputs.reviews["step"].astype(str) == step.value]
    stopped = formal["decision"].isin(["divert_informal", "no_further_action"])
    total = len(inputs.reviews)
    shown = SUPPRESSED if hidden.any([pc_key(period, "All", "All")], [total]) else str(total)
    held = f"Panels held {shown} bias-check review(s) in {words}."
    shares = []
    for group in (WresGroup.BME.value, WresGroup.WHITE.value):
        mask = formal["wres_group"] == group
        n, k = int(mask.sum()), int((stopped & mask).sum())
        # The share rests on the step's group total and its two 'stopped' cells: all must be published.
        keys = [pcs_key(period, step, d, group) for d in ("All", "divert_informal", "no_further_action")]
        if n <= inputs.threshold or _small(k, n - k, threshold=inputs.threshold) or hidden.any(keys, []):
            return [f"{held} Too few to compare diversion rates by group without identifying people."]
        shares.append(f"{k / n:.0%} of {group} cases")
    return [
        f"{held} Before a formal investigation, they diverted to an informal route or took no further action in "
        f"{shares[0]} and {shares[1]}."
    ]


def summary_lines(inputs: PackInputs, hidden: Hidden | None = None) -> list[str]:
    """The plain-English summary, never quoting a count the tables suppress."""
    hidden = hidden or Hidden(None, inputs.threshold)
    current = inputs.series[-1] if inputs.series else None
    words = inputs.period.label.replace("-H", " H")
    lines = [QUESTION]
    if current is None or not current.available or current.estimate is None:
        reason = current.unavailable_reason if current else "there are no data"
        lines.append(f"In {words} no ratio can be given: {reason}.")
        return lines + panel_lines(inputs, words, hidden)
    bme, white = current.groups[WresGroup.BME], current.groups[WresGroup.WHITE]
    est = current.estimate
    if hidden.any(_i3_keys(current), _i3_counts(current)):
        lines.append(
            f"In {words} the numbers are too small to publish safely (a group had between 1 and "
            f"{inputs.threshold} people), so the ratio for this period is not shown."
        )
    else:
        lines.append(wres_sentence(current))
        if est.ratio is not None and bme.headcount and white.headcount:
            bme_rate, white_rate = bme.entrants / bme.headcount, white.entrants / white.headcount
            lines.append(
                f"The rates were {bme_rate:.2%} for BME staff and {white_rate:.2%} for White staff "
                f"(a difference of {(bme_rate - white_rate) * 100:+.2f} percentage points)."
            )
    unknown = current.groups[WresGroup.UNKNOWN]
    total = bme.headcount + white.headcount + unknown.headcount
    share_keys = [*_i3_keys(current), i3_key(current.period.label, "Unknown", "headcount")]
    if total and not hidden.any(share_keys, [bme.headcount, white.headcount, unknown.headcount]):
        lines.append(
            f"Ethnicity was not stated for {unknown.headcount / total:.1%} of staff; they are left out of the ratio."
        )
    lines += panel_lines(inputs, words, hidden)
    # Only steps whose counts can be published are named (a flag on a suppressed row would disclose it).
    window = window_label(inputs.decision_window)
    published = [
        d
        for d in inputs.decisions
        if not hidden.any(
            [dp_key(window, d.point.name, g, k) for g in ("BME", "White") for k in ("n", "events")],
            [d.bme.n, d.bme.events, d.white.n, d.white.events],
        )
    ]
    start, end = inputs.decision_window
    held_back = len(inputs.decisions) - len(published)
    _, headline = decisions_headline(
        published, f"the 12 months to {end:%d %B %Y} ({window_words(start, end)})", withheld=held_back
    )
    if held_back:
        headline += (
            f" {held_back} step(s) are withheld because publishing their numbers could identify colleagues; "
            "nothing is said here about whether they show a disparity (the inclusion team reviews them)."
        )
    lines.append(headline)
    return lines


TREND_COLUMNS = ["period", "end", "ratio", "ci_low", "ci_high", "band", "significant", "status"]
#: ``status`` of a trend row: its ratio is published, hidden by disclosure control, or has no ratio.
SHOWN, HIDDEN, NO_RATIO, UNAVAILABLE = "shown", "suppressed", "no ratio", "unavailable"


def trend_frame(series: Sequence[WresResult], threshold: int, hidden: Hidden | None = None) -> pd.DataFrame:
    """Every period, in order. Periods whose counts are too small to publish keep their row, marked
    ``suppressed`` with no numbers; periods without a ratio say why in ``status``."""
    hidden = hidden or Hidden(None, threshold)
    rows = []
    for r in series:
        row: dict[str, object] = {"period": r.period.label, "end": pd.Timestamp(r.period.end)}
        if not r.available or r.estimate is None:
            rows.append(row | {"status": UNAVAILABLE})
            continue
        if hidden.any(_i3_keys(r), _i3_counts(r)):
            rows.append(row | {"status": HIDDEN})
            continue
        e = r.estimate
        if not e.ratio:
            rows.append(row | {"status": NO_RATIO})
            continue
        rows.append(
            row
            | {
                "ratio": e.ratio,
                "ci_low": e.ci_low,
                "ci_high": e.ci_high,
                "band": e.band.value if e.band else "",
                "significant": e.significant,
                "status": SHOWN,
            }
        )
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def change_table(inputs: PackInputs, hidden: Hidden | None = None) -> pd.DataFrame:
    """Change since the previous period, and before/after the intervention (ratio of ratios).

    A pooled ratio is a relation between the counts of every period in it: it is shown only when all of
    them are (otherwise the ratio with the other periods' counts would give a hidden one back)."""
    hidden = hidden or Hidden(None, inputs.threshold)

    comparisons = []
    if len(inputs.series) >= 2:
        comparisons.append(("Previous period to this period", [inputs.series[-2]], [inputs.series[-1]]))
    if inputs.intervention is not None:
        before, after = split_at(inputs.series, inputs.intervention)
        if before and after:
            comparisons.append((f"Before and after {inputs.intervention:%d %B %Y} (panel pre-checks)", before, after))
    rows = []
    for label, earlier, later in comparisons:
        e, l_ = pooled_counts(earlier), pooled_counts(later)
        change = ratio_of_ratios(e, l_)
        used = [r for r in (*earlier, *later) if r.available and r.groups]
        masked = _small(*e, *l_, threshold=inputs.threshold) or any(
            hidden.any(_i3_keys(r), _i3_counts(r)) for r in used
        )

        def show(v: float | None, masked: bool = masked) -> str:
            return SUPPRESSED if masked else ("" if v is None else f"{v:.2f}")

        rows.append(
            {
                "Comparison": label,
                "Earlier periods": ", ".join(r.period.label for r in earlier),
                "Earlier ratio": show(change.earlier.ratio),
                "Later periods": ", ".join(r.period.label for r in later),
                "Later ratio": show(change.later.ratio),
                "Ratio of ratios": show(change.ratio),
                "95% CI low": show(change.ci_low),
                "95% CI high": show(change.ci_high),
                "Changed?": SUPPRESSED
                if masked
                else ("" if change.ratio is None else "yes" if change.significant else "not significantly"),
            }
        )
    return pd.DataFrame(rows)


def spc_table(
    series: Sequence[WresResult], trend: pd.DataFrame
) -> tuple[XmR | None, tuple[str, ...], pd.DataFrame, str]:
    """The chart over every period with counts (:func:`~erreview.metrics.trend.series_xmr`) and its points'
    period labels, its signals by period label, and a note naming the rules' source and which periods are
    hidden. No chart when it rests on a hidden period."""
    found = series_xmr(series)
    if found is None:
        return None, (), pd.DataFrame(columns=["Signal", "Periods"]), "Too few periods with data to chart."
    chart, held = found
    hidden = trend.loc[trend["status"] == HIDDEN, "period"].tolist()
    if hidden:
        # The centre, the limits and every signal rest on all periods, the hidden ones too: printing any of
        # them would let a reader work back towards a hidden period's ratio, and from it to its counts.
        note = (
            f"Special-cause variation is not reported in this pack: the chart's centre, limits and signals rest on "
            f"every period, including {', '.join(hidden)}, whose numbers are too small to publish, and would "
            f"let a reader work them out. Administrators see the full chart in erreview. Rules: {RULES_SOURCE}."
        )
        return None, (), pd.DataFrame(columns=["Signal", "Periods"]), note
    labels = [series[i].period.label for i in held]
    rows = [{"Signal": s.description, "Periods": ", ".join(labels[i] for i in s.indices)} for s in chart.signals]
    note = (
        f"Centre {chart.centre:.2f}, process limits {chart.lower:.2f} to {chart.upper:.2f} (on the log scale), "
        f"from all {len(held)} periods with data. Rules: {RULES_SOURCE}. "
        + (TRIAL_LIMITS_NOTE if chart.trial_limits else "")
        + ("" if rows else " No special-cause variation.")
    )
    return chart, tuple(labels), pd.DataFrame(rows, columns=["Signal", "Periods"]), note.strip()


def methods_lines(inputs: PackInputs) -> list[str]:
    snapshots = sorted({r.snapshot_date.isoformat() for r in inputs.series if r.snapshot_date})
    return [
        "WRES indicator 3: relative likelihood of BME staff entering the formal disciplinary process compared "
        "with White staff, measured by entry into a formal disciplinary investigation. Entrants are distinct "
        "people whose disciplinary case's formal investigation began in the period; headcount is distinct people "
        "in the ESR snapshot at the period end (or the latest snapshot in the period).",
        "White: White British, White Irish, any other White background. BME: every other stated group. Staff "
        "whose ethnicity is not stated are left out of the ratio and reported beside it.",
        "Interval: Katz log method, exp(ln(ratio) ± 1.959964 × sqrt(1/a − 1/n1 + 1/c − 1/n2)). Non-adverse "
        f"range {NON_ADVERSE_LOW:.2f}–{NON_ADVERSE_HIGH:.2f} (A fair experience for all, 2019). Significant: "
        "the interval excludes 1.",
        f"Decision points: disciplinary cases opened {inputs.decision_window[0]:%d %B %Y} to "
        f"{inputs.decision_window[1]:%d %B %Y}; each step's rate is among the cases that reached it. Flag rule "
        "(contract §4.2): Fisher's exact test for each step, Benjamini–Hochberg q-values across the seven steps; "
        "a step is a disparity when its ratio is outside the non-adverse range and q < 0.05, and one to watch "
        "when it is outside but q ≥ 0.05. Each step says which side of parity harms BME staff (fewer cases to "
        "answer is the harmful side at case to answer). The smallest detectable ratio is the gap the counts "
        "would detect with 80% power (two-sided 5% test, normal approximation on the arcsine scale).",
        "Trend: XmR chart on ln(ratio) over every period with data (periods too small to publish are included in "
        "the limits and marked, not dropped; a period with no BME or no White entrants uses a 0.5 continuity "
        "correction), with the four special-cause rules; "
        f"with fewer than {MIN_POINTS_FOR_LIMITS} points the limits are trial limits. Source: {RULES_SOURCE}.",
        f"Disclosure control: counts from 1 to {inputs.threshold} are shown as *. Further cells are hidden where "
        "needed so that no hidden count can be worked out, or narrowed to fewer than "
        f"{inputs.threshold} values, from any combination of the published cells, in this pack or in the packs "
        "published before it for any audience (checked exactly by linear programming); where an earlier pack's "
        "numbers already narrow a count further, this pack narrows it no more. Every rate, ratio or interval "
        "resting on a hidden count is hidden too. Zeros are printed, so a * is a count of at least 1 and is "
        "protected as such; except where a table's note says a breakdown is withheld as a whole, when every "
        "cell of it is *, zeros too.",
        (
            f"National comparator on the chart: England, {inputs.national.label}, {inputs.national.value:.2f}; "
            f"source: {inputs.national.source_title}, {inputs.national.source_url}."
            if inputs.national
            else "No national comparator is shown."
        ),
        f"Data: ESR snapshots {', '.join(snapshots) if snapshots else 'none'}; ER-tracker cases. All identifiers "
        "are pseudonymised (keyed hash) before storage.",
    ]


def pack_cells(inputs: PackInputs) -> Cells:
    """Every count the pack's tables show, and every relation a reader knows between them, as one system."""
    period = inputs.period.label
    window = window_label(inputs.decision_window)
    cells = indicator3_cells(inputs.series)
    for year, halves in inputs.series_halves:
        links = year_half_cells(year, halves)
        if all(cells.values.get(k, v) == v for k, v in links.values.items()):
            cells.update(links)
    cells.update(decision_points_cells(inputs.decisions, window, inputs.decisions_by_half))
    cells.update(period_tables_cells(inputs.period_entries, inputs.division_headcounts, inputs.reviews, period))
    if inputs.year_halves:
        snapshot = inputs.series[-1].snapshot_date if inputs.series else None
        cells.update(year_table_cells(cells.values, period, snapshot, inputs.year_halves))
    if inputs.complaints is not None:
        cells.update(complaint_cells(inputs.complaints, inputs.complaints_by_half, window))
    if inputs.trust_results:
        # The trust's own measures are cells of the same system: their definitions are published beside the
        # contract's, so a reader knows which of them count the same cases as a contract step (or a subset).
        cells.update(decision_points_cells(inputs.trust_results, window, inputs.trust_by_half))
    if inputs.trust_results or inputs.complaints is not None:
        extra = [*inputs.trust_results, *([inputs.complaints] if inputs.complaints else [])]
        names = {r.point.name for r in (*inputs.decisions, *extra)}
        for relation in measure_links(inputs.measures, names, window):
            if all(k in cells.values for k in relation.cells()):
                cells.relate(relation)
    return cells


def period_tables_cells(entries: pd.DataFrame, headcounts: pd.DataFrame, reviews: pd.DataFrame, label: str) -> Cells:
    """The division, data-quality and panel-check cells of the pack for ``label``, with the relations between
    the data-quality cells: what a pack prints for its period, also read back for a year pack's half-years."""
    cells = Cells()
    for part in (
        division_cells(entries, headcounts, label),
        data_quality_cells(headcounts, label),
        panel_cells(reviews, label),
    ):
        cells.update(part)
    for relation in data_quality_links(headcounts, label):
        if all(k in cells.values for k in relation.cells()):
            cells.relate(relation)
    return cells


def year_table_cells(
    year_values: Mapping[str, int], year: str, snapshot: date | None, halves: Sequence[HalfTables]
) -> Cells:
    """A year pack's division, data-quality and panel-check cells related to its half-years' (unknowns this pack
    never prints, named as the half-year packs name them), so that no difference between the year pack and a
    half-year pack gives a hidden count back. What is true by definition:

    * a division's entrants in the year are its half-years' less the people who entered in both (distinct people
      per period; ``both`` is given as a known constant, as for indicator 3 in
      :func:`~erreview.export.tables.year_half_cells`: a reader may well assume it is 0), and neither half-year
      has more than the year;
    * headcounts, staff and ethnicity not stated are counted at one snapshot, not summed over time: the year's
      are the same people as the half-year's whose snapshot it is (normally H2's), so the cells are equal; the
      other half-year's snapshot is another day and tells nothing about the year's;
    * panel checks are reviews submitted in the period (the current version of each): the year's are its two
      half-years' added up, decision by decision and group by group.

    ``year_values``: the year pack's own cells (division, data-quality and panel-check cells among them)."""
    cells = Cells()
    for half in halves:
        label = half.period.label
        cells.update(period_tables_cells(half.period_entries, half.division_headcounts, half.reviews, label))
    cells.latent |= set(cells.values)
    values = {**cells.values, **year_values}
    labels = [h.period.label for h in halves]

    def relate(relation: Linear) -> None:
        if all(k in values for k in relation.cells()) and relation.holds(values):
            cells.relations.append(relation)

    entrant_keys = {k for k in year_values if k.startswith(f"div|{year}|") and k.endswith("|entrants")}
    for key in sorted(entrant_keys):
        parts = [p for p in (key.replace(f"div|{year}|", f"div|{h}|", 1) for h in labels) if p in values]
        both = sum(values[p] for p in parts) - values[key]
        relate(Linear(((key, 1.0), *((p, -1.0) for p in parts)), equal=True, const=float(both)))
        for p in parts:
            relate(at_most(p, key))
    same = [h.period.label for h in halves if snapshot is not None and h.snapshot == snapshot]
    snapshot_keys = [
        k for k in year_values if k.startswith((f"div|{year}|", f"dq|{year}|")) and not k.endswith("|entrants")
    ]
    for label in same:
        for key in sorted(snapshot_keys):
            relate(total_of(key, [key.replace(f"|{year}|", f"|{label}|", 1)]))
    for key in sorted(k for k in year_values if k.startswith(f"pc|{year}|")):
        relate(total_of(key, [key.replace(f"pc|{year}|", f"pc|{h}|", 1) for h in labels]))
    return cells


def complaint_cells(window_result: DecisionResult, by_half: Sequence[tuple[str, DecisionResult]], window: str) -> Cells:
    """Complaints over the decision window and in every half-year up to the period, all published; the window is
    the sum of its half-years (when both are in the trend)."""
    cells = decision_points_cells([window_result], window)
    for label, result in by_half:
        cells.update(decision_points_cells([result], label))
    halves = [label for label, _ in by_half if label in window_halves(window)]
    if len(halves) == len(window_halves(window)):
        name = window_result.point.name
        for g in DP_GROUPS:
            for kind in ("n", "events"):
                cells.relate(total_of(dp_key(window, name, g, kind), [dp_key(h, name, g, kind) for h in halves]))
    return cells


def complaints_trend_hidden(
    window_result: DecisionResult, by_half: Sequence[tuple[str, DecisionResult]], window: str, threshold: int
) -> set[str]:
    """The half-year cells a screen must hide when it shows the window's BME and White complaint counts (unless
    any is small) beside the trend by half-year: the window is the sum of its half-years, so a lone hidden
    half-year cell would follow from it. The window's other cells are not on the screen (latent)."""
    cells = complaint_cells(window_result, by_half, window)
    name = window_result.point.name
    shown_window = {dp_key(window, name, g, k) for g in ("BME", "White") for k in ("n", "events")}
    if any(1 <= cells.values[k] <= threshold for k in shown_window):
        shown_window = set()
    window_keys = {k for k in cells.values if k.startswith(f"dp|{window}|")}
    latent = window_keys - shown_window
    problem = Problem(cells.values, set(cells.values) - latent, cells.relations, latent=latent)
    found = protect(problem, threshold, candidates=set(cells.values) - window_keys)
    return {str(k) for k in found.hidden} - window_keys


def window_halves(window: str) -> list[str]:
    """The half-year labels a pack's decision window (``YYYY-MM-DD..YYYY-MM-DD``) is made of."""
    start, end = (date.fromisoformat(d) for d in window.split(".."))
    return [p.label for p in periods_between(start, end, "half")]


def complaints_trend_table(
    by_half: Sequence[tuple[str, DecisionResult]], threshold: int, hidden: set[str]
) -> pd.DataFrame:
    """Complaints upheld by group in each half-year: one row each, suppressed with the rest of the pack."""
    frames = []
    for label, result in by_half:
        frame = decision_points_table([result], threshold, hidden, label)
        frames.append(frame.drop(columns=["Decision point"]).assign(**{"Half-year": label}))
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, ignore_index=True)
    return table[["Half-year", *(c for c in table.columns if c != "Half-year")]]


#: The divisions table's note when its entrants are withheld as a whole (see :func:`choose_hidden`).
DIVISIONS_WITHHELD_NOTE = (
    "Entrants are not shown division by division for this period: there are so few that one division's count "
    "would follow from the others. The trust's own row is shown. Every entrants cell of this table is * "
    "(zeros too)."
)

#: The panel-check table's note.
PANEL_NOTE = (
    "Is the check diverting BME and White cases at the same rate? Each step the panel checks has its own rows, "
    "each decision worded as the panel saw it at that step, and its own counts; the last row is every decision of "
    "both steps."
)

#: The panel-check table's note when it is withheld as a whole.
PANEL_WITHHELD_NOTE = (
    "The counts are not shown for this period: with the packs published before, any count shown or marked * here "
    "would narrow a few cases down. Every cell of this table is * (zeros too)."
)


#: A note for any other part withheld as a whole (see :func:`withholdable`): the rows or columns it names.
PART_WITHHELD_NOTE = (
    "Withheld as a whole for this period: {what}. With the packs published before, any count shown or marked * "
    "there would narrow a few cases down, so every cell of it is * (zeros too)."
)


class PackRefused(ErreviewError):
    """The pack cannot be published without narrowing a count hidden here or in a pack published before it.

    ``message`` names the period by its code (2025/26-H1), as the command line prints it; ``screen_message``
    is the same reason worded for a screen (2025/26 H1), :func:`refusal` given the period in words."""

    def __init__(self, message: str, screen_message: str | None = None):
        super().__init__(message)
        self.screen_message = screen_message or message


def withholdable(cells: Cells, inputs: PackInputs) -> dict[str, set[str]]:
    """The parts of the pack that can be withheld as a whole, in the order they are tried: the division
    table's entrants and the panel-check table first (see :func:`choose_hidden`), then the broad ethnic
    groups' columns of the decision-point tables (decision points, trust measures, complaints), of the
    complaints trend and the data-quality table, and last whole rows of the decision-point tables and of the
    complaints trend. Only printed cells: a part of nothing printed is left out. Indicator 3 is never
    withheld (the pack exists to publish it): where nothing else helps, the pack is refused."""
    label = inputs.period.label
    window = window_label(inputs.decision_window)
    shown = set(cells.values) - cells.latent
    parts: dict[str, set[str]] = {
        "div": {k for k in cells.values if k.startswith(f"div|{label}|") and k.endswith("|entrants")},
        "pc": {k for k in cells.values if k.startswith(f"pc|{label}|")},
    }
    dp = [(k, k.split("|")) for k in shown if k.startswith("dp|")]
    broad = set(DP_GROUPS) - {"BME", "White"}
    parts["groups"] = {k for k, f in dp if f[1] == window and f[3] in broad}
    parts["trend-groups"] = {k for k, f in dp if f[1] != window and f[3] in broad}
    parts["dq"] = {k for k in shown if k.startswith(f"dq|{label}|")}
    for point in sorted({f[2] for _, f in dp if f[1] == window}):
        parts[f"row|{point}"] = {k for k, f in dp if f[1] == window and f[2] == point}
    for half in sorted({f[1] for _, f in dp if f[1] != window}):
        parts[f"trend|{half}"] = {k for k, f in dp if f[1] == half}
    return {name: keys for name, keys in parts.items() if keys}


def choose_hidden(inputs: PackInputs) -> tuple[set[str], PublishedRecord, Audit]:
    """Primary and audited secondary suppression over the whole pack and the packs published before it.

    Where hiding more cells cannot meet the contract (zeros are printed, so a `*` is at least 1, and a zero
    of this pack or the earlier packs' numbers can pin what a `*` hides), parts of the pack are withheld as a
    whole (:func:`withholdable`), each only if it leaves fewer counts narrowed. What then still fails is in
    the returned audit: :func:`refusal` says why such a pack must not be published."""
    t = inputs.threshold
    cells = pack_cells(inputs)
    if inputs.unprinted:
        # Not printed: unknown to a reader (protected when small), and recorded as such for later packs.
        cells.latent |= {k for k in cells.values if k.startswith(inputs.unprinted)}
    # A `*` is read as at least 1 (zeros are printed), so a few counts split over divisions or panel decisions
    # can pin each part (8 entrants, one division at 0, four at `*`: each 1..5), and the suppressor then hides
    # the trust's own count, or nothing in this pack can help (earlier packs printed the rest). Then such a
    # breakdown is withheld as a whole instead: every cell `*`, zeros too, so that none is known to be at least
    # 1 (the table's note says so). A pack of the same period exported before decided it already: the same
    # again, so that re-exports agree.
    label = inputs.period.label
    parts = withholdable(cells, inputs)
    headline = {i3_key(label, g, "entrants") for g in ("BME", "White")}

    def run(withheld: set[str]) -> tuple[Cells, set[str], Audit]:
        trial = replace(cells, latent=cells.latent | withheld) if withheld else cells
        found, checked = hide_with_earlier(trial, t, inputs.earlier, own_audience=inputs.own_audience)
        return trial, found | withheld, checked

    def trouble(found: set[str], checked: Audit) -> bool:
        return bool(checked.failures) or any(k in found and cells.values[k] > t for k in headline)

    legacy = parts.get("div", set()) | parts.get("pc", set())
    before = {k for r in inputs.earlier if r.period == label for k in r.withheld_cells(legacy)}
    withheld = before & set(cells.values)
    cells_used, hidden, audit = run(withheld)
    for name in ("div", "pc"):
        if name not in parts or not trouble(hidden, audit) or parts[name] <= withheld:
            continue
        trial_cells, trial_hidden, trial_audit = run(withheld | parts[name])
        if len(trial_audit.failures) < len(audit.failures) or (
            not trial_audit.failures and not any(k in trial_hidden and cells.values[k] > t for k in headline)
        ):
            withheld |= parts[name]
            cells_used, hidden, audit = trial_cells, trial_hidden, trial_audit
    # A board reads BME against White first. Where the broad groups' small counts (Asian, Black, ...) make the
    # suppressor hide a BME or White count above the threshold (8 BME complaints upheld, 5 Asian and 3 Black:
    # with the zeros printed, showing the 8 pins each part to 1..7), the broad groups' columns of the window's
    # tables are withheld as a whole instead, when that shows more of those counts and narrows nothing more;
    # then, if a window's count is still hidden, the complaints trend's rows for the window's own half-years
    # too (the window is their sum, so two small half-year counts pin each other through it). The other
    # half-years' rows keep their broad groups. One audit each, two at most: the cells are chosen on a
    # restricted role's first visit.
    window = window_label(inputs.decision_window)
    lost = _headline_hidden(hidden, cells.values, t, window)
    groups = parts.get("groups", set())
    halves = set().union(*(parts.get(f"trend|{h}", set()) for h in window_halves(window)))
    for keys in (groups, groups | halves):
        if lost[0] == 0:
            break
        if not keys or keys <= withheld:
            continue
        trial_cells, trial_hidden, trial_audit = run(withheld | keys)
        shown_more = _headline_hidden(trial_hidden, cells.values, t, window)
        if set(trial_audit.failures) <= set(audit.failures) and shown_more < lost:
            withheld |= keys
            cells_used, hidden, audit, lost = trial_cells, trial_hidden, trial_audit, shown_more
    # Still failing: other parts, one at a time, kept when fewer counts are narrowed (rare: packs exported out of
    # date order, e.g. an earlier year's pack after later ones, whose printed zeros pin what those hid).
    for name, keys in parts.items():
        if not audit.failures:
            break
        if name in ("div", "pc") or keys <= withheld:
            continue
        trial_cells, trial_hidden, trial_audit = run(withheld | keys)
        if len(trial_audit.failures) < len(audit.failures):
            withheld |= keys
            cells_used, hidden, audit = trial_cells, trial_hidden, trial_audit
    cells = cells_used
    record = PublishedRecord(
        period=inputs.period.label,
        threshold=t,
        values=cells.values,
        hidden=tuple(sorted(hidden)),
        latent=tuple(sorted(cells.latent)),
        relations=tuple(cells.relations),
        withheld=tuple(sorted(withheld)),
    )
    return hidden, record, audit


def _headline_hidden(
    hidden: Collection[str], values: Mapping[str, int], threshold: int, window: str
) -> tuple[int, int]:
    """How many BME and White counts of the decision-point tables (cases and events) are hidden though above
    the threshold (hidden only to protect another count): those of the decision window's tables (what the
    board reads first: a step's or the complaints' verdict rests on them), then those of every table."""
    lost = [
        f[1] == window
        for f in (k.split("|") for k in hidden)
        if len(f) == 5
        and f[0] == "dp"
        and f[3] in ("BME", "White")
        and f[4] in ("n", "events")
        and values["|".join(f)] > threshold
    ]
    return sum(lost), len(lost)


def withheld_note(withheld: Collection[str], rows: Sequence[tuple[str, str, str]]) -> str:
    """The note for a decision-point table (or the complaints trend) with parts withheld as a whole: ``rows``
    are each row's (window or half-year, point, label). Empty when nothing of the table is withheld."""
    whole = [label for cell, point, label in rows if dp_key(cell, point, "BME", "n") in withheld]
    broad = [g for g in DP_GROUPS if g not in ("BME", "White")]
    columns = any(
        dp_key(cell, point, g, kind) in withheld
        for cell, point, label in rows
        if label not in whole
        for g in broad
        for kind in ("n", "events")
    )
    what = [f"the row(s) {', '.join(whole)}"] if whole else []
    if columns:
        what.append(f"the columns of the broad ethnic groups ({', '.join(broad)})")
    return PART_WITHHELD_NOTE.format(what=" and ".join(what)) if what else ""


def _joined(*notes: str) -> str:
    return " ".join(n for n in notes if n)


def refusal(audit: Audit, period: str) -> str | None:
    """Why the pack for ``period`` must not be published (None: it may): counts hidden here or in packs
    published before would be narrowed to fewer values than the threshold, even with parts withheld. ``period``
    is written as given: its code for the command line, its words (:attr:`Period.words`) for a screen."""
    if not audit.failures:
        return None
    return (
        f"The {period} pack cannot be published safely: with the packs already published, it would let a reader "
        f"narrow down {len(audit.failures)} count(s) that are hidden to protect colleagues, even with parts of it "
        "withheld. This happens when packs are published out of date order (an earlier period after later ones). "
        "Nothing has been written or recorded. Publish this period's figures from the packs already issued, or ask "
        "the administrator to review which packs have been published (Admin, audit log)."
    )


COMPLAINTS_TITLE = "Complaints raised by staff: upheld by group"
MEASURE_FUNNELS_TITLE = "Divisions against the trust, measure by measure: funnel plots"


def measure_funnels_within(inputs: PackInputs, hidden: set[str], window: str) -> list[tuple[str, FunnelView]]:
    """Each measure's funnel as the pack may publish it: none when a count of the measure's trust row is hidden
    (the centre is the trust's ratio), and every division with a count from 1 to the threshold left off and
    counted as withheld (its ratio rests on it). Division counts themselves are never published."""
    labels = {m.id: m.label for m in inputs.measures}
    t = inputs.threshold
    out = []
    for view in inputs.measure_funnels:
        label = labels.get(view.measure, view.measure)
        trust = [dp_key(window, view.measure, g, k) for g in ("BME", "White") for k in ("n", "events")]
        if view.funnel is None or any(k in hidden for k in trust):
            continue
        keep = [p for p in view.funnel.points if not _small(p.a, p.n1, p.c, p.n2, threshold=t)]
        withheld = sorted({*view.withheld, *(p.unit for p in view.funnel.points if p not in keep)})
        funnel = replace(view.funnel, points=keep)
        what = f"{label}, {view.period}"
        sentence = funnel_sentence(funnel, period=what, above=ABOVE_MEASURE)
        if withheld:
            small = f"{len(withheld)} division(s) are left off because their numbers are too small to publish safely."
            plotted = any(p.position for p in keep)
            sentence = f"{sentence} {small}" if plotted else f"No division is plotted for {what}: {small}"
        out.append((label, FunnelView(view.period, funnel, sentence, withheld, view.size, view.measure)))
    return out


def measure_funnels_table(views: Sequence[tuple[str, FunnelView]]) -> pd.DataFrame:
    frames = [funnel_table(view).assign(Measure=label) for label, view in views]
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, ignore_index=True)
    return table[["Measure", *(c for c in table.columns if c != "Measure")]]


def complaints_line(result: DecisionResult, window: str, hidden: Hidden) -> str:
    """One summary sentence on complaints, never over a hidden count."""
    keys = [dp_key(window, result.point.name, g, k) for g in ("BME", "White") for k in ("n", "events")]
    counts = [result.bme.n, result.bme.events, result.white.n, result.white.events]
    if not result.bme.n and not result.white.n:
        return (
            "Complaints raised by staff (grievance, bullying and harassment): none with an outcome among the cases "
            "opened in the decision window, so there is nothing to compare."
        )
    if hidden.any(keys, counts):
        return (
            "Complaints raised by staff (grievance, bullying and harassment): the numbers are too small to publish "
            "safely, so whether BME and White colleagues' complaints are upheld alike is not said here."
        )
    return f"Complaints raised by staff (grievance, bullying and harassment): {decision_sentence(result, compared=1)}"


def funnel_within(view: FunnelView | None, hidden: set[str], period: str) -> FunnelView | None:
    """The funnel with every division whose counts the pack hides left off (its ratio would give them back),
    and no funnel at all when the trust's own counts are hidden (the centre is the trust's ratio)."""
    if view is None or view.funnel is None:
        return view
    kinds = [(g, k) for g in ("BME", "White") for k in ("entrants", "headcount")]
    if any(div_key(period, "Trust", g, k) in hidden for g, k in kinds):
        return FunnelView(view.period, None, "", view.withheld)

    def masked(unit: str) -> bool:
        return any(div_key(period, unit, g, k) in hidden for g, k in kinds)

    dropped = sorted(p.unit for p in view.funnel.points if masked(p.unit))
    if not dropped:
        return view
    funnel = replace(view.funnel, points=[p for p in view.funnel.points if not masked(p.unit)])
    withheld = sorted({*view.withheld, *dropped})
    small = f"{len(withheld)} division(s) are left off because their numbers are too small to publish safely."
    plotted = any(p.position for p in funnel.points)
    sentence = (
        f"{funnel_sentence(funnel, period=period)} {small}"
        if plotted
        else f"No division is plotted for {period}: {small}"
    )
    return FunnelView(view.period, funnel, sentence, withheld)


def assemble_pack(inputs: PackInputs, *, generated: date | None = None) -> ReviewPack:
    """The whole pack from already-computed numbers."""
    t = inputs.threshold
    keys, record, audit = choose_hidden(inputs)
    hidden = Hidden(keys, t)
    period = inputs.period.label
    window = window_label(inputs.decision_window)
    trend = trend_frame(inputs.series, t, hidden)

    def dp_note(results: Sequence[DecisionResult]) -> str:
        return withheld_note(record.withheld, [(window, r.point.name, r.point.label) for r in results])

    chart, spc_labels, spc_rows, spc_note = spc_table(inputs.series, trend)
    tables = [
        PackTable(
            "indicator3",
            "WRES indicator 3 by half-year",
            indicator3_table(inputs.series, t, keys),
            "Relative likelihood of BME compared with White staff entering a formal disciplinary investigation.",
        ),
        PackTable(
            "change",
            "Change over time",
            change_table(inputs, hidden),
            "A ratio of ratios below 1 means the gap narrowed; the interval says whether the change is real.",
        ),
        PackTable("trend_signals", "Special-cause variation (Making Data Count)", spc_rows, spc_note),
        PackTable(
            "decision_points",
            "Where in the process the gap opens",
            decision_points_table(inputs.decisions, t, keys, window),
            _joined("Each rate is among the cases that reached that step.", dp_note(inputs.decisions)),
        ),
        PackTable(
            "divisions",
            f"Indicator 3 by division, {inputs.period.label}",
            division_table(inputs.period_entries, inputs.division_headcounts, t, keys, period),
            DIVISIONS_WITHHELD_NOTE if any(k.startswith(f"div|{period}|") for k in record.withheld) else "",
        ),
        PackTable(
            "panel_checks",
            f"Panel bias-check decisions, {inputs.period.label}",
            panel_table(inputs.reviews, t, keys, period),
            PANEL_NOTE + (f" {PANEL_WITHHELD_NOTE}" if set(panel_printed_keys(period)) <= set(record.withheld) else ""),
        ),
        PackTable(
            "data_quality",
            "Ethnicity not stated, by division",
            data_quality_table(inputs.division_headcounts, t, keys, period),
            PART_WITHHELD_NOTE.format(what="this table")
            if any(k.startswith(f"dq|{period}|") for k in record.withheld)
            else "",
        ),
    ]
    summary = summary_lines(inputs, hidden)
    funnel = funnel_within(inputs.funnel, keys, period)
    if funnel is not None and funnel.funnel is not None:
        tables.append(PackTable("funnel", FUNNEL_TITLE, funnel_table(funnel), funnel_note(funnel)))
        summary.append(funnel.sentence)
    if inputs.measures:
        tables.insert(0, PackTable("measures", MEASURES_TITLE, measures_table(inputs.measures), MEASURES_NOTE))
    if inputs.trust_results:
        # Audited with every other table of the pack (and the packs before it), see pack_cells.
        trust = decision_points_table(inputs.trust_results, t, keys, window)
        tables.append(
            PackTable("trust_measures", TRUST_TITLE, trust, _joined(TRUST_NOTE, dp_note(inputs.trust_results)))
        )
    funnels = measure_funnels_within(inputs, keys, window)
    if funnels:
        tables.append(
            PackTable(
                "measure_funnels",
                MEASURE_FUNNELS_TITLE,
                measure_funnels_table(funnels),
                "Each division's ratio on each measure (cases opened in the decision window) against the trust's "
                "95% and 99.8% limits, as for indicator 3 above. A measure whose trust figures are too small to "
                "publish has no funnel; a division with a count from 1 to the threshold is withheld.",
            )
        )
        summary += [view.sentence for _, view in funnels if view.funnel is not None and view.funnel.outside("95")]
    if inputs.complaints is not None:
        tables.append(
            PackTable(
                "complaints",
                COMPLAINTS_TITLE,
                decision_points_table([inputs.complaints], t, keys, window),
                _joined(
                    f"{COMPLAINT_POINT.question} Contract §4.3: grievance and bullying or harassment complaints "
                    "raised by a member of staff with an outcome, not withdrawn; the harmful side is BME complaints "
                    "upheld less often. Cases opened in the decision window.",
                    dp_note([inputs.complaints]),
                ),
            )
        )
        tables.append(
            PackTable(
                "complaints_trend",
                "Complaints upheld by half-year",
                complaints_trend_table(inputs.complaints_by_half, t, keys),
                _joined(
                    "Each half-year's complaints (cases opened in it); a half-year whose numbers are too small "
                    "shows *.",
                    withheld_note(record.withheld, [(h, r.point.name, h) for h, r in inputs.complaints_by_half]),
                ),
            )
        )
        summary.append(complaints_line(inputs.complaints, window, hidden))
    if inputs.actions is not None and not inputs.actions.empty:
        as_of = generated or inputs.period.end
        tables.append(PackTable("actions", ACTIONS_TITLE, actions_section(inputs.actions, as_of=as_of), ACTIONS_NOTE))
        summary.append(progress_line(inputs.actions, as_of=as_of))
    return ReviewPack(
        period=inputs.period,
        title=f"Race equality in employee relations: six-monthly review, {inputs.period.label}",
        summary=summary,
        tables=tables,
        trend=trend,
        spc=chart,
        spc_labels=spc_labels,
        methods=methods_lines(inputs),
        threshold=t,
        generated=generated or inputs.period.end,
        national=inputs.national,
        intervention=inputs.intervention,
        record=record,
        audit=audit,
    )
