"""Mutation score per module from mutmut's result files (mutants/**/*.py.meta): killed / run, where a mutant
that no selected test executes ("no test") counts as run and not killed. Modules not run yet are left out.

    python scripts/mutation_score.py                          every mutant that has a result
    python scripts/mutation_score.py --sample mutants/sample.txt
        only the sampled mutants (names one a line, from scripts/mutation_sample.py), with a total row and a 95%
        Wilson interval for the score of the whole population the sample was drawn from; the survivors and
        untested mutants are listed by name
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

#: mutmut exit codes: 1 = a test failed (killed); 0 = all passed (survived); 33 = no test ran it;
#: 34 = skipped; 36/-24 = timeout (counted as killed, as mutmut does); None = not run yet.
KILLED = {1, 3, 36, -24, 24, 152, 255}


def wilson(killed: int, run: int) -> tuple[float, float]:
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(killed, run, alpha=0.05, method="wilson")
    return float(low), float(high)


def _score(killed: int, run: int) -> str:
    return f"{killed / run:.0%}" if run else "-"


def main() -> None:
    sample: set[str] | None = None
    if sys.argv[1:2] == ["--sample"]:
        sample = set(Path(sys.argv[2]).read_text().split())
    rows = []
    missing: list[str] = []
    survivors: list[str] = []
    untested: list[str] = []
    for meta in sorted(Path("mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text()).get("exit_code_by_key", {})
        if sample is not None:
            missing += [k for k in codes if k in sample and codes[k] is None]
            codes = {k: c for k, c in codes.items() if k in sample}
        done = {k: c for k, c in codes.items() if c is not None and c != 34}
        survivors += [k for k, c in done.items() if c == 0]
        untested += [k for k, c in done.items() if c == 33]
        if done or (sample is not None and codes):
            name = str(meta.relative_to("mutants"))[: -len(".meta")]
            rows.append(
                (
                    name,
                    len(codes),
                    len(done),
                    sum(1 for c in done.values() if c in KILLED),
                    sum(1 for c in done.values() if c == 0),
                    sum(1 for c in done.values() if c == 33),
                )
            )
    if not rows:
        sys.exit("no mutmut results: run scripts/mutation first")
    what = "sampled" if sample is not None else "mutants"
    print(f"{'module':<36}{what:>8}{'run':>6}{'killed':>8}{'survived':>10}{'no test':>9}{'score':>7}")
    for name, total, run, killed, survived, none in rows:
        print(f"{name:<36}{total:>8}{run:>6}{killed:>8}{survived:>10}{none:>9}{_score(killed, run):>7}")
    if sample is not None:
        total, run, killed, survived, none = (sum(r[i] for r in rows) for i in range(1, 6))
        print(f"{'all sampled':<36}{total:>8}{run:>6}{killed:>8}{survived:>10}{none:>9}{_score(killed, run):>7}")
        if run:
            low, high = wilson(killed, run)
            print(f"95% Wilson interval for the score: {low:.1%} to {high:.1%} ({killed} of {run})")
        if run < total:
            print(
                f"{total - run} sampled mutants have no result yet; mutmut runs the quickest first, so the score of "
                "an unfinished sample leans towards mutants in quickly tested functions"
            )
        for label, names in (("survived", survivors), ("no test", untested), ("not run", missing)):
            if names:
                print(f"{label}:", *sorted(names), sep="\n  ")


if __name__ == "__main__":
    main()
