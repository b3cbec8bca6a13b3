"""Free-text screening also catches staff numbers, dates of birth, postcodes and titled names."""

from __future__ import annotations

import pytest

from erreview.review.screening import (
    DATE_OF_BIRTH,
    DEFAULT_STAFF_NUMBER,
    POSTCODE,
    STAFF_NUMBER,
    TITLE_NAME,
    IdentifierInText,
    check_free_text,
    identifiers_in,
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("staff number E1002319 was on shift", STAFF_NUMBER),
        ("see e1013658", STAFF_NUMBER),
        ("DOB 12/03/1985", DATE_OF_BIRTH),
        ("d.o.b. 1985-03-12", DATE_OF_BIRTH),
        ("date of birth: 3rd March 1985", DATE_OF_BIRTH),
        ("born on 12 Mar 85", DATE_OF_BIRTH),
        ("lives at LS1 4AP near the hospital", POSTCODE),
        ("postcode SW1A1AA", POSTCODE),
        ("Mr Smith raised it", TITLE_NAME),
        ("spoke to Dr A. Khan", TITLE_NAME),
        ("Mrs J K O'Neill agreed", TITLE_NAME),
        ("staff number E 1002319 was on shift", STAFF_NUMBER),
        ("staff number E-1002319 was on shift", STAFF_NUMBER),
        ("see e 1013658", STAFF_NUMBER),
        ("lives at ls14ap near the hospital", POSTCODE),
        ("lives at ls1 4ap near the hospital", POSTCODE),
        ("moved to Ls1 4AP", POSTCODE),
        ("lives in m11ab", POSTCODE),
        ("spoke to dr khan about it", TITLE_NAME),
        ("mr smith raised it", TITLE_NAME),
        ("per mrs. o'neill", TITLE_NAME),
        ("Dr khan agreed", TITLE_NAME),
        ("dr andrews agreed", TITLE_NAME),  # a name that starts like an ordinary word ("and")
    ],
)
def test_more_identifiers_are_caught(text, kind):
    assert kind in identifiers_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "the meeting on 2024-05-01 at 10:30 with 12 staff",  # a date, but not a birth date
        "band 5 staff on the 2nd floor, b2 2nd stage",
        "the manager and the HR business partner agreed",
        "Dr and nurse staffing was short; Mr. and Mrs. were not named",
        "invoice 1234567 and case ER-000123",
        "we paid a 1000000 pound contract; I 1234567 is not a staff number",
        "the dr and the nurse met on the ward; mr. was not named",
        "the dr on call was asked; we will miss the deadline, sir, said the prof who was there",
        "the MS diagnosis was noted and ms teams was used for the call",
        "sent to the ls team on 2nd floor by 10 am, see rule b2 2nd stage and step e1 2nd",
        "The investigation found no case to answer. The manager apologised and the matter was closed.",
        "She said the shift pattern was unfair and raised it with her line manager in March.",
        "Attendance improved after the occupational health referral; no further action.",
    ],
)
def test_ordinary_notes_pass(text):
    assert identifiers_in(text) == []


def test_the_rationale_from_the_finding_is_refused_naming_every_kind():
    rationale = "Mr Smith (E1002319, DOB 04/07/1979) was seen shouting; proceed to formal action."
    with pytest.raises(IdentifierInText) as info:
        check_free_text("the rationale", rationale)
    message = str(info.value)
    for kind in (STAFF_NUMBER, DATE_OF_BIRTH, TITLE_NAME):
        assert kind in message
    assert "E1002319" not in message and "Smith" not in message and "1979" not in message


def test_the_organisations_own_staff_number_pattern():
    assert STAFF_NUMBER in identifiers_in("emp 20456789", staff_number_pattern=r"\b2\d{7}\b")
    assert STAFF_NUMBER not in identifiers_in("emp 20456789")


def test_the_findings_rationale_is_refused_by_the_panel_review(settings):
    from erreview.review.lifecycle import Stage
    from erreview.review.panel import Rules, review_problems

    from .test_workflow import review

    rules = Rules.from_settings(settings)
    rationale = "Mr Smith (E1002319, DOB 04/07/1979) was seen shouting; proceed to formal action."
    submission = review().model_copy(update={"rationale": rationale})
    problems = " ".join(review_problems(submission, Stage.AWAITING_PANEL_CHECK, rules))
    assert all(k in problems for k in (STAFF_NUMBER, DATE_OF_BIRTH, TITLE_NAME)), problems
    assert review_problems(review(), Stage.AWAITING_PANEL_CHECK, rules) == []


def test_the_settings_default_is_the_screening_default(settings):
    from erreview.config import Settings
    from erreview.review.panel import Rules

    assert Settings.model_fields["staff_number_pattern"].default == DEFAULT_STAFF_NUMBER
    rules = Rules.from_settings(settings)
    assert STAFF_NUMBER in identifiers_in("see E-1002319", staff_number_pattern=rules.staff_number_pattern)
