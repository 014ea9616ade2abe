"""The HTML report: self-contained, escaped, and shown correctly by a real browser.

The browser is Debian's chromium, installed by the session fixture when missing (the
tests skip, saying why, only where apt is unavailable).  It runs headless with no
network features and a fresh profile; ``--dump-dom`` gives the DOM after the page's
scripts ran, and a small probe script appended to a copy of the page drives the filters
and sorting and records what the table then shows.
Set PODWARDEN_SCREENSHOT=path to also write the screenshot used in the README.
"""

from __future__ import annotations

import html as htmllib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from podwarden.cli import main
from podwarden.engine import Engine, Selection
from podwarden.report import html
from podwarden.rules.registry import default_registry
from tests.cluster import recorded
from tests.cluster.fakeapi import FakeAPI

CHROMIUM = "/usr/bin/chromium"
HOSTILE = '<img src=x onerror="document.title=\'pwned\'">'
HOSTILE_POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "evil", "namespace": "team-a",
                 "annotations": {"note": "</script><script>document.title='pwned'</script>"}},
    "spec": {"containers": [{"name": HOSTILE, "image": "x", "securityContext": {"privileged": True}}]},
}


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed with apt when missing."""
    if not os.path.exists(CHROMIUM):
        apt = shutil.which("apt-get")
        if apt is None:
            pytest.skip("chromium is missing and apt-get is unavailable to install it")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for extra in ([], ["-o", "APT::Sandbox::User=root"]):  # the second copes with a broken _apt sandbox
            ok = subprocess.run([apt, *extra, "update", "-qq"], env=env, capture_output=True).returncode == 0
            ok = ok and subprocess.run([apt, *extra, "install", "-y", "-qq", "chromium"], env=env,
                                       capture_output=True).returncode == 0
            if ok and os.path.exists(CHROMIUM):
                break
        else:
            pytest.skip("chromium is missing and apt-get could not install it")
    return CHROMIUM


def browse(chromium: str, page: Path, *extra: str) -> str:
    """Open ``page`` headless; the DOM after its scripts ran (or chromium's stdout)."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
             f"--user-data-dir={profile}", *extra, page.as_uri()],
            capture_output=True, text=True, timeout=120,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


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


def rows(dom: str) -> list[str]:
    return re.findall(r'<tr class="finding[^"]*"[^>]*>', dom)


def test_browser_shows_findings_charts_and_readiness(chromium: str, audit_page: Path) -> None:
    dom = browse(chromium, audit_page, "--dump-dom")
    source = audit_page.read_text(encoding="utf-8")
    assert len(rows(dom)) == len(rows(source)) > 20
    assert "of " + str(len(rows(dom))) + " findings shown" in dom  # the script ran
    for chart in ("chart-severity", "chart-family", "chart-namespace", "chart-readiness"):
        assert f'id="{chart}"' in dom
    bars = re.findall(r'<g class="bar" data-label="([^"]+)" data-value="(\d+)"', dom)
    assert ("critical", "1") in bars  # one privileged DaemonSet
    assert {label for label, _ in bars} >= {"pss", "hardening", "credentials", "monitoring", "legacy"}
    ready = dict(re.findall(r'<g class="ns" data-namespace="([^"]+)" data-ready="([^"]+)"', dom))
    assert ready == {"legacy": "baseline", "locked": "restricted", "monitoring": "privileged",
                     "payments": "restricted", "sealed": "unknown", "shop": "restricted"}
    assert "restricted:v1.18" in dom and "ledger-84f7b6d9c-k2m4p" in dom
    assert 'id="rule-pss-privileged"' in dom and "How to fix" in dom and "Why (guide reference)" in dom
    assert recorded.SECRET_VALUE not in dom and recorded.CONFIGMAP_PASSWORD not in dom
    assert "cannot list secrets in namespace locked" in dom  # warnings are shown


PROBE = """
<script>
(function(){
  var out = {};
  function visible(){ return Array.prototype.filter.call(document.querySelectorAll('#findings tbody tr'),
      function(r){ return !r.classList.contains('hidden'); }); }
  function set(id, value){ var el = document.getElementById(id); el.value = value;
      el.dispatchEvent(new Event('change')); el.dispatchEvent(new Event('input')); }
  out.all = visible().length;
  set('f-severity', '4'); out.critical = visible().map(function(r){ return r.cells[2].textContent; });
  set('f-severity', '0'); set('f-namespace', 'payments');
  out.payments = visible().map(function(r){ return r.dataset.namespace; });
  set('f-namespace', ''); set('f-family', 'credentials');
  out.credentials = visible().map(function(r){ return r.cells[1].textContent; });
  set('f-family', ''); set('q', 'nightly-report');
  out.text = visible().map(function(r){ return r.cells[2].textContent; });
  set('q', '');
  var th = document.querySelector('#findings thead th');
  th.click(); out.ascending = visible().map(function(r){ return r.dataset.severity; });
  th.click(); out.descending = visible().map(function(r){ return r.dataset.severity; });
  document.body.setAttribute('data-probe', JSON.stringify(out));
})();
</script>
"""


def test_filters_and_sorting_in_the_browser(chromium: str, audit_page: Path, tmp_path: Path) -> None:
    page = tmp_path / "probe.html"
    page.write_text(audit_page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = browse(chromium, page, "--dump-dom")
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, "the probe script did not run"
    probe = json.loads(htmllib.unescape(found.group(1)))
    assert probe["critical"] == ["DaemonSet/log-agent"]
    assert probe["payments"] and set(probe["payments"]) == {"payments"}
    assert set(probe["credentials"]) == {"credentials/url-with-password"}
    assert probe["text"] and set(probe["text"]) == {"CronJob/nightly-report"}
    severities = [int(s) for s in probe["ascending"]]
    assert len(severities) == probe["all"] and severities == sorted(severities)
    assert [int(s) for s in probe["descending"]] == sorted(severities, reverse=True)


def test_screenshot(chromium: str, audit_page: Path, tmp_path: Path) -> None:
    target = Path(os.environ.get("PODWARDEN_SCREENSHOT") or tmp_path / "report.png")
    browse(chromium, audit_page, f"--screenshot={target}", "--window-size=1400,1900",
           "--hide-scrollbars")
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_manifest_values_are_escaped(chromium: str, tmp_path: Path) -> None:
    registry = default_registry()
    result = Engine(Selection(), registry).evaluate_objects([("manifests/evil.yaml", HOSTILE_POD)])
    text = html.render(result, registry, source="test")
    assert HOSTILE not in text and "</script><script>document.title" not in text
    assert html.e(HOSTILE) in text
    page = tmp_path / "evil.html"
    page.write_text(text, encoding="utf-8")
    dom = browse(chromium, page, "--dump-dom")
    assert "<title>pwned</title>" not in dom and "<title>podwarden report</title>" in dom
    assert not re.search(r"<img[^>]*onerror", dom)
    assert len(rows(dom)) == len(result.findings) > 0


def test_page_is_self_contained(audit_page: Path) -> None:
    text = audit_page.read_text(encoding="utf-8")
    assert "default-src 'none'" in text  # the browser may fetch nothing, even by mistake
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", text)
    assert "<link" not in text and "@import" not in text


def test_check_writes_html(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    out = tmp_path / "check.html"
    result = CliRunner().invoke(main, ["check", str(ROOT / "examples"), "-o", "html", "--output", str(out)])
    assert result.exit_code == 1, result.output
    text = out.read_text(encoding="utf-8")
    assert 'id="findings"' in text and 'id="readiness"' not in text
    assert len(rows(text)) > 0 and "examples/" in text


def test_empty_result_says_no_findings() -> None:
    registry = default_registry()
    result = Engine(Selection(), registry).evaluate_objects([])
    text = html.render(result, registry)
    assert "No findings." in text and 'id="findings"' not in text
