#!/usr/bin/env python3
"""Size, peak memory and time to interactive of the HTML report (``check -o html``).

Issue 15's bounds, for the shared corpus (15,000 objects, 70,000 findings): the page under
10 MB, interactive in under 3 s.  For each way of writing the page, in a fresh process
under ``/usr/bin/time -f %M``:

* ``cli``: ``podwarden check CORPUS -o html --output FILE`` as the command line runs it;
* ``stream``: ``report.html.write`` over ``Engine.iter_files`` (results dropped once
  folded into the page: what the command runs when it streams),

it prints the page's size, wall time and peak RSS.  Then it opens the page in headless
Chromium (``--dump-dom``, fresh profile, no network features) ``--repeat`` times and prints
the script's own mark (``data-ready``: ms from navigation start until the first page of
objects is in the DOM) and the wall time of the whole browser run (start-up, load, script,
DOM dump), best and median, and whether the DOM lists the first page's 50 objects.
``--page FILE`` times an existing page too (an old report, to compare).

Usage: bench/html_report.py [--corpus ../shared/corpus] [--repeat 3] [--page OLD.html]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
STREAM = """
import sys
from podwarden.engine import Engine, Selection
from podwarden.report import html
from podwarden.report.tally import Tally
from podwarden.rules.registry import default_registry
registry = default_registry()
selection = Selection(blast_radius=sys.argv[3] == "1")
tally = Tally()
with open(sys.argv[2], "w", encoding="utf-8") as out:
    html.write(Engine(selection, registry).iter_files([sys.argv[1]]), out, registry, tally)
print(tally.objects, tally.findings)
"""


def measured(cmd: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) and stdout of a command run under /usr/bin/time."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - start
    rss = int(done.stderr.strip().splitlines()[-1])
    return wall, rss, done.stdout


def browse(page: Path) -> tuple[float, int | None, int]:
    """Wall seconds of a --dump-dom run, the page's data-ready mark (ms), object rows."""
    with tempfile.TemporaryDirectory() as profile:
        start = time.perf_counter()
        done = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--window-size=1400,900", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - start
    ready = re.search(r'data-ready="(\d+)"', done.stdout)
    rows = len(re.findall(r'<tr class="obj"', done.stdout))
    return wall, int(ready.group(1)) if ready else None, rows


def time_page(label: str, page: Path, repeat: int) -> None:
    runs = [browse(page) for _ in range(repeat)]
    walls = [w for w, _, _ in runs]
    marks = [m for _, m, _ in runs if m is not None]
    mark = f"ready {min(marks)} ms (median {statistics.median(marks):.0f})" if marks else "no data-ready mark"
    print(f"{label:<8} chromium --dump-dom {min(walls):6.2f} s best, {statistics.median(walls):6.2f} s median; "
          f"{mark}; first page rows in the DOM: {runs[-1][2]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--repeat", type=int, default=3, help="browser runs per page")
    parser.add_argument("--page", type=Path, help="also time this existing page (e.g. an old report)")
    parser.add_argument("--blast-radius", action="store_true", help="pages with --blast-radius")
    parser.add_argument("--ways", default="cli,stream", help="cli, stream or both")
    args = parser.parse_args()
    python = sys.executable
    podwarden = str(Path(python).with_name("podwarden"))
    with tempfile.TemporaryDirectory() as folder:
        pages = {}
        for way in args.ways.split(","):
            page = Path(folder) / f"{way}.html"
            if way == "cli":
                cmd = [podwarden, "check", args.corpus, "-o", "html", "--output", str(page),
                       *(["--blast-radius"] if args.blast_radius else [])]
            else:
                cmd = [python, "-c", STREAM, args.corpus, str(page), "1" if args.blast_radius else "0"]
            wall, rss, out = measured(cmd)
            counts = f" ({out.split()[0]} objects, {out.split()[1]} findings)" if out.strip() else ""
            print(f"{way:<8} {page.stat().st_size / 1e6:7.2f} MB  {wall:6.1f} s  peak RSS {rss / 1024:6.0f} MiB"
                  + counts)
            pages[way] = page
        if not Path(CHROMIUM).exists():
            print(f"{CHROMIUM} is not installed: no browser timings (apt-get install chromium)")
            return
        for way, page in pages.items():
            time_page(way, page, args.repeat)
        if args.page:
            time_page("given", args.page, args.repeat)


if __name__ == "__main__":
    main()
