"""Write a seeded uniform random sample of mutmut's mutant names to OUT, one a line (used by scripts/mutation
when MUTATION_SAMPLE is set). Run in the directory mutmut runs in: it generates the mutants first (mutmut's own
generation step, the same one `mutmut run` starts with, so the run that follows reuses them), then draws N of
the mutants whose names match any PATTERN (fnmatch, as `mutmut run` matches them), without replacement, with
random.Random(SEED). The population is sorted first, so the same code, N and SEED give the same sample.
OUT.pending lists the sampled mutants with no result yet (all of them on a first run), the ones to run.

    python scripts/mutation_sample.py N SEED OUT PATTERN...
"""

from __future__ import annotations

import fnmatch
import json
import random
import sys
from pathlib import Path


def generate() -> None:
    # mutmut 3.8's generation step (mutmut.__main__._run up to "Generating mutants"); pinned by uv.lock.
    from mutmut.__main__ import create_mutants
    from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir

    Path("mutants").mkdir(exist_ok=True)
    copy_src_dir()
    copy_also_copy_files()
    create_mutants(1)


def results() -> dict[str, int | None]:
    """Every mutant's mutmut exit code (None: not run, or its function changed since)."""
    codes: dict[str, int | None] = {}
    for meta in Path("mutants").rglob("*.py.meta"):
        codes |= json.loads(meta.read_text()).get("exit_code_by_key", {})
    return codes


def population(patterns: list[str]) -> list[str]:
    return sorted(k for k in results() if any(fnmatch.fnmatch(k, p) for p in patterns))


def main() -> None:
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    size, seed, out, patterns = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4:]
    generate()
    names = population(patterns)
    if not names:
        sys.exit(f"no mutants match {patterns}")
    sample = random.Random(seed).sample(names, min(size, len(names)))
    print(f"sampled {len(sample)} of {len(names)} mutants matching {' '.join(patterns)}", file=sys.stderr)
    out.write_text("".join(f"{name}\n" for name in sorted(sample)))
    # mutmut reruns every mutant named to it, so only those without a result are passed on: an interrupted
    # sample resumes where it stopped.
    codes = results()
    pending = [name for name in sorted(sample) if codes.get(name) is None]
    print(f"{len(sample) - len(pending)} of them already have a result", file=sys.stderr)
    Path(f"{out}.pending").write_text("".join(f"{name}\n" for name in pending))


if __name__ == "__main__":
    main()
