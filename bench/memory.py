#!/usr/bin/env python3
"""Peak memory of ``podwarden check`` and ``pss`` as a multiple of the largest input file.

Issue 13's bound: peak memory is a small, documented multiple of the largest single file
(at most 20x), whatever the number of documents in it, and does not grow with the number
of files.  For each input shape, made fresh in a temporary folder:

* ``documents``: one file of many small pods, ``---`` separated (313k pods took 3.75 GB);
* ``list-yaml`` / ``list-json``: one ``kind: List`` document holding every pod, as
  ``kubectl get pods -A -o yaml|json`` writes it;
* ``files``: the same pods spread over many small files (memory must not follow the count),

it runs each command in a fresh process and prints peak RSS, the start-up footprint of a
one-pod run, and (peak - footprint) / size: the multiple the README documents.

``--tree PATH`` measures a tree as it is instead (issue 17's bound: ``pss``, ``check -o
html`` and ``check`` on the shared corpus each at most 80 MiB): ``pss`` (json, text) and
``check`` in every format, ``check`` with ``-j 1`` and with its default ``-j`` (several
processes when the files are many).  Peak RSS is that of the largest process (``wait4``
reports the maximum over the process and the children it waited for).

Usage: bench/memory.py [--mib 8] [--formats json,text] [--shapes documents,list-yaml,...]
       bench/memory.py --tree ../shared/corpus
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "", "namespace": "shop"},
       "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "ports": [{"containerPort": 8080}],
                                "env": [{"name": "MODE", "value": "prod"}]}]}}


def pods(target: int) -> list[dict]:
    out, size, i = [], 0, 0
    while size < target:
        pod = json.loads(json.dumps(POD))
        pod["metadata"]["name"] = f"web-{i}"
        out.append(pod)
        size += 230
        i += 1
    return out


def make(shape: str, folder: Path, mib: float) -> tuple[list[str], int]:
    """The paths to scan and the size of the largest file."""
    import yaml

    items = pods(int(mib * 1024 * 1024))
    if shape == "documents":
        path = folder / "pods.yaml"
        path.write_text(yaml.safe_dump_all(items, sort_keys=False))
    elif shape == "list-yaml":
        path = folder / "pods.yaml"
        path.write_text(yaml.safe_dump({"apiVersion": "v1", "items": items, "kind": "List"}, sort_keys=False))
    elif shape == "list-json":  # as kubectl writes it (indent 4), cut to the same size
        path = folder / "pods.json"
        text = json.dumps({"apiVersion": "v1", "items": items, "kind": "List"}, indent=4)
        keep = int(len(items) * mib * 1024 * 1024 / len(text))
        path.write_text(json.dumps({"apiVersion": "v1", "items": items[:keep], "kind": "List"}, indent=4))
    else:  # files: 50 pods each
        tree = folder / "tree"
        tree.mkdir()
        for n in range(0, len(items), 50):
            (tree / f"f{n:07d}.yaml").write_text(yaml.safe_dump_all(items[n:n + 50], sort_keys=False))
        largest = max(p.stat().st_size for p in tree.iterdir())
        return [str(tree)], largest
    return [str(path)], path.stat().st_size


def peak_rss(args: list[str], ok: tuple[int, ...] = (0, 1)) -> tuple[float, float]:
    """Peak RSS (MiB) and wall time of one run, report to /dev/null; exits unless the
    status is in ``ok``."""
    start = time.perf_counter()
    with open(os.devnull, "w") as sink, tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(args, stdout=sink, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        errors.seek(0)
        err = errors.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        sys.exit(f"{' '.join(args)} exited {code}: {err[:300]}")
    return usage.ru_maxrss / 1024, time.perf_counter() - start


def tree(path: str, exe: list[str]) -> None:
    """Peak RSS and wall time of each command on an existing tree (report to /dev/null)."""
    runs = [("pss -o json", ["pss", "-o", "json"]), ("pss -o text", ["pss"])]
    for jobs in ([], ["-j", "1"]):
        for fmt in ("html", "json", "sarif", "text"):
            runs.append((f"check -o {fmt} {' '.join(jobs) or '(default -j)'}", ["check", "-o", fmt, *jobs]))
    print(f"{'command':<32} {'peak':>9} {'wall':>7}")
    for label, args in runs:
        peak, wall = peak_rss([*exe, *args, path], ok=(0, 1, 2))  # 2: some files are errors
        print(f"{label:<32} {peak:>5.0f} MiB {wall:>6.1f}s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=float, default=8.0, help="size of the input, MiB")
    parser.add_argument("--formats", default="json,text", help="check output formats")
    parser.add_argument("--shapes", default="documents,list-yaml,list-json,files")
    parser.add_argument("--tree", help="measure the commands on this tree instead of made inputs")
    parser.add_argument("--make", nargs=3, metavar=("SHAPE", "FOLDER", "MIB"), help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.make:
        shape, folder, mib = opts.make
        print(json.dumps(make(shape, Path(folder), float(mib))))
        return
    exe = [sys.executable, "-c", "from podwarden.cli import run; run()"]
    if opts.tree:
        tree(opts.tree, exe)
        return
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.yaml"
        one.write_text(json.dumps(POD | {"metadata": {"name": "one"}}))
        footprint, _ = peak_rss([*exe, "check", "-o", "json", str(one)])
        print(f"start-up footprint (one pod): {footprint:.0f} MiB; input {opts.mib:g} MiB\n")
        print(f"{'shape':<11} {'command':<22} {'largest file':>12} {'peak':>9} {'wall':>7} {'(peak-footprint)/file':>22}")
        for shape in opts.shapes.split(","):
            folder = Path(tmp) / shape
            folder.mkdir()
            # made in another process: a child's peak RSS counts its parent's pages from before exec
            made = subprocess.run([sys.executable, __file__, "--make", shape, str(folder), str(opts.mib)],
                                  check=True, capture_output=True, text=True).stdout
            paths, largest = json.loads(made)
            runs = [(f"check -o {fmt}", ["check", "-o", fmt]) for fmt in opts.formats.split(",")]
            runs.append(("pss -o json", ["pss", "-o", "json"]))
            for label, args in runs:
                peak, wall = peak_rss([*exe, *args, *paths])
                if shape == "files":  # what matters: no growth with the number of files
                    measure = f"{peak - footprint:+.0f} MiB, {len(os.listdir(paths[0]))} files"
                else:
                    measure = f"{(peak - footprint) * 1024 * 1024 / largest:.1f}x"
                print(f"{shape:<11} {label:<22} {largest / 2**20:>9.2f} MiB {peak:>5.0f} MiB {wall:>6.1f}s "
                      f"{measure:>22}", flush=True)


if __name__ == "__main__":
    main()
