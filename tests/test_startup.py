"""The command line starts quickly: the heavy libraries are imported only by the commands that use them.

Checked on what is imported, not on a timing (the machine is shared and timings vary); the timing itself is
printed by ``benchmarks/bench_startup.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Libraries that each cost a large share of a second (or more) to import.
HEAVY = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "fairlearn",
    "sklearn",
    "streamlit",
    "altair",
    "fpdf",
    "xlsxwriter",
    "openpyxl",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "argon2",
    "faker",
)

PROBE = """
import json, sys
from erreview.cli import app
try:
    app({args!r}, prog_name="erreview")
except SystemExit:
    pass
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})), file=sys.stderr)
"""


def loaded_after(args: list[str]) -> set[str]:
    """Top-level modules loaded by a fresh interpreter that imports the CLI and runs ``erreview *args``."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_importing_the_cli_loads_no_heavy_library():
    done = subprocess.run(
        [sys.executable, "-c", "import json, sys, erreview.cli; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    top = {m.split(".")[0] for m in json.loads(done.stdout)}
    assert sorted(top & set(HEAVY)) == []


def test_help_loads_no_heavy_library():
    assert sorted(loaded_after(["--help"]) & set(HEAVY)) == []


@pytest.mark.parametrize("args", [["wres", "--help"], ["decisions", "--help"], ["import", "--help"], ["settings"]])
def test_command_start_up_loads_no_heavy_library(args):
    """A command's own start-up (options parsed, settings read) needs none of them either."""
    assert sorted(loaded_after(args) & set(HEAVY)) == []


def test_help_is_complete():
    done = subprocess.run(
        [sys.executable, "-m", "erreview.cli", "--help"], capture_output=True, text=True, timeout=120, check=True
    )
    for command in ("import", "wres", "decisions", "export", "demo", "users", "audit"):
        assert f"  {command} " in done.stdout


def test_head_revision_read_from_the_files_is_alembics_head(engine):
    """Commands skip alembic when the database is at the head; the head must be the one alembic sees."""
    from alembic.script import ScriptDirectory

    from erreview import store

    assert store.head_revision() == ScriptDirectory.from_config(store.alembic_config(engine)).get_current_head()
    assert store._at_head(engine)


def test_a_database_behind_the_head_is_still_migrated(engine):
    from alembic import command

    from erreview import store

    # One step behind, whatever the newest migration is (its own downgrade undoes it).
    command.downgrade(store.alembic_config(engine), "-1")
    assert not store._at_head(engine)
    store.migrate(engine)
    assert store._at_head(engine)


def test_the_service_layer_loads_no_statistics_or_export_library():
    """wres and decisions go through erreview.service: scipy, statsmodels, fairlearn, scikit-learn and the
    export writers are imported by the functions that use them, not by importing the service."""
    done = subprocess.run(
        [sys.executable, "-c", "import json, sys, erreview.service; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    top = {m.split(".")[0] for m in json.loads(done.stdout)}
    heavy = {"scipy", "statsmodels", "fairlearn", "sklearn", "altair", "fpdf", "xlsxwriter", "alembic", "streamlit"}
    assert sorted(top & heavy) == []
