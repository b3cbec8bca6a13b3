"""Validate import files row by row and column by column (contract §2), collecting every problem.

``validate_workforce`` and ``validate_cases`` take a frame of strings (from :mod:`erreview.readers`) and
return the cleaned, typed frame with the raw ``person_id`` still in it, plus the list of problems. Values
are checked on their distinct values (a workforce extract has few distinct codes and dates), so a
two-million-row file validates in seconds. :func:`pseudonymise_frame` then swaps ``person_id`` for its
keyed hash; nothing downstream ever sees the raw identifier.

Columnar: each column is factorised once (row codes into its distinct values); checks and conversions run
on the distinct values and reach the rows through the codes. The workforce frame is kept as categoricals
throughout (two million rows, a few hundred thousand distinct values at most), so no step builds a Python
object per row; the cases frame (tens of thousands of rows) keeps plain string columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from erreview.ethnicity import EthnicityError, ethnicity_table
from erreview.problems import Problem
from erreview.pseudonym import pseudonymise_many
from erreview.vocab import (
    CASE_COLUMNS,
    CASE_DATE_COLUMNS,
    CASE_DATE_ORDER,
    CASE_ENUMS,
    CASE_REQUIRED,
    COMPLAINT_CASE_TYPES,
    FREE_TEXT_COLUMNS,
    GENDER_ALIASES,
    SUSPENSION_DATES,
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


def _strip_categorical(frame: pd.DataFrame) -> pd.DataFrame:
    """As :func:`_strip`, each column a categorical of its trimmed distinct values (sorted, no missing)."""
    columns = {}
    for name, column in frame.items():
        if isinstance(column.dtype, pd.CategoricalDtype) and _is_trimmed(column):
            columns[str(name).strip().lower()] = column.array  # as the reader gives it: nothing to redo
            continue
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        values = ["" if _missing(u) else str(u).strip() for u in uniques]
        columns[str(name).strip().lower()] = _from_distinct(codes, [*values], categorical=True, missing="")
    return pd.DataFrame(columns)


def _is_trimmed(column: pd.Series) -> bool:
    """A categorical with no missing value whose string categories are already trimmed."""
    categories = column.cat.categories
    if column.isna().any() or not pd.api.types.is_string_dtype(categories.dtype):
        return False
    return bool((categories.str.strip() == categories).all())


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _distinct(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """(row codes, distinct values): ``values[codes[i]]`` is row ``i`` (a categorical gives its own codes)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return np.asarray(series.cat.codes, dtype=np.int64), _texts(series.cat.categories)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), _texts(uniques)


def _texts(values: pd.Index | np.ndarray | ExtensionArray) -> list[str]:
    """``str`` of each value; strings are listed in one call (a Python loop over the few hundred thousand
    distinct person ids of an arrow-backed column costs ten times as much)."""
    if pd.api.types.is_string_dtype(values.dtype) and not isinstance(values, np.ndarray):
        listed = values.tolist()
        if all(type(v) is str for v in listed):
            return listed
    return [str(v) for v in values]


def _from_distinct(
    codes: np.ndarray, values: list[object], *, categorical: bool, missing: object = None
) -> pd.Categorical | ExtensionArray:
    """Rows from per-distinct ``values`` (``None`` is missing; code -1 is ``missing``).

    ``categorical``: a categorical with sorted categories (equal values merged); else a string column."""
    absent = np.array([v is None for v in values] + [missing is None], dtype=bool)
    text = np.array(["" if v is None else str(v) for v in values] + ["" if missing is None else str(missing)])
    present, inverse = np.unique(text[~absent], return_inverse=True)  # sorted, in C
    remap = np.full(len(text), -1, dtype=np.int64)
    remap[~absent] = inverse
    new_codes = remap[codes]  # a code of -1 picks the last entry: ``missing``
    if categorical:
        return pd.Categorical.from_codes(new_codes, categories=pd.Index(present.tolist(), dtype=object))
    strings: ExtensionArray = pd.array(np.array([*present.tolist(), None], dtype=object)[new_codes], dtype="str")
    return strings


def _bad_rows(codes: np.ndarray, bad: Iterable[int]) -> np.ndarray:
    """Row numbers (0-based) whose code is one of ``bad``."""
    chosen = np.fromiter(bad, dtype=np.int64)
    if chosen.size == 0:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.isin(codes, chosen))


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
    rows = _rows(mask)
    if rows.size == 0:  # the usual case: no row of a two-million-row column is turned into an object
        return
    values = frame[column].iloc[rows].to_numpy() if column in frame else None
    for k, i in enumerate(rows):
        value = str(values[k]) if (values is not None and show_value) else None
        yield Problem(file=file, row=int(i) + FIRST_DATA_ROW, column=column, value=value, reason=reason)


def _check_columns(frame: pd.DataFrame, file: str, allowed: Iterable[str], required: Iterable[str]) -> list[Problem]:
    allowed_set = set(allowed)
    found = [Problem(file, None, col, None, UNKNOWN_COLUMN) for col in frame.columns if col not in allowed_set]
    found += [Problem(file, None, col, None, MISSING_COLUMN) for col in required if col not in frame.columns]
    return found


def _map_distinct(
    series: pd.Series, convert: Callable[[str], object]
) -> tuple[np.ndarray, list[object], dict[int, str]]:
    """Apply ``convert`` to each distinct value: (row codes, converted per distinct value, {code: error})."""
    codes, uniques = _distinct(series)
    results: list[object] = []
    errors: dict[int, str] = {}
    for i, value in enumerate(uniques):
        try:
            results.append(convert(value))
        except ValueError as exc:
            results.append(None)
            errors[i] = str(exc)
    return codes, results, errors


def _report(
    file: str, column: str, codes: np.ndarray, uniques: list[str], errors: dict[int, str], out: list[Problem]
) -> None:
    """One problem per row whose distinct value failed, with that value's reason."""
    for i in _bad_rows(codes, errors):
        code = int(codes[i])
        out.append(Problem(file, int(i) + FIRST_DATA_ROW, column, uniques[code], errors[code]))


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
    codes, parsed, errors = _map_distinct(frame[column], _parse_iso)
    _, uniques = _distinct(frame[column])
    _report(file, column, codes, uniques, errors, out)
    distinct = pd.to_datetime(pd.Series([*parsed, None], dtype=object), errors="coerce")
    future = distinct > pd.Timestamp(today)
    for i in _bad_rows(codes, np.flatnonzero(future.to_numpy())):
        out.append(Problem(file, int(i) + FIRST_DATA_ROW, column, uniques[int(codes[i])], FUTURE_DATE))
    return pd.Series(distinct.where(~future).to_numpy()[codes], index=frame.index)


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

    column = frame["ethnic_category"]
    codes, mapped, errors = _map_distinct(column, convert)
    reason = "not an NHS ethnic category code (A–S with an optional ESR sub-code letter or digit, Z, 99, or empty)"
    _, uniques = _distinct(column)
    _report(file, "ethnic_category", codes, uniques, dict.fromkeys(errors, reason), out)
    categorical = isinstance(column.dtype, pd.CategoricalDtype)
    parts = {
        name: _from_distinct(codes, [m[k] if isinstance(m, tuple) else None for m in mapped], categorical=categorical)
        for k, name in enumerate(("ethnic_code", "broad_group", "wres_group"))
    }
    return pd.DataFrame(parts, index=frame.index)


def _gender(frame: pd.DataFrame, file: str, out: list[Problem]) -> pd.Series:
    valid = {g.value: g.value for g in Gender} | {k: v.value for k, v in GENDER_ALIASES.items()}
    column = frame["gender"]
    codes, uniques = _distinct(column)
    mapped: list[object] = [valid.get(u.lower()) for u in uniques]
    reason = "gender must be one of female, male, other, not_stated (or F, M)"
    errors = {i: reason for i, (u, m) in enumerate(zip(uniques, mapped, strict=True)) if m is None and u != ""}
    _report(file, "gender", codes, uniques, errors, out)
    result = _from_distinct(codes, mapped, categorical=isinstance(column.dtype, pd.CategoricalDtype))
    return pd.Series(result, index=frame.index)


def _enum(frame: pd.DataFrame, column: str, file: str, out: list[Problem]) -> pd.Series:
    vocabulary = CASE_ENUMS[column]
    lowered = frame[column].str.lower()
    allowed = {v.value for v in vocabulary}
    bad = (lowered != "") & ~lowered.isin(allowed)
    out.extend(_problems(file, frame, bad, column, f"must be one of {', '.join(sorted(allowed))}"))
    return lowered.where(~bad & (lowered != ""))


FORMULA = "looks like a spreadsheet formula (starts with =, +, - or @); remove it"
#: Text a spreadsheet would read as a formula: it starts with =, +, - or @. A plain negative number ("-5", "-2.5")
#: is a number to a spreadsheet, not a formula, so it passes.
_FORMULA_START = r"^(?![-]\d+(?:\.\d+)?$)[=+@-]"
#: Longest free-text value accepted (the database columns are sized for real band, group and division names).
MAX_TEXT = 200


def _subject_columns(frame: pd.DataFrame, file: str, out: list[Problem]) -> pd.DataFrame:
    """Ethnicity, gender and the free-text columns shared by both files."""
    clean = _ethnicity(frame, file, out)
    clean["gender"] = _gender(frame, file, out)
    for column in FREE_TEXT_COLUMNS:
        values = frame[column]
        out.extend(_problems(file, frame, values.str.match(_FORMULA_START), column, FORMULA))
        out.extend(_problems(file, frame, values.str.len() > MAX_TEXT, column, f"longer than {MAX_TEXT} characters"))
        clean[column] = values
    return clean


def validate_workforce(
    frame: pd.DataFrame, *, file: str = "workforce.csv", today: date | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """Check a workforce extract; return (clean frame, problems). The frame is only usable if none."""
    today = today or date.today()
    frame = _strip_categorical(frame)
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
    out.extend(_problems(file, frame, frame["case_id"].str.match(_FORMULA_START), "case_id", FORMULA))
    clean["person_id"] = frame["person_id"]
    for column in CASE_ENUMS:
        clean[column] = _enum(frame, column, file, out)
    for column in CASE_DATE_COLUMNS:
        clean[column] = _dates(frame, column, file, today, out)
    _case_rules(frame, clean, file, out)
    return clean, out


def _date_order(
    frame: pd.DataFrame,
    clean: pd.DataFrame,
    order: tuple[str, ...],
    file: str,
    out: list[Problem],
    *,
    involving: frozenset[str] | None = None,
) -> None:
    """Report every pair of dates out of ``order`` (each where both are present and valid); with
    ``involving``, only pairs that include one of those columns."""
    for i, earlier in enumerate(order):
        for later in order[i + 1 :]:
            if involving is not None and earlier not in involving and later not in involving:
                continue
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


def _case_rules(frame: pd.DataFrame, clean: pd.DataFrame, file: str, out: list[Problem]) -> None:
    """Rules that tie fields together; each is judged only where its fields are individually valid."""
    given = {c: frame[c] != "" for c in CASE_COLUMNS}
    valid_enum = {c: clean[c].notna() for c in CASE_ENUMS}
    route = clean["initial_route"]
    is_formal = route == Route.FORMAL

    # Dates in process order, wherever both ends are present and valid.
    _date_order(frame, clean, CASE_DATE_ORDER, file, out)

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
    # route_date <= closed_date is already checked with the other case dates.
    _date_order(frame, clean, _SUSPENSION_ORDER, file, out, involving=frozenset(SUSPENSION_DATES))
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
    column = clean["person_id"]
    codes, uniques = _distinct(column)
    keys: list[object] = list(pseudonymise_many(uniques, key))
    person_key = _from_distinct(codes, keys, categorical=isinstance(column.dtype, pd.CategoricalDtype))
    return clean.assign(person_key=pd.Series(person_key, index=clean.index)).drop(columns=["person_id"])
