"""Sentences come from the flags and never contradict the numbers: edge cases, band edges, direction."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from erreview.metrics.decisions import DECISION_POINTS, POINTS_BY_NAME, Count, DecisionResult
from erreview.metrics.flags import Assessment, assess_all, detectable_ratio
from erreview.metrics.likelihood import GroupCount, WresResult, wres_indicator
from erreview.metrics.ratio import CountsError, relative_likelihood
from erreview.narrative import decision_sentence, decisions_headline, fmt_ratio, wres_sentence
from erreview.periods import parse_period
from erreview.vocab import Flag, WresGroup

PERIOD = parse_period("2024/25-H1")


def wres(a: int, n1: int, c: int, n2: int) -> WresResult:
    groups = {WresGroup.BME: GroupCount(a, n1), WresGroup.WHITE: GroupCount(c, n2), WresGroup.UNKNOWN: GroupCount(0, 5)}
    return WresResult(PERIOD, 1, (PERIOD.end,), groups, relative_likelihood(a, n1, c, n2))


def result(name: str, a: int, n1: int, c: int, n2: int, *, q: float | None = None) -> DecisionResult:
    point = POINTS_BY_NAME[name]
    est = relative_likelihood(a, n1, c, n2)
    assessment = assess_all([(est, a, n1, c, n2)], [point.harm_direction])[0]
    if q is not None:
        assessment = Assessment(assessment.fisher_p, q, assessment.harm_direction, assessment.side)
    return DecisionResult(point, Count(n1, a), Count(n2, c), Count(0, 0), {}, est, assessment)


def test_zero_bme_entrants_is_not_called_a_ratio_with_an_interval():
    text = wres_sentence(wres(0, 500, 12, 2000))
    assert "0.00 times" not in text and "includes parity" not in text
    assert "no BME staff entered" in text


@pytest.mark.parametrize(
    ("counts", "reason"),
    [
        ((0, 0, 3, 100), "no BME staff"),
        ((2, 100, 0, 0), "no White staff"),
        ((0, 0, 0, 0), "no BME or White staff"),
        ((2, 100, 0, 400), "no White staff entered"),
        ((0, 100, 0, 400), "neither BME nor White staff entered"),
    ],
)
def test_unavailable_reasons_say_what_is_missing(counts, reason):
    assert reason in wres_sentence(wres(*counts))


def test_band_edge_never_contradicts_the_band():
    assert fmt_ratio(1.2500001) == "just over 1.25"
    assert fmt_ratio(1.25) == "1.25"
    assert fmt_ratio(0.7999) == "just under 0.80"
    assert fmt_ratio(0.8) == "0.80"
    # 5 of 400 against 4 of 400·1.25: a hair over the band edge.
    text = wres_sentence(wres(1_250_001, 4_000_000, 1_000_000, 4_000_000))
    assert "1.25 times" not in text.replace("just over 1.25 times", "") and "above the non-adverse range" in text


def test_below_parity_reads_less_likely():
    text = wres_sentence(wres(10, 1000, 40, 2000))
    assert "less likely than White staff to enter a formal disciplinary investigation: 0.50 times" in text
    assert "as likely" not in text


def test_entrants_beyond_headcount_is_a_data_error_not_a_crash():
    entries = pd.DataFrame(
        {
            "person_key": [f"p{i}" for i in range(12)],
            "wres_group": ["BME"] * 12,
            "formal_investigation_date": pd.to_datetime(["2024-05-01"] * 12),
        }
    )
    heads = pd.DataFrame(
        {
            "snapshot_date": pd.to_datetime(["2024-09-30"] * 2),
            "wres_group": ["BME", "White"],
            "headcount": [10, 100],
        }
    )
    r = wres_indicator(entries, heads, PERIOD)
    assert not r.available and r.unavailable_reason.startswith("data error: 12 BME staff entered")
    assert "data error" in wres_sentence(r)
    with pytest.raises(CountsError, match="12 BME events but only 10"):
        relative_likelihood(12, 10, 1, 100)


def test_case_to_answer_says_fewer_is_the_harmful_side():
    r = result("case_to_answer", 10, 60, 60, 120, q=0.01)
    assert r.side == "below" and r.adverse
    text = decision_sentence(r, compared=7)
    assert "less likely" in text and "a disparity" in text and "without cause" in text


def test_a_watch_says_chance_and_states_what_could_have_been_detected():
    r = result("appeal_upheld", 4, 4, 9, 15)
    text = decision_sentence(r, compared=7)
    assert "could be chance" in text and "one to watch" in text and "significant" not in text
    assert "would be detected reliably" in text or "even a large gap" in text


def test_an_unflagged_step_states_the_detectable_ratio():
    r = result("formal_investigation", 17, 54, 50, 159)
    expected = detectable_ratio(54, 159, 50 / 159, "above")
    assert f"about {expected:.2f} or more" in decision_sentence(r, compared=7)


def test_zero_white_events_is_flagged_above_and_said_plainly():
    r = result("dismissal", 6, 20, 0, 60)
    assert r.estimate.ratio is None and r.side == "above" and r.flag.value == "disparity"
    assert "no White case had this outcome" in decision_sentence(r, compared=1)


def test_headline_names_only_adverse_disparities_as_disadvantaging():
    harmful = result("formal_investigation", 40, 54, 50, 159, q=0.001)
    favourable = result("suspension", 1, 60, 40, 120, q=0.001)
    _, text = decisions_headline([harmful, favourable], "cases opened 1 April 2024 to 31 March 2025")
    assert "disadvantages BME staff at: formal investigation." in text
    assert "other side (not disadvantaging BME staff) at: suspension" in text


def test_every_point_has_a_harm_direction_and_words():
    assert {p.name: p.harm_direction for p in DECISION_POINTS}["case_to_answer"] == "below"
    assert all(p.harm for p in DECISION_POINTS)


def test_detectable_ratio_edges():
    assert detectable_ratio(0, 10, 0.3, "above") is None
    assert detectable_ratio(3, 4, 0.9, "above") is None  # would need a BME rate above 100%
    assert detectable_ratio(500, 1500, 0.3, "above") < detectable_ratio(50, 150, 0.3, "above")


def test_change_sentence_answers_the_question():
    from erreview.metrics.trend import ratio_of_ratios
    from erreview.narrative import change_sentence

    change = ratio_of_ratios((40, 1000, 50, 2500), (20, 1000, 50, 2500))
    text = change_sentence("Formal investigation", change, date(2024, 4, 1))
    assert "2.00 before 01 April 2024 and 1.00 since" in text and "moved toward parity" in text
    none = change_sentence("Dismissal", ratio_of_ratios((0, 10, 1, 10), (1, 10, 1, 10)), date(2024, 4, 1))
    assert "no before-and-after comparison" in none


def test_a_headline_never_clears_steps_it_could_not_publish():
    calm = result("formal_investigation", 30, 100, 90, 300, q=0.9)
    _, text = decisions_headline([calm], "the 12 months", withheld=6)
    assert "no decision point shows" not in text
    assert "the one decision point whose numbers can be published (formal investigation) does not show" in text
    _, nothing = decisions_headline([], "the 12 months", withheld=7)
    assert "no decision point can be judged here" in nothing
    _, whole = decisions_headline([calm], "the 12 months")
    assert "no decision point shows a disparity" in whole


def test_a_complaints_disparity_is_in_the_headline_and_sets_its_level():
    from erreview.metrics.decisions import COMPLAINT_POINT

    def complaint(a: int, n1: int, c: int, n2: int, q: float) -> DecisionResult:
        est = relative_likelihood(a, n1, c, n2)
        assessment = assess_all([(est, a, n1, c, n2)], [COMPLAINT_POINT.harm_direction])[0]
        assessment = Assessment(assessment.fisher_p, q, assessment.harm_direction, assessment.side)
        return DecisionResult(COMPLAINT_POINT, Count(n1, a), Count(n2, c), Count(0, 0), {}, est, assessment)

    calm = result("formal_investigation", 30, 100, 90, 300, q=0.9)
    fewer_upheld = complaint(8, 29, 23, 42, q=0.03)  # the demo's: BME 8/29 upheld against White 23/42
    level, text = decisions_headline([calm], "the 12 months", complaints=fewer_upheld)
    assert level is Flag.DISPARITY
    assert "no decision point shows" in text and "Complaints raised by staff: a disparity" in text
    level, text = decisions_headline([calm], "the 12 months", complaints=complaint(8, 29, 23, 42, q=0.2))
    assert level is Flag.WATCH and "possibly chance (watch)" in text
    # Upheld more often for BME staff is not the harmful side; hidden complaints (None) say nothing.
    level, text = decisions_headline([calm], "the 12 months", complaints=complaint(23, 42, 8, 29, q=0.03))
    assert level is Flag.NONE and "Complaints" not in text
    level, text = decisions_headline([calm], "the 12 months", too_small=2)
    assert level is Flag.NONE and text.endswith("2 step(s) rest on numbers too small to show and are not judged here.")
