"""``make fuzz``: the property tests of ``test_invariants.py``, random and for longer.

Runs the same Hypothesis tests (same strategies, mutation operators and invariants) with
the ``fuzz`` profile: a fresh random seed per round of examples, rounds in turn until
``FUZZ_SECONDS`` (default 300) have passed.  Each failing input is saved, with its
commands and the broken invariants, as a reproducer folder under ``PODWARDEN_FUZZ_DIR``
(default: a fresh folder in the temporary directory, printed); at most
``FUZZ_KEEP`` (default 5) reproducers per set of broken invariants.  Exit status 1 when
anything failed.

    FUZZ_SECONDS=600 make fuzz
    .venv/bin/python tests/properties/fuzz.py --replay DIR    # re-check one reproducer
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", "300")))
    parser.add_argument("--out", default=os.environ.get("PODWARDEN_FUZZ_DIR") or None,
                        help="folder for reproducers (default: a new temporary folder)")
    parser.add_argument("--keep", type=int, default=int(os.environ.get("FUZZ_KEEP", "5")),
                        help="reproducers kept per set of broken invariants")
    parser.add_argument("--replay", type=Path, help="re-check one reproducer folder and print its problems")
    args = parser.parse_args(argv)

    os.environ["PODWARDEN_PROPERTIES"] = "fuzz"  # read by profiles.py, imported below
    sys.path.insert(0, str(ROOT))
    from tests.properties import invariants

    if args.replay:
        problems = invariants.verify(invariants.load_reproducer(args.replay))
        for p in problems:
            print(p)
        print(f"{len(problems)} problem(s)")
        return 1 if problems else 0

    from tests.properties import strategies
    from tests.properties import test_invariants as suite
    from tests.properties.profiles import CORPUS_BYTES

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="podwarden-fuzz-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"podwarden fuzz: {args.seconds:.0f} s; reproducers go to {out}", flush=True)
    kept: Counter[str] = Counter()
    seen: Counter[str] = Counter()

    def record(case: invariants.Case, problems: list[invariants.Problem]) -> None:
        kinds = "+".join(sorted({p.invariant for p in problems}))
        seen[kinds] += 1
        if kept[kinds] < args.keep:
            kept[kinds] += 1
            folder = invariants.save_reproducer(case, problems, out)
            print(f"  FAIL {kinds}: {folder}", flush=True)
            for p in problems[:5]:
                print(f"       {p}", flush=True)

    # the Hypothesis tests of the suite; the parametrised fixed cases run in `make test`
    # real processes cost ten times more: one round in five
    tests = [suite.test_generated_manifests, suite.test_corpus_seeds, suite.test_generated_manifests,
             suite.test_corpus_seeds, suite.test_real_process_generated]
    if not strategies.corpus_files(CORPUS_BYTES):
        tests = [t for t in tests if t is not suite.test_corpus_seeds]
    deadline = time.monotonic() + args.seconds
    rounds = 0
    with invariants.recording(record):
        while time.monotonic() < deadline:
            test = tests[rounds % len(tests)]
            rounds += 1
            started = time.monotonic()
            try:
                test()
            except Exception as exc:  # a fault of the harness itself: say so, go on
                print(f"  harness error in {test.__name__}: {type(exc).__name__}: {exc}"[:400], flush=True)
                seen["harness-error"] += 1
            print(f"round {rounds}: {test.__name__} ({time.monotonic() - started:.0f} s); "
                  f"{sum(seen.values())} failing example(s) so far", flush=True)
    failures = sum(seen.values())
    print(f"podwarden fuzz: {rounds} round(s) of up to {os.environ.get('PODWARDEN_FUZZ_ROUND', '10')} "
          f"examples; {failures} failing example(s)")
    for kinds, n in seen.most_common():
        print(f"  {n:5d} x {kinds} ({kept[kinds]} saved)")
    print(f"reproducers: {out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
