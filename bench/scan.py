#!/usr/bin/env python3
"""Benchmark ``podwarden check`` against the bare YAML parse of the same files.

For the shared real-world corpus and for scale corpora of 1k, 10k and 100k objects (made by
../shared/bench/make_scale_corpus.py into scratch/, once), it runs in fresh processes:

* ``parse``: read every manifest file and load it with PyYAML's CSafeLoader, nothing else;
* ``check``: ``podwarden check -o json`` over the same tree, report to /dev/null;

and prints wall time, objects/second, peak RSS (MiB) and the ratio check/parse.
Target (issue 2): ratio <= 2.0 at every size, peak memory flat as the file count grows.

With ``--family-cost rbac`` it measures instead what one family adds to ``check`` on the
shared corpus: the same run with and without ``--skip <family>``, CPU seconds (user + system
of the child, steadier than wall time on a shared machine) and wall time, best of
``--repeat``, and the ratio. Target (issue 16): the rbac family adds at most 10%.

Usage: bench/scan.py [--sizes 1000,10000,100000] [--families pss,hardening,...] [--repeat 3]
       bench/scan.py --family-cost rbac [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SCRATCH = ROOT / "scratch"

PARSE = r"""
import os, sys, yaml
class L(yaml.CSafeLoader):
    pass
L.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_yaml_str)
objects = 0
for root, dirs, files in os.walk(sys.argv[1]):
    dirs.sort()
    for name in sorted(files):
        if name.endswith((".yaml", ".yml", ".json")):
            raw = open(os.path.join(root, name), "rb").read()
            for bom, codec in ((b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
                if raw.startswith(bom):
                    raw = raw.decode(codec).encode()
            for doc in yaml.load_all(raw, Loader=L):
                if isinstance(doc, dict):
                    items = doc.get("items") if str(doc.get("kind", "")).endswith("List") else None
                    objects += len(items) if isinstance(items, list) else 1
print(objects)
"""


def measure(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS MiB of the child, its stdout."""
    wrapper = [sys.executable, "-c",
               "import resource, subprocess, sys, time\n"
               "t = time.perf_counter()\n"
               "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)\n"
               "dt = time.perf_counter() - t\n"
               "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
               "sys.stdout.write(f'{dt} {rss}\\n' + p.stdout.decode()[-200:])\n", *cmd]
    out = subprocess.run(wrapper, capture_output=True, text=True, check=True).stdout
    first, _, rest = out.partition("\n")
    dt, rss = first.split()
    return float(dt), float(rss), rest


def cpu_and_wall(cmd: list[str]) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of one run of ``cmd``, output discarded."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system), wall


def family_cost(family: str, repeat: int) -> int:
    """Print what ``family`` adds to ``check`` on the shared corpus (runs interleaved)."""
    podwarden = str(Path(sys.executable).parent / "podwarden")
    base = [podwarden, "check", "-o", "json", "--output", os.devnull, str(SHARED / "corpus")]
    runs: dict[str, list[tuple[float, float]]] = {"with": [], "without": []}
    for _ in range(repeat):
        runs["with"].append(cpu_and_wall(base))
        runs["without"].append(cpu_and_wall([*base, "--skip", family]))
    best = {k: (min(c for c, _ in v), min(w for _, w in v)) for k, v in runs.items()}
    print(f"{'run':<24} {'cpu s':>7} {'wall s':>7}")
    for key, label in (("without", f"check --skip {family}"), ("with", "check")):
        print(f"{label:<24} {best[key][0]:>7.2f} {best[key][1]:>7.2f}")
    cpu = best["with"][0] / best["without"][0] - 1
    wall = best["with"][1] / best["without"][1] - 1
    print(f"{family} adds {cpu:+.1%} CPU, {wall:+.1%} wall (target: at most +10%)")
    SCRATCH.mkdir(exist_ok=True)
    (SCRATCH / f"bench-family-{family}.json").write_text(json.dumps(
        {"family": family, "runs": runs, "cpu_added": cpu, "wall_added": wall}, indent=2))
    return 0


def scale_corpus(size: int) -> Path:
    target = SCRATCH / f"scale-{size}"
    if not target.is_dir():
        SCRATCH.mkdir(exist_ok=True)
        subprocess.run([sys.executable, str(SHARED / "bench" / "make_scale_corpus.py"),
                        "--objects", str(size), "--out", str(target), "--seed", "7"], check=True)
    return target


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--families", default="", help="--only value for check (default: all)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    ap.add_argument("--family-cost", default="", metavar="FAMILY",
                    help="measure what one family adds to check on the shared corpus, and nothing else")
    args = ap.parse_args()
    if args.family_cost:
        return family_cost(args.family_cost, args.repeat)
    podwarden = str(Path(sys.executable).parent / "podwarden")
    corpora = [("shared corpus", SHARED / "corpus")]
    corpora += [(f"scale {int(n):,}", scale_corpus(int(n))) for n in args.sizes.split(",") if n]
    check = [podwarden, "check", "-o", "json", "--output", os.devnull]
    if args.families:
        check += ["--only", args.families]
    print(f"{'corpus':<16} {'objects':>8} {'parse s':>8} {'check s':>8} {'ratio':>6} "
          f"{'obj/s':>8} {'parse MiB':>9} {'check MiB':>9}")
    rows = []
    for label, path in corpora:
        parse = min((measure([sys.executable, "-c", PARSE, str(path)]) for _ in range(args.repeat)),
                    key=lambda r: r[0])
        scan = min((measure([*check, str(path)]) for _ in range(args.repeat)), key=lambda r: r[0])
        objects = int(parse[2].strip() or 0)
        ratio = scan[0] / parse[0]
        rows.append({"corpus": label, "objects": objects, "parse_s": parse[0], "check_s": scan[0],
                     "ratio": ratio, "objects_per_s": objects / scan[0],
                     "parse_mib": parse[1], "check_mib": scan[1]})
        print(f"{label:<16} {objects:>8} {parse[0]:>8.2f} {scan[0]:>8.2f} {ratio:>6.2f} "
              f"{objects / scan[0]:>8.0f} {parse[1]:>9.0f} {scan[1]:>9.0f}", flush=True)
    (SCRATCH / "bench-scan.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    time.sleep(0)
    sys.exit(main())
