"""Shared fixtures: an isolated key and database per test, the contract's example data, a CLI runner."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine
from typer.testing import CliRunner

from erreview import store
from erreview.config import Settings
from erreview.store import audit

from .pg import BACKEND, database_url

# Property tests check what is computed, not how fast (the benchmarks time things): on a shared machine under
# load, Hypothesis's 200 ms deadline failed healthy examples of the ratio properties ("took 325 ms ... on a
# subsequent run 30 ms").
hypothesis_settings.register_profile("erreview", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("erreview")

DATA = Path(__file__).parent / "data"
EXAMPLES = DATA / "examples"
TEST_KEY = "test-pseudonym-key-0123456789abcdef"


@pytest.fixture(scope="session", autouse=True)
def _no_key_files_at_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Module fixtures too: no key file or audit anchor file may land in the user's home folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ERREVIEW_KEY_FILE", str(tmp_path_factory.mktemp("session-key") / "pseudonym.key"))
        yield


@pytest.fixture(autouse=True)
def _charts_blank_under_mutmut(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under mutation testing only (scripts/mutation): vl_convert's runtime, started by an earlier test in the
    process mutmut forks each mutant's run from, deadlocks in the child, which mutmut would count as a timeout
    (a kill). There, charts are a blank 1x1 PNG; they play no part in what the mutated modules decide."""
    import os
    import struct
    import zlib

    if not os.environ.get("MUTANT_UNDER_TEST"):
        return

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff"))
        + chunk(b"IEND", b"")
    )
    import vl_convert

    monkeypatch.setattr(vl_convert, "vegalite_to_png", lambda *a, **k: png)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may touch the user's key file or a database in the working directory."""
    monkeypatch.setenv("ERREVIEW_KEY_FILE", str(tmp_path / "pseudonym.key"))
    monkeypatch.delenv("ERREVIEW_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("ERREVIEW_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    # Not in every screen test (seconds of CPU in the background after each change); tested on its own.
    monkeypatch.setenv("ERREVIEW_WARM_UP_AFTER_CHANGES", "false")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(database_url=database_url(tmp_path, "erreview.db"), pseudonym_key=TEST_KEY)
    audit.bind(settings.database_url, settings)  # the audit key of this test's database, as the CLI would use
    return settings


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = store.make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def cli(tmp_path: Path) -> CliRunner:
    return CliRunner(env={"ERREVIEW_PSEUDONYM_KEY": TEST_KEY})


def pytest_report_header(config: pytest.Config) -> str:
    return f"erreview database backend: {BACKEND}"


def import_examples(cli: CliRunner, url: str) -> str:
    """Import the contract's example files through the command line into ``url``; returns ``url``."""
    from erreview.cli import app

    result = cli.invoke(
        app,
        ["--db", url, "import", "--workforce", str(EXAMPLES / "workforce.csv"), "--cases", str(EXAMPLES / "cases.csv")],
    )
    assert result.exit_code == 0, result.stderr
    return url


@pytest.fixture
def imported(cli: CliRunner, tmp_path: Path) -> str:
    """A fresh database holding the contract's examples, imported through the command line; its URL."""
    return import_examples(cli, database_url(tmp_path, "examples.db"))


def assert_matches(actual: object, expected: object, path: str = "$") -> None:
    """Deep comparison: same keys and counts exactly; floats to a relative tolerance of 1e-9."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        assert set(actual) == set(expected), f"{path}: keys differ: {set(actual) ^ set(expected)}"
        for key in expected:
            assert_matches(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: lengths differ"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_matches(a, e, f"{path}[{i}]")
    elif isinstance(expected, float):
        assert isinstance(actual, int | float) and not isinstance(actual, bool), f"{path}: {actual!r}"
        assert math.isclose(actual, expected, rel_tol=1e-9), f"{path}: {actual!r} != {expected!r}"
    else:
        assert type(actual) is type(expected) and actual == expected, f"{path}: {actual!r} != {expected!r}"


def load_json(path: Path) -> object:
    return json.loads(path.read_text())
