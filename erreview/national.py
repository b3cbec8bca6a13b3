"""The national comparator: England's WRES indicator 3 by report, as data with its source.

The shipped table (``erreview/data/national_indicator3.csv``, versioned) holds the published figures;
an admin can add a later report's figure in the app (kept in the settings table as JSON, audited). Every
figure is labelled by report *and* data year, e.g. "WRES 2022 report (2021/22 data)", never as "latest".
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import cache

from erreview.errors import ErreviewError
from erreview.versioned import read_versioned_csv

TABLE_FILE = "national_indicator3.csv"
#: Name of the settings row holding figures added by an admin.
SETTING_NAME = "national_comparator_added"
#: The settings row holds at most this many characters (its column's size).
MAX_STORED = 2000
_DATA_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


class ComparatorError(ErreviewError, ValueError):
    """A national figure an admin entered that cannot be right (message names the field and value)."""


@dataclass(frozen=True)
class NationalFigure:
    report_year: int
    data_year: str
    value: float
    source_title: str
    source_url: str
    added: bool = False  # entered by an admin rather than shipped

    @property
    def label(self) -> str:
        return f"WRES {self.report_year} report ({self.data_year} data)"


@dataclass(frozen=True)
class NationalTable:
    version: str
    figures: tuple[NationalFigure, ...]

    def latest(self) -> NationalFigure | None:
        return max(self.figures, key=lambda f: f.report_year) if self.figures else None


def validate(raw: dict[str, object], *, added: bool = True) -> NationalFigure:
    """A :class:`NationalFigure` from loose input, or :class:`ComparatorError` naming the bad field."""
    try:
        year = int(str(raw.get("report_year", "")).strip())
    except ValueError:
        raise ComparatorError(f"report year {raw.get('report_year')!r} is not a year") from None
    if not 2014 <= year <= 2100:
        raise ComparatorError(f"report year {year} is outside 2014 to 2100 (WRES began in 2015)")
    data_year = str(raw.get("data_year", "")).strip()
    match = _DATA_YEAR.match(data_year)
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ComparatorError(f"data year {data_year!r} is not a financial year such as 2021/22")
    try:
        value = float(str(raw.get("value", "")).strip())
    except ValueError:
        raise ComparatorError(f"value {raw.get('value')!r} is not a number") from None
    if not 0 < value < 10:
        raise ComparatorError(f"value {value} is not a plausible relative likelihood (between 0 and 10)")
    title = str(raw.get("source_title", "")).strip()
    url = str(raw.get("source_url", "")).strip()
    if len(title) < 5:
        raise ComparatorError("source title is required: name the report the figure was published in")
    if not url.startswith("https://"):
        raise ComparatorError(f"source address {url!r} must be a web address starting with https://")
    return NationalFigure(year, data_year, value, title, url, added)


@cache
def shipped_table() -> NationalTable:
    version, rows = read_versioned_csv(TABLE_FILE)
    figures = tuple(validate(dict(row), added=False) for row in rows)
    return NationalTable(version, figures)


def decode_added(value: str | None) -> list[NationalFigure]:
    if not value:
        return []
    return [validate(row, added=True) for row in json.loads(value)]


def encode_added(figures: list[NationalFigure]) -> str:
    return json.dumps([{k: v for k, v in asdict(f).items() if k != "added"} for f in figures])


def merged(added: list[NationalFigure]) -> NationalTable:
    """The shipped table plus an admin's additions (a shipped report year is never replaced)."""
    base = shipped_table()
    shipped_years = {f.report_year for f in base.figures}
    extra = tuple(f for f in added if f.report_year not in shipped_years)
    version = base.version + (f"+{len(extra)} added" if extra else "")
    return NationalTable(version, tuple(sorted((*base.figures, *extra), key=lambda f: f.report_year)))
