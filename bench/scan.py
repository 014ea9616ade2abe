#!/usr/bin/env python3
"""Benchmark podwarden against the bare YAML parse of the same files (issue 17's targets).

For the shared real-world corpus and for scale corpora of 1k, 10k and 100k objects (made by
../shared/bench/make_scale_corpus.py into scratch/, once), it runs in fresh processes:

* ``parse``: read every manifest file and load it with PyYAML's CSafeLoader, nothing else;
* ``check``: ``podwarden check -o json`` over the same tree, report to /dev/null, with the
  default options (several processes when the files are many) and with ``-j 1``;

and prints wall time, objects/second, peak RSS (MiB, the largest process) and the ratios
check/parse.  Then, unless ``--no-extras``: the whole process for one small file (best and
median of ``--startup-runs``), ``fix`` dry run on the corpus against its parse, and the peak
memory of ``pss -o json``, ``check -o html`` and ``check -o json`` on the corpus.
Targets (issue 17): check <= 1.0x the parse at every size, ``-j 1`` <= 1.3x at 10k, 1k
objects <= 1.5x, one small file <= 0.09 s, fix dry run <= 2.0x, each peak <= 80 MiB.
Wall times are best of ``--repeat``: on a shared machine, run it when nothing else runs.

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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup import SMALL_FILE, compile_package  # the one small pod both benchmarks time

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




def best_of(cmd: list[str], repeat: int) -> tuple[float, float, str]:
    return min((measure(cmd) for _ in range(repeat)), key=lambda r: r[0])


def extras(podwarden: str, parse_corpus_s: float, repeat: int, startup_runs: int) -> dict[str, object]:
    """Start-up, fix dry run and peak memory rows, printed as they come."""
    corpus = str(SHARED / "corpus")
    small = SCRATCH / "small-pod.yaml"
    small.write_text(SMALL_FILE)
    runs = sorted(measure([podwarden, "check", str(small)])[0] for _ in range(startup_runs))
    print(f"\none small file, whole process: best {runs[0]:.3f} s, median {runs[len(runs) // 2]:.3f} s "
          f"(target <= 0.09 s)")
    fix = best_of([podwarden, "fix", corpus], repeat)
    print(f"fix dry run, corpus: {fix[0]:.2f} s = {fix[0] / parse_corpus_s:.2f}x the parse "
          f"(target <= 2.0), peak {fix[1]:.0f} MiB")
    memory = {}
    # pss has no --output: its report goes to a pipe read here
    for label, cmd in (("pss -o json", ["pss", "-o", "json"]),
                       ("check -o html", ["check", "-o", "html", "--output", os.devnull]),
                       ("check -o json", ["check", "-o", "json", "--output", os.devnull]),
                       ("check -o json -j 1", ["check", "-o", "json", "-j", "1", "--output", os.devnull])):
        memory[label] = measure([podwarden, *cmd, corpus])[1]
        print(f"peak memory, {label}, corpus: {memory[label]:.0f} MiB (target <= 80)")
    return {"startup_best_s": runs[0], "startup_median_s": runs[len(runs) // 2], "fix_s": fix[0],
            "fix_ratio": fix[0] / parse_corpus_s, "peak_mib": memory}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--families", default="", help="--only value for check (default: all)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    ap.add_argument("--startup-runs", type=int, default=15, help="runs of the one-small-file check")
    ap.add_argument("--no-extras", action="store_true", help="only the check/parse table")
    ap.add_argument("--family-cost", default="", metavar="FAMILY",
                    help="measure what one family adds to check on the shared corpus, and nothing else")
    args = ap.parse_args()
    compile_package()
    if args.family_cost:
        return family_cost(args.family_cost, args.repeat)
    podwarden = str(Path(sys.executable).parent / "podwarden")
    corpora = [("shared corpus", SHARED / "corpus")]
    corpora += [(f"scale {int(n):,}", scale_corpus(int(n))) for n in args.sizes.split(",") if n]
    check = [podwarden, "check", "-o", "json", "--output", os.devnull]
    if args.families:
        check += ["--only", args.families]
    print(f"{'corpus':<16} {'objects':>8} {'parse s':>8} {'check s':>8} {'ratio':>6} {'-j 1 s':>7} "
          f"{'ratio':>6} {'obj/s':>7} {'parse MiB':>9} {'check MiB':>9}")
    rows: list[dict[str, object]] = []
    for label, path in corpora:
        parse = best_of([sys.executable, "-c", PARSE, str(path)], args.repeat)
        scan = best_of([*check, str(path)], args.repeat)
        single = best_of([*check, "-j", "1", str(path)], args.repeat)
        objects = int(parse[2].strip() or 0)
        rows.append({"corpus": label, "objects": objects, "parse_s": parse[0], "check_s": scan[0],
                     "ratio": scan[0] / parse[0], "check_j1_s": single[0], "ratio_j1": single[0] / parse[0],
                     "objects_per_s": objects / scan[0], "parse_mib": parse[1], "check_mib": scan[1]})
        print(f"{label:<16} {objects:>8} {parse[0]:>8.2f} {scan[0]:>8.2f} {scan[0] / parse[0]:>6.2f} "
              f"{single[0]:>7.2f} {single[0] / parse[0]:>6.2f} {objects / scan[0]:>7.0f} {parse[1]:>9.0f} "
              f"{scan[1]:>9.0f}", flush=True)
    report: dict[str, object] = {"rows": rows}
    if not args.no_extras:
        report |= extras(podwarden, float(rows[0]["parse_s"]), args.repeat, args.startup_runs)  # type: ignore[arg-type]
    (SCRATCH / "bench-scan.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
