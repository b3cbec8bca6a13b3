"""Benchmark: decision-point analytics, fast path (MetricFrame on aggregated rows) against the naive path
(MetricFrame on raw case rows), on a synthetic organisation.

    uv run python benchmarks/bench_decisions.py [--staff 100000] [--years 10] [--seed 1] [--repeat 3]

Prints wall time (best of --repeat) and peak traced memory of each path, the ratio between them, and
checks that the two give identical numbers. Also times ``erreview decisions`` end to end from SQLite.
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from erreview import service, store
from erreview.config import Settings
from erreview.ingest import validate_cases
from erreview.metrics.groups import group_rates, group_rates_naive
from erreview.synth import SynthConfig, generate


def measure(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(best seconds, peak MiB traced during one run, result)."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 2**20, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--staff", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t0 = time.perf_counter()
    _, raw_cases = generate(SynthConfig(seed=args.seed, staff=args.staff, years=args.years, end_fy=2025))
    clean, problems = validate_cases(raw_cases, today=date.today())
    assert not problems, problems[:3]
    cases = clean[clean["case_type"] == "disciplinary"].reset_index(drop=True)
    print(
        f"synthetic organisation: {args.staff:,} staff x {args.years} years, {len(raw_cases):,} ER cases, "
        f"{len(cases):,} disciplinary (generated in {time.perf_counter() - t0:.1f} s)"
    )

    rows = []
    results = {}
    for label, fn in [
        ("decision-point table, fast", lambda: service.decision_table(cases)),
        ("decision-point table, naive", lambda: service.decision_table(cases, rates_fn=group_rates_naive)),
        (
            "table + breakdowns + intersections + timing + adjusted, fast",
            lambda: service.decision_analysis(cases, rates_fn=group_rates),
        ),
        (
            "table + breakdowns + intersections + timing + adjusted, naive",
            lambda: service.decision_analysis(cases, rates_fn=group_rates_naive),
        ),
    ]:
        seconds, peak, result = measure(fn, args.repeat if "fast" in label else 1)
        rows.append((label, seconds, peak))
        results[label] = result

    fast_t, naive_t = results["decision-point table, fast"], results["decision-point table, naive"]
    same_table = json.dumps([r.as_json() for r in fast_t]) == json.dumps([r.as_json() for r in naive_t])
    fa = results["table + breakdowns + intersections + timing + adjusted, fast"]
    na = results["table + breakdowns + intersections + timing + adjusted, naive"]
    same_breakdowns = fa.breakdowns.equals(na.breakdowns) and fa.intersections.equals(na.intersections)

    print()
    print(f"{'computation':<64}{'seconds':>9}{'peak MiB':>10}")
    for label, seconds, peak in rows:
        print(f"{label:<64}{seconds:>9.3f}{peak:>10.1f}")
    print()
    print(f"naive / fast, table only:        {rows[1][1] / rows[0][1]:>6.1f}x")
    print(f"naive / fast, with breakdowns:   {rows[3][1] / rows[2][1]:>6.1f}x")
    print(f"identical numbers: table {same_table}, breakdowns and intersections {same_breakdowns}")

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", pseudonym_key="benchmark-key-0123456789")
        engine = store.make_engine(settings.database_url)
        path = Path(tmp) / "cases.csv"
        raw_cases.to_csv(path, index=False)
        start = time.perf_counter()
        service.import_files(engine, settings, cases=path)
        imported = time.perf_counter() - start
        seconds, peak, _ = measure(lambda: service.decision_results(engine), args.repeat)
        full, _, _ = measure(lambda: service.decision_analysis(service.disciplinary_cases(engine)), args.repeat)
        print()
        print(
            f"SQLite: import {len(raw_cases):,} cases {imported:.2f} s; `erreview decisions` (load + table) "
            f"{seconds:.3f} s, peak {peak:.1f} MiB; load + full analysis {full:.3f} s"
        )
    if not (same_table and same_breakdowns):
        raise SystemExit("the fast and naive paths disagree")
    pd.set_option("display.width", 200)


if __name__ == "__main__":
    main()
