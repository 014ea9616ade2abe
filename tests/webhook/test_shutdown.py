"""`podwarden serve` as a process: self-signed start-up, and SIGTERM draining a request in flight."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.webhook.conftest import admission, pod


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sigterm_drains_the_request_in_flight(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from podwarden.cli import run; run()", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--self-signed", str(tmp_path), "--kube-api", "off", "--timeout", "20"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().decode()
        assert first.startswith("caBundle: ")
        ctx = ssl.create_default_context(cafile=str(tmp_path / "ca.crt"))
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"https://127.0.0.1:{port}/readyz", verify=ctx).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "server did not come up"
            time.sleep(0.1)
        body = json.dumps(admission(pod())).encode()
        raw = socket.create_connection(("127.0.0.1", port), timeout=15)
        conn = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        conn.sendall(b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:40])
        time.sleep(0.5)  # the server has the headers: the request is in flight
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        conn.sendall(body[40:])
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        conn.close()
        head, _, payload = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        assert json.loads(payload)["response"]["allowed"] is True
        # uvicorn re-raises the signal once drained, so the status is SIGTERM's (or 0)
        assert proc.wait(timeout=30) in (0, -signal.SIGTERM)
        assert proc.stderr is not None
        events = [json.loads(line)["event"] for line in proc.stderr.read().decode().splitlines()]
        assert "admission" in events and "stopped" in events  # lifespan shutdown ran
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_port_in_use_or_a_missing_certificate_is_one_error_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-c", "from podwarden.cli import run; run()", "serve", "--port", str(port),
             "--self-signed", str(tmp_path), "--kube-api", "off"],
            capture_output=True, text=True, timeout=60, check=False,
        )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: cannot listen on 127.0.0.1:{port}: Address already in use"]
    missing = tmp_path / "missing.crt"
    done = subprocess.run(
        [sys.executable, "-c", "from podwarden.cli import run; run()", "serve", "--cert", str(missing),
         "--key", str(missing)], capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2 and str(missing) in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(("options", "words"), [
    (["--timeout", "nan"], "--timeout: nan is not a number of seconds"),
    (["--graceful-timeout", "-3"], "--graceful-timeout"),
    (["--kube-api", "bogus"], "'bogus' is not auto, off or an http(s) URL"),
    (["--azure-authority-host", "notaurl"], "'notaurl' is not an https URL"),
    (["--san", "bad name!"], "'bad name!' is not a DNS name or an IP address"),
    (["--host", "999.1.1.1"], "cannot listen on 999.1.1.1:"),
    (["--azure-tenant-id", "notaguid"], "'notaguid' is not a GUID"),
    (["--kube-token-file", "/etc/hostname"], "go with --kube-api URL"),
    (["--kube-api", "http://127.0.0.1:1", "--kube-token-file", "/etc/hostname"], "not sent over plain http"),
    (["--kube-api", "https://127.0.0.1:1", "--kube-token-file", "/nonexistent/token"], "not readable"),
])
def test_bad_options_stop_serve_before_it_starts(tmp_path: Path, options: list[str], words: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from podwarden.cli import run; run()", "serve", "--self-signed", str(tmp_path),
         "--kube-api", "off", "--port", "0", *options],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr + done.stdout


def test_a_certificate_that_is_not_pem_names_both_files(tmp_path: Path) -> None:
    text = tmp_path / "not.pem"
    text.write_text("hello\n")
    done = subprocess.run(
        [sys.executable, "-c", "from podwarden.cli import run; run()", "serve", "--cert", str(text), "--key", str(text)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: --cert {text} / --key {text}: not a PEM certificate and the "
                                        "private key that goes with it"]
