"""Templates, free-text screening, comparable cases, the post-action audit and the role matrix."""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from erreview.metrics.comparators import FEATURES, MIN_COMPARABLE, comparable_cases
from erreview.review import context, workflow
from erreview.review.checklists import TemplateError, all_templates, builtin_templates, latest, load_template
from erreview.review.context import panel_audit_of
from erreview.review.roles import AccessDenied, Actor, Role, required_roles
from erreview.review.screening import (
    EMAIL,
    NHS_NUMBER,
    NI_NUMBER,
    PHONE,
    IdentifierInText,
    check_free_text,
    identifiers_in,
    valid_nhs_number,
)

# --- templates ----------------------------------------------------------------------------------------


def test_builtin_template_has_the_fourteen_questions_of_the_domain():
    template, v2, v3 = builtin_templates()  # v1 and v2 are kept for past reviews; v3 is the latest
    assert latest(all_templates(), "panel_precheck") == v3 and v3.routing is not None and v2.routing is not None
    assert (template.id, template.version, len(template.questions)) == ("panel_precheck", 1, 14)
    assert [q.id for q in template.questions_for("formal_investigation")].count("q10_suspension") == 0
    assert "q10_suspension" in [q.id for q in template.questions_for("suspension")]


GOOD_TEMPLATE = """
id = "trust_check"
version = 2
title = "Our trust's check"
steps = ["formal_investigation"]
[[questions]]
id = "q1"
text = "Was the policy followed?"
answer_type = "yes_no_na"
"""


def test_a_trust_adds_its_own_template_without_code(tmp_path):
    (tmp_path / "ours.toml").write_text(GOOD_TEMPLATE)
    (tmp_path / "ours_v1.toml").write_text(GOOD_TEMPLATE.replace("version = 2", "version = 1"))
    templates = all_templates(tmp_path)
    assert ("trust_check", 2) in templates and ("panel_precheck", 1) in templates
    assert latest(templates, "trust_check").version == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD_TEMPLATE.replace('answer_type = "yes_no_na"', 'answer_type = "maybe"'),
            "broken.toml: field questions[0] (q1).answer_type: Input should be 'yes_no', 'yes_no_na', 'text' or 'date'",
        ),
        (
            GOOD_TEMPLATE.replace("version = 2", "version = 0"),
            "broken.toml: field version: Input should be greater",
        ),
        (
            GOOD_TEMPLATE.replace('title = "Our trust\'s check"', ""),
            "broken.toml: field title: Field required",
        ),
        (
            GOOD_TEMPLATE + '[[questions]]\nid = "q1"\ntext = "Again?"\nanswer_type = "text"\n',
            "question ids must be unique; repeated: q1",
        ),
        (
            GOOD_TEMPLATE.replace('steps = ["formal_investigation"]', 'steps = ["dismissal"]'),
            "broken.toml: field steps[0]",
        ),
        ("id = ", "broken.toml: not valid TOML"),
        ("colour = 'blue'\n" + GOOD_TEMPLATE, "broken.toml: field colour: Extra inputs are not permitted"),
        (GOOD_TEMPLATE + "colour = 'blue'\n", "broken.toml: field questions[0] (q1).colour: Extra inputs"),
    ],
)
def test_a_broken_template_names_the_file_and_field(tmp_path, text, message):
    path = tmp_path / "broken.toml"
    path.write_text(text)
    with pytest.raises(TemplateError) as info:
        load_template(path)
    assert message in str(info.value).replace(str(tmp_path) + "/", "")


def test_two_templates_with_the_same_id_and_version_clash(tmp_path):
    (tmp_path / "a.toml").write_text(GOOD_TEMPLATE)
    (tmp_path / "b.toml").write_text(GOOD_TEMPLATE)
    with pytest.raises(TemplateError, match="two templates claim id 'trust_check' version 2"):
        all_templates(tmp_path)


# --- screening ----------------------------------------------------------------------------------------

VALID_NHS = ["9434765919", "4010232137", "943 476 5919", "401-023-2137"]


@pytest.mark.parametrize("number", VALID_NHS)
def test_valid_nhs_numbers_are_caught(number):
    assert NHS_NUMBER in identifiers_in(f"patient {number} was on the ward")


@pytest.mark.parametrize(
    "text",
    [
        "invoice 1234567890 was paid",
        "order ref 9434765918 (one digit off)",
        "2023 2024 2025 budgets",
        "12345678901 is eleven digits",
        "the meeting on 2024-05-01 at 10:30 with 12 staff",
    ],
)
def test_ordinary_text_with_ten_digit_non_nhs_numbers_passes(text):
    assert NHS_NUMBER not in identifiers_in(text)
    assert valid_nhs_number("1234567890") is False


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("write to jo.bloggs@nhs.net", EMAIL),
        ("ring 07700 900123", PHONE),
        ("ring +44 20 7946 0958", PHONE),
        ("(020) 7946 0958 ext 2", PHONE),
        ("NI number AB 12 34 56 C", NI_NUMBER),
        ("ab123456c", NI_NUMBER),
    ],
)
def test_other_identifiers_are_caught(text, kind):
    assert kind in identifiers_in(text)


def test_the_message_names_the_field_and_kind_but_not_the_value():
    with pytest.raises(IdentifierInText) as info:
        check_free_text("rationale", "email jo@example.org about 943 476 5919")
    assert "rationale appears to contain an NHS number and an email address" in str(info.value)
    assert "943" not in str(info.value) and "jo@" not in str(info.value)


# --- comparable cases ---------------------------------------------------------------------------------


def _history(n=400, seed=1):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "case_id": [f"C{i:04d}" for i in range(n)],
            "allegation_category": rng.choice(["behaviour", "clinical_practice", "attendance"], n),
            "band": rng.choice(["Band 3", "Band 5", "Band 7"], n),
            "referral_source": rng.choice(["manager", "colleague"], n),
            "staff_group": rng.choice(["Admin and Clerical", "Medical and Dental"], n),
            "division": rng.choice(["Surgery", "Medicine"], n),
            "wres_group": rng.choice(["BME", "White"], n),
            "initial_route": rng.choice(["formal", "informal"], n),
            "investigation_outcome": None,
            "sanction": None,
            "closed_date": pd.Timestamp("2024-01-01"),
        }
    )


TARGET = pd.Series(
    {
        "case_id": "NEW",
        "allegation_category": "clinical_practice",
        "band": "Band 5",
        "referral_source": "colleague",
        "staff_group": "Medical and Dental",
        "division": "Surgery",
    }
)


def test_same_allegation_and_band_come_first():
    history = _history()
    same = ((history["allegation_category"] == "clinical_practice") & (history["band"] == "Band 5")).sum()
    result = comparable_cases(TARGET, history, k=int(same) + 10)
    top = result.cases.head(int(same))
    assert (top["allegation_category"] == "clinical_practice").all() and (top["band"] == "Band 5").all()
    assert not (
        (result.cases.iloc[int(same) :]["allegation_category"] == "clinical_practice")
        & (result.cases.iloc[int(same) :]["band"] == "Band 5")
    ).any()


def test_ethnicity_is_never_a_matching_feature():
    assert not {"wres_group", "broad_group", "ethnic_code"} & set(FEATURES)
    history = _history()
    flipped = history.assign(wres_group=np.where(history["wres_group"] == "BME", "White", "BME"))
    a, b = comparable_cases(TARGET, history), comparable_cases(TARGET, flipped)
    assert a.cases.drop(columns="wres_group").equals(b.cases.drop(columns="wres_group"))


def test_open_cases_and_the_case_itself_are_not_comparators():
    history = _history(60)
    history.loc[:9, "closed_date"] = pd.NaT
    target = TARGET.copy()
    target["case_id"] = "C0020"
    result = comparable_cases(target, history, k=60)
    assert result.n == 49


def test_small_results_are_suppressed():
    result = comparable_cases(TARGET, _history(MIN_COMPARABLE - 1))
    assert result.suppressed and result.cases.empty and result.formal_share is None
    assert "Too few comparable closed cases (9)" in result.summary()


def test_summary_sentence():
    history = _history()
    result = comparable_cases(TARGET, history, k=30)
    formal = (result.cases["initial_route"] == "formal").mean()
    assert result.summary().startswith(f"In the 30 most comparable closed cases, {formal:.0%} went formal: White ")


# --- post-action audit --------------------------------------------------------------------------------


def test_panel_audit_by_group():
    at = datetime(2025, 5, 10, tzinfo=UTC)
    rows = [
        (1, "a", "proceed", "BME"),
        (2, "b", "divert_informal", "BME"),
        (3, "c", "no_further_action", "BME"),
        (4, "d", "proceed", "White"),
        (5, "e", "proceed", "White"),
        (6, "f", "divert_informal", "White"),
        (7, "f", "proceed", "White"),
    ]
    reviews = pd.DataFrame(
        [
            {
                "id": i,
                "case_id": c,
                "step": "formal_investigation",
                "decision": d,
                "submitted_at": at,
                "supersedes_id": 6 if i == 7 else None,
                "wres_group": g,
                "broad_group": g,
                "opened_date": date(2025, 5, 1),
                "division": "X",
            }
            for i, c, d, g in rows
        ]
    )
    result = panel_audit_of(reviews)
    assert result.reviews == 6 and result.cases == 6
    assert result.diversion == {"BME": (2, 3), "White": (0, 3)}
    assert result.days_to_decision.loc["BME", "median"] == 9
    assert "diverted or stopped 2 of 3 BME cases (67%) and 0 of 3 White cases (0%)" in result.sentence()
    assert panel_audit_of(reviews, start=date(2025, 6, 1)).reviews == 0


# --- the role matrix ----------------------------------------------------------------------------------

ENTRY_POINTS = {
    workflow.create_case: {Role.CASE_LEAD, Role.ADMIN},
    workflow.assign_case: {Role.ADMIN},
    workflow.list_cases: {Role.CASE_LEAD, Role.PANEL_MEMBER, Role.ADMIN},
    workflow.case_detail: {Role.CASE_LEAD, Role.PANEL_MEMBER, Role.ADMIN},
    workflow.transition: {Role.CASE_LEAD, Role.ADMIN},
    workflow.submit_review: {Role.PANEL_MEMBER, Role.ADMIN},
    workflow.attest: {Role.PANEL_MEMBER, Role.ADMIN},
    workflow.attestations_waiting: {Role.PANEL_MEMBER, Role.ADMIN},
    workflow.record_suspension_review: {Role.CASE_LEAD, Role.ADMIN},
    workflow.suspension_work_list: {Role.CASE_LEAD, Role.ADMIN},
    context.comparables_for: {Role.CASE_LEAD, Role.PANEL_MEMBER, Role.ADMIN},
    context.disparity_context: {Role.CASE_LEAD, Role.PANEL_MEMBER, Role.ADMIN},
    context.panel_audit: {Role.INCLUSION_ANALYST, Role.BOARD_VIEWER, Role.ADMIN},
}


def test_every_entry_point_declares_its_roles():
    for fn, roles in ENTRY_POINTS.items():
        assert required_roles(fn) == roles, fn.__name__


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("fn", list(ENTRY_POINTS), ids=lambda f: f.__name__)
def test_each_role_against_each_entry_point(fn, role, engine, settings):
    """Roles without access are refused before anything happens; roles with access get past the check."""
    actor = Actor("someone", role, panels=frozenset({"North"}))
    params = inspect.signature(fn).parameters
    args = []
    for name in params:
        if params[name].kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD:
            continue
        args.append(
            {
                "engine": engine,
                "settings": settings,
                "rules": workflow.Rules.from_settings(settings),
                "case_id": "NO-SUCH-CASE",
                "new": workflow.NewCase(
                    person_id="X1",
                    gender="male",
                    band="Band 5",
                    staff_group="Admin and Clerical",
                    division="Corporate",
                    allegation_category="behaviour",
                    referral_source="manager",
                    opened_date=date(2024, 1, 1),
                ),
                "action": workflow.Action.START_ASSESSMENT,
                "submission": None,
            }.get(name)
        )
    kwargs = {"expected_version": 1} if "expected_version" in params else {}
    if role in ENTRY_POINTS[fn]:
        try:
            fn(*args, actor=actor, **kwargs)
        except AccessDenied as exc:  # pragma: no cover - a failure of this test
            pytest.fail(f"{role} was refused by the role check of {fn.__name__}: {exc}")
        except Exception:
            pass  # NotFound and friends: past the role check, which is what this test is about
    else:
        with pytest.raises(AccessDenied):
            fn(*args, actor=actor, **kwargs)


def test_refusal_needs_an_actor():
    with pytest.raises(AccessDenied, match="needs a signed-in actor"):
        workflow.list_cases(None)  # type: ignore[call-arg]
    assert Path(workflow.__file__).exists()
