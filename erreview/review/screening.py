"""Free-text screening: notes and rationales must not carry identifiers.

Free text is where identifiers leak. A note is refused if it contains an NHS number (ten digits that pass
the modulus 11 check), an email address, a UK phone number, a National Insurance number, a staff number
(the organisation's pattern, ESR-style ``E1002319``, ``E 1002319`` or ``E-1002319`` by default), a date of birth
(a date next to "born", "DOB" or "date of birth"), a UK postcode (also typed in lower case, "ls1 4ap"), or a title
and name ("Mr Smith", "Dr A. Khan", "dr khan"); the message says
which kind was found (never the value itself). Plain regular expressions: they are predictable, fast and
need nothing installed.
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

#: ESR-style staff numbers: one letter and seven digits, also written with a space or hyphen between them
#: ("E1002319", "E 1002319", "E-1002319"); "a 1234567" and "I 1234567" are ordinary words before a number, not
#: staff numbers (the ``staff_number_pattern`` setting overrides it).
DEFAULT_STAFF_NUMBER = r"\b(?:[A-Za-z]\d{7}|(?![aAI] )[A-Za-z][ -]\d{7})\b"
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTHS + r",?\s+\d{2,4}"
    r"|" + _MONTHS + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{2,4})"
)
_DOB = re.compile(
    r"\b(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s*date|birthday|born(?:\s+on)?)\W{0,3}(?:is\s+|was\s+|on\s+)?"
    + _DATE,
    re.IGNORECASE,
)
# UK postcodes (outward code, space optional, inward code: digit and two letters not C, I, K, M, O, V).
# In capitals, any letters in the right places; in lower or mixed case ("ls1 4ap", "ls14ap") only a real
# two-letter postcode area, or a one-letter area written without the space: lower case with any letters would
# catch ordinary text ("b2 2nd").
_POSTCODE = re.compile(r"\b[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b")
_AREAS = (
    r"ab|al|ba|bb|bd|bh|bl|bn|br|bs|bt|ca|cb|cf|ch|cm|co|cr|ct|cv|cw|da|dd|de|dg|dh|dl|dn|dt|dy|ec|eh|en|ex|fk|fy|"
    r"gl|gu|gy|ha|hd|hg|hp|hr|hs|hu|hx|ig|im|ip|iv|je|ka|kt|kw|ky|la|ld|le|ll|ln|ls|lu|me|mk|ml|ne|ng|nn|np|nr|nw|"
    r"ol|ox|pa|pe|ph|pl|po|pr|rg|rh|rm|sa|se|sg|sk|sl|sm|sn|so|sp|sr|ss|st|sw|sy|ta|td|tf|tn|tq|tr|ts|tw|ub|wa|wc|"
    r"wd|wf|wn|wr|ws|wv|yo|ze"
)
_POSTCODE_ANY_CASE = re.compile(
    r"\b(?:(?:" + _AREAS + r")\d[a-z\d]?\s?|[begl-nsw]\d[a-z\d]?)\d[abd-hjlnp-uw-z]{2}\b", re.IGNORECASE
)
# A title, optional initials, then a capitalised surname: "Mr Smith", "Dr A. Khan", "Mrs J K O'Neill".
_TITLE_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame)\.?\s+(?:[A-Z]\.?\s+)*[A-Z][a-z'’\-]+")
# Typed in lower case ("dr khan", "mr smith"): only the titles that are not also English words ("miss", "sir"),
# and a name that is not one of the ordinary words that follow a title in a note ("Dr and nurse", "mr. was").
_NOT_A_NAME = (
    r"a|an|and|or|but|nor|the|of|to|in|on|at|by|for|from|with|without|about|as|into|than|then|so|if|is|are|was|"
    r"were|be|been|being|has|had|have|having|do|does|did|not|no|yes|who|whom|whose|which|what|when|where|why|how|"
    r"that|this|these|those|it|its|he|she|his|her|him|hers|they|them|their|we|us|our|you|your|i|me|my|said|says|"
    r"say|will|would|could|should|shall|may|might|must|can|also|only|just|both|each|all|any|some|between|after|"
    r"before|during|while|nurse|nurses|nursing|doctor|doctors|staff|staffing|on\-call|rota|appointment|"
    r"appointments|note|notes|office|team|teams|ward|wards|word|excel|outlook"
)
_TITLE_NAME_ANY_CASE = re.compile(
    r"\b(?:Mrs|mrs|Mr|mr|Ms|ms|Mx|mx|Dr|dr|Prof|prof)\b\.?\s+(?:[A-Z]\.?\s+|[a-z]\.\s*)*"
    r"(?!(?i:" + _NOT_A_NAME + r")\b)[A-Za-z][A-Za-z'’\-]+"
)

NHS_NUMBER = "an NHS number"
EMAIL = "an email address"
PHONE = "a UK phone number"
NI_NUMBER = "a National Insurance number"
STAFF_NUMBER = "a staff number"
DATE_OF_BIRTH = "a date of birth"
POSTCODE = "a postcode"
TITLE_NAME = "a person's name"


def valid_nhs_number(digits: str) -> bool:
    """The NHS number modulus 11 check on a ten-digit string."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def identifiers_in(text: str, *, staff_number_pattern: str = DEFAULT_STAFF_NUMBER) -> list[str]:
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
    if staff_number_pattern and re.search(staff_number_pattern, text):
        found.append(STAFF_NUMBER)
    if _DOB.search(text):
        found.append(DATE_OF_BIRTH)
    if _POSTCODE.search(text) or _POSTCODE_ANY_CASE.search(text):
        found.append(POSTCODE)
    if _TITLE_NAME.search(text) or _TITLE_NAME_ANY_CASE.search(text):
        found.append(TITLE_NAME)
    return found


class IdentifierInText(ErreviewError, ValueError):
    def __init__(self, field: str, kinds: list[str]):
        self.field, self.kinds = field, kinds
        super().__init__(f"{field} appears to contain {' and '.join(kinds)}; remove it: notes must not identify anyone")


def check_free_text(field: str, text: str | None, *, staff_number_pattern: str = DEFAULT_STAFF_NUMBER) -> None:
    """Raise :class:`IdentifierInText` naming the field and the kinds of identifier found."""
    if text:
        kinds = identifiers_in(text, staff_number_pattern=staff_number_pattern)
        if kinds:
            raise IdentifierInText(field, kinds)
