"""Mutation score per module from mutmut's result files (mutants/**/*.py.meta): killed / tested."""

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
        if codes:
            rows.append((str(meta.relative_to("mutants"))[: -len(".meta")], len(codes), len(done), killed))
    print(f"{'module':<40}{'mutants':>8}{'run':>6}{'killed':>8}{'score':>8}")
    for name, total, run, killed in rows:
        score = f"{killed / run:.0%}" if run else "-"
        print(f"{name:<40}{total:>8}{run:>6}{killed:>8}{score:>8}")
    if not rows:
        sys.exit("no mutmut results: run scripts/mutation first")


if __name__ == "__main__":
    main()
