"""Start-up time of the command line, as whole processes (wall clock, best of --repeat).

    uv run python benchmarks/bench_startup.py [--repeat 5]

Targets (issue #18): ``erreview --help`` in at most 0.3 s, any command's start-up (options parsed, settings
read, before its work begins) in at most 0.5 s. Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

#: (what, arguments, target seconds)
CASES = (
    ("erreview --help", ["--help"], 0.3),
    ("erreview wres --help", ["wres", "--help"], 0.5),
    ("erreview decisions --help", ["decisions", "--help"], 0.5),
    ("erreview import --help", ["import", "--help"], 0.5),
    ("erreview settings", ["settings"], 0.5),
)


def erreview_command() -> list[str]:
    """The installed console script beside this interpreter, else ``python -m erreview.cli``."""
    script = Path(sys.executable).with_name("erreview")
    found = str(script) if script.exists() else shutil.which("erreview")
    return [found] if found else [sys.executable, "-m", "erreview.cli"]


def best_time(args: list[str], repeat: int) -> tuple[float, float]:
    """(best wall seconds, CPU seconds of that run): on a shared machine the wall clock counts the waits."""
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([*erreview_command(), *args], capture_output=True, check=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        best = min(best, (wall, cpu))
    return best


def measure(repeat: int = 5) -> list[tuple[str, float, float, float]]:
    """(what, best wall seconds, its CPU seconds, target seconds) for each case."""
    return [(what, *best_time(args, repeat), target) for what, args, target in CASES]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    missed = 0
    print(f"{'command':<28}{'wall s':>9}{'CPU s':>8}{'target':>8}  met (wall)")
    for what, seconds, cpu, target in measure(args.repeat):
        ok = seconds <= target
        missed += not ok
        print(f"{what:<28}{seconds:>9.3f}{cpu:>8.3f}{target:>8.2f}  {'yes' if ok else 'NO'}")
    if missed:
        raise SystemExit(f"{missed} start-up target(s) missed")


if __name__ == "__main__":
    main()
