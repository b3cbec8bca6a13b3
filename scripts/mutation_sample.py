"""Write a seeded uniform random sample of mutmut's mutant names to OUT, one a line (used by scripts/mutation
when MUTATION_SAMPLE is set). Run in the directory mutmut runs in: it generates the mutants first (mutmut's own
generation step, the same one `mutmut run` starts with, so the run that follows reuses them), then draws N of
the mutants whose names match any PATTERN (fnmatch, as `mutmut run` matches them), without replacement, with
random.Random(SEED). The population is sorted first, so the same code, N and SEED give the same sample.

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


def population(patterns: list[str]) -> list[str]:
    names: list[str] = []
    for meta in Path("mutants").rglob("*.py.meta"):
        keys = json.loads(meta.read_text()).get("exit_code_by_key", {})
        names.extend(k for k in keys if any(fnmatch.fnmatch(k, p) for p in patterns))
    return sorted(names)


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


if __name__ == "__main__":
    main()
