"""Before and after: two checkouts of erreview timed in turn on the same data, as whole processes.

    python benchmarks/bench_versions.py BEFORE_DIR AFTER_DIR --db sqlite:////path/to/ics.db \
        [--rounds 5] [--import-files workforce.csv cases.csv]

Each directory is a checkout with its own ``.venv`` (``git worktree add --detach DIR COMMIT`` then
``uv sync --frozen`` inside it). ``wres --json`` and ``decisions --json`` run against the same database,
alternating before and after so that both see the same load on a shared machine; with ``--import-files``
each version also imports the files into a fresh SQLite database twice. Prints the best and median wall
seconds, CPU seconds (user + system) and peak memory of each, and whether both versions printed the same
JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

KEY = "benchmark-pseudonym-key-0123456789"
#: Runs one command in a child and reports its own wall, CPU and peak memory (not the harness's).
PROBE = (
    "import resource, subprocess, sys, time, json; t = time.perf_counter();"
    "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); w = time.perf_counter() - t;"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
    "print(json.dumps([p.returncode, w, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024, p.stdout, p.stderr[-2000:]]))"
)


def run(tree: Path, args: list[str], url: str) -> tuple[float, float, float, str]:
    env = os.environ | {"ERREVIEW_PSEUDONYM_KEY": KEY, "ERREVIEW_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tree / ".venv" / "bin" / "erreview"), *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    rc, wall, cpu, peak, out, err = json.loads(done.stdout)
    if rc != 0:
        raise SystemExit(f"{tree}: erreview {' '.join(args)} failed:\n{err}")
    return wall, cpu, peak, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--db", required=True, help="Database URL holding imported data (read only).")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--import-files", nargs=2, type=Path, metavar=("WORKFORCE", "CASES"))
    args = parser.parse_args()
    trees = {"before": args.before, "after": args.after}
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    outputs: dict[tuple[str, str], str] = {}
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    for _ in range(args.rounds):
        for command in ("wres", "decisions"):
            for name, tree in trees.items():
                wall, cpu, peak, out = run(tree, [command, "--json"], args.db)
                results.setdefault((command, name), []).append((wall, cpu, peak))
                outputs[(command, name)] = out
    if args.import_files:
        workforce, cases = args.import_files
        for _ in range(2):
            for name, tree in trees.items():
                with tempfile.TemporaryDirectory() as folder:
                    files = ["--workforce", str(workforce), "--cases", str(cases)]
                    wall, cpu, peak, _ = run(tree, ["import", *files], f"sqlite:///{folder}/bench.db")
                results.setdefault(("import", name), []).append((wall, cpu, peak))
    print(f"load average {os.getloadavg()[0]:.1f}\n")
    print(f"{'':<18}{'wall best':>10}{'median':>8}{'CPU best':>10}{'median':>8}{'peak MB':>9}")
    for (command, name), runs in results.items():
        walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
        print(
            f"{command + ' ' + name:<18}{min(walls):>10.2f}{statistics.median(walls):>8.2f}"
            f"{min(cpus):>10.2f}{statistics.median(cpus):>8.2f}{max(r[2] for r in runs):>9.0f}"
        )
    for command in ("wres", "decisions"):
        same = json.loads(outputs[(command, "before")]) == json.loads(outputs[(command, "after")])
        print(f"{command}: {'same JSON' if same else 'JSON DIFFERS'} before and after")


if __name__ == "__main__":
    main()
