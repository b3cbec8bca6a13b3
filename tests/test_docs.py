"""Docs stay true: every setting and command is documented in the README."""

from __future__ import annotations

from pathlib import Path

from typer.main import get_command

from erreview.cli import app
from erreview.config import Settings

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_setting_is_in_the_readme():
    missing = [name for name in Settings.model_fields if f"ERREVIEW_{name.upper()}" not in README]
    assert missing == []


def test_every_setting_has_help_text():
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_every_command_is_in_the_readme_and_has_help():
    group = get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert f"erreview {name}" in README, name
        assert command.help, name


def test_readme_has_the_two_commands():
    assert "python3 -m pip install uv && python3 -m uv run erreview demo" in README
    assert "bash scripts/test" in README
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert "bash scripts/test" in ci
