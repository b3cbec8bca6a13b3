"""The disclosure auditor's run time (issue #12: under 2 s on a 13,000-staff pack; issue #15: the audit is most of a
restricted role's first Overview or Decision points visit).

    uv run python benchmarks/bench_disclosure.py [--sizes trust,demo] [--repeat 3]

For each data set (``trust``: a seeded synthetic trust of 13,000 staff over 6 years, as ``bench_scale.py``'s
"trust"; ``demo``: the shipped demo data) it builds a database once (kept under ``bench-output/``), reads the
inputs of the review pack for each half-year a restricted role's screens open on, and times
:func:`erreview.export.pack.choose_hidden` (primary and secondary suppression with the exact audit): wall and
CPU seconds and the number of linear programmes solved, with the solver's shortcuts (best of ``--repeat``) and
without them (the plain auditor, once). Each figure is printed beside its target. The exit code is non-zero
when a CPU time is above its target, or when the shortcuts hide a different set of cells, report a different
range or a different failure than the plain auditor.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KEY = "benchmark-pseudonym-key-0123456789"
#: CPU seconds for one pack's choose_hidden, with the shortcuts.
TARGETS = {"trust": 2.0, "demo": 1.5}


def prepare(size: str) -> tuple[Any, Any]:
    """The database for ``size`` (built once), its engine and settings."""
    folder = ROOT / "bench-output" / f"disclosure-{size}"
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["ERREVIEW_DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
    os.environ["ERREVIEW_PSEUDONYM_KEY"] = KEY
    os.environ["ERREVIEW_KEY_FILE"] = str(folder / "pseudonym.key")
    from erreview import service, store
    from erreview.config import get_settings

    settings = get_settings()
    engine = store.make_engine(f"sqlite:///{folder / 'bench.db'}")
    if service.current_data_version(engine) == 0:
        t = time.perf_counter()
        if size == "demo":
            from erreview.demo import prepare_demo

            prepare_demo(engine, settings)
        else:
            from erreview.synth import SynthConfig, write_synthetic

            paths = write_synthetic(SynthConfig(seed=7, staff=13_000, years=6, end_fy=2025), folder)
            service.import_files(engine, settings, workforce=paths[0], cases=paths[1])
        print(f"built {size} in {time.perf_counter() - t:.1f} s")
    return engine, settings


def screen_periods(engine: Any) -> list[str]:
    """The half-years restricted roles' screens open on (Overview's latest ratio; the default decision window)."""
    from erreview import service
    from erreview.periods import period_of

    periods = []
    current = service.latest_available(service.wres_results(engine))
    if current is not None:
        periods.append(current.period.label)
    window = service.default_decision_window(engine)
    if window is not None:
        periods.append(period_of(window[1], "half").label)
    return list(dict.fromkeys(periods))


def timed(inputs: Any, shortcuts: bool) -> tuple[float, float, int, Any]:
    """Wall and CPU seconds, LP solves, and (hidden, audit) for one choose_hidden."""
    import erreview.export.disclosure as disclosure
    from erreview.export.pack import choose_hidden

    disclosure.SHORTCUTS = shortcuts
    try:
        solves = disclosure.lp_solves()
        wall, cpu = time.perf_counter(), time.process_time()
        hidden, _, audit = choose_hidden(inputs)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return wall, cpu, disclosure.lp_solves() - solves, (hidden, audit)
    finally:
        disclosure.SHORTCUTS = True


def warm_up() -> None:
    """Load the solver and its libraries once, as a server does before anyone's first visit."""
    from erreview.export.disclosure import Problem, protect, total_of

    values = {"a": 3, "b": 9, "t": 12}
    for shortcuts in (True, False):
        protect(Problem(values, set(values), [total_of("t", ["a", "b"])]), 5, shortcuts=shortcuts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="trust,demo")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from erreview import service
    from erreview.periods import parse_period

    problems = 0
    warm_up()
    print(f"{'pack':<22}{'':<11}{'wall s':>8}{'CPU s':>8}{'LP solves':>11}{'hidden':>8}  target (CPU s)  same as plain")
    for size in args.sizes.split(","):
        engine, settings = prepare(size)
        for label in screen_periods(engine):
            inputs = service.pack_inputs(engine, settings, parse_period(label))
            runs = [timed(inputs, True) for _ in range(max(args.repeat, 1))]
            fast = min(runs, key=lambda r: r[1])
            plain = timed(inputs, False)
            (hidden, audit), (ref_hidden, ref_audit) = fast[3], plain[3]
            same = hidden == ref_hidden and audit.ranges == ref_audit.ranges and audit.failures == ref_audit.failures
            same &= all(r[3][0] == hidden for r in runs)
            target = TARGETS.get(size, 2.0)
            ok = fast[1] <= target
            problems += (not ok) + (not same)
            name = f"{size} {label}"
            print(
                f"{name:<22}{'shortcuts':<11}{fast[0]:>8.2f}{fast[1]:>8.2f}{fast[2]:>11}{len(hidden):>8}"
                f"  {target:<5} {'ok' if ok else 'MISSED':<8}  {'yes' if same else 'NO: hidden sets differ'}"
            )
            print(
                f"{'':<22}{'plain':<11}{plain[0]:>8.2f}{plain[1]:>8.2f}{plain[2]:>11}{len(ref_hidden):>8}"
                f"  ({plain[1] / max(fast[1], 1e-9):.1f}x the CPU)"
            )
    print(f"{problems} problem(s)")
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    main()
