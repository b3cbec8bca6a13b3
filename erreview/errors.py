"""The one exception base of the library.

Every error erreview raises on purpose derives from :class:`ErreviewError` and carries a plain-English message
that screens and the CLI show as it is, so they catch this one class instead of keeping lists of exceptions.
Classes keep their older built-in base too (``ValueError``, ``PermissionError``...) so existing handlers work.
"""

from __future__ import annotations


class ErreviewError(Exception):
    """A refusal or failure with a message fit to show to the person who caused it."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class Busy(ErreviewError):
    """Someone else is writing right now; trying again in a moment will work."""
