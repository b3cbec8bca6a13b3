"""Free-text screening: notes and rationales must not carry identifiers.

Free text is where identifiers leak. A note is refused if it contains an NHS number (ten digits that pass
the modulus 11 check), an email address, a UK phone number or a National Insurance number; the message
says which kind was found (never the value itself).
"""

from __future__ import annotations

import re

from erreview.errors import ErreviewError

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Ten digits, optionally written 3-3-4 with spaces or hyphens, not inside a longer number.
_TEN_DIGITS = re.compile(r"(?<![\d])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d])")
# UK numbers: +44 or 0, then 9–10 more digits, with the usual spaces, hyphens and brackets.
_PHONE = re.compile(r"(?<![\w+])(?:\+44\s?\(?0?\)?\s?|\(?0)(?:\d[\s\-()]{0,2}){9,10}(?![\d])")
# National Insurance: two prefix letters (HMRC's excluded letters left out), six digits, suffix A–D.
_NINO = re.compile(
    r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b",
    re.IGNORECASE,
)

NHS_NUMBER = "an NHS number"
EMAIL = "an email address"
PHONE = "a UK phone number"
NI_NUMBER = "a National Insurance number"


def valid_nhs_number(digits: str) -> bool:
    """The NHS number modulus 11 check on a ten-digit string."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def identifiers_in(text: str) -> list[str]:
    """The kinds of identifier found in ``text`` (empty if none), in a fixed order."""
    found = []
    nhs_spans = []
    for match in _TEN_DIGITS.finditer(text):
        if valid_nhs_number("".join(match.groups())):
            nhs_spans.append(match.span())
    if nhs_spans:
        found.append(NHS_NUMBER)
    if _EMAIL.search(text):
        found.append(EMAIL)
    for match in _PHONE.finditer(text):
        # A valid NHS number that happens to start with 0 is reported once, as an NHS number.
        if not any(s <= match.start() < e for s, e in nhs_spans):
            found.append(PHONE)
            break
    if _NINO.search(text):
        found.append(NI_NUMBER)
    return found


class IdentifierInText(ErreviewError, ValueError):
    def __init__(self, field: str, kinds: list[str]):
        self.field, self.kinds = field, kinds
        super().__init__(f"{field} appears to contain {' and '.join(kinds)}; remove it: notes must not identify anyone")


def check_free_text(field: str, text: str | None) -> None:
    """Raise :class:`IdentifierInText` naming the field and the kinds of identifier found."""
    if text:
        kinds = identifiers_in(text)
        if kinds:
            raise IdentifierInText(field, kinds)
