"""``podwarden serve``: the validating and mutating admission webhook over TLS."""

from __future__ import annotations

import gc
import math
import os
from pathlib import Path
from urllib.parse import urlsplit

import click

from podwarden.cli import common
from podwarden.config import check_rule_settings
from podwarden.errors import ConfigError
from podwarden.fix.move_secrets import valid_guid
from podwarden.rules.registry import default_registry


@click.command()
@click.option("--host", default=None,
              help="Address to listen on.  [default: 0.0.0.0; 127.0.0.1 with --self-signed]")
@click.option("--port", default=8443, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--cert", type=click.Path(exists=True, dir_okay=False), help="TLS certificate (PEM); reloaded when it changes.")
@click.option("--key", type=click.Path(exists=True, dir_okay=False), help="TLS private key (PEM).")
@click.option("--self-signed", "self_signed", type=click.Path(file_okay=False), metavar="DIR",
              help="Create or reuse ca.crt, tls.crt and tls.key for localhost/127.0.0.1 in DIR "
                   "and print the caBundle.")
@click.option("--san", multiple=True, metavar="NAME",
              help="Extra DNS name or IP for --self-signed (repeatable).")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False, exists=True), metavar="FILE",
              help="Policy file: defaults, per-namespace levels and modes, exemptions, onError.")
@click.option("--kube-api", default="auto", show_default=True, metavar="auto|off|URL",
              help="Kubernetes API for namespace labels and service accounts: auto (in-cluster "
                   "when available), off (policy file only), or a URL.")
@click.option("--kube-token-file", type=click.Path(dir_okay=False), help="Bearer token file for --kube-api URL.")
@click.option("--kube-ca-file", type=click.Path(dir_okay=False), help="CA bundle for --kube-api URL.")
@click.option("--workload-identity/--no-workload-identity", default=True, show_default=True,
              help="Inject Entra Workload ID into pods labelled azure.workload.identity/use=true.")
@click.option("--workload-identity-layout", type=click.Choice(["v1.5", "v1.6"]), default="v1.6",
              show_default=True, help="Token volume layout to emit (both are recognised).")
@click.option("--azure-tenant-id", default="", help="Tenant when the ServiceAccount names none.")
@click.option("--azure-authority-host", default="https://login.microsoftonline.com/", show_default=True,
              help="AZURE_AUTHORITY_HOST to inject.")
@click.option("--timeout", default=3.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds to answer one admission request.")
@click.option("--max-body", default=4 * 1024 * 1024, show_default=True, type=click.IntRange(min=1),
              help="Largest request body accepted, in bytes.")
@click.option("--cache-size", default=1024, show_default=True, type=click.IntRange(min=0),
              help="Validated objects whose findings are kept for identical ones (the replicas of "
                   "a ReplicaSet differ only in name and uid); 0 turns the cache off.")
@click.option("--graceful-timeout", default=20.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to drain requests in flight on SIGTERM.")
@click.option("--max-connections", default=1024, show_default=True, type=click.IntRange(min=1),
              help="Connections open at once (lowered to fit the open-file limit); at the cap a new "
                   "connection displaces the longest-idle one.")
@click.option("--handshake-timeout", default=10.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds for a TLS handshake.")
@click.option("--header-timeout", default=10.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds for a request's line and headers, from the handshake or their first byte.")
@click.option("--keep-alive-timeout", default=30, show_default=True, type=click.IntRange(min=1),
              help="Seconds a connection may stay idle between requests.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
@click.option("--echo-endpoint", is_flag=True, hidden=True, help="Enable POST /echo (benchmark baseline).")
def command(
    host: str | None, port: int, cert: str | None, key: str | None, self_signed: str | None,
    san: tuple[str, ...], policy_file: str | None, kube_api: str, kube_token_file: str | None,
    kube_ca_file: str | None, workload_identity: bool, workload_identity_layout: str,
    azure_tenant_id: str, azure_authority_host: str, timeout: float, max_body: int, cache_size: int,
    graceful_timeout: float, max_connections: int, handshake_timeout: float, header_timeout: float,
    keep_alive_timeout: int, log_level: str, echo_endpoint: bool,
) -> None:
    """Run the admission webhook (POST /validate, POST /mutate, /healthz, /readyz, /metrics).

    Namespace policy follows Pod Security Admission's labels; see deploy/ for manifests.
    """
    from podwarden.webhook import logs, policy, tls, wi
    from podwarden.webhook.app import Settings, create_app
    from podwarden.webhook.kube import KubeClient
    from podwarden.webhook.server import Limits, WebhookServer, raise_open_file_limit

    logs.configure(log_level)
    # the policy and options first: a mistake there should not wait for certificates
    config = policy.load(Path(policy_file)) if policy_file else policy.PolicyConfig()
    check_rule_settings(config.settings, default_registry(), policy_file or "policy")
    for name, seconds in (("--timeout", timeout), ("--graceful-timeout", graceful_timeout),
                          ("--handshake-timeout", handshake_timeout), ("--header-timeout", header_timeout)):
        if not math.isfinite(seconds):
            raise common.UsageError(f"{name}: {seconds} is not a number of seconds")
    if kube_api not in ("auto", "off") and not _is_url(kube_api, ("https", "http")):
        raise common.UsageError(f"--kube-api: {kube_api!r} is not auto, off or an http(s) URL")
    if (kube_token_file or kube_ca_file) and kube_api in ("auto", "off"):
        raise common.UsageError("--kube-token-file and --kube-ca-file go with --kube-api URL")
    if kube_token_file:
        if kube_api.startswith("http://"):
            raise common.UsageError("--kube-token-file: a bearer token is not sent over plain http; "
                                    "give an https --kube-api URL")
        if not os.access(kube_token_file, os.R_OK):
            raise ConfigError(f"--kube-token-file {kube_token_file}: not readable")
    if azure_tenant_id and not valid_guid(azure_tenant_id):
        raise common.UsageError(f"--azure-tenant-id: {azure_tenant_id!r} is not a GUID "
                                "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")
    if not _is_url(azure_authority_host, ("https",)):
        raise common.UsageError(f"--azure-authority-host: {azure_authority_host!r} is not an https URL")
    for name in san:
        if not tls.valid_san(name):
            raise common.UsageError(f"--san: {name!r} is not a DNS name or an IP address")
    if host is None:  # a local try-out certificate should not be served to the network
        host = "127.0.0.1" if self_signed else "0.0.0.0"
    if self_signed:
        if cert or key:
            raise common.UsageError("--self-signed and --cert/--key are exclusive")
        pair = tls.ensure_self_signed(Path(self_signed), san)
        cert, key = str(pair.cert), str(pair.key)
        click.echo(f"caBundle: {pair.ca_bundle}")
    if not cert or not key:
        raise common.UsageError("give --cert and --key, or --self-signed DIR")
    problem = tls.pair_problem(cert, key)
    if problem:
        raise ConfigError(f"--cert {cert} / --key {key}: {problem}")

    def kube_factory() -> KubeClient | None:
        if kube_api == "off":
            return None
        if kube_api == "auto":
            return KubeClient.in_cluster()
        return KubeClient(kube_api, kube_token_file, kube_ca_file)

    wi_settings = None
    if workload_identity:
        wi_settings = wi.Settings(workload_identity_layout, azure_tenant_id, azure_authority_host)
    settings = Settings(policy=config, timeout=timeout, max_body=max_body,
                        workload_identity=wi_settings, echo=echo_endpoint, cache_size=cache_size)
    app = create_app(settings, kube_factory=kube_factory)
    raise_open_file_limit()  # room for connections; the cap is set below what is allowed
    limits = Limits(handshake_timeout, header_timeout, keep_alive_timeout, max_connections)
    server = WebhookServer(app, host, port, cert, key, graceful_timeout, limits=limits,
                           metrics=app.state.webhook.metrics)
    try:
        server.bind()
    except OSError as exc:
        # name resolution fails with a negative errno (EAI_*), binding with a system one
        errno = exc.errno or 0
        reason = os.strerror(errno) if errno > 0 else "no such host or address"
        raise ConfigError(f"cannot listen on {host}:{port}: {reason}") from None
    # what is loaded by now (rules, policy, TLS) lives as long as the server: out of every
    # collection, so that full collections scan only what requests create (measured: server
    # CPU per review 1,368 -> 1,229 us, Pods all different; pauses get shorter, not longer)
    gc.freeze()
    server.run()


command.name = "serve"


def _is_url(text: str, schemes: tuple[str, ...]) -> bool:
    parts = urlsplit(text)
    return parts.scheme in schemes and bool(parts.hostname)
