"""Use cases shared by the command line and the app: import files, compute indicator 3 over stored data.

Each function takes an engine (or settings) explicitly; none keeps state between calls.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from pydantic import ValidationError

from erreview import national, store
from erreview.actions import actions_for
from erreview.config import ADJUSTABLE, SettingRefused, Settings
from erreview.errors import ErreviewError, plain_reason
from erreview.ingest import pseudonymise_frame, validate_cases, validate_workforce
from erreview.measures import Measure, load_measures, trust_measures
from erreview.metrics.adjusted import AdjustedResult, adjusted_formal_route
from erreview.metrics.breakdowns import (
    DIMENSIONS,
    breakdown_from_rates,
    dimension_rates,
    intersection_from_rates,
)
from erreview.metrics.decisions import (
    COMPLAINT_POINT,
    COMPLAINT_TYPES,
    DECISION_POINTS,
    DecisionResult,
    complaint_result,
    decision_rows,
    decision_table,
    measure_points,
    measure_table,
    results_by_unit,
    results_from_rows,
)
from erreview.metrics.funnel import ABOVE_MEASURE, FunnelView, division_funnel, funnel_sentence
from erreview.metrics.groups import RatesFn, group_rates
from erreview.metrics.likelihood import WresResult, period_entrants, wres_indicator
from erreview.metrics.timing import time_in_process
from erreview.metrics.trend import RatioChange, ratio_of_ratios
from erreview.narrative import change_sentence, window_words
from erreview.national import NationalTable
from erreview.periods import Length, Period, period_of, periods_between
from erreview.problems import ImportRejected, ImportReport, Problem
from erreview.profiles import FileKind, Profile, unmapped_values
from erreview.pseudonym import key_fingerprint, load_or_create_key
from erreview.readers import MAX_FILE_BYTES, FileUnreadable, read_table
from erreview.review.roles import ROLE_LABELS, SYSTEM, AccessDenied, Actor, Role
from erreview.store import Engine, audit, published
from erreview.store import workflow as ws
from erreview.vocab import CaseType, WresGroup

if TYPE_CHECKING:
    from erreview.export.pack import PackInputs, ReviewPack

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportSummary:
    workforce_rows: int = 0
    snapshots: tuple[date, ...] = ()
    cases_inserted: int = 0
    cases_updated: int = 0
    cases_unchanged: int = 0
    #: (case id, reason) for rows that were not applied: the case is handled in erreview, or another person.
    conflicts: tuple[tuple[str, str], ...] = ()
    snapshots_unchanged: tuple[date, ...] = ()

    def to_text(self) -> str:
        parts = []
        if self.workforce_rows:
            dates = ", ".join(d.isoformat() for d in self.snapshots)
            parts.append(f"workforce: {self.workforce_rows} rows in {len(self.snapshots)} snapshot(s) ({dates})")
        if self.snapshots_unchanged:
            dates = ", ".join(d.isoformat() for d in self.snapshots_unchanged)
            parts.append(f"snapshot(s) already stored unchanged: {dates}")
        if self.cases_inserted or self.cases_updated or self.cases_unchanged:
            parts.append(
                f"cases: {self.cases_inserted} new, {self.cases_updated} updated, {self.cases_unchanged} unchanged"
            )
        text = "imported " + "; ".join(parts) if parts else "nothing to import"
        if self.conflicts:
            listed = "; ".join(f"{case_id}: {reason}" for case_id, reason in self.conflicts[:20])
            more = f" (and {len(self.conflicts) - 20} more)" if len(self.conflicts) > 20 else ""
            text += f"\n{len(self.conflicts)} conflict(s), left as they were: {listed}{more}"
        return text


class SnapshotExists(ErreviewError):
    """A workforce snapshot with the same date is stored with different rows and replacing was not asked for."""


class ImportNotAllowed(AccessDenied):
    """Only administrators import data."""


Source = str | Path | bytes


def _sha256(source: Source) -> str:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    return hashlib.sha256(data).hexdigest()


def _load(source: Source, name: str | None, max_bytes: int) -> tuple[pd.DataFrame | None, ImportReport]:
    report = ImportReport()
    try:
        return read_table(source, name=name, max_bytes=max_bytes), report
    except FileUnreadable as exc:
        report.extend([exc.problem])
        return None, report


def check_files(
    *,
    workforce: Source | None = None,
    cases: Source | None = None,
    workforce_name: str | None = None,
    cases_name: str | None = None,
    today: date | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    profile: Profile | None = None,
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, ImportReport]:
    """Read and validate without writing anything: (clean workforce, clean cases, report).

    With an import ``profile`` the source's names, values and dates are mapped onto the contract first."""
    report = ImportReport()
    clean_w = clean_c = None
    if workforce is not None:
        frame, file_report = _load(workforce, workforce_name, max_bytes)
        report.extend(file_report.problems)
        if frame is not None:
            label = workforce_name or (Path(workforce).name if not isinstance(workforce, bytes) else "workforce")
            frame, unmapped = _profiled(frame, profile, "workforce", label)
            clean_w, problems = validate_workforce(frame, file=label, today=today)
            report.extend(_summarised(problems, unmapped))
    if cases is not None:
        frame, file_report = _load(cases, cases_name, max_bytes)
        report.extend(file_report.problems)
        if frame is not None:
            label = cases_name or (Path(cases).name if not isinstance(cases, bytes) else "cases")
            frame, unmapped = _profiled(frame, profile, "cases", label)
            clean_c, problems = validate_cases(frame, file=label, today=today)
            report.extend(_summarised(problems, unmapped))
    return clean_w, clean_c, report


def _profiled(
    frame: pd.DataFrame, profile: Profile | None, kind: FileKind, label: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Apply the import profile (a pure mapping before validation); what it leaves unmapped, as problems."""
    mapping = profile.mapping(kind) if profile is not None else None
    if mapping is None:
        return frame, []
    frame = mapping.apply(frame, kind)
    found = [
        Problem(
            u.file,
            None,
            u.column,
            u.value,
            f"not mapped by the profile and not a contract value ({u.rows} row(s))"
            + (f"; suggested mapping: {u.suggestion}" if u.suggestion else ""),
        )
        for u in unmapped_values(frame, file=label)
    ]
    return frame, found


def _summarised(problems: list[Problem], unmapped: list[Problem]) -> list[Problem]:
    """Row problems about a value already listed as unmapped are folded into that one line."""
    listed = {(p.column, p.value) for p in unmapped}
    return unmapped + [p for p in problems if p.row is None or (p.column, p.value) not in listed]


def import_files(
    engine: Engine,
    settings: Settings,
    *,
    workforce: Source | None = None,
    cases: Source | None = None,
    workforce_name: str | None = None,
    cases_name: str | None = None,
    user: str | None = None,
    today: date | None = None,
    profile: Profile | None = None,
    actor: Actor = SYSTEM,
    replace_snapshots: bool = False,
) -> ImportSummary:
    """Validate both files, then write them in one transaction; any problem and nothing is written.

    Only administrators import (``actor``; the command line acts as the system administrator). A cases row
    never changes a case being handled in erreview nor moves a case to another person: those rows are
    reported as conflicts. A snapshot already stored with other rows is replaced only with
    ``replace_snapshots``. Every import is audited (who, file hashes, counts, conflicts).

    Raises :class:`~erreview.problems.ImportRejected` with every problem found.
    """
    if actor.role is not Role.ADMIN:
        raise ImportNotAllowed(
            f"{ROLE_LABELS[actor.role]}s cannot import data; only an administrator can (see the README)"
        )
    user = user or (None if actor is SYSTEM else actor.username)
    clean_w, clean_c, report = check_files(
        workforce=workforce,
        cases=cases,
        workforce_name=workforce_name,
        cases_name=cases_name,
        today=today,
        max_bytes=settings.max_upload_mb * 1024**2,
        profile=profile,
    )
    if not report.ok:
        raise ImportRejected(report)
    key = load_or_create_key(settings)
    summary = ImportSummary()
    files = [
        {"kind": kind, "name": name or kind, "sha256": _sha256(source), "rows": len(frame)}
        for kind, source, name, frame in (
            ("workforce", workforce, workforce_name, clean_w),
            ("cases", cases, cases_name, clean_c),
        )
        if source is not None and frame is not None
    ]
    with store.session_scope(engine, write=True) as session:
        store.check_key_fingerprint(session, key_fingerprint(key))
        store.bump_data_version(session)
        unchanged_snaps: list[date] = []
        if clean_w is not None:
            frame = pseudonymise_frame(clean_w, key)
            refused = []
            # Dates compared as timestamps: a Python date per row costs seconds on a two-million-row extract.
            for day in store.distinct_dates(frame["snapshot_date"]):
                stored = store.snapshot_rows(session, day)
                if not stored:
                    continue
                incoming = frame[frame["snapshot_date"] == pd.Timestamp(day)]
                fields = [f for f in store.WORKFORCE_FIELDS if f != "snapshot_date"]
                rows_in = Counter(
                    tuple("" if v is None else str(v) for v in r) for r in incoming[fields].itertuples(False)
                )
                if rows_in == stored:
                    unchanged_snaps.append(day)
                elif not replace_snapshots:
                    refused.append(f"{day.isoformat()} ({len(stored):,} rows stored, {len(incoming):,} in the file)")
            if refused:
                raise SnapshotExists(
                    "the workforce snapshot(s) " + ", ".join(refused) + " are already stored with different rows; "
                    "nothing was imported. To replace them, import again with --replace-snapshots (or tick "
                    "'Replace stored snapshots' on the Data screen)"
                )
            frame = frame[~frame["snapshot_date"].isin([pd.Timestamp(d) for d in unchanged_snaps])]
            rows = store.replace_snapshots(session, frame) if len(frame) else 0
            snaps = tuple(store.distinct_dates(frame["snapshot_date"]))
            store.record_import(
                session,
                kind="workforce",
                source_name=workforce_name or "workforce",
                rows=rows,
                inserted=rows,
                user=user,
            )
            summary = ImportSummary(workforce_rows=rows, snapshots=snaps, snapshots_unchanged=tuple(unchanged_snaps))
        if clean_c is not None:
            frame = pseudonymise_frame(clean_c, key)
            result = store.import_cases(session, frame, user=user)
            store.record_import(
                session,
                kind="cases",
                source_name=cases_name or "cases",
                rows=len(frame),
                inserted=result.inserted,
                updated=result.updated,
                user=user,
            )
            summary = replace(
                summary,
                cases_inserted=result.inserted,
                cases_updated=result.updated,
                cases_unchanged=result.unchanged,
                conflicts=result.conflicts,
            )
        audit.record_import(
            session,
            user or "command line",
            files,
            {
                "workforce_rows": summary.workforce_rows,
                "cases_inserted": summary.cases_inserted,
                "cases_updated": summary.cases_updated,
                "cases_unchanged": summary.cases_unchanged,
                "snapshots_replaced": [d.isoformat() for d in summary.snapshots],
                "conflicts": len(summary.conflicts),
                "conflict_cases": [case_id for case_id, _ in summary.conflicts[:200]],
            },
        )
    log.info("%s", summary.to_text())
    return summary


def wres_results(
    engine: Engine, *, period: Period | None = None, pool: int = 1, length: Length = "half"
) -> list[WresResult]:
    """Indicator 3 for ``period``, or for every period of ``length`` from the first data to the last."""
    with store.session_scope(engine) as session:
        entries = store.formal_disciplinary_entries(session)
        headcounts = store.snapshot_headcounts(session)
        first, last = store.data_extent(session)
    if period is not None:
        return [wres_indicator(entries, headcounts, period, pool=pool)]
    if first is None or last is None:
        return []
    return [wres_indicator(entries, headcounts, p, pool=pool) for p in periods_between(first, last, length)]


def export_refusal(engine: Engine, period: Period, *, today: date | None = None) -> str | None:
    """Why no pack can be exported for ``period``, in plain words (None: it can): the period has not started
    yet, or there is no data in it at all (nothing imported, or every snapshot and case date is outside it)."""
    today = today or date.today()
    if period.start > today:
        return (
            f"{period.label} has not started yet (it begins on {period.start:%-d %b %Y}), so there is nothing to "
            "report."
        )
    with store.session_scope(engine) as session:
        first, last = store.data_extent(session)
    if first is None or last is None:
        return "there is no data yet: import the workforce snapshots and cases first (erreview import)."
    if period.end < first or period.start > last:
        return f"there is no data for {period.label}: the data run from {first:%-d %b %Y} to {last:%-d %b %Y}."
    return None


def disciplinary_cases(
    engine: Engine, *, opened_from: date | None = None, opened_to: date | None = None
) -> pd.DataFrame:
    """Disciplinary cases opened in the window (inclusive; default all), pseudonymised."""
    with store.session_scope(engine) as session:
        return store.cases_frame(session, case_type=CaseType.DISCIPLINARY, opened_from=opened_from, opened_to=opened_to)


def cases_opened(engine: Engine, *, opened_from: date | None = None, opened_to: date | None = None) -> pd.DataFrame:
    """Cases of every type opened in the window (inclusive; default all), pseudonymised: one read that
    :func:`of_types` and :func:`opened_between` cut into what each measure counts."""
    with store.session_scope(engine) as session:
        return store.cases_frame(session, opened_from=opened_from, opened_to=opened_to)


def of_types(cases: pd.DataFrame, types: Sequence[str]) -> pd.DataFrame:
    """The cases of ``types`` among ``cases`` (as a read of those types alone gives them)."""
    return cases[cases["case_type"].isin([str(t) for t in types])].reset_index(drop=True)


def opened_between(cases: pd.DataFrame, opened_from: date, opened_to: date) -> pd.DataFrame:
    """The cases among ``cases`` opened from ``opened_from`` to ``opened_to`` (inclusive, as a read of that
    window gives them: a case without an opening date is in no window)."""
    opened = pd.to_datetime(cases["opened_date"])
    inside = (opened >= pd.Timestamp(opened_from)) & (opened <= pd.Timestamp(opened_to))
    return cases[inside].reset_index(drop=True)


def decision_results(
    engine: Engine, *, opened_from: date | None = None, opened_to: date | None = None
) -> list[DecisionResult]:
    """Contract §4.2 over disciplinary cases opened in the window."""
    return decision_table(disciplinary_cases(engine, opened_from=opened_from, opened_to=opened_to))


def complaint_cases(engine: Engine, *, opened_from: date | None = None, opened_to: date | None = None) -> pd.DataFrame:
    """Grievance and bullying/harassment cases opened in the window (the person raised the complaint)."""
    with store.session_scope(engine) as session:
        cases = store.cases_frame(session, opened_from=opened_from, opened_to=opened_to, case_types=COMPLAINT_TYPES)
    return cases[cases["case_type"].isin(COMPLAINT_TYPES)].reset_index(drop=True)


def complaint_results(
    engine: Engine, *, opened_from: date | None = None, opened_to: date | None = None
) -> DecisionResult:
    """Contract §4.3: complaints raised by staff (grievance, bullying and harassment) opened in the window."""
    return complaint_result(complaint_cases(engine, opened_from=opened_from, opened_to=opened_to))


def complaint_trend(engine: Engine) -> list[tuple[str, DecisionResult]]:
    """Complaints raised by staff (contract §4.3) in each half-year with data, oldest first."""
    with store.session_scope(engine) as session:
        first, last = store.data_extent(session)
    if first is None or last is None:
        return []
    return complaints_by_half(engine, periods_between(first, last, "half"))


def half_of(opened: pd.Series, halves: Sequence[Period]) -> pd.Series:
    """Each opening date's period label among ``halves`` (missing outside them and for a missing date)."""
    dates = pd.to_datetime(opened)
    units = pd.Series(None, index=opened.index, dtype=object)
    for h in halves:
        units[(dates >= pd.Timestamp(h.start)) & (dates <= pd.Timestamp(h.end))] = h.label
    return units


def complaints_by_half(engine: Engine, halves: Sequence[Period]) -> list[tuple[str, DecisionResult]]:
    """:func:`complaint_results` over each of ``halves`` (in order, each with its label): the same results,
    from one read of the cases and one set of decision rows instead of one of each per half-year."""
    if not halves:
        return []
    cases = complaint_cases(engine, opened_from=min(h.start for h in halves), opened_to=max(h.end for h in halves))
    return complaints_by_half_of(cases, halves)


def complaints_by_half_of(cases: pd.DataFrame, halves: Sequence[Period]) -> list[tuple[str, DecisionResult]]:
    """:func:`complaints_by_half` over ``cases`` already read (any types, covering ``halves``)."""
    if not halves:
        return []
    cases = of_types(cases, COMPLAINT_TYPES)
    _, by_half = results_by_unit(
        (COMPLAINT_POINT,), cases, half_of(cases["opened_date"], halves), [h.label for h in halves]
    )
    return [(h.label, by_half[h.label][0]) for h in halves]


def pack_window(period: Period) -> tuple[date, date]:
    """The decision-point window of the review pack for ``period``: the 12 months to its end."""
    return (period.shift(-1).start if period.length == "half" else period.start, period.end)


def running(period: Period, today: date | None = None) -> bool:
    """Whether ``period`` has not ended yet (today decides): its figures are incomplete."""
    return (today or date.today()) <= period.end


def period_choice(period: Period, today: date | None = None) -> str:
    """A period as a screen lists it: its label, and a warning when it is still running."""
    if not running(period, today):
        return period.words
    return f"{period.words} (still running until {period.end:%-d %b %Y}: incomplete)"


def default_index(periods: Sequence[Period], today: date | None = None, *, prefer: Period | None = None) -> int:
    """Which of ``periods`` (newest first) a screen opens on: ``prefer`` (:func:`default_half`) when listed,
    otherwise the newest that has ended (the first, when none has)."""
    if prefer is not None and prefer in periods:
        return list(periods).index(prefer)
    return next((i for i, p in enumerate(periods) if not running(p, today)), 0)


def default_half(engine: Engine, today: date | None = None, length: Length = "half") -> Period | None:
    """The half-year (or year) screens open on: the latest that has ended (today decides) and holds data; the
    one holding the newest data only when no ended period holds any (a half-year still running is nearly
    empty, and its figures change daily). None: no data."""
    today = today or date.today()
    with store.session_scope(engine) as session:
        _, last = store.data_extent(session)
        if last is None:
            return None
        latest = period_of(last, length)
        if not running(latest, today):
            return latest
        current = period_of(today, length)
        _, ended = store.data_extent(session, until=min(current, latest).start - timedelta(days=1))
    return period_of(ended, length) if ended is not None else latest


def default_decision_window(engine: Engine, today: date | None = None) -> tuple[date, date] | None:
    """The window the Decision points screen opens on: the review pack's, for :func:`default_half`."""
    half = default_half(engine, today)
    return pack_window(half) if half is not None else None


@dataclass(frozen=True)
class PointChange:
    """One decision point before and after the intervention: the ratio of ratios, in a sentence."""

    name: str
    label: str
    change: RatioChange
    sentence: str
    #: (BME events, BME n, White events, White n) before and after, for screens that hide small counts.
    counts: tuple[tuple[int, int, int, int], ...] = ()


def intervention_changes(cases: pd.DataFrame, since: date) -> list[PointChange]:
    """Each decision point over cases opened before ``since`` and cases opened on or after it."""
    opened = pd.to_datetime(cases["opened_date"])
    # Both windows counted from one set of decision rows (the same results as decision_table on each window's
    # cases, as results_by_unit promises); a case with no opening date is in neither.
    side = pd.Series(pd.NA, index=cases.index, dtype="object")
    side[opened < pd.Timestamp(since)] = "before"
    side[opened >= pd.Timestamp(since)] = "after"
    _, by_side = results_by_unit(DECISION_POINTS, cases, side, ["before", "after"])
    before, after = by_side["before"], by_side["after"]
    out = []
    for b, a in zip(before, after, strict=True):
        earlier = (b.bme.events, b.bme.n, b.white.events, b.white.n)
        later = (a.bme.events, a.bme.n, a.white.events, a.white.n)
        change = ratio_of_ratios(earlier, later)
        sentence = change_sentence(b.point.label, change, since)
        out.append(PointChange(b.point.name, b.point.label, change, sentence, (earlier, later)))
    return out


@dataclass(frozen=True)
class DecisionAnalysis:
    """Everything the Decision points screen and the review pack show, from one pass over the cases."""

    table: list[DecisionResult]
    complaints: DecisionResult
    breakdowns: pd.DataFrame
    intersections: pd.DataFrame
    timing: pd.DataFrame
    adjusted: AdjustedResult
    cases: int
    #: n and events per (point, level, broad group) for each dimension: what the breakdowns rest on, including
    #: the events a "too few to compare" cell does not show (for the screen's disclosure audit).
    rates: Mapping[str, pd.DataFrame] = field(default_factory=dict)


def decision_analysis(
    cases: pd.DataFrame,
    *,
    min_group_size: int = 10,
    rates_fn: RatesFn = group_rates,
    complaints: pd.DataFrame | None = None,
) -> DecisionAnalysis:
    """The contract table plus breakdowns by gender, band, staff group and division, ethnicity ×
    those intersections, time in process and the case-mix-adjusted formal-route view; ``complaints``
    (grievance and bullying/harassment cases, any frame holding them) gives §4.3."""
    rows = decision_rows(cases)
    per_dimension = {d: dimension_rates(rows, d, rates_fn=rates_fn) for d in DIMENSIONS}
    return DecisionAnalysis(
        table=results_from_rows(DECISION_POINTS, rows, rates_fn),  # the rows the breakdowns use, made once
        complaints=complaint_result(complaints if complaints is not None else cases.iloc[0:0]),
        breakdowns=pd.concat(
            [breakdown_from_rates(r, d, min_group_size=min_group_size) for d, r in per_dimension.items()],
            ignore_index=True,
        ),
        intersections=pd.concat(
            [intersection_from_rates(r, d, min_group_size=min_group_size) for d, r in per_dimension.items()],
            ignore_index=True,
        ),
        timing=time_in_process(cases, min_group_size=min_group_size),
        adjusted=adjusted_formal_route(cases),
        cases=len(cases),
        rates={str(d): r for d, r in per_dimension.items()},
    )


def stored_overrides(engine: Engine) -> dict[str, str]:
    """The settings an admin changed in the app (only those that may be changed there)."""
    with store.session_scope(engine) as session:
        return {k: v for k, v in store.setting_overrides(session).items() if k in ADJUSTABLE}


def effective_settings(engine: Engine, base: Settings) -> Settings:
    """``base`` (from the environment) with the admin's overrides from the database applied."""
    return settings_with(base, stored_overrides(engine))


def settings_with(base: Settings, overrides: Mapping[str, str]) -> Settings:
    """``base`` with ``overrides`` (from :func:`stored_overrides`) applied; one no longer valid is ignored."""
    overrides = dict(overrides)
    if not overrides:
        return base
    try:
        return Settings.model_validate(base.model_dump() | overrides)
    except ValidationError as exc:
        # A value stored before a rule tightened (e.g. a threshold below 5) is ignored, not fatal.
        bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        log.warning("ignoring stored settings that are no longer valid: %s", ", ".join(sorted(bad)))
        return Settings.model_validate(base.model_dump() | {k: v for k, v in overrides.items() if k not in bad})


def ungated_steps(settings: Settings) -> list[str]:
    """The escalation steps the panel bias-check gate does not guard (empty when it guards all of them)."""
    from erreview.review.lifecycle import Step

    gated = {s for s in settings.gated_steps.split(",") if s}
    return [s.value for s in Step if s.value not in gated]


def gate_warning(settings: Settings) -> str | None:
    """The banner every Cases screen shows while the bias-check gate is off for any step."""
    off = ungated_steps(settings)
    if not off:
        return None
    steps = " and ".join(s.replace("_", " ") for s in off)
    return (
        f"The panel bias-check gate is OFF for {steps}: cases can move to {steps} without a panel review. "
        "An administrator turned it off (see the audit log)."
    )


def change_setting(
    engine: Engine,
    base: Settings,
    name: str,
    value: str | None,
    *,
    user: str,
    confirm_gate_off: bool = False,
) -> Settings:
    """Validate and store one adjustable setting (``None`` restores the default); audited.

    Turning the bias-check gate off for any step needs ``confirm_gate_off`` and is audited as such.
    """
    if name not in ADJUSTABLE:
        raise SettingRefused(f"{name} cannot be changed in the app")
    current = effective_settings(engine, base)
    candidate = current.model_dump() | {name: value if value is not None else Settings.model_fields[name].default}
    try:
        validated = Settings.model_validate(candidate)
    except ValidationError as exc:
        reasons = "; ".join(plain_reason(e) for e in exc.errors())
        raise SettingRefused(f"{name.replace('_', ' ')}: {reasons}") from None
    stored = value if value is None else str(getattr(validated, name))
    newly_off = sorted(set(ungated_steps(validated)) - set(ungated_steps(current)))
    if newly_off and not confirm_gate_off:
        raise SettingRefused(
            f"this turns the panel bias-check gate off for {', '.join(newly_off)}; cases could then escalate "
            "without a panel review. Confirm it explicitly to go ahead."
        )
    previous = getattr(current, name)
    with store.session_scope(engine, write=True) as session:
        store.set_setting_override(session, name, stored)
        audit.append(
            session,
            actor=user,
            action="setting.change",
            entity="setting",
            entity_id=name,
            detail={"value": stored, "previous": None if previous is None else str(previous)},
        )
        if newly_off:
            audit.append(
                session,
                actor=user,
                action="setting.gate_off",
                entity="setting",
                entity_id=name,
                detail={"steps_ungated": newly_off},
            )
        store.bump_data_version(session)
    return effective_settings(engine, base)


def _publishable(pack: ReviewPack) -> ReviewPack:
    """``pack`` if it may be published; raises :class:`~erreview.export.pack.PackRefused` (a plain message) when
    its audit still finds counts narrowed with everything withheld that could be (packs exported out of order)."""
    from erreview.export.pack import PackRefused, refusal

    audit = pack.audit
    why = refusal(audit, pack.period.label) if audit is not None else None
    if why and audit is not None:
        raise PackRefused(why, refusal(audit, pack.period.words))  # the CLI's code, the screen's words
    return pack


def review_pack(engine: Engine, settings: Settings, period: Period, *, generated: date | None = None) -> ReviewPack:
    """The six-monthly review pack for a half-year (or year) ``period``, its suppression audited together
    with every pack exported before it."""
    from erreview.export.pack import assemble_pack

    pack = _publishable(assemble_pack(pack_inputs(engine, settings, period), generated=generated))
    # The audit head ties the pack to the log: a later truncation or rewrite of the log shows against it.
    with store.session_scope(engine) as session:
        head = audit.data_head(session)
    return replace(pack, methods=[*pack.methods, f"Audit: {head}."])


def community_pack(engine: Engine, settings: Settings, period: Period, *, generated: date | None = None) -> ReviewPack:
    """The community and staff-network pack for ``period`` at the community threshold, audited together with
    every pack exported before it."""
    settings = effective_settings(engine, settings)
    threshold = settings.community_threshold
    # Audited with every pack published before it, board packs too: one reader may hold both (the rule is in
    # erreview.export.published). A count a board pack printed is public; one it hid stays protected.
    inputs = pack_inputs(engine, settings, period)
    # Made safe among community packs alone first (a reader who never saw a board pack), then among all.
    inputs = replace(inputs, own_audience=[r for r in inputs.earlier if r.threshold >= threshold])
    from erreview.export.community import community_pack as build_community_pack  # the pack's libraries on use

    pack = _publishable(build_community_pack(inputs, threshold=threshold, generated=generated))
    with store.session_scope(engine) as session:
        head = audit.data_head(session)
    return replace(pack, methods=[*pack.methods, f"Audit: {head}."])


def pack_inputs(engine: Engine, settings: Settings, period: Period) -> PackInputs:
    """The numbers the review pack for ``period`` is built from."""
    # With the disclosure auditor (scipy): not for every command.
    from erreview.export.pack import HalfTables, PackInputs

    settings = effective_settings(engine, settings)
    with store.session_scope(engine) as session:
        entries = store.formal_disciplinary_entries(session)
        headcounts = store.snapshot_headcounts(session)
        first, _ = store.data_extent(session)
        reviews = ws.all_reviews(session)
    start = first or period.start
    series = [
        wres_indicator(entries, headcounts, p)
        for p in periods_between(min(start, period.start), period.end, period.length)
    ]
    current = series[-1]

    def tables_of(p: Period, snapshot: date | None) -> HalfTables:
        """What the division, data-quality and panel-check tables of ``p``'s pack count."""
        with store.session_scope(engine) as session:
            division_heads = (
                store.snapshot_headcounts(session, by="division", on=snapshot)
                if snapshot
                else pd.DataFrame(columns=["snapshot_date", "wres_group", "division", "headcount"])
            )
        dates = entries["formal_investigation_date"]
        inside = entries[(dates >= pd.Timestamp(p.start)) & (dates <= pd.Timestamp(p.end))]
        submitted = reviews
        if not reviews.empty:
            superseded = set(reviews["supersedes_id"].dropna().astype(int))
            when = pd.to_datetime(reviews["submitted_at"], utc=True).dt.tz_localize(None).dt.normalize()
            submitted = reviews[
                ~reviews["id"].isin(superseded) & (when >= pd.Timestamp(p.start)) & (when <= pd.Timestamp(p.end))
            ]
        return HalfTables(p, snapshot, inside, division_heads, submitted)

    own = tables_of(period, current.snapshot_date)
    window = pack_window(period)
    trend_halves = periods_between(min(start, window[0]), period.end, "half")
    # The cases are read once, every type over the window and the complaints trend's half-years, and each
    # measure below takes its own from them (the eight funnels, the trust's measures, the complaints).
    every = cases_opened(
        engine,
        opened_from=min(window[0], trend_halves[0].start),
        opened_to=max(window[1], trend_halves[-1].end),
    )
    in_window = opened_between(every, *window)
    cases = of_types(in_window, [CaseType.DISCIPLINARY.value])
    # The window's counts are the sums of its half-years' (for auditing packs whose windows overlap).
    window_halves = periods_between(window[0], window[1], "half")
    labels = [h.label for h in window_halves]
    decisions, by_half = results_by_unit(DECISION_POINTS, cases, half_of(cases["opened_date"], window_halves), labels)
    halves = [(label, by_half[label]) for label in labels]
    with store.session_scope(engine) as session:
        from erreview.export.published import PublishedRecord  # with the disclosure auditor (scipy)

        earlier = [PublishedRecord.from_json(r) for r in published.published_records(session)]

    return PackInputs(
        period=period,
        series=series,
        decisions=decisions,
        decision_window=window,
        period_entries=own.period_entries,
        division_headcounts=own.division_headcounts,
        reviews=own.reviews,
        intervention=settings.intervention_date,
        threshold=settings.suppression_threshold,
        actions=actions_for(engine),
        national=national_figures(engine).latest(),
        funnel=funnel_view_of(
            period, own.period_entries, own.division_headcounts, current, threshold=settings.suppression_threshold
        ),
        decisions_by_half=halves,
        # A year pack: each year with its half-years, so that year and half-year packs are audited together.
        series_halves=[
            (
                r,
                [
                    (wres_indicator(entries, headcounts, h), period_entrants(entries, h))
                    for h in (Period(r.period.fy_start, 1), Period(r.period.fy_start, 2))
                ],
            )
            for r in series
        ]
        if period.length == "year"
        else [],
        # A year pack: its half-years' division, data-quality and panel-check counts, related to the year's.
        year_halves=[
            tables_of(h, wres_indicator(entries, headcounts, h).snapshot_date)
            for h in (Period(period.fy_start, 1), Period(period.fy_start, 2))
        ]
        if period.length == "year"
        else [],
        earlier=earlier,
        measures=load_measures(settings.measure_dir),
        trust_results=trust_results_of(in_window, settings),
        trust_by_half=[
            (h.label, trust_results_of(opened_between(in_window, h.start, h.end), settings))
            for h in periods_between(window[0], window[1], "half")
        ],
        # Every measure over cases by division, for the window; the pack leaves off what its threshold hides.
        measure_funnels=measure_funnels(
            in_window,
            [m for m in load_measures(settings.measure_dir) if m.kind != "indicator3"],
            window_words(*window),
        ),
        complaints=complaint_result(of_types(in_window, COMPLAINT_TYPES)),
        complaints_by_half=complaints_by_half_of(every, trend_halves),
    )


def division_units(engine: Engine, period: Period) -> tuple[pd.DataFrame, pd.DataFrame, WresResult]:
    """The period's formal entrants (person_key, wres_group, division), its snapshot's headcounts by division,
    and the trust's indicator 3 for the period."""
    with store.session_scope(engine) as session:
        entries = store.formal_disciplinary_entries(session)
        headcounts = store.snapshot_headcounts(session)
    current = wres_indicator(entries, headcounts, period)
    with store.session_scope(engine) as session:
        heads = (
            store.snapshot_headcounts(session, by="division", on=current.snapshot_date)
            if current.snapshot_date
            else pd.DataFrame(columns=["snapshot_date", "wres_group", "division", "headcount"])
        )
    dates = entries["formal_investigation_date"]
    inside = entries[(dates >= pd.Timestamp(period.start)) & (dates <= pd.Timestamp(period.end))]
    return inside, heads, current


def funnel_units(entries: pd.DataFrame, heads: pd.DataFrame) -> pd.DataFrame:
    """``unit, a, n1, c, n2`` per division (BME then White entrants and headcount)."""
    divisions = sorted(set(heads["division"]))
    rows = []
    for d in divisions:
        e, h = entries[entries["division"] == d], heads[heads["division"] == d]
        counts = []
        for group in (WresGroup.BME.value, WresGroup.WHITE.value):
            counts.append(int(e.loc[e["wres_group"] == group, "person_key"].nunique()))
            counts.append(int(h.loc[h["wres_group"] == group, "headcount"].sum()))
        rows.append((d, *counts))
    return pd.DataFrame(rows, columns=["unit", "a", "n1", "c", "n2"])


def publishable_divisions(entries: pd.DataFrame, heads: pd.DataFrame, threshold: int) -> set[str]:
    """Divisions whose ratio the board pack's division table publishes (no count hidden under it)."""
    # The suppression rules bring the disclosure auditor (scipy): imported here, not by every command.
    from erreview.export.suppression import SUPPRESSED
    from erreview.export.tables import division_table

    table = division_table(entries, heads, threshold)
    return set(table.loc[(table["Division"] != "Trust") & (table["Ratio"] != SUPPRESSED), "Division"])


def division_funnel_view(
    engine: Engine, period: Period, *, threshold: int | None = None, divisions: frozenset[str] | None = None
) -> FunnelView:
    """Indicator 3 by division on a funnel plot for ``period``. With a ``threshold`` (screens for roles that may
    not see small numbers, and packs) divisions whose ratio rests on a hidden count are left off the plot and
    listed; ``divisions`` limits the points shown (a division lead's own), the limits staying the trust's."""
    entries, heads, current = division_units(engine, period)
    return funnel_view_of(period, entries, heads, current, threshold=threshold, divisions=divisions)


def funnel_view_of(
    period: Period,
    entries: pd.DataFrame,
    heads: pd.DataFrame,
    current: WresResult,
    *,
    threshold: int | None = None,
    divisions: frozenset[str] | None = None,
) -> FunnelView:
    """:func:`division_funnel_view` from the period's entrants, headcounts by division and indicator 3 already
    read (:func:`division_units`)."""
    units = funnel_units(entries, heads)
    withheld: list[str] = []
    if divisions is not None:
        # A division lead's own divisions only: another division is neither plotted nor named as withheld.
        units = units[units["unit"].isin(divisions)]
    if threshold is not None:
        shown = publishable_divisions(entries, heads, threshold)
        withheld = sorted(set(units["unit"]) - shown)
        units = units[units["unit"].isin(shown)]
    trust = None
    if current.available and current.groups:
        bme, white = current.groups[WresGroup.BME], current.groups[WresGroup.WHITE]
        trust = (bme.entrants, bme.headcount, white.entrants, white.headcount)
        if threshold is not None and any(1 <= v <= threshold for v in trust):
            # The centre and the limits rest on the trust's counts: a hidden one would come back from them.
            return FunnelView(
                period.label,
                None,
                f"No funnel plot for {period.label}: the trust's own numbers are too small to publish safely.",
                [],
            )
    funnel = division_funnel(units, trust=trust) if trust is not None else None
    sentence = funnel_sentence(funnel, period=period.label)
    if withheld:
        small = f"{len(withheld)} division(s) are left off because their numbers are too small to publish safely."
        plotted = funnel is not None and any(p.position for p in funnel.points)
        sentence = f"{sentence} {small}" if plotted else f"No division is plotted for {period.label}: {small}"
    return FunnelView(period.label, funnel, sentence, withheld)


def funnel_measures(settings: Settings) -> tuple[Measure, ...]:
    """Every measure of the library (the contract's and the trust's own), each of which has a funnel plot."""
    return load_measures(settings.measure_dir)


def _published_ratio(result: DecisionResult, threshold: int) -> bool:
    """Whether a screen for roles without case-level access may show this result's ratio: the decision-point
    table's own audited suppression leaves every count it rests on visible."""
    from erreview.export.suppression import SUPPRESSED  # with the disclosure auditor (scipy)
    from erreview.export.tables import decision_points_table

    return bool(decision_points_table([result], threshold)["Ratio"].iloc[0] != SUPPRESSED)


def measure_funnel_view(
    engine: Engine,
    settings: Settings,
    measure_id: str,
    window: Period,
    *,
    threshold: int | None = None,
    divisions: frozenset[str] | None = None,
) -> FunnelView:
    """Any measure of the library by division on a funnel plot: indicator 3 over the half-year ``window`` (as
    :func:`division_funnel_view`), a decision point, the complaints measure or a trust measure over cases
    opened in ``window``. Each division's BME and White ``n`` and events are the measure's population and
    event among its cases; the limits are around the trust's ratio over every case. With a ``threshold``
    (roles without case-level access) a division whose ratio rests on a count the decision-point table would
    hide is left off and listed, and there is no funnel when the trust's own ratio would be hidden;
    ``divisions`` limits the points shown (a division lead's own), the limits staying the trust's."""
    measure = next((m for m in funnel_measures(settings) if m.id == measure_id), None)
    if measure is None:
        raise ErreviewError(f"there is no measure {measure_id!r} in the measure library")
    if measure.kind == "indicator3":
        return division_funnel_view(engine, window, threshold=threshold, divisions=divisions)
    return case_measure_funnel(
        engine, measure, (window.start, window.end), window.label, threshold=threshold, divisions=divisions
    )


def case_measure_funnel(
    engine: Engine,
    measure: Measure,
    window: tuple[date, date],
    label: str,
    *,
    threshold: int | None = None,
    divisions: frozenset[str] | None = None,
) -> FunnelView:
    """A measure over cases (not indicator 3) by division over cases opened in ``window`` (see
    :func:`measure_funnel_view`); ``label`` names the window in sentences."""
    with store.session_scope(engine) as session:
        cases = store.cases_frame(
            session, opened_from=window[0], opened_to=window[1], case_types=[t.value for t in measure.case_types]
        )
    [view] = measure_funnels(cases, [measure], label, threshold=threshold, divisions=divisions)
    return view


def measure_funnels(
    cases: pd.DataFrame,
    measures: Sequence[Measure],
    label: str,
    *,
    threshold: int | None = None,
    divisions: frozenset[str] | None = None,
) -> list[FunnelView]:
    """Each of ``measures`` (over cases, not indicator 3) by division over ``cases`` already read (any types:
    each measure counts its own), as :func:`case_measure_funnel` gives it: the measures of the same case types
    from one set of decision rows, each still its own one-row table (q is its Fisher p)."""
    by_types: dict[tuple[str, ...], list[int]] = {}
    for i, measure in enumerate(measures):
        by_types.setdefault(tuple(sorted(t.value for t in measure.case_types)), []).append(i)
    views: dict[int, FunnelView] = {}
    for types, which in by_types.items():
        own = of_types(cases, types)
        names = sorted(set(own["division"].dropna()))
        if divisions is not None:
            names = [d for d in names if d in divisions]
        # Every division from one set of decision rows (the same counts as the measure over each division's cases).
        points = measure_points([measures[i] for i in which])
        trust, by_division = results_by_unit(points, own, own["division"], names, alone=True)
        for k, i in enumerate(which):
            by_name = {d: by_division[d][k] for d in names}
            views[i] = _measure_funnel(measures[i], label, trust[k], by_name, threshold)
    return [views[i] for i in range(len(measures))]


def _measure_funnel(
    measure: Measure,
    label: str,
    trust_result: DecisionResult,
    by_division: Mapping[str, DecisionResult],
    threshold: int | None,
) -> FunnelView:
    """One measure's funnel from its trust result and each division's (in the order to plot them)."""
    what = f"{measure.label}, {label}"
    size = "cases"
    if threshold is not None and not _published_ratio(trust_result, threshold):
        return FunnelView(
            label,
            None,
            f"No funnel plot for {what}: the trust's own numbers are too small to publish safely.",
            [],
            size,
        )
    rows, withheld = [], []
    for division, result in by_division.items():
        if threshold is not None and not _published_ratio(result, threshold):
            withheld.append(division)
            continue
        rows.append((division, result.bme.events, result.bme.n, result.white.events, result.white.n))
    units = pd.DataFrame(rows, columns=["unit", "a", "n1", "c", "n2"])
    t = trust_result
    funnel = division_funnel(units, trust=(t.bme.events, t.bme.n, t.white.events, t.white.n))
    sentence = funnel_sentence(funnel, period=what, above=ABOVE_MEASURE)
    if withheld:
        small = f"{len(withheld)} division(s) are left off because their numbers are too small to publish safely."
        plotted = funnel is not None and any(p.position for p in funnel.points)
        sentence = f"{sentence} {small}" if plotted else f"No division is plotted for {what}: {small}"
    return FunnelView(label, funnel, sentence, withheld, size, measure=measure.id)


def trust_measure_results(
    engine: Engine, settings: Settings, *, opened_from: date | None = None, opened_to: date | None = None
) -> list[DecisionResult]:
    """The trust's own measures (``ERREVIEW_MEASURE_DIR``) over cases opened in the window: one table, so q is
    over these measures only. Empty when the trust has added none."""
    if not trust_measures(settings.measure_dir):
        return []
    return trust_results_of(cases_opened(engine, opened_from=opened_from, opened_to=opened_to), settings)


def trust_results_of(cases: pd.DataFrame, settings: Settings) -> list[DecisionResult]:
    """:func:`trust_measure_results` over ``cases`` already read (any types)."""
    measures = trust_measures(settings.measure_dir)
    return measure_table(measures, cases) if measures else []


def ethnicity_completeness(engine: Engine) -> pd.DataFrame:
    """Ethnicity recording at the latest snapshot, by division: staff, not stated, share not stated."""
    with store.session_scope(engine) as session:
        latest = store.latest_snapshot_date(session)
        heads = store.snapshot_headcounts(session, by="division", on=latest) if latest else pd.DataFrame()
    if heads.empty:
        return pd.DataFrame(columns=["division", "staff", "not_stated", "share_not_stated", "snapshot_date"])
    staff = heads.groupby("division")["headcount"].sum()
    missing = heads[heads["wres_group"] == "Unknown"].groupby("division")["headcount"].sum()
    out = pd.DataFrame({"staff": staff, "not_stated": missing}).fillna(0).astype(int).reset_index()
    out["share_not_stated"] = out["not_stated"] / out["staff"]
    out["snapshot_date"] = heads["snapshot_date"].iloc[0].date()
    return out.sort_values("share_not_stated", ascending=False).reset_index(drop=True)


def national_figures(engine: Engine) -> NationalTable:
    """England's indicator 3 by WRES report: the shipped, sourced table plus figures an admin added."""
    with store.session_scope(engine) as session:
        stored = store.setting_overrides(session).get(national.SETTING_NAME)
    return national.merged(national.decode_added(stored))


def add_national_figure(engine: Engine, raw: dict[str, object], *, user: str) -> NationalTable:
    """Add a later WRES report's national figure (validated; audited). A shipped year cannot be replaced."""
    figure = national.validate(raw)
    if figure.report_year in {f.report_year for f in national.shipped_table().figures}:
        raise national.ComparatorError(
            f"the WRES {figure.report_year} report's figure is already in the shipped table and cannot be replaced"
        )
    with store.session_scope(engine) as session:
        added = [
            f
            for f in national.decode_added(store.setting_overrides(session).get(national.SETTING_NAME))
            if f.report_year != figure.report_year
        ]
        encoded = national.encode_added([*added, figure])
        if len(encoded) > national.MAX_STORED:
            raise national.ComparatorError(
                "there is no room for another added figure: shorten the source titles or ask for the shipped "
                "table to be updated"
            )
        store.set_setting_override(session, national.SETTING_NAME, encoded)
        audit.append(
            session,
            actor=user,
            action="national_comparator.add",
            entity="setting",
            entity_id=national.SETTING_NAME,
            detail={"report_year": figure.report_year, "value": figure.value, "source_url": figure.source_url},
        )
        store.bump_data_version(session)
    return national_figures(engine)


def published_version(engine: Engine) -> int:
    """Changes whenever a pack is recorded (screens for restricted roles follow the packs; issue #12)."""
    with store.session_scope(engine) as session:
        return published.latest_id(session)


def record_export(
    engine: Engine, *, user: str, period: str, files: list[str], record: dict[str, object] | None = None
) -> None:
    """Every export is written to the audit log, and what the pack published (``record``) is kept so that the
    next pack is audited together with it."""
    with store.session_scope(engine, write=True) as session:
        if record is not None:
            published.record_pack(session, period=period, by=user, record=record)
        audit.append(
            session, actor=user, action="export.review_pack", entity="export", entity_id=period, detail={"files": files}
        )


def record_download(engine: Engine, *, user: str, what: str, file_name: str) -> None:
    """Every file handed to a browser is written to the audit log."""
    with store.session_scope(engine, write=True) as session:
        audit.record_download(session, user, what, file_name)


def record_case_view(engine: Engine, *, user: str, case_id: str) -> None:
    """Who opened which case."""
    with store.session_scope(engine, write=True) as session:
        audit.record_case_view(session, user, case_id)


def record_screen_refused(engine: Engine, *, user: str, screen: str) -> None:
    """Who opened the address of a screen their role does not have (refused: nothing of it was shown)."""
    with store.session_scope(engine, write=True) as session:
        audit.record_screen_refused(session, user, screen)


def verify_audit(engine: Engine) -> audit.ChainReport:
    """Check the audit chain and its anchors (see :func:`erreview.store.audit.verify_chain`)."""
    with store.session_scope(engine) as session:
        return audit.verify_chain(session)


def audit_log(
    engine: Engine,
    *,
    person: str | None = None,
    action: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """The audit log, newest first, filtered (see :func:`erreview.store.audit.log_frame`)."""
    with store.session_scope(engine) as session:
        return audit.log_frame(session, person=person, action=action, start=start, end=end, limit=limit)


def audit_csv(log: pd.DataFrame) -> bytes:
    """An audit-log extract as CSV that is safe to open in a spreadsheet (no cell is read as a formula)."""
    from erreview.export.safe_csv import neutralise

    # QUOTE_ALL: a lone CR inside a value would otherwise end the row in most spreadsheet programs.
    return log.map(neutralise).to_csv(index=False, quoting=csv.QUOTE_ALL).encode("utf-8")


def audit_filters(engine: Engine) -> tuple[list[str], list[str]]:
    """The people and actions in the audit log (for filter choices)."""
    with store.session_scope(engine) as session:
        return audit.people_and_actions(session)


def current_data_version(engine: Engine) -> int:
    with store.session_scope(engine) as session:
        return store.data_version(session)


def latest_available(results: list[WresResult], *, today: date | None = None) -> WresResult | None:
    """The most recent period that has a ratio; with ``today``, the most recent that has also ended (the one
    still running only when no ended period has a ratio)."""
    found = [r for r in results if r.available and r.estimate is not None and r.estimate.ratio is not None]
    if today is not None:
        ended = [r for r in found if not running(r.period, today)]
        found = ended or found
    return found[-1] if found else None


__all__ = [
    "DecisionAnalysis",
    "ImportSummary",
    "add_national_figure",
    "change_setting",
    "check_files",
    "complaint_cases",
    "complaint_results",
    "current_data_version",
    "decision_analysis",
    "decision_results",
    "default_decision_window",
    "default_half",
    "default_index",
    "disciplinary_cases",
    "effective_settings",
    "ethnicity_completeness",
    "import_files",
    "intervention_changes",
    "latest_available",
    "national_figures",
    "pack_inputs",
    "pack_window",
    "period_choice",
    "review_pack",
    "running",
    "wres_results",
]
