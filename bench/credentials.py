#!/usr/bin/env python3
"""podwarden's credentials family and detect-secrets, side by side.

Over the labelled set (tests/rules/credentials fixtures: every ``# expect:`` line is a
positive, every pass fixture and every tests/credentials/labelled/ file a negative) and
over the shared corpus, it runs

* ``podwarden check --only credentials -o json`` (this checkout's .venv), and
* ``detect-secrets scan --all-files`` (default plugins and filters),

and prints, per tool: recall on the labelled positives (a positive counts when the tool
reports anything on its line), false positives (findings in negative files, and on
unmarked lines of positive files, committed-secret's own Secret lines and lines a pass
fixture marks ``# also: <rule>`` aside), precision (findings on positive lines over
those and the false positives), wall time;
then, on the corpus: findings, time, and podwarden's precision from the hand review in
bench/credentials-corpus-review.md (with how many of those reviewed true positives
detect-secrets also reports, on the same file and line).

detect-secrets is never a dependency of podwarden: it lives in ``.venv-bench`` (made by
``make bench-credentials``, or by this script when missing). Nothing here prints a value:
tools' outputs are reduced to file, line and rule or type.

Usage: bench/credentials.py [--no-corpus] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
FIXTURES = ROOT / "tests" / "rules" / "credentials"
LABELLED = ROOT / "tests" / "credentials" / "labelled"
REVIEW = ROOT / "bench" / "credentials-corpus-review.md"
PODWARDEN = ROOT / ".venv" / "bin" / "podwarden"
BENCH_VENV = ROOT / ".venv-bench"
DETECT_SECRETS = BENCH_VENV / "bin" / "detect-secrets"

Hit = tuple[str, int]  # (file relative to the scanned root, line)


def ensure_bench_venv() -> None:
    if DETECT_SECRETS.exists():
        return
    print("creating .venv-bench with detect-secrets (once) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
    subprocess.run([str(BENCH_VENV / "bin" / "pip"), "install", "--quiet", "detect-secrets", "-e", str(ROOT)],
                   check=True)


def timed(cmd: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1, 2):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return elapsed, proc.stdout


def run_podwarden(root: Path, repeat: int) -> tuple[float, list[tuple[str, int, str]]]:
    best, out = min((timed([str(PODWARDEN), "check", "--only", "credentials", "-o", "json", "."], root)
                     for _ in range(repeat)), key=lambda r: r[0])
    report = json.loads(out)
    return best, [(str(Path(f["file"])), f["line"], f["rule"]) for f in report["findings"]]


def run_detect_secrets(root: Path, repeat: int) -> tuple[float, list[tuple[str, int, str]]]:
    best, out = min((timed([str(DETECT_SECRETS), "scan", "--all-files", "."], root) for _ in range(repeat)),
                    key=lambda r: r[0])
    report = json.loads(out)
    return best, [(str(Path(name)), r["line_number"], r["type"])
                  for name, results in report["results"].items() for r in results]


def labelled_tree(tmp: Path) -> tuple[set[Hit], set[str], dict[str, set[int]]]:
    """Copy the labelled files into ``tmp``; return positives, negative files and, per
    file, the lines where a finding is expected without being a positive (committed-secret's
    Secret lines; ``# also:`` lines of pass fixtures: a secretKeyRef is an exposure)."""
    positives: set[Hit] = set()
    negatives: set[str] = set()
    secret_lines: dict[str, set[int]] = {}
    sources = sorted(FIXTURES.glob("*/*.yaml")) + sorted(LABELLED.glob("*.yaml"))
    for source in sources:
        rel = source.relative_to(ROOT / "tests").as_posix()
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8")
        target.write_text(text, encoding="utf-8")
        if source.name.startswith("fail-"):
            for n, line in enumerate(text.splitlines(), 1):
                if "# expect:" in line:
                    positives.add((rel, n))
                    if "committed-secret" in line:
                        secret_lines.setdefault(rel, set()).add(n)
        else:
            negatives.add(rel)
            for n, line in enumerate(text.splitlines(), 1):
                if "# also: credentials/" in line:
                    secret_lines.setdefault(rel, set()).add(n)
    return positives, negatives, secret_lines


def score(findings: list[tuple[str, int, str]], positives: set[Hit], negatives: set[str],
          secret_lines: dict[str, set[int]]) -> tuple[int, int, int, Counter[str]]:
    """(positives found, findings on positive lines, false positives, false ones by type)."""
    lines = {(f, n) for f, n, _ in findings}
    found = len(positives & lines)
    true = sum(1 for f, n, _ in findings if (f, n) in positives)
    false: Counter[str] = Counter()
    for f, n, kind in findings:
        if n in secret_lines.get(f, set()):
            continue
        if f in negatives or (f, n) not in positives:
            false[kind] += 1
    return found, true, sum(false.values()), false


def review() -> tuple[dict[tuple[str, int, str], str], str]:
    """(file, line, rule) -> TP/FP from the review file's table."""
    verdicts: dict[tuple[str, int, str], str] = {}
    if not REVIEW.exists():
        return verdicts, "no review file"
    row = re.compile(r"^\|\s*(TP|FP)[^|]*\|\s*`?([^|`]+?)`?\s*\|\s*(\d+)\s*\|\s*`?(credentials/[a-z0-9-]+)`?\s*\|")
    for line in REVIEW.read_text(encoding="utf-8").splitlines():
        match = row.match(line)
        if match:
            verdicts[(match.group(2).strip(), int(match.group(3)), match.group(4))] = match.group(1)
    return verdicts, f"{len(verdicts)} reviewed findings"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-corpus", action="store_true", help="labelled set only")
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement; the best time is kept")
    args = ap.parse_args()
    ensure_bench_venv()

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        positives, negatives, secret_lines = labelled_tree(tmp)
        print(f"labelled set: {len(positives)} positive lines, {len(negatives)} negative files")
        print(f"{'tool':<16} {'recall':>14} {'precision':>16} {'false pos':>10} {'time s':>8}")
        for name, runner in (("podwarden", run_podwarden), ("detect-secrets", run_detect_secrets)):
            elapsed, findings = runner(tmp, args.repeat)
            found, true, false, kinds = score(findings, positives, negatives, secret_lines)
            recall = f"{found}/{len(positives)} {found / len(positives):.0%}"
            precision = f"{true}/{true + false} {true / (true + false):.0%}" if true + false else "n/a"
            print(f"{name:<16} {recall:>14} {precision:>16} {false:>10} {elapsed:>8.2f}")
            if kinds:
                print("    false positives by type: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
            missed = sorted(p for p in positives if p not in {(f, n) for f, n, _ in findings})
            if missed:
                print("    missed: " + ", ".join(f"{Path(f).parent.name}/{Path(f).name}:{n}" for f, n in missed[:40]))

    if args.no_corpus:
        return 0
    print(f"\ncorpus: {CORPUS}")
    verdicts, note = review()
    pw_time, pw = run_podwarden(CORPUS, args.repeat)
    ds_time, ds = run_detect_secrets(CORPUS, args.repeat)
    reviewed = [verdicts.get((f, n, r)) for f, n, r in pw]
    tp, fp, unreviewed = reviewed.count("TP"), reviewed.count("FP"), reviewed.count(None)
    print(f"{'tool':<16} {'findings':>9} {'files':>6} {'time s':>8}")
    print(f"{'podwarden':<16} {len(pw):>9} {len({f for f, _, _ in pw}):>6} {pw_time:>8.2f}")
    print(f"{'detect-secrets':<16} {len(ds):>9} {len({f for f, _, _ in ds}):>6} {ds_time:>8.2f}")
    precision = f"{tp / (tp + fp):.1%}" if tp + fp else "n/a"
    print(f"podwarden precision (review, {note}): TP {tp}, FP {fp}, unreviewed {unreviewed}: {precision}")
    tp_lines = {(f, n) for (f, n, _), v in zip(pw, reviewed, strict=True) if v == "TP"}
    ds_lines = {(f, n) for f, n, _ in ds}
    print(f"detect-secrets reports {len(tp_lines & ds_lines)} of podwarden's {len(tp_lines)} reviewed "
          f"true-positive lines; {len(ds_lines - tp_lines)} other lines")
    print("detect-secrets findings by type: " + ", ".join(
        f"{k} {v}" for k, v in Counter(t for _, _, t in ds).most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
