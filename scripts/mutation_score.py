"""Mutation score per module from mutmut's result files (mutants/**/*.py.meta): killed / run, where a mutant
that no selected test executes ("no test") counts as run and not killed. Modules not run yet are left out."""

from __future__ import annotations

import json
import sys
from pathlib import Path

#: mutmut exit codes: 1 = a test failed (killed); 0 = all passed (survived); 33 = no test ran it;
#: 34 = skipped; 36/-24 = timeout (counted as killed, as mutmut does); None = not run yet.
KILLED = {1, 3, 36, -24, 24, 152, 255}


def main() -> None:
    rows = []
    for meta in sorted(Path("mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text()).get("exit_code_by_key", {})
        done = [c for c in codes.values() if c is not None and c != 34]
        killed = sum(1 for c in done if c in KILLED)
        survived = sum(1 for c in done if c == 0)
        untested = sum(1 for c in done if c == 33)
        if done:
            name = str(meta.relative_to("mutants"))[: -len(".meta")]
            rows.append((name, len(codes), len(done), killed, survived, untested))
    print(f"{'module':<36}{'mutants':>8}{'run':>6}{'killed':>8}{'survived':>10}{'no test':>9}{'score':>7}")
    for name, total, run, killed, survived, untested in rows:
        print(f"{name:<36}{total:>8}{run:>6}{killed:>8}{survived:>10}{untested:>9}{killed / run:>7.0%}")
    if not rows:
        sys.exit("no mutmut results: run scripts/mutation first")


if __name__ == "__main__":
    main()
