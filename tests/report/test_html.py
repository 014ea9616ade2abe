"""The HTML report: small and complete on the whole corpus, escaped, and shown by a real browser.

The browser is Debian's chromium (``/usr/bin/chromium``); tests that need it skip, saying
why, where it is not installed.  It runs headless with no network features and a fresh
profile; ``--dump-dom`` gives the DOM after the page's script ran, and a probe script
appended to a copy of a page drives the filters, pages and rows and records what it saw.
Timing is measured by bench/html_report.py, never asserted here.
Set PODWARDEN_SCREENSHOT=path to also write the screenshot used in the README.
"""

from __future__ import annotations

import html as htmllib
import json
import os
import re
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from podwarden.cli import main
from podwarden.engine import Engine, FileResult, Result, Selection
from podwarden.report import html
from podwarden.report.tally import Tally
from podwarden.rules.registry import default_registry
from tests.cluster import recorded
from tests.cluster.fakeapi import FakeAPI
from tests.conftest import ROOT, SHARED

CHROMIUM = "/usr/bin/chromium"
CORPUS = SHARED / "corpus"
HOSTILE = '</script><img src=x onerror="document.title=\'pwned\'">'
HOSTILE_POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "evil", "namespace": "team-a",
                 "annotations": {"note": "</script><script>document.title='pwned'</script>"}},
    "spec": {"containers": [{"name": HOSTILE, "image": "x", "securityContext": {"privileged": True}}]},
}
DATA = re.compile(r'<script type="application/json" id="podwarden-data">(.*?)</script>', re.S)


@pytest.fixture(scope="session")
def chromium() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


def browse(chromium: str, page: Path, *extra: str) -> str:
    """Open ``page`` headless; the DOM after its scripts ran (or chromium's stdout)."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
             f"--user-data-dir={profile}", *extra, page.as_uri()],
            capture_output=True, text=True, timeout=180,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def data_of(text: str) -> dict[str, Any]:
    found = DATA.search(text)
    assert found, "the page holds no data"
    result: dict[str, Any] = json.loads(found.group(1))
    return result


def probe(chromium: str, page: Path, tmp_path: Path, script: str, wait: bool = False) -> Any:
    """Run ``script`` (which sets ``out``) in a copy of ``page``; what it recorded.  With
    ``wait`` the script returns early and calls ``done()`` from a timer (virtual time)."""
    copy = tmp_path / ("probe-" + page.name)
    wrapped = ("<script>(function(){var out={};\n"
               "function done(){document.body.setAttribute('data-probe', JSON.stringify(out));}\n"
               + script + "\ndone();})();</script>")
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", wrapped + "</body>"), encoding="utf-8")
    dom = browse(chromium, copy, "--dump-dom", *(["--virtual-time-budget=5000"] if wait else []))
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, "the probe script did not run"
    return json.loads(htmllib.unescape(found.group(1)))


PROBE_HELPERS = """
function rows(id){ return Array.prototype.map.call(document.querySelectorAll('#'+id+' tbody tr.obj'),
    function(r){ return r.cells[2].textContent; }); }
function set(sel, value){ var el=document.querySelector(sel); el.value=value;
    el.dispatchEvent(new Event('change')); }
"""


# -- the corpus ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Tally, Counter[tuple[str, ...]]]]:
    """The page of the whole shared corpus, as ``check -o html`` streams it, with the
    findings the engine gave (rule, object, path, message) counted on the way."""
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    registry = default_registry()
    engine = Engine(Selection(), registry)
    seen: Counter[tuple[str, ...]] = Counter()

    def counted(results: Iterable[FileResult]) -> Iterator[FileResult]:
        for fr in results:
            seen.update((f.rule_id, str(f.object), f.path, f.message) for f in fr.findings)
            yield fr

    page = tmp_path_factory.mktemp("corpus") / "corpus.html"
    tally = Tally()
    with page.open("w", encoding="utf-8") as out:
        html.write(counted(engine.iter_files([str(CORPUS)])), out, registry, tally, source="podwarden check")
    yield page, tally, seen


def test_corpus_page_is_small_and_counts_every_finding(corpus_page: tuple[Path, Tally, Counter[tuple[str, ...]]]
                                                       ) -> None:
    page, tally, seen = corpus_page
    assert page.stat().st_size < 10 * 1024 * 1024
    text = page.read_text(encoding="utf-8")
    data = data_of(text)
    objects = list(html.objects_of(data))
    shown: Counter[tuple[str, ...]] = Counter()
    for o in objects:
        where = "" if o["namespace"] == "(none)" or o["kind"] == "Namespace" else o["namespace"] + "/"
        ref = f"{o['kind']}/{where}{o['name']}" if o["name"] else o["kind"]  # as ObjectRef prints
        for f in o["findings"]:
            shown[(f["rule"], ref, f["path"], f["message"])] += 1
    assert tally.findings > 50_000 and tally.objects > 15_000  # the corpus is the scale in question
    assert shown == seen and sum(shown.values()) == tally.findings
    assert len(data["findings"]) == html.FINDING_FIELDS * tally.findings
    assert f'data-card="findings"><div class="n">{tally.findings:,}<' in text
    # worst first: severities never rise down the list
    worst = [o["worst"] for o in objects]
    assert worst == sorted(worst, reverse=True) and worst[0] == 4


def test_browser_lists_the_first_page_of_the_corpus(
        chromium: str, corpus_page: tuple[Path, Tally, Counter[tuple[str, ...]]]) -> None:
    page, tally, _ = corpus_page
    dom = browse(chromium, page, "--dump-dom", "--window-size=1400,900")
    objects = list(html.objects_of(data_of(page.read_text(encoding="utf-8"))))
    first = [f"{o['kind']}/{o['name']}" for o in objects[:50]]
    listed = re.findall(r'<tr class="obj" data-object="\d+">.*?<td class="obj"><b>(.*?)</b>', dom)
    assert [htmllib.unescape(x) for x in listed] == first
    assert f"objects 1–50 of {len(objects):,}" in dom
    assert re.search(r'data-ready="\d+"', dom)


# -- escaping ---------------------------------------------------------------------------


def test_hostile_names_are_inert(chromium: str, tmp_path: Path) -> None:
    registry = default_registry()
    hostile = json.loads(json.dumps(HOSTILE_POD))
    hostile["metadata"]["name"] = HOSTILE
    result = Engine(Selection(), registry).evaluate_objects(
        [("manifests/evil.yaml", HOSTILE_POD), ("manifests/evil2.yaml", hostile)])
    text = html.render(result, registry, source="test")
    assert HOSTILE not in text and "<img" not in text
    assert text.count("</script>") == 2  # the data's and the script's own ends, nothing else
    names = {o["name"] for o in html.objects_of(data_of(text))}
    assert names == {"evil", HOSTILE}  # the data round-trips the names exactly
    page = tmp_path / "evil.html"
    page.write_text(text, encoding="utf-8")
    seen = probe(chromium, page, tmp_path, PROBE_HELPERS + """
        document.querySelectorAll('#objects-view tbody tr.obj').forEach(function(r){ r.click(); });
        out.title = document.title; out.rows = rows('objects-view');
        out.imgs = document.querySelectorAll('img').length;
        out.details = Array.prototype.map.call(document.querySelectorAll('tr.detail td'),
            function(c){ return c.textContent; });
    """)
    assert seen["title"] == "podwarden report" and seen["imgs"] == 0
    assert sorted(seen["rows"]) == sorted(["Pod/evil", "Pod/" + HOSTILE])
    assert any(HOSTILE in d for d in seen["details"])  # shown as text, in the expanded findings


# -- an audit: readiness, warnings, filters ----------------------------------------------


@pytest.fixture(scope="module")
def audit_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The HTML report of an audit of the recorded cluster."""
    folder = tmp_path_factory.mktemp("report")
    api = FakeAPI(recorded.build(), folder / "tls", recorded.behaviour())
    try:
        page = folder / "audit.html"
        result = CliRunner().invoke(main, ["audit", "--kubeconfig", str(api.kubeconfig(folder / "kc")),
                                           "-o", "html", "--output", str(page)])
        assert result.exit_code == 1, result.output
        yield page
    finally:
        api.stop()


def test_audit_page_shows_summary_readiness_and_warnings(chromium: str, audit_page: Path) -> None:
    text = audit_page.read_text(encoding="utf-8")
    dom = browse(chromium, audit_page, "--dump-dom")
    assert recorded.SECRET_VALUE not in text and recorded.CONFIGMAP_PASSWORD not in text
    ready = dict(re.findall(r'<g class="ns" data-namespace="([^"]+)" data-ready="([^"]+)"', dom))
    assert ready == {"legacy": "baseline", "locked": "restricted", "monitoring": "privileged",
                     "payments": "restricted", "sealed": "unknown", "shop": "restricted"}
    assert "restricted:v1.18" in dom and "ledger-84f7b6d9c-k2m4p" in dom
    assert 'id="rule-pss-privileged"' in dom and "How to fix" in dom and "Why (guide reference)" in dom
    assert "cannot list secrets in namespace locked" in dom  # warnings are shown
    assert 'data-pick="rule"' in dom and 'data-pick="ns"' in dom  # by rule, by namespace
    objects = list(html.objects_of(data_of(text)))
    listed = re.findall(r'<td class="obj"><b>(.*?)</b>', dom)
    assert len(listed) == min(50, len(objects)) > 5
    assert any(f.get("pods") for o in objects for f in o["findings"])  # running pods per finding


def test_filters_pages_and_rows_in_the_browser(chromium: str, audit_page: Path, tmp_path: Path) -> None:
    objects = list(html.objects_of(data_of(audit_page.read_text(encoding="utf-8"))))
    rule_ids = [r[0] for r in data_of(audit_page.read_text(encoding="utf-8"))["rules"]]
    seen = probe(chromium, audit_page, tmp_path, PROBE_HELPERS + """
        out.all = rows('objects-view');
        set('#objects-view .f-sev', '4'); out.critical = rows('objects-view');
        set('#objects-view .f-sev', '-1');
        set('#objects-view .f-rule', String(RULE)); out.credentials = rows('objects-view');
        set('#objects-view .f-rule', '');
        document.querySelector('tr.pick[data-pick="ns"]').click(); out.nsPicked = rows('objects-view');
        out.nsValue = document.querySelector('#objects-view .f-ns').selectedOptions[0].textContent;
        set('#objects-view .f-ns', '');
        set('#objects-view .f-size', '25'); set('#objects-view .f-sort', 'findings');
        out.byCount = rows('objects-view');
        document.querySelector('#objects-view tbody tr.obj').click();
        out.detail = document.querySelector('#objects-view tr.detail').textContent;
        out.detailRules = Array.prototype.map.call(document.querySelectorAll('#objects-view tr.detail a'),
            function(a){ return a.textContent; });
        document.querySelector('#objects-view .pager button[data-go="last"]').click();
        out.last = document.querySelector('#objects-view .shown').textContent;
    """.replace("RULE", str(rule_ids.index("credentials/url-with-password"))))
    assert seen["all"] == [f"{o['kind']}/{o['name']}" for o in objects[:50]]
    assert seen["critical"] == [f"{o['kind']}/{o['name']}" for o in objects if o["worst"] == 4]
    assert "DaemonSet/log-agent" in seen["critical"]
    with_credential = [f"{o['kind']}/{o['name']}" for o in objects
                       if any(f["rule"] == "credentials/url-with-password" for f in o["findings"])]
    assert seen["credentials"] == with_credential and with_credential
    ns = seen["nsValue"]
    assert seen["nsPicked"] == [f"{o['kind']}/{o['name']}" for o in objects if o["namespace"] == ns][:50]
    counts = {f"{o['kind']}/{o['name']}": len(o["findings"]) for o in objects}
    assert [counts[n] for n in seen["byCount"]] == sorted((counts[n] for n in seen["byCount"]), reverse=True)
    assert len(seen["byCount"]) == min(25, len(objects))
    top = max(objects, key=lambda o: len(o["findings"]))
    assert seen["detailRules"] == [f["rule"] for f in top["findings"]]
    assert top["findings"][0]["message"] in seen["detail"]
    assert seen["last"].endswith(f"of {len(objects)} · page {-(-len(objects) // 25)} of {-(-len(objects) // 25)}")


def test_search_narrows_the_list(chromium: str, audit_page: Path, tmp_path: Path) -> None:
    seen = probe(chromium, audit_page, tmp_path, PROBE_HELPERS + """
        var q = document.querySelector('#objects-view .q'); q.value = 'NIGHTLY-report';
        q.dispatchEvent(new Event('input'));
        out.before = rows('objects-view').length;  // typing is debounced
        setTimeout(function(){ out.after = rows('objects-view'); done(); }, 400);
        return;
    """, wait=True)
    assert seen["before"] > 1 and seen["after"] == ["CronJob/nightly-report"]


# -- also and blast radius ----------------------------------------------------------------


def test_also_and_blast_radius_are_shown(chromium: str, tmp_path: Path) -> None:
    out = tmp_path / "check.html"
    result = CliRunner().invoke(main, ["check", str(ROOT / "examples"), "--blast-radius", "-o", "html",
                                       "--output", str(out)])
    assert result.exit_code == 1, result.output
    text = out.read_text(encoding="utf-8")
    data = data_of(text)
    objects = list(html.objects_of(data))
    assert data["hasBlast"] and 'id="blast"' in text and 'id="blast-view"' in text
    with_blast = [o for o in objects if o["blast"]]
    assert with_blast and all(line["summary"] for o in with_blast for line in o["blast"])
    seen = probe(chromium, out, tmp_path, PROBE_HELPERS + """
        out.blast = rows('blast-view');
        document.querySelector('#blast-view tbody tr.obj').click();
        out.reach = Array.prototype.map.call(document.querySelectorAll('#blast-view table.blast tbody tr'),
            function(r){ return r.cells[0].textContent; });
        out.header = Array.prototype.map.call(document.querySelectorAll('#objects-view thead th'),
            function(c){ return c.textContent; });
    """)
    assert sorted(seen["blast"]) == sorted(f"{o['kind']}/{o['name']}" for o in with_blast)[:50] or \
        len(seen["blast"]) == min(50, len(with_blast))
    assert "blast" in seen["header"] and seen["reach"]


def test_also_reaches_the_page() -> None:
    registry = default_registry()
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "net", "namespace": "a"},
           "spec": {"containers": [{"name": "app", "image": "x",
                                    "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}]}}
    result = Engine(Selection(), registry).evaluate_objects([("net.yaml", pod)])
    folded = [f for f in result.findings if f.also]
    assert folded  # the engine merged one hazard's findings
    objects = list(html.objects_of(data_of(html.render(result, registry))))
    shown = {(f["rule"], f["path"]): f.get("also") for o in objects for f in o["findings"]}
    assert all(shown[(f.rule_id, f.path)] == list(f.also) for f in folded)


# -- the page as a file -------------------------------------------------------------------


def test_screenshot(chromium: str, audit_page: Path, tmp_path: Path) -> None:
    target = Path(os.environ.get("PODWARDEN_SCREENSHOT") or tmp_path / "report.png")
    browse(chromium, audit_page, f"--screenshot={target}", "--window-size=1400,900", "--hide-scrollbars")
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_page_is_self_contained(audit_page: Path) -> None:
    text = audit_page.read_text(encoding="utf-8")
    assert "default-src 'none'" in text  # the browser may fetch nothing, even by mistake
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", text)
    assert "<link" not in text and "@import" not in text


def test_check_writes_html(tmp_path: Path) -> None:
    out = tmp_path / "check.html"
    result = CliRunner().invoke(main, ["check", str(ROOT / "examples"), "-o", "html", "--output", str(out)])
    assert result.exit_code == 1, result.output
    text = out.read_text(encoding="utf-8")
    assert 'id="objects-view"' in text and 'id="readiness"' not in text and 'id="blast"' not in text
    objects = list(html.objects_of(data_of(text)))
    assert objects and all(o["file"].startswith(str(ROOT / "examples")) or o["file"].startswith("examples")
                           for o in objects)


def test_empty_result_says_no_findings() -> None:
    registry = default_registry()
    result = Engine(Selection(), registry).evaluate_objects([])
    text = html.render(result, registry)
    assert "No findings." in text and 'id="objects-view"' not in text
    assert data_of(text)["objects"] == []


def test_readiness_shows_the_rbac_column() -> None:
    readiness = [
        {"namespace": "shop", "pods": 4, "rbac": {"workloads": 2, "dangerous": 1, "unknown": None}},
        {"namespace": "sealed", "pods": 0, "rbac": {"workloads": 0, "dangerous": None,
                                                    "unknown": "roles <b>forbidden</b>"}},
        {"namespace": "legacy", "pods": 1, "rbac": None},
    ]
    page = html.render(Result(), default_registry(), readiness=readiness)
    table = page.split('<table class="readiness">', 1)[1].split("</table>", 1)[0]
    assert ">rbac</th>" in table
    assert '<td class="num">1 of 2</td>' in table
    assert '<td title="roles &lt;b&gt;forbidden&lt;/b&gt;">unknown</td>' in table  # escaped
    assert table.count("<td>-</td>") == 1


def test_scores_on_the_page(tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    page = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["check", "-o", "html", "--output", str(page), str(examples)])
    assert result.exit_code == 1
    text = page.read_text(encoding="utf-8")
    summary = json.loads(CliRunner().invoke(main, ["check", "-o", "json", str(examples)]).stdout)["summary"]
    # the run's score as check computes it, in the summary cards
    assert f'<div class="n">{summary["score"]}/100</div><div class="l">score</div>' in text
    # the weights the page scores each object with are report/score.py's
    assert data_of(text)["weights"] == [0, 1, 5, 15, 40]


def test_object_scores_in_the_browser(chromium: str, tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    page = tmp_path / "report.html"
    CliRunner().invoke(main, ["check", "-o", "html", "--output", str(page), str(examples)])
    dom = browse(chromium, page, "--dump-dom")
    doc = json.loads(CliRunner().invoke(main, ["check", "-o", "json", str(examples)]).stdout)
    guide = next(o for o in doc["objects"] if o["object"]["name"] == "security-context-demo"
                 and o["findings"])
    assert f"score {guide['score']}" in dom and guide["score"] == 52
