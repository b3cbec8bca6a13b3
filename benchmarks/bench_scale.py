"""Speed and scale against the targets of issue #18: one trust, an integrated care system, all of the NHS.

    uv run python benchmarks/bench_scale.py [--sizes trust,ics,nhs] [--data DIR] [--judge wall|cpu]

For each size it writes synthetic data (seeded; kept in ``--data DIR/<size>`` and reused when already there),
then runs everything as whole processes, the way a user runs them: ``erreview import`` into a fresh SQLite
database (wall and CPU seconds, peak memory), ``erreview wres --json`` and ``erreview decisions --json``
(best of three), and a naive peer computing the same numbers in its own process (plain pandas over every
workforce row for indicator 3; fairlearn's MetricFrame on raw case rows for the decision points). The
peer's JSON must equal erreview's, byte for byte. Start-up times come first.

Each figure is printed beside its target; the exit code is non-zero when a target is missed or a number
disagrees with the peer. ``--judge cpu`` judges times on CPU seconds (user + system) instead of wall
seconds: on a shared machine the wall clock measures the neighbours as much as erreview.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bench_startup import erreview_command
from bench_startup import measure as startup_times

SIZES = {  # name: (staff, years)
    "trust": (13_000, 6),
    "ics": (100_000, 10),
    "nhs": (1_500_000, 2),
}
KEY = "benchmark-pseudonym-key-0123456789"
#: size: {measure: (target seconds or MB, "max" = at most / "ratio" = peer at least this many times slower)}
TARGETS: dict[str, dict[str, tuple[float, str]]] = {
    "trust": {"import_s": (5.0, "max"), "wres_s": (0.5, "max"), "decisions_s": (2.0, "max")},
    "ics": {
        "import_s": (15.0, "max"),
        "import_peak_mb": (1536.0, "max"),
        "wres_s": (1.0, "max"),
        "wres_speedup": (20.0, "ratio"),
        "decisions_s": (1.5, "max"),
        "decisions_speedup": (3.0, "ratio"),
    },
    "nhs": {
        "import_s": (60.0, "max"),
        "import_peak_mb": (8192.0, "max"),
        "decisions_s": (2.0, "max"),
    },
}


class Run:
    """One process's wall seconds, CPU seconds, peak memory and output (a plain class: the harness test
    loads this file without registering it as a module, which dataclasses need)."""

    def __init__(self, wall: float, cpu: float, peak_mb: float, stdout: str):
        self.wall, self.cpu, self.peak_mb, self.stdout = wall, cpu, peak_mb, stdout


def run(args: list[str], env: dict[str, str]) -> Run:
    """One whole process: wall seconds, CPU seconds (user + system) and peak memory from wait4."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # cumulative: differences are taken by best_of
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])}... failed:\n{err[-3000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out)


def timed(args: list[str], env: dict[str, str], repeat: int = 1) -> Run:
    """Best of ``repeat`` runs (CPU seconds of that run alone)."""
    best: Run | None = None
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        r = run(args, env)
        r.cpu -= before.ru_utime + before.ru_stime
        if best is None or r.wall < best.wall:
            best = r
    assert best is not None
    return best


def peak_of(args: list[str], env: dict[str, str]) -> Run:
    """A run whose peak memory is its own: measured through a fresh shell-less child of a child."""
    code = (
        "import resource, subprocess, sys, time, json;"
        "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "w = time.perf_counter() - t; u = resource.getrusage(resource.RUSAGE_CHILDREN);"
        "sys.stderr.write(p.stderr); sys.stdout.write(json.dumps([p.returncode, w, u.ru_utime + u.ru_stime,"
        " u.ru_maxrss / 1024, p.stdout]))"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False)
    rc, wall, cpu, peak, out = json.loads(done.stdout)
    if rc != 0:
        raise SystemExit(f"{' '.join(args[:4])}... failed:\n{done.stderr[-3000:]}")
    return Run(wall, cpu, peak, out)


# --- the naive peer: same numbers, computed the obvious way ------------------------------------------


def peer_wres(url: str) -> dict[str, object]:
    """Indicator 3 from every workforce row loaded into pandas (distinct people counted there)."""
    import pandas as pd
    from sqlalchemy import create_engine

    from erreview.metrics.likelihood import wres_indicator
    from erreview.periods import periods_between

    engine = create_engine(url)
    rows = pd.read_sql_table("workforce_record", engine, columns=["snapshot_date", "person_key", "profile_id"])
    profiles = pd.read_sql_table("workforce_profile", engine, columns=["id", "wres_group"])
    workforce = rows.merge(profiles, left_on="profile_id", right_on="id")  # each row's details, joined
    heads = workforce.groupby(["snapshot_date", "wres_group"])["person_key"].nunique().rename("headcount")
    heads = heads.reset_index()
    heads["snapshot_date"] = pd.to_datetime(heads["snapshot_date"])
    cases = pd.read_sql_table("er_case", engine)
    entries = cases[(cases["case_type"] == "disciplinary") & cases["formal_investigation_date"].notna()]
    entries = entries[["person_key", "wres_group", "formal_investigation_date", "division"]].copy()
    entries["formal_investigation_date"] = pd.to_datetime(entries["formal_investigation_date"])
    first = min(heads["snapshot_date"].min(), entries["formal_investigation_date"].min()).date()
    last = max(heads["snapshot_date"].max(), entries["formal_investigation_date"].max()).date()
    return {"periods": [wres_indicator(entries, heads, p).as_json() for p in periods_between(first, last)]}


def peer_decisions(url: str) -> dict[str, object]:
    """The decision points with fairlearn's MetricFrame run on raw case rows."""
    import pandas as pd
    from sqlalchemy import create_engine

    from erreview.metrics.decisions import COMPLAINT_TYPES, complaint_result, decision_table
    from erreview.metrics.groups import group_rates_naive
    from erreview.vocab import CASE_DATE_COLUMNS

    cases = pd.read_sql_table("er_case", create_engine(url))
    for column in CASE_DATE_COLUMNS:
        cases[column] = pd.to_datetime(cases[column])
    disciplinary = cases[cases["case_type"] == "disciplinary"].reset_index(drop=True)
    complaints = cases[cases["case_type"].isin(COMPLAINT_TYPES)].reset_index(drop=True)
    table = decision_table(disciplinary, rates_fn=group_rates_naive)
    return {
        "decision_points": [r.as_json() for r in table],
        "complaints": complaint_result(complaints, rates_fn=group_rates_naive).as_json(),
    }


# --- one size ---------------------------------------------------------------------------------------


def data_for(size: str, root: Path) -> tuple[Path, Path]:
    folder = root / size
    workforce, cases = folder / "workforce.csv", folder / "cases.csv"
    if not (workforce.exists() and cases.exists()):
        staff, years = SIZES[size]
        folder.mkdir(parents=True, exist_ok=True)
        synth = ["synth", "--out", str(folder), "--seed", "7", "--staff", str(staff), "--years", str(years)]
        subprocess.run(
            [*erreview_command(), *synth, "--end-year", "2025"],
            check=True,
            capture_output=True,
        )
    return workforce, cases


def measure_size(size: str, root: Path) -> dict[str, float | int | str | bool]:
    workforce, cases = data_for(size, root)
    out: dict[str, float | int | str | bool] = {"size": size, "staff": SIZES[size][0]}
    with workforce.open("rb") as fh:
        out["rows"] = sum(1 for _ in fh) - 1
    out["csv_mb"] = (workforce.stat().st_size + cases.stat().st_size) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        env = os.environ | {"ERREVIEW_PSEUDONYM_KEY": KEY, "ERREVIEW_DATABASE_URL": url}
        cli = erreview_command()
        imported = peak_of([*cli, "import", "--workforce", str(workforce), "--cases", str(cases)], env)
        out |= {"import_s": imported.wall, "import_cpu": imported.cpu, "import_peak_mb": imported.peak_mb}
        for name in ("wres", "decisions"):
            ours = timed([*cli, name, "--json"], env, repeat=3)
            peer = timed([sys.executable, __file__, "--peer", name, "--url", url], env)
            out |= {f"{name}_s": ours.wall, f"{name}_cpu": ours.cpu}
            out |= {f"{name}_peer_s": peer.wall, f"{name}_peer_cpu": peer.cpu}
            out[f"{name}_speedup"] = peer.wall / ours.wall
            out[f"{name}_speedup_cpu"] = peer.cpu / ours.cpu
            out[f"{name}_agree"] = json.loads(ours.stdout) == json.loads(peer.stdout)
    return out


def problems_in(result: dict[str, Any], judge: str = "wall") -> list[str]:
    """Disagreements with the peer and missed targets in one size's result (empty when all is well)."""
    size = result["size"]
    found = []
    if not result["wres_agree"]:
        found.append(f"{size}: indicator 3 differs from the naive computation")
    if not result["decisions_agree"]:
        found.append(f"{size}: decision points differ from the naive computation")
    for measure, (target, kind) in TARGETS.get(str(size), {}).items():
        key = measure
        if judge == "cpu" and measure.endswith("_s"):
            key = measure.removesuffix("_s") + "_cpu"
        elif judge == "cpu" and measure.endswith("_speedup"):
            key = measure + "_cpu"
        value = float(result[key])
        if kind == "max" and value > target:
            unit = "MB" if key.endswith("_mb") else "s"
            found.append(f"{size}: {key} {value:.2f} {unit} misses the target of {target:.2f} {unit}")
        elif kind == "ratio" and value < target:
            found.append(f"{size}: {key} {value:.1f}x misses the target of {target:g}x")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="trust,ics,nhs")
    parser.add_argument("--data", type=Path, help="Folder for the synthetic CSVs (kept and reused).")
    parser.add_argument("--judge", choices=("wall", "cpu"), default="wall")
    parser.add_argument("--peer", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        compute = peer_wres if args.peer == "wres" else peer_decisions
        sys.stdout.write(json.dumps(compute(args.url), indent=1, allow_nan=False) + "\n")
        return
    load = os.getloadavg()[0]
    print(f"erreview scale benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load {load:.1f}")
    print(f"times judged on {args.judge} seconds; each cell: wall s / CPU s\n")
    missed: list[str] = []
    print(f"{'start-up':<28}{'wall s':>8}{'CPU s':>8}{'target':>8}")
    for what, seconds, cpu, target in startup_times(5):
        judged = seconds if args.judge == "wall" else cpu
        print(f"{what:<28}{seconds:>8.3f}{cpu:>8.3f}{target:>8.2f}  {'ok' if judged <= target else 'MISSED'}")
        if judged > target:
            missed.append(f"{what}: {judged:.3f} {args.judge} s, target ≤ {target} s")
    print()
    header = (
        f"{'size':<6}{'rows':>11}{'CSV MB':>7}{'import s':>13}{'peak MB':>8}{'wres s':>12}{'peer s':>12}"
        f"{'×':>6}{'decis s':>12}{'peer s':>12}{'×':>6}  agree"
    )
    print(header)
    with tempfile.TemporaryDirectory() as scratch:
        root = args.data or Path(scratch)
        for size in args.sizes.split(","):
            r = measure_size(size, root)
            print(
                f"{size:<6}{r['rows']:>11,}{r['csv_mb']:>7.0f}{r['import_s']:>7.1f}/{r['import_cpu']:<5.1f}"
                f"{r['import_peak_mb']:>8,.0f}{r['wres_s']:>6.2f}/{r['wres_cpu']:<5.2f}"
                f"{r['wres_peer_s']:>6.1f}/{r['wres_peer_cpu']:<5.1f}{r['wres_speedup']:>6.1f}"
                f"{r['decisions_s']:>6.2f}/{r['decisions_cpu']:<5.2f}"
                f"{r['decisions_peer_s']:>6.1f}/{r['decisions_peer_cpu']:<5.1f}{r['decisions_speedup']:>6.1f}  "
                f"{'yes' if r['wres_agree'] and r['decisions_agree'] else 'NO'}"
            )
            sys.stdout.flush()
            missed += problems_in(r, args.judge)
    print()
    for size, targets in TARGETS.items():
        shown = ", ".join(f"{m} {'≤' if k == 'max' else '≥'} {t:g}" for m, (t, k) in targets.items())
        print(f"targets {size}: {shown}")
    if missed:
        print("\nMISSED:\n  " + "\n  ".join(missed))
        raise SystemExit(1)
    print("\nall targets met; erreview and the peer agree")


if __name__ == "__main__":
    main()
