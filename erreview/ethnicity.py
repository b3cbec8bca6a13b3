"""NHS Ethnic Category codes → broad group → WRES group (contract §1).

The mapping is the versioned table ``data/ethnic_categories.csv``; this module only reads it and applies
the contract's parsing rules (first whitespace-separated token is the code, case-insensitive, ESR
two-character sub-codes take the group of their first letter, empty means not stated). Anything else is
an :class:`EthnicityError`: nothing is silently mapped to Unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from erreview.errors import ErreviewError
from erreview.versioned import read_versioned_csv
from erreview.vocab import BroadGroup, WresGroup

TABLE_FILE = "ethnic_categories.csv"


class EthnicityError(ErreviewError, ValueError):
    """A value that is not an NHS Ethnic Category code."""


@dataclass(frozen=True)
class EthnicCategory:
    code: str
    label: str
    broad_group: BroadGroup
    wres_group: WresGroup


@dataclass(frozen=True)
class EthnicityTable:
    version: str
    categories: dict[str, EthnicCategory]

    def classify(self, value: str | None) -> EthnicCategory:
        """Return the category of a raw ``ethnic_category`` value, or raise :class:`EthnicityError`."""
        token = (value or "").strip().split(maxsplit=1)
        if not token:
            return self.categories["Z"]
        code = token[0].upper()
        if code in self.categories:
            return self.categories[code]
        # ESR sub-codes: a known letter followed by one letter or digit ("C3", "LH", "PD").
        if len(code) == 2 and code[0] in self.categories and code[1].isalnum() and code[0].isalpha():
            return self.categories[code[0]]
        raise EthnicityError(f"{value!r} is not an NHS ethnic category code (A–S, Z, 99 or an ESR sub-code)")

    def rows(self) -> list[EthnicCategory]:
        return list(self.categories.values())


@cache
def ethnicity_table() -> EthnicityTable:
    """The shipped mapping table (read once)."""
    version, rows = read_versioned_csv(TABLE_FILE)
    categories = {
        row["code"]: EthnicCategory(
            code=row["code"],
            label=row["label"],
            broad_group=BroadGroup(row["broad_group"]),
            wres_group=WresGroup(row["wres_group"]),
        )
        for row in rows
    }
    return EthnicityTable(version=version, categories=categories)


def classify(value: str | None) -> EthnicCategory:
    """Shortcut for ``ethnicity_table().classify(value)``."""
    return ethnicity_table().classify(value)
