"""The one exception base of the library.

Every error erreview raises on purpose derives from :class:`ErreviewError` and carries a plain-English message
that screens and the CLI show as it is, so they catch this one class instead of keeping lists of exceptions.
Classes keep their older built-in base too (``ValueError``, ``PermissionError``...) so existing handlers work.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ErreviewError(Exception):
    """A refusal or failure with a message fit to show to the person who caused it."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class Busy(ErreviewError):
    """Someone else is writing right now; trying again in a moment will work."""


def plain_reason(error: Mapping[str, Any]) -> str:
    """Why one pydantic error (an item of ``ValidationError.errors()``) happened, in plain words for the
    person who typed the value: never pydantic's own wording ("String should have...", "Input should be...")."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    given = error.get("input")
    blank = given is None or (isinstance(given, str) and not given.strip())
    if kind == "missing" or (blank and kind in ("string_too_short", "date_type", "int_type", "float_type")):
        return "this is required"
    if kind == "string_too_short":
        return f"write at least {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"write at most {ctx.get('max_length')} characters"
    if kind.startswith("date") or kind.startswith("datetime"):
        return "enter a real date, for example 31/01/2025"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "enter a whole number"
    if kind in ("float_parsing", "float_type", "decimal_parsing"):
        return "enter a number"
    if kind in ("bool_parsing", "bool_type"):
        return "answer true or false (yes or no)"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        limit = next(iter(ctx.values()), "")
        typed = "" if given is None or isinstance(given, dict | list) else f" (you entered {given})"
        return f"{words} {limit}{typed}"
    if kind in ("literal_error", "enum"):
        return "choose one of the options offered"
    if kind == "value_error":  # our own validators' plain words
        return str(error.get("msg", "")).removeprefix("Value error, ")
    if kind in ("list_type", "too_short", "too_long"):
        return "check the items given"
    return "this value is not accepted"
