"""The command line's quick counts (erreview.tallies) give the numbers of the full path and of a naive
computation on raw rows, on both backends, and step aside for a database they should not read."""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from erreview import service, store, tallies
from erreview.cli import app
from erreview.measures import shipped_measures
from erreview.metrics.decisions import DecisionResult
from erreview.periods import Period
from erreview.synth import SynthConfig, write_synthetic

from .conftest import TEST_KEY
from .pg import BACKEND, database_url

ROOT = Path(__file__).parent.parent


def _bench_scale() -> ModuleType:
    """The benchmark's naive peer (pandas over every row; fairlearn's MetricFrame on raw case rows)."""
    spec = importlib.util.spec_from_file_location("bench_scale_peer", ROOT / "benchmarks" / "bench_scale.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small synthetic organisation (four years, half-yearly snapshots) imported through the command line."""
    from typer.testing import CliRunner

    folder = tmp_path_factory.mktemp("tallies")
    workforce, cases = write_synthetic(SynthConfig(seed=11, staff=1_500, years=4, end_fy=2024), folder)
    url = database_url(folder, "synthetic.db")
    cli = CliRunner(env={"ERREVIEW_PSEUDONYM_KEY": TEST_KEY, "ERREVIEW_KEY_FILE": str(folder / "key")})
    result = cli.invoke(app, ["--db", url, "import", "--workforce", str(workforce), "--cases", str(cases)])
    assert result.exit_code == 0, result.stderr
    return url


def _decisions_json(points: list[DecisionResult], complaints: DecisionResult) -> dict[str, object]:
    return {"decision_points": [r.as_json() for r in points], "complaints": complaints.as_json()}


@pytest.mark.parametrize(
    "period, pool",
    [(None, 1), (Period(2023, 2), 1), (Period(2023, 2), 3), (Period(2023, None), 1), (Period(2030, 1), 1)],
)
def test_indicator_3_equals_the_full_path(synthetic, period, pool):
    quick = tallies.wres_results(synthetic, period=period, pool=pool)
    assert quick is not None, "the quick counts declined a database at the newest migration"
    full = service.wres_results(store.engine_for(synthetic), period=period, pool=pool)
    assert [r.as_json() for r in quick] == [r.as_json() for r in full]
    assert [r.unavailable_reason for r in quick] == [r.unavailable_reason for r in full]
    if period is None:
        assert sum(r.available for r in quick) >= 6  # the comparison covered real periods, not only gaps


def test_indicator_3_equals_the_naive_peer(synthetic):
    peer = _bench_scale().peer_wres(synthetic)
    quick = tallies.wres_results(synthetic)
    assert quick is not None
    assert {"periods": [r.as_json() for r in quick]} == peer


@pytest.mark.parametrize(
    "start, end",
    [(None, None), (date(2022, 4, 1), None), (None, date(2023, 3, 31)), (date(2022, 10, 1), date(2023, 9, 30))],
)
def test_decision_points_equal_the_full_path(synthetic, start, end):
    quick = tallies.decision_results(synthetic, opened_from=start, opened_to=end)
    assert quick is not None
    engine = store.engine_for(synthetic)
    full = (
        service.decision_results(engine, opened_from=start, opened_to=end),
        service.complaint_results(engine, opened_from=start, opened_to=end),
    )
    assert _decisions_json(*quick) == _decisions_json(*full)
    assert all(r.bme.n and r.white.n for r in quick[0][:5]), "the window left the first points empty"


def test_a_window_includes_cases_opened_on_its_first_and_last_day(synthetic):
    engine = store.engine_for(synthetic)
    opened = service.disciplinary_cases(engine)["opened_date"].dt.date
    day = opened.mode()[0]  # the busiest day: a window of that day alone
    quick = tallies.decision_results(synthetic, opened_from=day, opened_to=day)
    assert quick is not None
    full = (
        service.decision_results(engine, opened_from=day, opened_to=day),
        service.complaint_results(engine, opened_from=day, opened_to=day),
    )
    assert _decisions_json(*quick) == _decisions_json(*full)
    reached = quick[0][0].bme.n + quick[0][0].white.n + quick[0][0].unknown.n
    assert reached == sum(opened == day) > 1


def test_decision_points_equal_the_naive_peer(synthetic):
    peer = _bench_scale().peer_decisions(synthetic)
    quick = tallies.decision_results(synthetic)
    assert quick is not None
    assert _decisions_json(*quick) == peer


def _case_values() -> dict[str, list[object]]:
    """Every value each tested column can hold, and a missing one."""
    from erreview.vocab import CASE_ENUMS

    columns = {c.column for m in shipped_measures() for c in (*m.population, *m.event)} | {"case_type"}
    return {c: [*(v.value for v in CASE_ENUMS[c]), None] for c in sorted(columns)}


def test_one_case_is_judged_as_the_masks_judge_a_frame():
    """Measure.counts (one combination of values) agrees with population_mask and event_mask (a frame) on
    every value of each tested column, the missing one included, for every shipped measure."""
    values = _case_values()
    rows: list[dict[str, object]] = []
    for measure in shipped_measures():
        tested = [c.column for c in (*measure.population, *measure.event)]
        for column in dict.fromkeys(["case_type", *tested]):
            for value in values[column]:
                base = {c: values[c][0] for c in values}
                base["case_type"] = measure.case_types[0].value if measure.case_types else "disciplinary"
                rows.append(base | {column: value})
    frame = pd.DataFrame(rows, dtype=object)
    for measure in (m for m in shipped_measures() if m.kind != "indicator3"):
        population = measure.population_mask(frame).fillna(False).astype(bool)
        event = measure.event_mask(frame).fillna(False).astype(bool)
        judged = [measure.counts(row) for row in rows]
        assert [p for p, _ in judged] == population.tolist(), measure.id
        assert [e for p, e in judged if p] == event[population].tolist(), measure.id
        assert any(p for p, _ in judged) and not all(p for p, _ in judged), measure.id


@pytest.mark.parametrize(
    "condition",
    [{"set": True}, {"set": False}, {"in": ["no_action", "dismissal"]}, {"not_in": ["no_action", "dismissal"]}],
)
def test_one_value_is_tested_as_the_mask_tests_a_column(condition):
    """Condition.holds on one value (missing as None) agrees with Condition.mask on a column."""
    from erreview.measures import Condition
    from erreview.vocab import CASE_ENUMS

    rule = Condition.model_validate({"column": "sanction", **condition})
    values: list[object] = [*(v.value for v in CASE_ENUMS["sanction"]), None]
    frame = pd.DataFrame({"sanction": values}, dtype=object)
    assert [rule.holds(v) for v in values] == rule.mask(frame).tolist()


def test_a_database_behind_the_newest_migration_is_left_to_the_full_path(tmp_path):
    """The full path migrates an old database; the quick counts must not read one."""
    if BACKEND != "sqlite":
        pytest.skip("edits the SQLite file directly")
    url = f"sqlite:///{tmp_path / 'old.db'}"
    store.make_engine(url).dispose()
    assert tallies.wres_results(url) == []  # at the head and empty: read here, nothing to report
    with sqlite3.connect(tmp_path / "old.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'd9e2f4a6b8c1'")
    assert tallies.wres_results(url) is None
    assert tallies.decision_results(url) is None


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///{tmp}/missing.db", "mysql://x/y"])
def test_databases_it_cannot_open_itself_are_left_to_the_full_path(tmp_path, url):
    assert tallies.wres_results(url.format(tmp=tmp_path)) is None
    assert tallies.decision_results(url.format(tmp=tmp_path)) is None
    assert not (tmp_path / "missing.db").exists()  # never creates a database


def test_the_command_line_still_creates_a_new_database(cli, tmp_path):
    url = database_url(tmp_path, "new.db")
    result = cli.invoke(app, ["--db", url, "wres", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"periods": []}
    result = cli.invoke(app, ["--db", url, "decisions", "--json"])
    assert result.exit_code == 0, result.stderr
    assert [p["bme"]["n"] for p in json.loads(result.stdout)["decision_points"]] == [0] * 7


PROBE = """
import json, sys
from erreview.cli import app
try:
    app({args!r}, prog_name="erreview")
except SystemExit as exc:
    assert not exc.code, exc.code
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})), file=sys.stderr)
"""


@pytest.mark.parametrize("command, allowed", [("wres", set()), ("decisions", {"numpy", "scipy"})])
def test_the_commands_read_a_database_without_pandas_or_sqlalchemy(synthetic, command, allowed):
    from .test_startup import HEAVY

    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=["--db", synthetic, command, "--json"])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "ERREVIEW_PSEUDONYM_KEY": TEST_KEY},
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert sorted(loaded & set(HEAVY) - allowed) == []
