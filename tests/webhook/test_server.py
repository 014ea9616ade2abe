"""The webhook over real HTTPS on loopback: decisions, failures, metrics, logs, TLS reload."""

from __future__ import annotations

import base64
import http.client
import json
import logging
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from podwarden.fix.jsonpatch import apply_patch
from podwarden.model.edits import Edit
from podwarden.rules import api
from podwarden.rules.registry import Registry, default_registry
from podwarden.webhook import review, tls
from podwarden.webhook.app import Settings
from podwarden.webhook.policy import parse_config
from tests.webhook.conftest import Running, admission, deployment, pod, start

DOC = "Test rule.\n\n## What it checks\nx\n\n## Why\ny\n\n## Fix\nz\n"


def registry_with(*extra: api.Rule) -> Registry:
    return Registry([*default_registry().rules.values(), *extra])


def crash_rule() -> api.Rule:
    r = api.rule("hardening/test-crash", severity=api.Severity.LOW)
    r.doc = DOC

    @r.check()
    def check(pod: api.PodView) -> Iterator[api.Violation]:
        raise KeyError("boom")

    return r


def slow_rule() -> api.Rule:
    r = api.rule("hardening/test-slow", severity=api.Severity.LOW)
    r.doc = DOC

    @r.check()
    def check(pod: api.PodView) -> Iterator[api.Violation]:
        time.sleep(1.5)
        return iter(())

    return r


def privileged(obj: dict[str, Any]) -> dict[str, Any]:
    for c in obj["spec"]["containers"]:
        c["securityContext"]["privileged"] = True
    return obj


# -- validation ---------------------------------------------------------------------------


def test_privileged_pod_is_denied_with_each_violation(webhook: Running) -> None:
    obj = pod(hostNetwork=True)
    privileged(obj)
    res = webhook.review("/validate", admission(obj))
    assert res["allowed"] is False
    status = res["status"]
    assert status["code"] == 403 and status["reason"] == "Forbidden"
    message = status["message"]
    assert message.startswith('Pod "web" is forbidden by podwarden (enforce baseline:latest; 2 violations)')
    assert '- pss/privileged: container "app" must not set privileged=true ' \
           "(spec.containers[0].securityContext.privileged)" in message
    assert "- pss/host-namespaces: " in message and "(spec.hostNetwork)" in message
    assert res["auditAnnotations"]["enforce-policy"] == "baseline:latest"


def test_restricted_violations_warn_and_audit_by_default(webhook: Running) -> None:
    obj = pod()
    obj["spec"]["containers"][0]["securityContext"].pop("runAsNonRoot")
    res = webhook.review("/validate", admission(obj))
    assert res["allowed"] is True
    assert len(res["warnings"]) == 1 and "pss/run-as-non-root" in res["warnings"][0]
    assert "restricted:latest" in res["warnings"][0]
    assert "pss/run-as-non-root" in res["auditAnnotations"]["audit-violations"]


def test_clean_pod_is_allowed_without_warnings(webhook: Running) -> None:
    res = webhook.review("/validate", admission(pod()))
    assert res["allowed"] is True and "warnings" not in res and "patch" not in res


def test_workloads_get_warnings_not_denials(webhook: Running) -> None:
    obj = deployment(privileged(pod())["spec"])
    res = webhook.review("/validate", admission(obj))
    assert res["allowed"] is True
    assert any("would be denied" in w and "pss/privileged" in w for w in res["warnings"])


def test_dry_run_is_answered_like_a_real_request(webhook: Running) -> None:
    res = webhook.review("/validate", admission(privileged(pod()), dryRun=True))
    assert res["allowed"] is False and "pss/privileged" in res["status"]["message"]


def test_metadata_only_pod_update_is_not_reevaluated(webhook: Running) -> None:
    old = privileged(pod())
    new = privileged(pod())
    new["metadata"]["labels"] = {"x": "y"}
    assert webhook.review("/validate", admission(new, "UPDATE", oldObject=old))["allowed"] is True
    new["spec"]["hostPID"] = True
    assert webhook.review("/validate", admission(new, "UPDATE", oldObject=old))["allowed"] is False


def test_delete_and_status_updates_are_allowed(webhook: Running) -> None:
    obj = privileged(pod())
    assert webhook.review("/validate", admission(obj, "DELETE", object=None, oldObject=obj))["allowed"]
    assert webhook.review("/validate", admission(obj, "UPDATE", subResource="status", oldObject=obj))["allowed"]


def test_policy_file_labels_and_exemptions(tmp_path: Path) -> None:
    config = parse_config({
        "defaults": {"workloads": "enforce"},
        "namespaces": {"strict": {"enforce": "restricted"}},
        "exemptions": {"usernames": ["system:serviceaccount:ci:deployer"], "namespaces": ["infra"],
                       "runtimeClassNames": ["kata"]},
    })
    running = start(tmp_path, Settings(policy=config))
    try:
        bad = privileged(pod())
        assert running.review("/validate", admission(deployment(bad["spec"])))["allowed"] is False
        loose = pod()
        loose["spec"]["containers"][0]["securityContext"].pop("runAsNonRoot")
        assert running.review("/validate", admission(loose))["allowed"] is True
        denied = running.review("/validate", admission(loose, namespace="strict"))
        assert denied["allowed"] is False and "enforce restricted:latest" in denied["status"]["message"]
        res = running.review("/validate", admission(bad, namespace="infra"))
        assert res["allowed"] is True and res["auditAnnotations"] == {"exempt": "namespace"}
        res = running.review("/validate", admission(bad, username="system:serviceaccount:ci:deployer"))
        assert res["allowed"] is True and res["auditAnnotations"] == {"exempt": "username"}
        kata = privileged(pod(runtimeClassName="kata"))
        assert running.review("/validate", admission(kata))["auditAnnotations"] == {"exempt": "runtimeClass"}
    finally:
        running.stop()


# -- failures -----------------------------------------------------------------------------


@pytest.mark.parametrize("body, words", [
    (b"", "empty request body"),
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "expected a JSON object"),
    (b'{"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview"}', "expected apiVersion"),
    (b'{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}', "no 'request'"),
    (b'{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": ""}}', "uid"),
    (b"\xff\xfe\x00", "UTF-8"),
    (b"[" * 100000 + b"]" * 100000, "nests deeper than 256 levels"),
    (b'{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "n": ' + b"9" * 5000 + b"}",
     "not usable JSON"),  # beyond Python's integer digit limit: a 400, not a 500
])
def test_malformed_requests_are_400(webhook: Running, body: bytes, words: str) -> None:
    response = webhook.client.post("/validate", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert words in response.json()["error"]


@pytest.mark.parametrize("depth", [300, 985])
def test_an_object_nested_deeper_than_rules_walk_is_400_not_a_failure(webhook: Running, depth: int) -> None:
    # 985 levels: JSON decodes, but the rules' recursive walks would not (fail closed, 500)
    data = admission(pod())
    data["request"]["object"]["spec"]["containers"][0]["env"] = [{"name": "X", "valueFrom": "@NESTED@"}]
    body = json.dumps(data).replace('"@NESTED@"', '{"a":' * depth + "{}" + "}" * depth).encode()
    response = webhook.client.post("/validate", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and "nests deeper than 256 levels" in response.json()["error"]
    shallow = admission(pod())
    shallow["request"]["object"]["spec"]["containers"][0]["env"] = [{"name": "X", "valueFrom": {"a": {"b": {}}}}]
    assert webhook.client.post("/validate", json=shallow).status_code == 200


def test_missing_object_is_400(webhook: Running) -> None:
    data = admission(pod())
    data["request"]["object"] = None
    response = webhook.client.post("/mutate", json=data)
    assert response.status_code == 400 and "request.object is required" in response.json()["error"]


def test_oversized_request_is_400(tmp_path: Path) -> None:
    running = start(tmp_path, Settings(max_body=2048))
    try:
        big = pod()
        big["metadata"]["annotations"] = {"filler": "x" * 4096}
        response = running.client.post("/validate", json=admission(big))
        assert response.status_code == 400 and "larger than 2048 bytes" in response.json()["error"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: a chunked body, refused
            yield json.dumps(admission(pod())).encode()

        response = running.client.post("/validate", content=chunks())
        assert response.status_code == 411 and "Content-Length" in response.text
    finally:
        running.stop()


def test_slow_body_gets_400_not_a_hang(tmp_path: Path) -> None:
    running = start(tmp_path, Settings(timeout=0.5))
    try:
        ctx = ssl.create_default_context(cafile=str(running.ca))
        conn = http.client.HTTPSConnection("127.0.0.1", running.server.port, context=ctx, timeout=10)
        conn.putrequest("POST", "/validate")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", "5000")
        conn.endheaders(b'{"apiVersion"')
        response = conn.getresponse()
        assert response.status == 400
        assert "not received within 0.5s" in json.loads(response.read())["error"]
        conn.close()
    finally:
        running.stop()


def test_wrongly_typed_field_is_refused_naming_object_and_field(webhook: Running) -> None:
    obj = pod("web-5c7d")
    obj["spec"]["containers"][0]["securityContext"] = "privileged"
    res = webhook.review("/validate", admission(obj))
    assert res["allowed"] is False and res["status"]["code"] == 400
    message = res["status"]["message"]
    assert "Pod/team/web-5c7d" in message and "spec.containers[0].securityContext" in message


def test_crashing_rule_fails_closed_or_open(tmp_path: Path) -> None:
    running = start(tmp_path / "closed", registry=registry_with(crash_rule()))
    try:
        res = running.review("/validate", admission(pod()))
        assert res["allowed"] is False and res["status"]["code"] == 500
        assert "rule hardening/test-crash failed" in res["status"]["message"]
        assert "fail closed" in res["status"]["message"]
        assert 'type="internal"' in running.client.get("/metrics").text
    finally:
        running.stop()
    running = start(tmp_path / "open", Settings(policy=parse_config({"onError": "allow"})),
                    registry=registry_with(crash_rule()))
    try:
        res = running.review("/validate", admission(pod()))
        assert res["allowed"] is True and "onError: allow" in res["warnings"][0]
    finally:
        running.stop()


def test_time_limit_answers_before_a_slow_rule_finishes(tmp_path: Path) -> None:
    running = start(tmp_path, Settings(timeout=0.3), registry=registry_with(slow_rule()))
    try:
        res = running.review("/validate", admission(pod()))
        assert res["allowed"] is False and "exceeded 0.3s" in res["status"]["message"]
        assert 'podwarden_admission_errors_total{endpoint="validate",type="timeout"} 1.0' in \
            running.client.get("/metrics").text
    finally:
        running.stop()


# -- endpoints, metrics, logs -------------------------------------------------------------


def test_health_ready_and_metrics(webhook: Running) -> None:
    assert webhook.client.get("/healthz").text == "ok"
    assert webhook.client.get("/readyz").status_code == 200
    webhook.review("/validate", admission(privileged(pod())))
    webhook.review("/validate", admission(pod()))
    webhook.client.post("/validate", content=b"nope")
    text = webhook.client.get("/metrics").text
    assert 'podwarden_admission_requests_total{endpoint="validate",kind="Pod",operation="CREATE"} 2.0' in text
    assert 'podwarden_admission_decisions_total{decision="deny",endpoint="validate"} 1.0' in text
    assert 'podwarden_admission_decisions_total{decision="allow",endpoint="validate"} 1.0' in text
    assert 'podwarden_admission_errors_total{endpoint="validate",type="bad_request"} 1.0' in text
    assert 'podwarden_admission_duration_seconds_count{endpoint="validate"} 2.0' in text
    assert webhook.client.get("/validate").status_code == 405


def test_replicas_are_answered_from_the_cache_under_their_own_names(webhook: Running) -> None:
    first, second = privileged(pod("web-7d9f-abcde")), privileged(pod("web-7d9f-fghij"))
    second["metadata"]["uid"] = "6d1f6a52-5f0e-4c39-9d55-3f1f9b0f6c1e"
    answers = [webhook.review("/validate", admission(obj)) for obj in (first, second)]
    assert [a["allowed"] for a in answers] == [False, False]
    assert answers[1]["status"]["message"].startswith('Pod "web-7d9f-fghij" is forbidden')
    assert answers[0]["status"]["message"].split("\n")[1:] == answers[1]["status"]["message"].split("\n")[1:]
    text = webhook.client.get("/metrics").text
    assert 'podwarden_evaluation_cache_total{result="hit"} 1.0' in text
    assert 'podwarden_evaluation_cache_total{result="miss"} 1.0' in text


def test_logs_are_json_and_hold_no_object_data(webhook: Running, caplog: pytest.LogCaptureFixture) -> None:
    secret = "Sup3rS3cretPassw0rd-do-not-log"
    obj = privileged(pod())
    obj["spec"]["containers"][0]["env"] = [{"name": "DB_PASSWORD", "value": secret}]
    obj["metadata"]["annotations"] = {"note": secret}
    with caplog.at_level(logging.INFO, logger="podwarden.webhook"):
        response = webhook.client.post("/validate", json=admission(obj))
        webhook.client.get("/healthz")
        deadline = time.monotonic() + 5  # the access line is written just after the response
        while not any('"access"' in r.getMessage() for r in caplog.records) and time.monotonic() < deadline:
            time.sleep(0.01)
    assert secret not in response.text
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "podwarden.webhook"]
    decision = next(line for line in lines if line["event"] == "admission")
    assert decision["decision"] == "deny" and "pss/privileged" in decision["rules"]
    assert decision["namespace"] == "team" and decision["name"] == "web" and decision["user"] == "alice"
    assert any(line["event"] == "access" and line["path"] == "/healthz" for line in lines)
    assert all(secret not in r.getMessage() for r in caplog.records)


# -- mutation -----------------------------------------------------------------------------


def default_rules() -> tuple[api.Rule, api.Rule]:
    safe = api.rule("hardening/test-read-only-root", severity=api.Severity.LOW)
    safe.doc = DOC

    @safe.check()
    def check(pod: api.PodView) -> Iterator[api.Violation]:
        for c in pod.containers():
            if c.security_context.bool("readOnlyRootFilesystem") is not True:
                yield api.Violation(c.security_context.at("readOnlyRootFilesystem"), "must be read-only")

    @safe.fix(safe=True)
    def fix(pod: api.PodView, v: api.Violation, ctx: api.Context) -> Iterator[Edit]:
        yield Edit.set(v.path, True)

    unsafe = api.rule("hardening/test-run-as-user", severity=api.Severity.LOW)
    unsafe.doc = DOC

    @unsafe.check()
    def check2(pod: api.PodView) -> Iterator[api.Violation]:
        if pod.security_context.int("runAsUser") is None:
            yield api.Violation(pod.security_context.at("runAsUser"), "must set runAsUser")

    @unsafe.fix(safe=False)
    def fix2(pod: api.PodView, v: api.Violation, ctx: api.Context) -> Iterator[Edit]:
        yield Edit.set(v.path, 10001)

    return safe, unsafe


def test_security_defaults_only_where_opted_in_and_only_safe(tmp_path: Path) -> None:
    config = parse_config({"namespaces": {"team": {"mutate": "true"}}})
    running = start(tmp_path, Settings(policy=config), registry=registry_with(*default_rules()))
    try:
        obj = pod()
        obj["spec"]["containers"].append({"name": "side", "image": "s"})
        res = running.review("/mutate", admission(obj))
        assert res["allowed"] and res["patchType"] == "JSONPatch"
        ops = review.decode_patch(res)
        patched = apply_patch(obj, ops)
        assert patched["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True
        # the test rule's fixer, and the real safe fixers (no privilege escalation; drop ALL,
        # safe here because the pod runs as non-root)
        assert patched["spec"]["containers"][1]["securityContext"] == {
            "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]}}
        assert "runAsUser" not in json.dumps(ops)  # the unsafe fixer never runs
        again = running.review("/mutate", admission(patched))
        assert "patch" not in again  # idempotent
        elsewhere = running.review("/mutate", admission(obj, namespace="other"))
        assert "patch" not in elsewhere
    finally:
        running.stop()


# -- TLS ----------------------------------------------------------------------------------


def _peer_serial(port: int, ca: Path) -> tuple[int, http.client.HTTPSConnection]:
    ctx = ssl.create_default_context(cafile=str(ca))
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    conn.request("GET", "/healthz")
    response = conn.getresponse()
    assert response.status == 200
    response.read()
    assert conn.sock is not None
    der = conn.sock.getpeercert(binary_form=True)
    from cryptography import x509

    return x509.load_der_x509_certificate(der).serial_number, conn


def test_certificate_is_reloaded_without_dropping_connections(tmp_path: Path) -> None:
    running = start(tmp_path, reload_interval=0.1)
    try:
        first, old_conn = _peer_serial(running.server.port, running.ca)
        certs = tmp_path / "certs"
        (certs / "tls.crt").unlink()  # forces a new server pair from the same CA
        tls.ensure_self_signed(certs)
        deadline = time.monotonic() + 10
        second = first
        while second == first and time.monotonic() < deadline:
            time.sleep(0.1)
            second, conn = _peer_serial(running.server.port, running.ca)
            conn.close()
        assert second != first
        old_conn.request("GET", "/healthz")  # the connection opened before still works
        assert old_conn.getresponse().status == 200
        old_conn.close()
    finally:
        running.stop()


def test_self_signed_is_reused_and_valid_for_loopback(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    pair = tls.ensure_self_signed(tmp_path)
    stamp = pair.cert.read_bytes(), pair.ca_cert.read_bytes()
    again = tls.ensure_self_signed(tmp_path)
    assert (again.cert.read_bytes(), again.ca_cert.read_bytes()) == stamp
    assert base64.b64decode(pair.ca_bundle).startswith(b"-----BEGIN CERTIFICATE-----")
    assert pair.key.stat().st_mode & 0o077 == 0
    assert "replaced" not in caplog.text
    bigger = tls.ensure_self_signed(tmp_path, ["podwarden.podwarden.svc"])
    assert bigger.cert.read_bytes() != stamp[0] and bigger.ca_cert.read_bytes() == stamp[1]
    # a certificate without the name asked for is replaced, and the log says so
    assert "self-signed-certificate-replaced" in caplog.text and str(pair.cert) in caplog.text


def test_plain_http_is_refused(webhook: Running) -> None:
    with socket.create_connection(("127.0.0.1", webhook.server.port), timeout=5) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        data = sock.recv(1024)
    assert b"200 OK" not in data


@pytest.mark.parametrize(("name", "valid"), [
    ("podwarden.podwarden.svc", True), ("*.example.com", True), ("10.0.0.1", True), ("::1", True),
    ("bad name!", False), ("-leading.example", False), ("a..b", False), ("x" * 64 + ".example", False),
])
def test_subject_alternative_names_are_dns_names_or_addresses(name: str, valid: bool) -> None:
    assert tls.valid_san(name) is valid


def test_metrics_labels_do_not_grow_with_made_up_kinds(webhook: Running) -> None:
    for n in range(5):
        data = admission(pod())
        data["request"]["kind"]["kind"] = f"Made{n}"
        webhook.client.post("/validate", json=data)
    text = webhook.client.get("/metrics").text
    assert "Made0" not in text and 'kind="other"' in text


def test_the_listening_socket_lets_asyncio_turn_off_nagle(webhook: Running) -> None:
    # asyncio sets TCP_NODELAY only on connections accepted from an IPPROTO_TCP socket;
    # a socket made without it made every answer wait ~40 ms for the client's delayed ACK
    sock = webhook.server.socket
    assert sock is not None and sock.proto == socket.IPPROTO_TCP
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)


# -- the admission endpoints' own answers (no Starlette routing) ---------------------------


def test_admission_answers_are_json_with_their_length_and_other_methods_get_405(webhook: Running) -> None:
    response = webhook.client.post("/validate", json=admission(pod()))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    bad = webhook.client.post("/mutate", content='{"kind": "é'.encode())
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/json"
    assert bad.json() == {"error": "request body is not valid JSON: Unterminated string starting at at offset 9"}
    for method in ("GET", "PUT"):
        assert webhook.client.request(method, "/validate").status_code == 405
        assert webhook.client.request(method, "/mutate").status_code == 405
    assert webhook.client.post("/echo", json=admission(pod())).status_code == 404  # only with --echo-endpoint
    assert webhook.client.post("/validat", json=admission(pod())).status_code == 404


def test_a_client_leaving_mid_body_gets_no_answer_and_breaks_nothing(
        webhook: Running, caplog: pytest.LogCaptureFixture) -> None:
    ctx = ssl.create_default_context(cafile=str(webhook.ca))
    with caplog.at_level(logging.INFO):
        with socket.create_connection(("127.0.0.1", webhook.server.port), timeout=10) as raw, \
                ctx.wrap_socket(raw, server_hostname="127.0.0.1") as conn:
            conn.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 5000\r\n\r\n{\"apiVersion\"")
            time.sleep(0.2)
        res = webhook.review("/validate", admission(privileged(pod())))
        assert res["allowed"] is False
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    text = webhook.client.get("/metrics").text
    assert 'podwarden_admission_requests_total{endpoint="validate",kind="Pod",operation="CREATE"} 1.0' in text
