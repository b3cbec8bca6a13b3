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
