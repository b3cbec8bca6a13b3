"""Read an import file (CSV or Excel) into a frame of stripped strings, or say clearly why not.

Nothing here interprets values: that is :mod:`erreview.ingest`. Problems with the file as a whole
(size, encoding, header) come back as :class:`~erreview.problems.Problem` rows with no row number.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from erreview.errors import ErreviewError
from erreview.problems import Problem

#: Files larger than this are refused before parsing (1 GB of junk must not exhaust memory); see the
#: ``max_upload_mb`` setting.
MAX_FILE_BYTES = 1024**3


class FileUnreadable(ErreviewError):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def _fail(name: str, reason: str, column: str | None = None) -> FileUnreadable:
    return FileUnreadable(Problem(file=name, row=None, column=column, value=None, reason=reason))


def read_table(source: str | Path | bytes, *, name: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> pd.DataFrame:
    """Read ``source`` (a path, or the bytes of an upload) as a table of strings.

    Every cell is a ``str`` with surrounding whitespace removed; empty cells are ``""``. A UTF-8 byte
    order mark is allowed. ``.xlsx`` files are read from their first sheet.
    """
    if isinstance(source, bytes):
        data, label = source, name or "upload"
    else:
        path = Path(source)
        label = name or path.name
        if not path.is_file():
            raise _fail(label, f"file not found: {path}")
        if path.stat().st_size > max_bytes:
            raise _fail(label, f"the file is larger than the {max_bytes // 1024**2} MB limit")
        data = path.read_bytes()
    if len(data) > max_bytes:
        raise _fail(label, f"the file is larger than the {max_bytes // 1024**2} MB limit")
    if label.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        return _read_excel(data, label, max_bytes)
    return _read_csv(data, label)


def _read_csv(data: bytes, label: str) -> pd.DataFrame:
    if b"\x00" in data[:65536]:
        raise _fail(label, "the file is not text (it contains NUL bytes); export it as CSV, UTF-8")
    fast = _read_csv_arrow(data)
    if fast is not None:
        return fast
    return _read_csv_pandas(data, label)


def _read_csv_arrow(data: bytes) -> pd.DataFrame | None:
    """A well-formed UTF-8 CSV read by Arrow's parallel reader, each column a categorical of its trimmed
    distinct values (a workforce extract: two million rows, a few thousand distinct values per column but
    the person id). ``None`` for anything unusual, which :func:`_read_csv_pandas` then reads and explains."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    end = data.find(b"\n")
    try:
        first = data[: end if end >= 0 else len(data)].decode("utf-8-sig")
        header = next(csv.reader([first]))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None
    names = [h.strip().lower() for h in header]
    if not all(names) or len(set(names)) < len(names) or '"' in first:
        return None  # the pandas path names the header problem (and reads a quoted header)
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=names),
            # Quoted values may hold line breaks, as pandas allows; blank lines are skipped.
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return None
    if table.num_rows == 0:
        return None
    columns = {}
    for name, column in zip(names, table.columns, strict=True):
        encoded = column.dictionary_encode().combine_chunks()
        columns[name] = _trimmed(pd.Categorical(encoded.to_pandas()))
    return pd.DataFrame(columns)


def _trimmed(column: pd.Categorical) -> pd.Categorical:
    """The categorical with surrounding whitespace removed from each value (values that become equal merge)."""
    categories = column.categories
    if bool((categories.str.strip() == categories).all()):
        return column  # the usual case: nothing to trim
    values = [str(v).strip() for v in categories]
    distinct = sorted(set(values))
    position = {v: i for i, v in enumerate(distinct)}
    remap = np.array([*(position[v] for v in values), -1], dtype=np.int64)
    codes = remap[np.asarray(column.codes, dtype=np.int64)]
    trimmed: pd.Categorical = pd.Categorical.from_codes(codes, categories=pd.Index(distinct, dtype=object))
    return trimmed


def _read_csv_pandas(data: bytes, label: str) -> pd.DataFrame:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(
            label, f"the file is not UTF-8 (byte {exc.start} cannot be decoded); save it as 'CSV UTF-8'"
        ) from None
    if not text.strip():
        raise _fail(label, "the file is empty")
    try:
        header = next(csv.reader(io.StringIO(text.splitlines()[0])))
    except (csv.Error, StopIteration):
        raise _fail(label, "the header row cannot be read") from None
    _check_header([h.strip() for h in header], label)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            on_bad_lines="error",
        )
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        raise _fail(label, f"the file is not well-formed CSV: {exc}") from None
    return _tidy(frame)


#: A workbook is a zip of XML. Real extracts unpack to 5–30 times their size; a "zip bomb" unpacks to
#: hundreds of times (4 MB to 1 GB) and would tie up the parser for minutes. Both limits are checked from
#: the zip directory, before anything is unpacked.
MAX_XLSX_RATIO = 100
MAX_XLSX_UNPACKED = 512 * 1024**2


def _check_workbook_size(data: bytes, label: str, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _fail(label, "the workbook cannot be read: it is not a valid .xlsx file") from None
    unpacked = sum(m.file_size for m in members)
    limit = min(MAX_XLSX_UNPACKED, max(max_bytes, 1) * MAX_XLSX_RATIO)
    if unpacked > limit:
        raise _fail(
            label,
            f"the workbook unpacks to {unpacked / 1024**2:,.0f} MB, more than the {limit // 1024**2} MB limit; "
            "export it as CSV instead",
        )
    for member in members:
        if member.file_size > 1024**2 and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1):
            raise _fail(
                label,
                f"the workbook is compressed {member.file_size // max(member.compress_size, 1):,} to 1, "
                f"far beyond any real extract (a 'zip bomb'); export it as CSV instead",
            )


def _read_excel(data: bytes, label: str, max_bytes: int = MAX_FILE_BYTES) -> pd.DataFrame:
    _check_workbook_size(data, label, max_bytes)
    try:
        frame = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False, na_filter=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise _fail(label, f"the workbook cannot be read: {type(exc).__name__}") from None
    _check_header([str(c).strip() for c in frame.columns], label)
    # With na_filter=False an empty cell is read as "" and nothing else is a missing value: a cell whose text is
    # "nan", "None" or "NaT" stays that text, as in a CSV, and the checks judge it like any other value.
    frame = frame.astype(str)
    # Excel may hand back dates as "2024-03-31 00:00:00"; the contract wants ISO dates.
    frame = frame.apply(lambda col: col.str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", r"\1", regex=True))
    return _tidy(frame)


def _check_header(header: list[str], label: str) -> None:
    if not any(header):
        raise _fail(label, "the first row must be the header of column names")
    seen: set[str] = set()
    for column in header:
        if not column:
            raise _fail(label, "a column in the header row has no name")
        if column.lower() in seen:
            raise _fail(label, "the column appears twice in the header", column=column)
        seen.add(column.lower())


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for column in frame.columns:
        frame[column] = frame[column].astype(str).str.strip()
    return frame.reset_index(drop=True)
