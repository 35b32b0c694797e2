"""gRPC over TLS: server and channel credentials from the settings, off when none are set.

- ``tls_cert_file`` + ``tls_key_file``: this process serves gRPC over TLS only (a plaintext
  client cannot connect).
- ``tls_ca_file``: the CA that signed the servers' certificates; outgoing channels verify the
  server against it. With ``tls_require_client_cert`` servers also demand a client
  certificate signed by this CA.
- ``tls_client_cert_file`` + ``tls_client_key_file``: the certificate this process presents
  when it calls another service (a service identity at the transport level).

``smlog certs DIR`` writes a development CA and certificates (cli/certs.py). See
docs/security.md.
"""

from __future__ import annotations

from pathlib import Path

import grpc

from smlog.config import Settings
from smlog.errors import ConfigError

__all__ = ["channel_credentials", "server_credentials"]


def _read(setting: str, path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"SMLOG_{setting.upper()}={path}: cannot read ({exc.strerror})") from None


def _pair(settings: Settings, cert: str, key: str) -> tuple[bytes, bytes] | None:
    cert_path, key_path = getattr(settings, cert), getattr(settings, key)
    if not cert_path and not key_path:
        return None
    if not (cert_path and key_path):
        raise ConfigError(f"SMLOG_{cert.upper()} and SMLOG_{key.upper()} go together")
    return _read(key, key_path), _read(cert, cert_path)


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """TLS credentials for a gRPC server, or None to serve plaintext (the local default)."""
    pair = _pair(settings, "tls_cert_file", "tls_key_file")
    if pair is None:
        if settings.tls_require_client_cert:
            raise ConfigError("SMLOG_TLS_REQUIRE_CLIENT_CERT needs SMLOG_TLS_CERT_FILE")
        return None
    if settings.tls_require_client_cert and not settings.tls_ca_file:
        raise ConfigError("SMLOG_TLS_REQUIRE_CLIENT_CERT needs SMLOG_TLS_CA_FILE")
    ca = _read("tls_ca_file", settings.tls_ca_file) if settings.tls_require_client_cert else None
    return grpc.ssl_server_credentials(
        [pair], root_certificates=ca, require_client_auth=settings.tls_require_client_cert
    )


def channel_credentials(settings: Settings) -> grpc.ChannelCredentials | None:
    """TLS credentials for outgoing channels, or None for plaintext (no CA configured)."""
    if not settings.tls_ca_file:
        if settings.tls_client_cert_file or settings.tls_client_key_file:
            raise ConfigError("SMLOG_TLS_CLIENT_CERT_FILE needs SMLOG_TLS_CA_FILE")
        return None
    ca = _read("tls_ca_file", settings.tls_ca_file)
    pair = _pair(settings, "tls_client_cert_file", "tls_client_key_file")
    key, cert = pair if pair is not None else (None, None)
    return grpc.ssl_channel_credentials(
        root_certificates=ca, private_key=key, certificate_chain=cert
    )
