"""A credential the credentials family found is never shown by another part of a finding:
suppressed findings' messages and reasons, and the field path of a credential used as a key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from podwarden.cli import main

TOKEN = "ghp_" + "Zq8xR2mK7vLp3NwY6tB9cD4fH1jS5gA0eU2i"
JWT = ("eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiMTIzNDU2Nzg5MCIsICJuYW1lIjogIkpvIFNtaXRoIiwg"
       "ImlhdCI6IDE3MTYyMzkwMjIsICJhdWQiOiAiYXBpOi8vcHJvZCJ9.QfNUh9hsZp_Mv-DnPX5zIK0KdXADJB51IhCpJHmO-G0")

IGNORED_WITH_TOKEN_REASON = f"""\
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations: {{podwarden.io/ignore: pss, podwarden.io/ignore-reason: "token {TOKEN}"}}
spec: {{containers: [{{name: a, image: b}}]}}
"""

IGNORED_TOKEN_CAPABILITY = f"""\
apiVersion: v1
kind: Pod
metadata:
  name: s1
  annotations: {{podwarden.io/ignore: "pss/unrestricted-capabilities,hardening", podwarden.io/ignore-reason: reviewed}}
spec:
  containers:
  - name: app
    image: nginx
    securityContext:
      capabilities:
        add: ["{TOKEN}"]
"""

TOKEN_AS_KEY = f"""\
apiVersion: v1
kind: ConfigMap
metadata: {{name: c}}
data:
  {TOKEN}: {JWT}
"""

ADDED_CAPABILITY = """\
apiVersion: v1
kind: Pod
metadata: {name: b1}
spec:
  containers:
  - name: app
    image: nginx
    securityContext:
      capabilities:
        add: [NET_ADMIN]
"""


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args])
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.parametrize("manifest", [IGNORED_WITH_TOKEN_REASON, IGNORED_TOKEN_CAPABILITY, TOKEN_AS_KEY],
                         ids=["ignore-reason", "suppressed-message", "key"])
@pytest.mark.parametrize("output", [("-o", "text"), ("--summary",), ("-o", "json"), ("-o", "sarif"),
                                    ("-o", "junit"), ("-o", "html")], ids=lambda o: o[-1])
def test_no_report_shows_a_found_credential(tmp_path: Path, manifest: str, output: tuple[str, ...]) -> None:
    f = tmp_path / "m.yaml"
    f.write_text(manifest)
    code, out = check(*output, str(f))
    assert code == 1 and out  # the credential itself is found and reported
    assert TOKEN not in out and TOKEN[4:] not in out


def test_suppressed_reason_and_message_show_the_fingerprint(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text(IGNORED_WITH_TOKEN_REASON)
    _, out = check("-o", "json", str(f))
    doc = json.loads(out)
    secret = next(x["secret"] for x in doc["findings"] if x["rule"] == "credentials/github-token")
    assert doc["suppressed"] and {s["reason"] for s in doc["suppressed"]} == {f"token {secret}"}
    f.write_text(IGNORED_TOKEN_CAPABILITY)
    _, out = check("-o", "json", str(f))
    doc = json.loads(out)
    naming = [s["message"] for s in doc["suppressed"] if "capability" in s["message"]]
    assert naming and all(secret in m for m in naming)


def test_a_key_credential_is_hidden_in_paths_baselines_and_fix(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text(TOKEN_AS_KEY)
    _, out = check("-o", "json", str(f))
    findings = json.loads(out)["findings"]
    secret = next(x["secret"] for x in findings if x["rule"] == "credentials/github-token")
    assert [x["path"] for x in findings] == ["data", f"data[{secret!r}]"]
    baseline = tmp_path / "bl.json"
    code, _ = check("--write-baseline", str(baseline), str(f))
    assert code == 0 and TOKEN not in baseline.read_text() and secret in baseline.read_text()
    assert check("--baseline", str(baseline), str(f))[0] == 0
    fixed = CliRunner().invoke(main, ["fix", str(f)])
    assert "left:" in fixed.stdout + fixed.stderr and TOKEN not in fixed.stdout + fixed.stderr


def test_a_run_right_after_writing_a_baseline_is_clean(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text(ADDED_CAPABILITY)
    code, out = check("-o", "json", str(f))
    merged = [x for x in json.loads(out)["findings"] if x.get("also")]
    assert code == 1 and merged  # pss and hardening fold into one finding on the capability
    baseline = tmp_path / "bl.json"
    assert check("--write-baseline", str(baseline), str(f))[0] == 0
    code, out = check("-o", "json", "--baseline", str(baseline), str(f))
    doc = json.loads(out)
    assert code == 0 and doc["findings"] == []
    assert doc["summary"]["baselined"] == len(json.loads(baseline.read_text())["findings"])


def test_hidden_replaces_every_credential_in_one_pass_longest_first_any_case() -> None:
    from podwarden.engine.evaluate import Hidden

    hide = Hidden({"Pw0rd-12345": "#short", "Pw0rd-123456789": "#long", "ghp_Abcdefgh": "#gh"})
    assert hide("a pw0rd-123456789 b PW0RD-12345 c GHP_abcdefgh") == "a #long b #short c #gh"
    assert hide("nothing here") == "nothing here"
    # a fingerprint written in is not searched again
    assert Hidden({"abcdefgh": "x#abcdefgh1", "abcdefgh1": "#y"})("abcdefgh") == "x#abcdefgh1"


def test_hidden_agrees_with_a_case_blind_pattern_on_any_text() -> None:
    # the quick substring test (a few ASCII credentials, ASCII text) and the pattern must
    # hide the same: texts mix cases, the long s, the Kelvin sign and the dotted capital I
    import random
    import re

    from podwarden.engine.evaluate import QUICK_HIDDEN, Hidden

    def reference(secrets: dict[str, str], text: str) -> str:
        pattern = re.compile("|".join(map(re.escape, sorted(secrets, key=len, reverse=True))), re.IGNORECASE)
        return pattern.sub(lambda m: Hidden(secrets)._fingerprint(m), text)

    rng = random.Random(11)
    letters = "abkisKS0-_ſKİ "
    for round_ in range(400):
        count = rng.choice([1, 2, 3, QUICK_HIDDEN + 5])
        secrets = {"".join(rng.choice("abkis0-_" if round_ % 3 else letters) for _ in range(rng.randint(8, 12))):
                   f"#{i}" for i in range(count)}
        base = rng.choice(list(secrets))
        variant = "".join(ch.upper() if rng.random() < 0.5 else ch for ch in base)
        text = "".join(rng.choice(letters) for _ in range(rng.randint(0, 30))) + \
            rng.choice([base, variant, base.replace("s", "ſ").replace("k", "K"), ""]) + " x"
        assert Hidden(secrets)(text) == reference(secrets, text), (secrets, text)
