#!/usr/bin/env python3
"""Benchmark the start-up of a short run: ``podwarden check`` of one small file.

Prints, for fresh processes (best and median of ``--runs``; wall seconds and CPU seconds, user +
system of the child, which a busy machine disturbs less):

* ``python -c pass``, importing click and PyYAML, and a bare PyYAML parse of the same file
  (the floor we cannot go under);
* ``podwarden check small-pod.yaml``, the whole process (target: <= 0.09 s);
* where the time of one run goes, measured in-process as CPU time: importing the CLI, importing
  the command, building the rule registry, and the rest of the run (scan and report).

Children run without ``PYTHONDONTWRITEBYTECODE``, so modules load from their ``.pyc`` as in an
installed package (with it set, every module edited since its ``.pyc`` was written is compiled
again on each run).

Usage: bench/startup.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / "scratch"
SMALL_FILE = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
"""
PARSE = "import sys, yaml; yaml.load_all(open(sys.argv[1], 'rb').read(), Loader=yaml.CSafeLoader)"
PHASES = r"""
import sys, time
clock = time.process_time
t0 = clock()
from podwarden.cli import main, run
t1 = clock()
main.commands["check"]
t2 = clock()
from podwarden.rules.registry import default_registry
default_registry()
t3 = clock()
sys.argv = ["podwarden", "check", sys.argv[1]]
try:
    run()
except SystemExit:
    pass
t4 = clock()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, file=sys.stderr)
"""


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env())
    _, _, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def row(label: str, cmd: list[str], runs: int) -> float:
    timed(cmd)  # warm the page cache and write any missing .pyc
    walls, cpus = zip(*(timed(cmd) for _ in range(runs)), strict=True)
    print(f"{label:<34} wall best {min(walls):.3f} s, median {statistics.median(walls):.3f} s | "
          f"CPU best {min(cpus):.3f} s, median {statistics.median(cpus):.3f} s", flush=True)
    return min(cpus)


def phases(small: Path, runs: int) -> None:
    samples = []
    for _ in range(max(3, runs // 2)):
        out = subprocess.run([sys.executable, "-c", PHASES, str(small)], capture_output=True, text=True,
                             env=child_env(), check=False)
        samples.append([float(x) for x in out.stderr.split()[-4:]])
    best = [min(column) for column in zip(*samples, strict=True)]
    names = ("import podwarden.cli (click)", "import the check command", "build the rule registry",
             "scan and report")
    print("\nCPU of one run by phase (best of runs, ms):")
    for name, value in zip(names, best, strict=True):
        print(f"  {name:<32} {value * 1000:6.1f}")


def compile_package() -> None:
    """Write the bytecode of every podwarden module, as installing a wheel does: from an
    editable install under ``PYTHONDONTWRITEBYTECODE`` (set on this machine), each measured
    process would otherwise compile every module changed since its bytecode was written."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("podwarden")
    if spec is not None and spec.origin:
        compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20, help="runs per row (best and median are shown)")
    args = ap.parse_args()
    compile_package()
    SCRATCH.mkdir(exist_ok=True)
    small = SCRATCH / "small-pod.yaml"
    small.write_text(SMALL_FILE)
    podwarden = str(Path(sys.executable).parent / "podwarden")
    row("python -c pass", [sys.executable, "-c", "pass"], args.runs)
    row("python: import click, yaml", [sys.executable, "-c", "import click, yaml"], args.runs)
    row("bare PyYAML parse of the file", [sys.executable, "-c", PARSE, str(small)], args.runs)
    row("podwarden --version", [podwarden, "--version"], args.runs)
    cpu = row("podwarden check small-pod.yaml", [podwarden, "check", str(small)], args.runs)
    print(f"{'':<34} target: <= 0.09 s (CPU best now {cpu:.3f} s)")
    phases(small, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
