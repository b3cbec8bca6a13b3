"""The staff identifier a concern raised in the tool names: one rule for the form and the library.

A concern's person is pseudonymised from the identifier typed (contract §5), so the same person must be typed
the same way every time, and the way the trust's extracts write it: "E1002319 ", "e1002319" and "E-1002319"
would each be another pseudonym, splitting one person's history into several. The rule is a regular expression
the whole identifier must match after surrounding spaces are trimmed (``ERREVIEW_STAFF_ID_PATTERN``; default
ESR-style, a capital letter and seven digits), with an example to show (``ERREVIEW_STAFF_ID_EXAMPLE``).

It is a separate setting from ``staff_number_pattern``: that one *finds* staff numbers in free text, in any
spelling a note might use (E 1002319, E-1002319), so it must be loose; this one *accepts* an identifier in one
exact spelling, so it must be strict. The import (contract §2) takes the source system's identifiers as they are
and has no format rule of its own.
"""

from __future__ import annotations

import re

#: ESR-style staff numbers as the demo data and most trusts' extracts write them: a capital letter, seven digits.
DEFAULT_STAFF_ID_PATTERN = r"[A-Z]\d{7}"
DEFAULT_STAFF_ID_EXAMPLE = "E1002319"
#: The default rule in words (a trust's own pattern is described by its example).
DEFAULT_STAFF_ID_WORDS = "a capital letter and seven digits"


def staff_id_rule_problem(pattern: str, example: str) -> str | None:
    """Why (``pattern``, ``example``) cannot be the staff identifier rule, or ``None``."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return f"the staff identifier pattern is not a valid regular expression ({exc})"
    if compiled.fullmatch(""):
        return "the staff identifier pattern accepts an empty identifier"
    if not compiled.fullmatch(example):
        return f"the staff identifier example {example!r} does not match the staff identifier pattern"
    return None


def staff_id_expected(pattern: str = DEFAULT_STAFF_ID_PATTERN, example: str = DEFAULT_STAFF_ID_EXAMPLE) -> str:
    """What a staff identifier must look like, in words: "a capital letter and seven digits, e.g. E1002319"."""
    if pattern == DEFAULT_STAFF_ID_PATTERN:
        return f"{DEFAULT_STAFF_ID_WORDS}, e.g. {example}"
    return f"written as your organisation's extracts write it, e.g. {example}"


def staff_id_problem(
    value: str | None, pattern: str = DEFAULT_STAFF_ID_PATTERN, example: str = DEFAULT_STAFF_ID_EXAMPLE
) -> str | None:
    """Why ``value`` is not a staff identifier (plain words to follow the field's label), or ``None``.

    Surrounding spaces are trimmed first (as the import trims them); nothing else is changed, so what is accepted
    is exactly what is pseudonymised."""
    text = (value or "").strip()
    if not text:
        return "this is required"
    if re.fullmatch(pattern, text):
        return None
    return f"use the staff number as it is on record: {staff_id_expected(pattern, example)}, without spaces or marks"
