"""Validate import files row by row and column by column (contract §2), collecting every problem.

``validate_workforce`` and ``validate_cases`` take a frame of strings (from :mod:`erreview.readers`) and
return the cleaned, typed frame with the raw ``person_id`` still in it, plus the list of problems. Values
are checked on their distinct values (a workforce extract has few distinct codes and dates), so a
two-million-row file validates in seconds. :func:`pseudonymise_frame` then swaps ``person_id`` for its
keyed hash; nothing downstream ever sees the raw identifier.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date

import numpy as np
import pandas as pd

from erreview.ethnicity import EthnicityError, ethnicity_table
from erreview.problems import Problem
from erreview.pseudonym import pseudonymise
from erreview.vocab import (
    CASE_COLUMNS,
    CASE_DATE_COLUMNS,
    CASE_DATE_ORDER,
    CASE_ENUMS,
    CASE_REQUIRED,
    COMPLAINT_CASE_TYPES,
    FREE_TEXT_COLUMNS,
    GENDER_ALIASES,
    WORKFORCE_COLUMNS,
    Gender,
    InvestigationOutcome,
    Restriction,
    Route,
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: The header is spreadsheet row 1, so data row ``i`` (0-based) is row ``i + 2``.
FIRST_DATA_ROW = 2

# Reasons are constants so that tests and the UI can refer to them.
MISSING = "a value is required"
NOT_A_DATE = "not a date in the form YYYY-MM-DD"
FUTURE_DATE = "the date is in the future"
UNKNOWN_COLUMN = "unknown column: it is not in the import contract and is never stored"
MISSING_COLUMN = "required column is missing from the header"


def _strip(frame: pd.DataFrame) -> pd.DataFrame:
    """Lower-case column names and trimmed string cells (``None``/NaN become ``""``)."""
    out = frame.fillna("").astype(str)
    out.columns = [str(c).strip().lower() for c in out.columns]
    stripped: pd.DataFrame = out.apply(lambda column: column.str.strip())
    return stripped.reset_index(drop=True)


def _rows(mask: pd.Series | np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.asarray(mask))


def _problems(
    file: str,
    frame: pd.DataFrame,
    mask: pd.Series | np.ndarray,
    column: str,
    reason: str,
    *,
    show_value: bool = True,
) -> Iterator[Problem]:
    values = frame[column].to_numpy() if column in frame else None
    for i in _rows(mask):
        value = str(values[i]) if (values is not None and show_value) else None
        yield Problem(file=file, row=int(i) + FIRST_DATA_ROW, column=column, value=value, reason=reason)


def _check_columns(frame: pd.DataFrame, file: str, allowed: Iterable[str], required: Iterable[str]) -> list[Problem]:
    allowed_set = set(allowed)
    found = [Problem(file, None, col, None, UNKNOWN_COLUMN) for col in frame.columns if col not in allowed_set]
    found += [Problem(file, None, col, None, MISSING_COLUMN) for col in required if col not in frame.columns]
    return found


def _map_distinct(series: pd.Series, convert: Callable[[str], object]) -> tuple[pd.Series, pd.Series]:
    """Apply ``convert`` to each distinct value; return (converted, error-reason) series aligned to rows."""
    results: dict[str, object] = {}
    errors: dict[str, str] = {}
    for value in series.unique():
        try:
            results[value] = convert(value)
        except ValueError as exc:
            errors[value] = str(exc)
    return series.map(results), series.map(errors)


def _parse_iso(value: str) -> date | None:
    if value == "":
        return None
    if not _ISO_DATE.match(value):
        raise ValueError(NOT_A_DATE)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{NOT_A_DATE} (no such day)") from None


def _dates(frame: pd.DataFrame, column: str, file: str, today: date, out: list[Problem]) -> pd.Series:
    """Parsed dates of one column (NaT where empty or bad); bad and future dates are reported."""
    parsed, errors = _map_distinct(frame[column], _parse_iso)
    bad = errors.notna()
    for i in _rows(bad):
        out.append(Problem(file, int(i) + FIRST_DATA_ROW, column, str(frame[column].iat[i]), str(errors.iat[i])))
    as_dt = pd.to_datetime(parsed.where(~bad), errors="coerce")
    future = as_dt > pd.Timestamp(today)
    out.extend(_problems(file, frame, future, column, FUTURE_DATE))
    return as_dt.where(~future)


#: Required columns whose value may be empty (contract §1: an empty ethnicity means not stated).
MAY_BE_EMPTY = frozenset({"ethnic_category"})


def _required(
    frame: pd.DataFrame,
    columns: Iterable[str],
    file: str,
    out: list[Problem],
    *,
    private: Iterable[str] = ("person_id",),
) -> None:
    hidden = set(private)
    for column in columns:
        if column in frame and column not in MAY_BE_EMPTY:
            out.extend(_problems(file, frame, frame[column] == "", column, MISSING, show_value=column not in hidden))


def _ethnicity(frame: pd.DataFrame, file: str, out: list[Problem]) -> pd.DataFrame:
    table = ethnicity_table()

    def convert(value: str) -> tuple[str, str, str]:
        try:
            category = table.classify(value)
        except EthnicityError as exc:
            raise ValueError(str(exc)) from None
        code = (value.split() or ["Z"])[0].upper()
        return (code, category.broad_group.value, category.wres_group.value)

    mapped, errors = _map_distinct(frame["ethnic_category"], convert)
    for i in _rows(errors.notna()):
        out.append(
            Problem(
                file,
                int(i) + FIRST_DATA_ROW,
                "ethnic_category",
                str(frame["ethnic_category"].iat[i]),
                "not an NHS ethnic category code (A–S with an optional ESR sub-code letter or digit, Z, 99, or empty)",
            )
        )
    ok = errors.isna()
    parts = pd.DataFrame(
        mapped[ok].tolist(), index=mapped[ok].index, columns=["ethnic_code", "broad_group", "wres_group"]
    )
    return parts.reindex(frame.index)


def _gender(frame: pd.DataFrame, file: str, out: list[Problem]) -> pd.Series:
    lowered = frame["gender"].str.lower()
    valid = {g.value: g.value for g in Gender} | {k: v.value for k, v in GENDER_ALIASES.items()}
    mapped = lowered.map(valid)
    bad = mapped.isna() & (frame["gender"] != "")
    out.extend(_problems(file, frame, bad, "gender", "gender must be one of female, male, other, not_stated (or F, M)"))
    return mapped


def _enum(frame: pd.DataFrame, column: str, file: str, out: list[Problem]) -> pd.Series:
    vocabulary = CASE_ENUMS[column]
    lowered = frame[column].str.lower()
    allowed = {v.value for v in vocabulary}
    bad = (lowered != "") & ~lowered.isin(allowed)
    out.extend(_problems(file, frame, bad, column, f"must be one of {', '.join(sorted(allowed))}"))
    return lowered.where(~bad & (lowered != ""))


FORMULA = "looks like a spreadsheet formula (starts with =, + or @); remove it"
#: Longest free-text value accepted (the database columns are sized for real band, group and division names).
MAX_TEXT = 200


def _subject_columns(frame: pd.DataFrame, file: str, out: list[Problem]) -> pd.DataFrame:
    """Ethnicity, gender and the free-text columns shared by both files."""
    clean = _ethnicity(frame, file, out)
    clean["gender"] = _gender(frame, file, out)
    for column in FREE_TEXT_COLUMNS:
        values = frame[column]
        out.extend(_problems(file, frame, values.str.match(r"^[=+@]"), column, FORMULA))
        out.extend(_problems(file, frame, values.str.len() > MAX_TEXT, column, f"longer than {MAX_TEXT} characters"))
        clean[column] = values
    return clean


def validate_workforce(
    frame: pd.DataFrame, *, file: str = "workforce.csv", today: date | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """Check a workforce extract; return (clean frame, problems). The frame is only usable if none."""
    today = today or date.today()
    frame = _strip(frame)
    out = _check_columns(frame, file, WORKFORCE_COLUMNS, WORKFORCE_COLUMNS)
    if any(p.reason == MISSING_COLUMN for p in out):
        return frame.iloc[0:0], out
    frame = frame[[c for c in frame.columns if c in WORKFORCE_COLUMNS]]
    if frame.empty:
        return frame, [*out, Problem(file, None, None, None, "the file has a header but no data rows")]
    _required(frame, WORKFORCE_COLUMNS, file, out)
    clean = _subject_columns(frame, file, out)
    clean["snapshot_date"] = _dates(frame, "snapshot_date", file, today, out)
    clean["person_id"] = frame["person_id"]
    return clean, out


def validate_cases(
    frame: pd.DataFrame, *, file: str = "cases.csv", today: date | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """Check an ER-tracker extract against every rule of contract §2; return (clean frame, problems)."""
    today = today or date.today()
    frame = _strip(frame)
    out = _check_columns(frame, file, CASE_COLUMNS, CASE_REQUIRED)
    if any(p.reason == MISSING_COLUMN for p in out):
        return frame.iloc[0:0], out
    # Unknown columns are reported above and dropped here, so their rows are still checked.
    frame = frame[[c for c in frame.columns if c in CASE_COLUMNS]]
    if frame.empty:
        return frame, [*out, Problem(file, None, None, None, "the file has a header but no data rows")]
    for column in CASE_COLUMNS:  # optional columns may be left out of the header altogether
        if column not in frame:
            frame = frame.assign(**{column: ""})
    _required(frame, CASE_REQUIRED, file, out)
    clean = _subject_columns(frame, file, out)
    clean["case_id"] = frame["case_id"]
    out.extend(_problems(file, frame, frame["case_id"].str.len() > 100, "case_id", "longer than 100 characters"))
    out.extend(_problems(file, frame, frame["case_id"].str.match(r"^[=+@]"), "case_id", FORMULA))
    clean["person_id"] = frame["person_id"]
    for column in CASE_ENUMS:
        clean[column] = _enum(frame, column, file, out)
    for column in CASE_DATE_COLUMNS:
        clean[column] = _dates(frame, column, file, today, out)
    _case_rules(frame, clean, file, out)
    return clean, out


def _case_rules(frame: pd.DataFrame, clean: pd.DataFrame, file: str, out: list[Problem]) -> None:
    """Rules that tie fields together; each is judged only where its fields are individually valid."""
    given = {c: frame[c] != "" for c in CASE_COLUMNS}
    valid_enum = {c: clean[c].notna() for c in CASE_ENUMS}
    route = clean["initial_route"]
    is_formal = route == Route.FORMAL

    # Dates in process order, wherever both ends are present and valid.
    for i, earlier in enumerate(CASE_DATE_ORDER):
        for later in CASE_DATE_ORDER[i + 1 :]:
            wrong = clean[earlier].notna() & clean[later].notna() & (clean[earlier] > clean[later])
            for r in _rows(wrong):
                out.append(
                    Problem(
                        file,
                        int(r) + FIRST_DATA_ROW,
                        later,
                        str(frame[later].iat[r]),
                        f"{later} is before {earlier} ({frame[earlier].iat[r]})",
                    )
                )

    route_ok = valid_enum["initial_route"]
    formal = route_ok & is_formal
    # "Not formal" only where the route is known: an invalid route is reported once, not again here.
    not_formal = ~given["initial_route"] | (route_ok & ~is_formal)
    out.extend(
        _problems(
            file,
            frame,
            route_ok & ~given["route_date"],
            "route_date",
            "route_date is required when initial_route is set",
        )
    )
    out.extend(
        _problems(
            file,
            frame,
            given["route_date"] & ~given["initial_route"],
            "route_date",
            "route_date is given but initial_route is empty",
        )
    )
    out.extend(
        _problems(
            file,
            frame,
            formal & ~given["formal_investigation_date"],
            "formal_investigation_date",
            "formal_investigation_date is required when initial_route is formal",
        )
    )
    out.extend(
        _problems(
            file,
            frame,
            not_formal & given["formal_investigation_date"],
            "formal_investigation_date",
            "formal_investigation_date is only allowed when initial_route is formal",
        )
    )
    for column in ("restriction", "investigation_outcome", "sanction"):
        out.extend(
            _problems(
                file,
                frame,
                not_formal & given[column],
                column,
                f"{column} is only allowed on formal cases (initial_route is not formal)",
            )
        )
    outcome_known = valid_enum["investigation_outcome"] | ~given["investigation_outcome"]
    decided = clean["investigation_outcome"].isin([InvestigationOutcome.HEARING, InvestigationOutcome.FAST_TRACK])
    out.extend(
        _problems(
            file,
            frame,
            formal & given["sanction"] & outcome_known & ~decided,
            "sanction",
            "sanction is only allowed when investigation_outcome is hearing or fast_track",
        )
    )

    _v2_rules(frame, clean, given, file, out)

    ids = frame["case_id"].astype(str)
    duplicated = ids.duplicated(keep="first") & (ids != "")
    if duplicated.any():
        first_row: dict[str, int] = {}
        for i, value in enumerate(ids):
            first_row.setdefault(value, i + FIRST_DATA_ROW)
        for r in _rows(duplicated):
            out.append(
                Problem(
                    file,
                    int(r) + FIRST_DATA_ROW,
                    "case_id",
                    str(ids.iat[r]),
                    f"duplicate case_id (first seen in row {first_row[str(ids.iat[r])]})",
                )
            )


#: Suspension dates in process order with the case dates around them (contract v2).
_SUSPENSION_ORDER: tuple[str, ...] = ("route_date", "suspension_start_date", "suspension_end_date", "closed_date")


def _v2_rules(
    frame: pd.DataFrame, clean: pd.DataFrame, given: dict[str, pd.Series], file: str, out: list[Problem]
) -> None:
    """Contract v2: suspension dates only on suspended cases and in order; complaint outcomes only on
    grievance and bullying/harassment cases."""
    restriction_known = clean["restriction"].notna() | ~given["restriction"]
    suspended = clean["restriction"] == Restriction.SUSPENDED
    for column in ("suspension_start_date", "suspension_end_date"):
        out.extend(
            _problems(
                file,
                frame,
                given[column] & restriction_known & ~suspended,
                column,
                f"{column} is only allowed when restriction is suspended",
            )
        )
    for i, earlier in enumerate(_SUSPENSION_ORDER):
        for later in _SUSPENSION_ORDER[i + 1 :]:
            if earlier not in ("suspension_start_date", "suspension_end_date") and later not in (
                "suspension_start_date",
                "suspension_end_date",
            ):
                continue  # route_date <= closed_date is already checked with the other case dates
            wrong = clean[earlier].notna() & clean[later].notna() & (clean[earlier] > clean[later])
            for r in _rows(wrong):
                out.append(
                    Problem(
                        file,
                        int(r) + FIRST_DATA_ROW,
                        later,
                        str(frame[later].iat[r]),
                        f"{later} is before {earlier} ({frame[earlier].iat[r]})",
                    )
                )
    type_known = clean["case_type"].notna()
    complaint_type = clean["case_type"].isin([t.value for t in COMPLAINT_CASE_TYPES])
    out.extend(
        _problems(
            file,
            frame,
            given["complaint_outcome"] & type_known & ~complaint_type,
            "complaint_outcome",
            "complaint_outcome is only allowed on grievance and bullying_harassment cases",
        )
    )


def pseudonymise_frame(clean: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """Replace ``person_id`` by ``person_key`` (HMAC-SHA256), hashing each distinct id once."""
    distinct = clean["person_id"].unique()
    lookup = {raw: pseudonymise(raw, key) for raw in distinct}
    return clean.assign(person_key=clean["person_id"].map(lookup)).drop(columns=["person_id"])
