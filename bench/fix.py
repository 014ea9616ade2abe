#!/usr/bin/env python3
"""Benchmark the ``podwarden fix`` dry run against the bare YAML parse of the same files.

On the shared real-world corpus (or the paths given), in fresh processes, interleaved:

* ``parse``: bench/scan.py's PARSE, every manifest loaded with PyYAML's CSafeLoader;
* ``fix``: ``podwarden fix`` (dry run: the diff to /dev/null), with the extra options given.

It prints CPU seconds (user + system of the child: steadier on a shared machine) and wall
seconds, best of ``--repeat``, and the ratios fix/parse.  Target (issue 17): <= 2.0.

Usage: bench/fix.py [--repeat 3] [--fix-args "--unsafe"] [PATH]
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan import PARSE, SHARED, cpu_and_wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", nargs="?", default=str(SHARED / "corpus"))
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; the best is kept")
    ap.add_argument("--fix-args", default="", help="extra options for fix, e.g. --unsafe")
    args = ap.parse_args()
    podwarden = str(Path(sys.executable).parent / "podwarden")
    commands = {"parse": [sys.executable, "-c", PARSE, args.path],
                "fix": [podwarden, "fix", *shlex.split(args.fix_args), args.path]}
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
    for _ in range(args.repeat):
        for key, cmd in commands.items():
            runs[key].append(cpu_and_wall(cmd))
    best = {k: (min(c for c, _ in v), min(w for _, w in v)) for k, v in runs.items()}
    print(f"{'run':<10} {'cpu s':>7} {'wall s':>7}   (best of {args.repeat}, {args.path})")
    for key in commands:
        print(f"{key:<10} {best[key][0]:>7.2f} {best[key][1]:>7.2f}")
    cpu = best["fix"][0] / best["parse"][0]
    wall = best["fix"][1] / best["parse"][1]
    print(f"fix{' ' + args.fix_args if args.fix_args else ''} dry run / parse: "
          f"{cpu:.2f}x CPU, {wall:.2f}x wall (target <= 2.0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
