"""Suspension managed, not just counted (NHS Improvement's 2019 letter on suspension).

Suspension is a last resort: alternatives considered, full pay, a named contact for the employee, and a
review at least every ``suspension_review_days`` (four weeks by default). The case's contract columns hold
its start and end dates; :class:`erreview.models.SuspensionPlan` holds the rest. :func:`reviews_due` is
pure, with ``today`` passed in, so the work list can be tested against a fixed clock.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

#: A review falling due within this many days is listed as "due soon".
DUE_SOON_DAYS = 7

STATUS_LABELS = {"overdue": "Overdue", "due": "Due soon", "scheduled": "Scheduled"}


#: Why a suspension without full pay is refused, in the words shown beside the form's full-pay box.
FULL_PAY_REQUIRED = (
    "a suspension is on full pay (the 2019 safeguards): confirm that the employee stays on full pay, or do not suspend"
)


class SuspensionPlanIn(BaseModel):
    """What the case lead records when suspending (the 2019 letter's safeguards)."""

    model_config = ConfigDict(extra="forbid")

    alternatives_considered: str = Field(min_length=5, max_length=2000)
    full_pay: bool
    named_contact: str = Field(min_length=2, max_length=200)
    #: Empty: the start date plus the review interval.
    first_review: date | None = None

    @field_validator("full_pay")
    @classmethod
    def _on_full_pay(cls, value: bool) -> bool:
        """Suspension is on full pay (the 2019 letter): a suspension that does not confirm it is not recorded."""
        if value is not True:
            raise ValueError(FULL_PAY_REQUIRED)
        return value


def is_running(start: object, end: object, closed: object = None, *, today: date | None = None) -> bool:
    """Whether a suspension is running: it has started, has not ended (no end date, or one after ``today``),
    and its case is not closed. The one rule the case page, :func:`erreview.review.workflow.transition`
    (a case is not closed while its colleague is suspended) and :func:`reviews_due` all use."""
    if _day(start) is None or _day(closed) is not None:
        return False
    ended = _day(end)
    return ended is None or (today is not None and ended > today)


def day_words(day: date) -> str:
    """A date as a person writes it: "2 Dec 2026"."""
    return f"{day.day} {day:%b %Y}"


def next_review(start: date, first_review: date | None, last_review: date | None, every_days: int) -> date:
    """When the suspension should next be reviewed: ``every_days`` after the last review held; before any
    review, the planned first review (or ``every_days`` after the start)."""
    if last_review is not None:
        return last_review + timedelta(days=every_days)
    if first_review is not None:
        return first_review
    return start + timedelta(days=every_days)


def reviews_due(
    suspensions: pd.DataFrame, today: date, every_days: int, *, soon_days: int = DUE_SOON_DAYS
) -> pd.DataFrame:
    """Ongoing suspensions with their next review: case_id, start, named_contact, last_review, next_review,
    days_suspended, status ("overdue", "due", "scheduled"); most urgent first.

    ``suspensions`` is :func:`erreview.store.workflow.suspensions_frame`; only running suspensions are listed
    (:func:`is_running`: an end date on or before ``today``, or a closed case, leaves one out). A plan's own
    interval wins over ``every_days``.
    """
    columns = ["case_id", "start", "named_contact", "last_review", "next_review", "days_suspended", "status"]
    rows = []
    for row in suspensions.itertuples(index=False):
        start = _day(row.start)
        if start is None or not is_running(row.start, row.end, getattr(row, "closed", None), today=today):
            continue
        planned: Any = row.review_every_days
        every = int(planned) if _present(planned) else every_days
        due = next_review(start, _day(row.first_review), _day(row.last_review), every)
        if due < today:
            status = "overdue"
        elif due <= today + timedelta(days=soon_days):
            status = "due"
        else:
            status = "scheduled"
        rows.append(
            {
                "case_id": row.case_id,
                "start": start,
                "named_contact": row.named_contact if _present(row.named_contact) else "",
                "last_review": _day(row.last_review),
                "next_review": due,
                "days_suspended": (today - start).days,
                "status": status,
            }
        )
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["next_review", "case_id"]).reset_index(drop=True)


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value))


def _day(value: object) -> date | None:
    if not _present(value) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
