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
