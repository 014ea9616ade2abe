"""No credential of a file reaches what ``fix`` prints, wherever and however often it stands:
the hardening diff, the ``--move-secrets`` diff and every message."""

from __future__ import annotations

from pathlib import Path

import pytest

from podwarden.fix.redact import Redactions, secrets_in
from podwarden.model.secret import fingerprint
from tests.fix.test_cli import run, write

TOKEN = "ghp_Zq8xR2mK7vLp3NwY6tB9cD4fH1jS5gA0eU2i"
PASSWORD = "Xk29fLq7PzR4mWb8Tn"
CONN = f"Server=tcp:db.example.net;User ID=app;Password={PASSWORD}"
MOVE = ("--move-secrets", "--keyvault", "kv-shop", "--tenant-id", "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "--client-id", "3f2b8c1e-7d4a-4e9b-a2c6-5b1d0e8f9a37")


def pod(containers: str, annotations: str = "", init: str = "") -> str:
    meta = f"metadata:\n  name: p\n{annotations}" if annotations else "metadata:\n  name: p\n"
    init_part = f"  initContainers:\n{init}" if init else ""
    return f"apiVersion: v1\nkind: Pod\n{meta}spec:\n{init_part}  containers:\n{containers}"


LAYOUTS = {
    "args and env": pod(f"""\
  - name: c
    image: nginx
    args: ["--token={TOKEN}", "--verbose"]
    env:
    - name: GH_TOKEN
      value: {TOKEN}
"""),
    "env then args": pod(f"""\
  - name: c
    image: nginx
    env:
    - name: GH_TOKEN
      value: {TOKEN}
    args:
    - --token={TOKEN}
"""),
    "container and init container": pod(f"""\
  - name: c
    image: nginx
    env:
    - {{name: GH_TOKEN, value: "{TOKEN}"}}
""", init=f"""\
  - name: init
    image: busybox
    env:
    - name: GH_TOKEN
      value: '{TOKEN}'
"""),
    "env and annotation": pod(f"""\
  - name: c
    image: nginx
    env:
    - name: GH_TOKEN
      value: {TOKEN}
""", annotations=f"  annotations:\n    ci.example.com/token: {TOKEN}\n"),
    "annotation folded across lines": pod(f"""\
  - name: c
    image: nginx
    env:
    - name: GH_TOKEN
      value: {TOKEN}
""", annotations=f'  annotations:\n    ci.example.com/token: "{TOKEN[:20]}\\\n      {TOKEN[20:]}"\n'),
    "connection string in args and env": pod(f"""\
  - name: c
    image: nginx
    args:
    - "--db={CONN};Encrypt=True"
    env:
    - name: CONN
      value: "{CONN}"
"""),
    "connection string in env and args": pod(f"""\
  - name: c
    image: nginx
    env:
    - name: CONN
      value: "{CONN}"
    args:
    - "--db={CONN};Encrypt=True"
"""),
    "connection string password also in a comment": pod(f"""\
  - name: c
    image: nginx
    # rotate {PASSWORD} next quarter
    args: ["--db={CONN};Encrypt=True"]
"""),
    "block scalar script and env": pod(f"""\
  - name: c
    image: nginx
    command:
    - sh
    - -c
    - |
      echo start
      curl -H "Authorization: token {TOKEN}" https://api.github.com/user
    env:
    - name: GH_TOKEN
      value: {TOKEN}
"""),
}


def pieces(secret: str, size: int = 12) -> list[str]:
    return [secret[i:i + size] for i in range(len(secret) - size + 1)]


def assert_hidden(shown: str) -> None:
    for secret in (TOKEN, PASSWORD):
        leaked = [p for p in pieces(secret) if p in shown]
        assert not leaked, f"{len(leaked)} piece(s) of a planted credential shown"


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_hardening_diff_hides_every_occurrence(tmp_path: Path, layout: str) -> None:
    path = write(tmp_path, LAYOUTS[layout], "pod.yaml")
    code, out, err = run("fix", "--only", "pss", str(path))
    assert code == 1 and out.startswith(f"--- {path}")
    assert "<redacted " in out
    assert_hidden(out + err)
    # the whole file as context: every line is in the diff
    code, out, err = run("fix", "--only", "pss,credentials", str(path))
    assert_hidden(out + err)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_move_secrets_diff_hides_every_occurrence(tmp_path: Path, layout: str) -> None:
    path = write(tmp_path, LAYOUTS[layout], "pod.yaml")
    code, out, err = run("fix", *MOVE, str(path))
    assert code in (0, 1, 2)
    assert_hidden(out + err)
    if out:
        assert "<redacted " in out
    code, out, err = run("fix", *MOVE, "--secrets-dir", str(tmp_path / "values"), "--write", str(path))
    assert_hidden(out + err)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_line_of_the_file_is_hidden_as_a_diff_would_show_it(layout: str) -> None:
    # a diff shows any line of the file, as context or as a change: redact the whole text
    from podwarden.engine import Selection
    from podwarden.fix.apply import Fixer

    text = LAYOUTS[layout]
    ff = Fixer(Selection(only=frozenset({"pss"}))).fix_bytes(text.encode(), "pod.yaml")
    assert ff.changed and ff.fixed_text is not None
    for shown in (ff.redact(text), ff.redact(ff.fixed_text)):
        assert_hidden(shown)


def test_a_moved_credential_is_hidden_where_it_stays(tmp_path: Path) -> None:
    # the env value moves (a removed line); the same string stays in args (context)
    path = write(tmp_path, LAYOUTS["connection string in env and args"], "pod.yaml")
    code, out, _ = run("fix", *MOVE, str(path))
    assert code == 1 and "+    - name: CONN_FILE" in out
    # the reported field is hidden whole, every line of it (redact.py)
    assert "     args:\n     - <redacted ...(83)#" in out


def test_the_secret_is_found_inside_its_field() -> None:
    field = f"--db={CONN};Encrypt=True"
    assert list(secrets_in(field, fingerprint(PASSWORD))) == [PASSWORD]
    assert list(secrets_in(TOKEN, fingerprint(TOKEN))) == [TOKEN]
    assert list(secrets_in("nothing here at all", fingerprint(PASSWORD))) == []


def test_redactions_hide_escaped_and_line_forms() -> None:
    hide = Redactions()
    hide.add_value(f"line one\n{TOKEN}\nline 3\n")
    assert TOKEN not in hide(f"x:\n  - |\n    line one\n    {TOKEN}\n")
    hide.add_value("it's a \"secret\" value")
    assert "secret" not in hide('y: "it\'s a \\"secret\\" value"')
    assert "secret" not in hide("z: 'it''s a \"secret\" value'")


# 88 characters of base64: an Azure storage account key's shape (random, planted here only)
STORAGE_KEY = "Qm9yZWFsaXM3K1pXcjRUeGs5TnBMcUY2dkhqMnNEZ0FtQmNWdFJ5VWU4S3dab1BpTGFYaEdzMW5rZmo0TXE9PT0="[:86] + "=="


def test_a_credential_written_as_a_mapping_key_is_hidden_in_the_diff(tmp_path: Path) -> None:
    # the one flow line is rewritten: the annotation named by the token is a - and a + line
    text = (f'---\n{{apiVersion: v1, kind: Pod, metadata: {{name: p, annotations: {{"{TOKEN}": "true"}}}}, '
            "spec: {containers: [{name: a, image: nginx}]}}\n")
    path = write(tmp_path, text, "pod.yaml")
    code, out, err = run("fix", str(path))
    assert code == 1 and out.count("<redacted ghp_") == 2
    assert_hidden(out + err)


def test_a_secret_beside_a_rewritten_line_is_hidden_not_its_key(tmp_path: Path) -> None:
    # committed-secret reports the Secret at `stringData`: its values are the secret,
    # not the word `stringData`
    text = (f"---\n{{apiVersion: v1, kind: Pod, metadata: {{name: p}}, spec: {{containers: [{{name: a, "
            f"image: nginx, env: [{{name: TOKEN, value: {TOKEN}}}]}}]}}}}\n--- {{apiVersion: v1, kind: Secret, "
            f'metadata: {{name: s}}, type: Opaque, stringData: {{key: "{STORAGE_KEY}"}}}}\n')
    path = write(tmp_path, text, "pod.yaml")
    for args in (("fix", str(path)), ("fix", *MOVE, str(path))):
        code, out, err = run(*args)
        assert code == 1 and "stringData: {key: <redacted " in out
        shown = out + err
        assert not [p for p in pieces(STORAGE_KEY) if p in shown]
        assert_hidden(shown)


CONFIGMAP_AND_SECRET = f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  db_password: {PASSWORD}
  mode: fast
---
apiVersion: v1
kind: Secret
metadata:
  name: s
stringData:
  token: {TOKEN}
"""


@pytest.mark.parametrize("layout", [*sorted(LAYOUTS), "configmap and secret"])
def test_credentials_from_the_check_record_hide_what_running_the_family_hides(layout: str) -> None:
    from podwarden.engine import Raised, Selection
    from podwarden.fix.apply import Fixer
    from podwarden.fix.redact import credentials_in
    from podwarden.load import yaml as yamlload

    text = CONFIGMAP_AND_SECRET if layout == "configmap and secret" else LAYOUTS[layout]
    fixer = Fixer(Selection())
    assert fixer._records_credentials
    docs = yamlload.parse(text, "f.yaml")
    raised: list[Raised] = []
    assert not fixer.check(docs, "f.yaml", True, raised).errors
    got = credentials_in(fixer.credentials, text, docs, None, raised)
    want = credentials_in(fixer.credentials, text, docs)
    assert want and list(got._fragments.items()) == list(want._fragments.items())
    assert list(got._values.items()) == list(want._values.items())
    if layout == "configmap and secret":
        # the ConfigMap's value too, though the engine runs committed-secret on Secrets only
        assert PASSWORD not in got(text) and TOKEN not in got(text)


def test_a_selection_without_the_family_runs_it_for_the_diff() -> None:
    from podwarden.engine import Selection
    from podwarden.fix.apply import Fixer

    assert not Fixer(Selection(only=frozenset({"pss"})))._records_credentials
    assert not Fixer(Selection(skip=frozenset({"credentials/github-token"})))._records_credentials


def test_every_kind_bound_credentials_check_says_what_it_needs_on_other_kinds() -> None:
    # credentials_in runs them on every kind (the engine on theirs only): OTHER_KINDS_NEED
    # names the fields without which they report nothing elsewhere
    from podwarden.engine import Engine, Selection
    from podwarden.fix.redact import OTHER_KINDS_NEED

    bound = {a.rule.id for a in Engine(Selection(only=frozenset({"credentials"}))).object_checks if a.rule.kinds}
    assert bound == set(OTHER_KINDS_NEED)
