"""The test and benchmark harness itself fails loudly: a misspelt backend, a disagreement, a missed target."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_an_unknown_test_backend_is_an_error():
    done = subprocess.run(
        [sys.executable, "-c", "import tests.pg"],
        cwd=ROOT,
        env=os.environ | {"ERREVIEW_TEST_BACKEND": "postgres"},
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "ERREVIEW_TEST_BACKEND='postgres' is not one of" in done.stderr


def _bench_scale():
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "benchmarks" / "bench_scale.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GOOD = {
    "size": "trust",
    "wres_agree": True,
    "decisions_agree": True,
    "import_s": 1.0,
    "wres_s": 0.1,
    "decisions_s": 0.5,
    "export_s": 1.0,
}


def test_the_scale_benchmark_fails_on_a_disagreement_or_a_missed_target():
    bench = _bench_scale()
    assert bench.problems_in(GOOD) == []
    assert bench.problems_in(GOOD | {"wres_agree": False}) == ["trust: indicator 3 differs from the naive computation"]
    assert bench.problems_in(GOOD | {"decisions_agree": False})
    assert bench.problems_in(GOOD | {"import_s": 60.0}) == ["trust: import_s 60.00 s misses the target of 5.00 s"]


def _full(**changes: object) -> dict[str, object]:
    """One size's whole result as measure_size gives it, every target met, erreview and the peer agreeing."""
    result: dict[str, object] = {"size": "trust", "staff": 10, "rows": 100, "csv_mb": 1.0}
    result |= {"import_s": 1.0, "import_cpu": 1.0, "import_peak_mb": 100.0}
    for name, seconds in (("wres", 0.1), ("decisions", 0.5)):
        result |= {f"{name}_s": seconds, f"{name}_cpu": seconds, f"{name}_peer_s": 9.0, f"{name}_peer_cpu": 9.0}
        result |= {f"{name}_speedup": 9.0 / seconds, f"{name}_speedup_cpu": 9.0 / seconds, f"{name}_agree": True}
    return result | changes


def test_the_scale_benchmark_exits_non_zero_on_a_disagreement_or_a_missed_target(monkeypatch, capsys):
    """The whole run, not only its judging: exit code 0 when all is well, 1 on a disagreement with the peer
    or a missed target (of a size, or of start-up)."""
    import pytest

    bench = _bench_scale()
    monkeypatch.setattr(sys, "argv", ["bench_scale.py", "--sizes", "trust"])
    startup = [("erreview --help", 0.1, 0.1, 0.3)]
    monkeypatch.setattr(bench, "startup_times", lambda repeat: startup)
    monkeypatch.setattr(bench, "measure_size", lambda size, root: _full())
    bench.main()
    assert "all targets met" in capsys.readouterr().out
    for bad in (_full(decisions_agree=False), _full(import_s=60.0)):
        monkeypatch.setattr(bench, "measure_size", lambda size, root, bad=bad: bad)
        with pytest.raises(SystemExit) as stopped:
            bench.main()
        assert stopped.value.code == 1
    monkeypatch.setattr(bench, "measure_size", lambda size, root: _full())
    startup[0] = ("erreview --help", 0.9, 0.9, 0.3)
    with pytest.raises(SystemExit) as stopped:
        bench.main()
    assert stopped.value.code == 1 and "MISSED" in capsys.readouterr().out


def _bench_app():
    spec = importlib.util.spec_from_file_location("bench_app", ROOT / "benchmarks" / "bench_app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_screen_benchmark_exits_non_zero_on_a_missed_target(monkeypatch, capsys):
    """bench_app --demo: a first visit over 2 s, a rerun over 0.5 s or a review save over 1 s is a miss, and any
    miss makes the run exit 1 (0 when every target is met)."""
    import pytest

    bench = _bench_app()
    assert not bench.screen_missed(2.0, 0.5) and not bench.save_missed(1.0)
    assert bench.screen_missed(2.01, 0.1) and bench.screen_missed(0.1, 0.51) and bench.save_missed(1.01)
    monkeypatch.setattr(sys, "argv", ["bench_app.py", "--demo"])
    for missed, code in ((0, 0), (1, 1), (3, 1)):
        monkeypatch.setattr(bench, "demo", lambda judge="cpu", only=None, missed=missed: missed)
        with pytest.raises(SystemExit) as stopped:
            bench.main()
        assert stopped.value.code == code, missed
        assert f"{missed} target(s) missed" in capsys.readouterr().out
