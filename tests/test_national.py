"""The national comparator: a sourced, versioned table; labelled by report and data year; admins add years."""

from __future__ import annotations

import pytest

from erreview import service
from erreview.national import ComparatorError, shipped_table, validate


def test_shipped_figures_are_the_published_ones_with_sources():
    table = shipped_table()
    assert table.version == "2026-1"
    assert {f.report_year: f.value for f in table.figures} == {
        2016: 1.56,
        2017: 1.37,
        2018: 1.24,
        2019: 1.22,
        2021: 1.14,
        2022: 1.14,
    }  # domain.md's list; 2020 has no sourced figure and is left out
    latest = table.latest()
    assert latest is not None and latest.label == "WRES 2022 report (2021/22 data)"
    assert all(f.source_title and f.source_url.startswith("https://") for f in table.figures)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("report_year", "twenty", "not a year"),
        ("data_year", "2022", "not a financial year"),
        ("data_year", "2022/24", "not a financial year"),
        ("value", "-1", "not a plausible"),
        ("source_url", "www.example.org", "must be a web address"),
    ],
)
def test_a_bad_figure_is_refused_naming_the_field(field, value, message):
    raw = {
        "report_year": "2023",
        "data_year": "2022/23",
        "value": "1.1",
        "source_title": "WRES 2023 report",
        "source_url": "https://example.org/wres-2023",
    }
    with pytest.raises(ComparatorError, match=message):
        validate(raw | {field: value})


def test_an_admin_adds_a_year_and_cannot_replace_a_shipped_one(engine):
    raw = {
        "report_year": "2023",
        "data_year": "2022/23",
        "value": "1.09",
        "source_title": "WRES 2023 report",
        "source_url": "https://example.org/wres-2023",
    }
    table = service.add_national_figure(engine, raw, user="admin")
    assert table.latest().label == "WRES 2023 report (2022/23 data)" and table.latest().added
    assert service.national_figures(engine).latest().value == 1.09
    with pytest.raises(ComparatorError, match="already in the shipped table"):
        service.add_national_figure(engine, raw | {"report_year": "2022", "data_year": "2021/22"}, user="admin")
