"""One exception base: every error the library raises on purpose is an ErreviewError with a plain message."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import erreview
from erreview.cli import app
from erreview.errors import ErreviewError


def _library_exceptions() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(erreview.__path__, "erreview."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == module.__name__:
                found.append(obj)
    return found


def test_every_library_exception_derives_from_the_base():
    classes = _library_exceptions()
    assert len(classes) >= 16  # the scan really found the library's exceptions
    assert [c.__name__ for c in classes if not issubclass(c, ErreviewError)] == []


def test_the_message_is_the_plain_text():
    from erreview.periods import PeriodError

    assert PeriodError("'x' is not a period label").message == "'x' is not a period label"


def test_the_cli_shows_any_library_refusal_as_one_plain_line(cli, settings):
    result = cli.invoke(app, ["--db", settings.database_url, "wres", "--period", "2024-25"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: '2024-25' is not a period label")
    assert "Traceback" not in result.stderr


def test_a_setting_out_of_range_is_a_plain_refusal(engine, settings):
    import pytest

    from erreview import service

    with pytest.raises(ErreviewError, match="min group size") as info:
        service.change_setting(engine, settings, "min_group_size", "-3", user="admin")
    assert "pydantic" not in info.value.message


def test_each_adjustable_settings_bound_is_the_librarys_and_names_what_was_entered():
    """The Settings model holds every bound the Admin → Settings boxes once carried themselves (the boxes now have
    none): each out-of-range value is refused there in plain words naming the bound and what was entered."""
    from datetime import date

    import pytest
    from pydantic import ValidationError

    from erreview.config import EARLIEST_INTERVENTION, Settings
    from erreview.errors import plain_reason

    expected = {
        "suppression_threshold": (4, "at least 5 (you entered 4)"),
        "community_threshold": (4, "at least 5 (you entered 4)"),
        "min_group_size": (0, "at least 1 (you entered 0)"),
        "quorum_members": (1, "at least 2 (you entered 1)"),
        "quorum_independent": (-1, "at least 0 (you entered -1)"),
        "suspension_review_days": (366, "at most 365 (you entered 366)"),
        "comparable_cases": (4, "at least 5 (you entered 4)"),
        "intervention_date": (date(1999, 12, 31), "on or after 1 January 2000 (you entered 31 December 1999)"),
    }
    for name, (value, words) in expected.items():
        with pytest.raises(ValidationError) as info:
            Settings(**{name: value})
        (error,) = info.value.errors()
        assert plain_reason(error).startswith(words), (name, plain_reason(error))
    assert Settings(intervention_date=EARLIEST_INTERVENTION).intervention_date == EARLIEST_INTERVENTION
    assert Settings(suppression_threshold=5, quorum_members=2).suppression_threshold == 5
