"""First-render and rerun times of the Overview and Decision points screens on a large organisation.

    uv run python benchmarks/bench_app.py [--staff 100000] [--years 10]

Builds (once, cached under bench-output/) a synthetic organisation, then renders each screen with
Streamlit's AppTest as an inclusion analyst: the first render (cold caches) and a rerun (warm caches, as
when someone changes a widget).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = "benchmark-pseudonym-key-0123456789"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--staff", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=10)
    args = parser.parse_args()
    folder = ROOT / "bench-output" / f"app-{args.staff}-{args.years}"
    db = folder / "app.db"
    os.environ["ERREVIEW_DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["ERREVIEW_PSEUDONYM_KEY"] = KEY
    from erreview import service, store
    from erreview.config import get_settings
    from erreview.synth import SynthConfig, write_synthetic

    if not db.exists():
        folder.mkdir(parents=True, exist_ok=True)
        paths = write_synthetic(SynthConfig(seed=7, staff=args.staff, years=args.years, end_fy=2025), folder)
        engine = store.make_engine(get_settings().database_url)
        t = time.perf_counter()
        service.import_files(engine, get_settings(), workforce=paths[0], cases=paths[1])
        print(f"built {args.staff:,} staff x {args.years} years in {time.perf_counter() - t:.1f} s")

    from streamlit.testing.v1 import AppTest

    from erreview.review.roles import Actor, Role

    print(f"{'screen':<18}{'first render s':>16}{'rerun s':>10}")
    for screen in ("panels/overview.py", "panels/decisions.py"):
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
        at.session_state["actor"] = Actor("analyst", Role.INCLUSION_ANALYST)
        at.run()
        if screen != "panels/overview.py":
            at.switch_page(screen)
        # Clear every cache so the first render is cold.
        import streamlit as st

        st.cache_data.clear()
        st.cache_resource.clear()
        t = time.perf_counter()
        at.run()
        first = time.perf_counter() - t
        assert not at.exception, at.exception
        t = time.perf_counter()
        at.run()
        rerun = time.perf_counter() - t
        print(f"{screen.split('/')[1][:-3]:<18}{first:>16.2f}{rerun:>10.2f}")


if __name__ == "__main__":
    main()
