"""The staff identifier of a concern raised in the app (issue #15, F3): one rule in the library, applied by
create_case and named beside the form's field, so that one person is always one pseudonym."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from erreview import store
from erreview.config import Settings
from erreview.models import ErCase
from erreview.pseudonym import load_or_create_key, pseudonymise
from erreview.review.casepage import FIELD_LABELS, new_case_problems
from erreview.review.lifecycle import TransitionRefused
from erreview.review.screening import STAFF_NUMBER, identifiers_in
from erreview.review.workflow import NewCase, create_case
from erreview.staffid import DEFAULT_STAFF_ID_EXAMPLE, DEFAULT_STAFF_ID_PATTERN, staff_id_problem

from .test_workflow import LEAD, NEW, TODAY

ROOT = Path(__file__).parent.parent
JUNK = [
    "abc!!",
    "abc",
    "e1002319",
    "E 1002319",
    "E-1002319",
    "E100231",
    "E10023190",
    "1002319E",
    "=E1002319",
    "E1002319!",
]
DEFAULT_WORDS = "use the staff number as it is on record: a capital letter and seven digits, e.g. E1002319"


@pytest.mark.parametrize("typed", JUNK)
def test_a_staff_identifier_not_in_the_trusts_form_is_refused_in_plain_words(typed):
    assert staff_id_problem(typed) == f"{DEFAULT_WORDS}, without spaces or marks"
    fields = {"person_id": typed}
    label = FIELD_LABELS["person_id"]
    assert new_case_problems(fields)["person_id"] == f"{label}: {DEFAULT_WORDS}, without spaces or marks."


@pytest.mark.parametrize("typed", ["E1002319", " E1002319 ", "\tZ0000000 ", "A9999999"])
def test_a_staff_identifier_in_the_form_is_accepted_with_surrounding_spaces_trimmed(typed):
    assert staff_id_problem(typed) is None
    assert "person_id" not in new_case_problems({"person_id": typed})
    assert NewCase(**(NEW.model_dump() | {"person_id": typed})).person_id == typed.strip()


def test_a_blank_staff_identifier_is_required():
    assert staff_id_problem("   ") == "this is required"
    assert new_case_problems({"person_id": "  "})["person_id"] == f"{FIELD_LABELS['person_id']} is required."


@pytest.mark.parametrize("typed", ["abc!!", " 123 ", "e9999001"])
def test_create_case_refuses_it_too_and_saves_nothing(engine, settings, typed):
    with pytest.raises(TransitionRefused, match=re.escape(f"Staff identifier: {DEFAULT_WORDS}")):
        create_case(engine, settings, NEW.model_copy(update={"person_id": typed}), actor=LEAD, today=TODAY)
    with store.session_scope(engine) as session:
        assert session.execute(select(ErCase)).first() is None


def test_a_padded_identifier_is_the_same_person_as_the_import_names(engine, settings):
    """ " E9999001 " is stored under E9999001's pseudonym: the same person an extract naming E9999001 imports."""
    padded = NEW.model_copy(update={"person_id": " E9999001 "})
    case_id = create_case(engine, settings, NewCase(**padded.model_dump()), actor=LEAD, today=TODAY)
    with store.session_scope(engine) as session:
        stored = session.execute(select(ErCase.person_key).where(ErCase.case_id == case_id)).scalar_one()
    assert stored == pseudonymise("E9999001", load_or_create_key(settings))


def test_a_trust_with_another_form_sets_its_own_pattern_and_example(engine, settings):
    own = settings.model_copy(update={"staff_id_pattern": r"\d{8}", "staff_id_example": "20456789"})
    words = "use the staff number as it is on record: written as your organisation's extracts write it, e.g. 20456789"
    with pytest.raises(TransitionRefused, match=re.escape(words)):
        create_case(engine, own, NEW, actor=LEAD, today=TODAY)  # E9999001 is not this trust's form
    assert create_case(engine, own, NEW.model_copy(update={"person_id": "20456789"}), actor=LEAD, today=TODAY)
    problems = new_case_problems({"person_id": "E9999001"}, staff_id_pattern=r"\d{8}", staff_id_example="20456789")
    assert problems["person_id"].endswith(f"{words}, without spaces or marks.")


@pytest.mark.parametrize(
    ("pattern", "example", "words"),
    [
        ("[", "x", "not a valid regular expression"),
        (r"\d*", "1", "accepts an empty identifier"),
        (r"\d{8}", DEFAULT_STAFF_ID_EXAMPLE, "does not match the staff identifier pattern"),
    ],
)
def test_a_staff_identifier_rule_that_cannot_work_is_refused_at_start(pattern, example, words):
    with pytest.raises(ValidationError, match=words):
        Settings(staff_id_pattern=pattern, staff_id_example=example)


def _ids(path: Path) -> set[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["person_id"].strip() for row in csv.DictReader(handle)}


def test_every_person_of_the_demo_and_the_contracts_main_examples_can_be_named_on_the_form():
    """The default form is the one the shipped data write: a concern can be raised about anyone in them. (The
    contract's edge-case file uses P00001-style ids: the import takes any source identifier, as contract §2 says,
    and has no format rule; a trust whose extracts look like that sets ERREVIEW_STAFF_ID_PATTERN.)"""
    for path in (
        ROOT / "synthetic_cases" / "cases.csv",
        ROOT / "synthetic_cases" / "workforce.csv",
        ROOT / "tests" / "data" / "examples" / "cases.csv",
        ROOT / "tests" / "data" / "examples" / "workforce.csv",
    ):
        ids = _ids(path)
        assert ids, path
        assert [i for i in ids if not re.fullmatch(DEFAULT_STAFF_ID_PATTERN, i)] == [], path


def test_a_staff_identifier_typed_into_a_note_is_still_caught():
    """The identifier's example is a staff number to the free-text screening (its own, looser setting)."""
    assert STAFF_NUMBER in identifiers_in(f"spoke to {DEFAULT_STAFF_ID_EXAMPLE} today")
    assert Settings().staff_id_example == DEFAULT_STAFF_ID_EXAMPLE
