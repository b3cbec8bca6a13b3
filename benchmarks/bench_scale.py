"""Speed and scale: one trust, an integrated care system, all of the NHS.

    uv run python benchmarks/bench_scale.py [--sizes trust,ics,nhs] [--keep DIR]

For each size it generates synthetic data (seeded), then measures in a fresh process: CSV size, import time
and rows per second, peak memory (max RSS), indicator 3 for every half-year, the decision-point analysis with
breakdowns, and the review-pack export; then the same numbers computed the naive way (plain pandas over
every workforce row and fairlearn MetricFrame over raw case rows), the ratio between the two, and whether
they agree.
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

SIZES = {  # name: (staff, years)
    "trust": (13_000, 6),
    "ics": (100_000, 10),
    "nhs": (1_500_000, 2),
}
KEY = "benchmark-pseudonym-key-0123456789"


def child(size: str, folder: Path) -> dict[str, float | str | bool]:
    """Runs in its own process so that peak memory belongs to this size alone."""
    import pandas as pd

    from erreview import service, store
    from erreview.config import Settings
    from erreview.export.writers import write_review_pack
    from erreview.metrics.groups import group_rates_naive
    from erreview.metrics.likelihood import wres_indicator
    from erreview.periods import periods_between
    from erreview.synth import SynthConfig, write_synthetic

    staff, years = SIZES[size]
    out: dict[str, float | str | bool] = {"size": size, "staff": staff, "years": years}
    t = time.perf_counter()
    paths = write_synthetic(SynthConfig(seed=7, staff=staff, years=years, end_fy=2025), folder)
    out["generate_s"] = time.perf_counter() - t
    out["csv_mb"] = sum(p.stat().st_size for p in paths) / 1e6
    rows = sum(1 for _ in paths[0].open()) - 1
    out["workforce_rows"] = rows
    settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}", pseudonym_key=KEY)
    engine = store.make_engine(settings.database_url)
    t = time.perf_counter()
    service.import_files(engine, settings, workforce=paths[0], cases=paths[1])
    out["import_s"] = time.perf_counter() - t
    out["import_rows_per_s"] = rows / out["import_s"]
    out["import_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    t = time.perf_counter()
    results = service.wres_results(engine)
    out["wres_s"] = time.perf_counter() - t
    out["periods"] = len(results)
    t = time.perf_counter()
    analysis = service.decision_analysis(service.disciplinary_cases(engine))
    out["decisions_s"] = time.perf_counter() - t
    t = time.perf_counter()
    last = [r for r in results if r.available][-1].period
    write_review_pack(service.review_pack(engine, settings, last), folder / "pack")
    out["export_s"] = time.perf_counter() - t

    # The naive way: every workforce row into pandas, counts there; MetricFrame on raw case rows.
    t = time.perf_counter()
    workforce = pd.read_sql_table("workforce_record", engine, columns=["snapshot_date", "wres_group", "person_key"])
    heads = workforce.groupby(["snapshot_date", "wres_group"])["person_key"].nunique().rename("headcount")
    heads = heads.reset_index()
    heads["snapshot_date"] = pd.to_datetime(heads["snapshot_date"])
    with store.session_scope(engine) as session:
        entries = store.formal_disciplinary_entries(session)
        first, final = store.data_extent(session)
    naive = [wres_indicator(entries, heads, p) for p in periods_between(first, final)]
    out["wres_naive_s"] = time.perf_counter() - t
    out["wres_agree"] = json.dumps([r.as_json() for r in naive]) == json.dumps([r.as_json() for r in results])
    t = time.perf_counter()
    naive_analysis = service.decision_analysis(service.disciplinary_cases(engine), rates_fn=group_rates_naive)
    out["decisions_naive_s"] = time.perf_counter() - t
    out["decisions_agree"] = json.dumps([r.as_json() for r in naive_analysis.table]) == json.dumps(
        [r.as_json() for r in analysis.table]
    ) and naive_analysis.breakdowns.equals(analysis.breakdowns)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


#: Seconds not to exceed per size (about twice what the README reports, for a busy 2-core machine).
TARGETS = {
    "trust": {"import_s": 5.0, "wres_s": 0.5, "decisions_s": 2.0, "export_s": 3.0},
    "ics": {"import_s": 70.0, "wres_s": 1.5, "decisions_s": 4.0, "export_s": 12.0},
    "nhs": {"import_s": 270.0, "wres_s": 3.0, "decisions_s": 7.0, "export_s": 50.0},
}


def problems_in(result: dict[str, Any]) -> list[str]:
    """Disagreements and missed targets in one size's result (empty when all is well)."""
    found = []
    if not result["wres_agree"]:
        found.append(f"{result['size']}: indicator 3 differs from the naive computation")
    if not result["decisions_agree"]:
        found.append(f"{result['size']}: decision points differ from the naive computation")
    for key, limit in TARGETS.get(result["size"], {}).items():
        if result[key] > limit:
            found.append(f"{result['size']}: {key} {result[key]:.2f} s misses the target of {limit:.2f} s")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="trust,ics,nhs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, Path(args.folder))))
        return
    print(f"erreview scale benchmark, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores")
    header = (
        f"{'size':<6}{'staff':>10}{'rows':>11}{'CSV MB':>8}{'import s':>9}{'rows/s':>9}{'peak MB':>8}"
        f"{'wres s':>8}{'naive':>7}{'decis s':>8}{'naive':>7}{'export s':>9}  agree"
    )
    print(header)
    problems: list[str] = []
    for size in args.sizes.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run(
                [sys.executable, __file__, "--child", size, "--folder", tmp],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                print(f"{size}: failed\n{done.stderr[-3000:]}")
                problems.append(f"{size}: the run failed")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{r['size']:<6}{r['staff']:>10,}{r['workforce_rows']:>11,}{r['csv_mb']:>8.0f}{r['import_s']:>9.1f}"
            f"{r['import_rows_per_s']:>9,.0f}{r['peak_mb']:>8,.0f}{r['wres_s']:>8.2f}{r['wres_naive_s']:>7.2f}"
            f"{r['decisions_s']:>8.2f}{r['decisions_naive_s']:>7.2f}{r['export_s']:>9.2f}  "
            f"{'yes' if r['wres_agree'] and r['decisions_agree'] else 'NO'}"
        )
        sys.stdout.flush()
        problems += problems_in(r)
    if problems:
        raise SystemExit("benchmark failed:\n" + "\n".join(problems))


if __name__ == "__main__":
    main()
