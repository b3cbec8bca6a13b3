from datetime import date

import pytest

from erreview.periods import Period, PeriodError, parse_period, period_of, periods_between

LABELS = [
    ("2024/25", date(2024, 4, 1), date(2025, 3, 31)),
    ("2024/25-H1", date(2024, 4, 1), date(2024, 9, 30)),
    ("2024/25-H2", date(2024, 10, 1), date(2025, 3, 31)),
    ("1999/00-H2", date(1999, 10, 1), date(2000, 3, 31)),
]


@pytest.mark.parametrize(("label", "start", "end"), LABELS)
def test_labels_and_bounds(label, start, end):
    period = parse_period(label)
    assert (period.label, period.start, period.end) == (label, start, end)


@pytest.mark.parametrize("label", ["2024/26", "2024-25", "2024/25-H3", "24/25", "2024/25H1", ""])
def test_bad_labels(label):
    with pytest.raises(PeriodError):
        parse_period(label)


@pytest.mark.parametrize(
    ("day", "half", "year"),
    [
        (date(2024, 4, 1), "2024/25-H1", "2024/25"),
        (date(2024, 9, 30), "2024/25-H1", "2024/25"),
        (date(2024, 10, 1), "2024/25-H2", "2024/25"),
        (date(2025, 3, 31), "2024/25-H2", "2024/25"),
        (date(2025, 1, 15), "2024/25-H2", "2024/25"),
    ],
)
def test_period_of(day, half, year):
    assert period_of(day).label == half
    assert period_of(day, "year").label == year


def test_shift_and_window():
    h1 = parse_period("2024/25-H1")
    assert h1.shift(1).label == "2024/25-H2"
    assert h1.shift(-1).label == "2023/24-H2"
    assert [p.label for p in h1.window(3)] == ["2023/24-H1", "2023/24-H2", "2024/25-H1"]
    assert [p.label for p in Period(2024).window(2)] == ["2023/24", "2024/25"]


def test_periods_between_is_contiguous():
    labels = [p.label for p in periods_between(date(2022, 8, 1), date(2025, 3, 28))]
    assert labels == ["2022/23-H1", "2022/23-H2", "2023/24-H1", "2023/24-H2", "2024/25-H1", "2024/25-H2"]
