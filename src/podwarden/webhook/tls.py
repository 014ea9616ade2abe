"""TLS for the webhook: a self-signed CA and server certificate for local use, and
reloading a certificate when it changes on disk (cert-manager rotation).

Reloading builds a *new* ``SSLContext`` from the files and swaps it in only once the
certificate and key load as a pair: the server hands each accepted connection the context
current at that moment, so handshakes after the swap present the new certificate, and
connections already open keep theirs.  A half-replaced pair (new certificate, old key, or
the reverse) fails to load into the new context, which is thrown away: the live one is
never touched, the old pair keeps serving, and the load is retried at the next poll.
(``load_cert_chain`` on the live context would have installed the new certificate
without a key, failing every handshake until the key arrived.)
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import ipaddress
import logging
import os
import re
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from podwarden.webhook import logs

DEFAULT_NAMES = ("localhost", "127.0.0.1")
#: a server certificate this close to expiry is re-issued when reused
RENEW_BEFORE = datetime.timedelta(days=30)


@dataclass(frozen=True, slots=True)
class SelfSigned:
    """Paths of a generated CA and server pair, and the caBundle for webhook configurations."""

    ca_cert: Path
    cert: Path
    key: Path

    @property
    def ca_bundle(self) -> str:
        """Base64 of the CA's PEM: the ``caBundle`` field of a webhook configuration."""
        return base64.b64encode(self.ca_cert.read_bytes()).decode()


#: a DNS name a certificate may carry: dot-separated labels, a leading "*." allowed
_DNS_NAME = re.compile(r"(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*",
                       re.IGNORECASE)


def valid_san(name: str) -> bool:
    """True for an IP address or a DNS name (``webhook.ns.svc``, ``*.example.com``)."""
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return len(name) <= 253 and _DNS_NAME.fullmatch(name) is not None


def server_context(cert: str, key: str) -> ssl.SSLContext:
    """A new server-side context holding ``cert`` and ``key``; raises ``ssl.SSLError`` when
    they are not PEM or not a pair (OpenSSL checks the key against the certificate), and
    ``OSError`` when a file cannot be read."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


def pair_problem(cert: str, key: str) -> str:
    """Why ``cert`` and ``key`` cannot serve TLS ('' when they can): not PEM, or not a pair."""
    try:
        server_context(cert, key)
    except ssl.SSLError:
        return "not a PEM certificate and the private key that goes with it"
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return ""


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, data: bytes, private: bool = False) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def make_ca(common_name: str = "podwarden webhook CA", days: int = 3650) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_server_cert(
    ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, names: Iterable[str] = DEFAULT_NAMES,
    days: int = 365,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A server certificate signed by ``ca`` for DNS names and IP addresses in ``names``."""
    names = list(dict.fromkeys(names))
    key = _key()
    alt: list[x509.GeneralName] = []
    for n in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            alt.append(x509.DNSName(n))
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def ensure_self_signed(directory: Path, names: Iterable[str] = DEFAULT_NAMES) -> SelfSigned:
    """Create (or reuse) ``ca.crt``/``ca.key`` and ``tls.crt``/``tls.key`` in ``directory``.

    The CA is reused while valid; the server pair is re-issued when missing, near expiry,
    not signed by that CA, or not covering every name asked for.
    """
    names = list(dict.fromkeys([*DEFAULT_NAMES, *names]))
    directory.mkdir(parents=True, exist_ok=True)
    paths = SelfSigned(directory / "ca.crt", directory / "tls.crt", directory / "tls.key")
    ca_key_path = directory / "ca.key"
    ca = ca_key = None
    if paths.ca_cert.exists() and ca_key_path.exists():
        try:
            ca = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
            loaded = serialization.load_pem_private_key(ca_key_path.read_bytes(), None)
            if isinstance(loaded, ec.EllipticCurvePrivateKey) and ca.not_valid_after_utc > _now() + RENEW_BEFORE:
                ca_key = loaded
        except ValueError:
            ca = None
    fresh_ca = ca is None or ca_key is None
    if fresh_ca:
        if paths.ca_cert.exists():
            logs.event("self-signed-ca-replaced", level=logging.WARNING, file=str(paths.ca_cert),
                       why="unreadable, not ours or expiring: clients must trust the new caBundle")
        ca, ca_key = make_ca()
        _write(ca_key_path, _pem_key(ca_key), private=True)
        _write(paths.ca_cert, ca.public_bytes(serialization.Encoding.PEM))
    assert ca is not None and ca_key is not None
    if fresh_ca or not _server_ok(paths, ca, names):
        if paths.cert.exists():
            logs.event("self-signed-certificate-replaced", level=logging.WARNING, file=str(paths.cert),
                       why="not signed by this CA, missing a name or expiring")
        cert, key = make_server_cert(ca, ca_key, names)
        _write(paths.key, _pem_key(key), private=True)
        _write(paths.cert, cert.public_bytes(serialization.Encoding.PEM))
    return paths


def _server_ok(paths: SelfSigned, ca: x509.Certificate, names: list[str]) -> bool:
    if not (paths.cert.exists() and paths.key.exists()):
        return False
    try:
        cert = x509.load_pem_x509_certificate(paths.cert.read_bytes())
        key = serialization.load_pem_private_key(paths.key.read_bytes(), None)
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    if cert.public_key() != key.public_key() or cert.not_valid_after_utc < _now() + RENEW_BEFORE:
        return False
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    have = {str(v) for v in san.get_values_for_type(x509.DNSName)}
    have |= {str(v) for v in san.get_values_for_type(x509.IPAddress)}
    return all(n in have for n in names)


class CertReloader:
    """Polls a certificate and key pair; ``context`` is the context of the last pair that
    loaded, replaced as a whole when a changed pair loads."""

    def __init__(self, cert: str, key: str, interval: float = 5.0) -> None:
        self.cert = cert
        self.key = key
        self.interval = interval
        self._stamp = self._current()
        self.context = server_context(cert, key)
        self.reloads = 0
        #: polls that found changed files which did not load as a pair
        self.failures = 0

    def _current(self) -> tuple[tuple[float, int, int], ...]:
        out = []
        for path in (self.cert, self.key):
            try:
                st = os.stat(path)  # follows symlinks: Secret volumes swap a ..data link
                out.append((st.st_mtime, st.st_ino, st.st_size))
            except OSError:
                out.append((0.0, 0, 0))
        return tuple(out)

    def check(self) -> bool:
        """Reload if the files changed; True when a new pair was loaded."""
        stamp = self._current()
        if stamp == self._stamp:
            return False
        try:
            fresh = server_context(self.cert, self.key)
        except (ssl.SSLError, OSError) as exc:
            self.failures += 1
            logs.event("tls-reload-failed", level=logging.WARNING, cert=self.cert, key=self.key,
                       error=exc.strerror or type(exc).__name__, keeping="the certificate already loaded")
            return False  # keep serving the old pair; the stamp stays old, so retry next time
        self.context = fresh
        self._stamp = stamp
        self.reloads += 1
        logs.event("tls-reloaded", cert=self.cert)
        return True

    async def watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self.check()
