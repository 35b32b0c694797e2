"""``smlog certs DIR``: a development CA and the certificates to run gRPC over TLS.

Writes ``ca.pem`` (the CA certificate; its key is not kept), ``server.pem`` and
``server-key.pem`` (for every gRPC service; its names are the compose service names,
``localhost`` and 127.0.0.1), ``client.pem`` and ``client-key.pem`` (a client certificate for
service identities). Keys are written readable by the owner only. For development and tests:
production certificates come from the deployment's own CA. See docs/security.md.
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_NAMES = ("dispatch", "status", "log", "reports", "localhost", "127.0.0.1")
VALID_DAYS = 365


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("certs", help="write a development CA and TLS certificates")
    p.add_argument("directory", type=Path)
    p.add_argument(
        "--name",
        dest="names",
        action="append",
        help="a DNS name or IP of the servers (repeatable; default: the compose services,"
        " localhost and 127.0.0.1)",
    )
    p.add_argument("--force", action="store_true", help="replace certificates already there")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    written = write_dev_certs(args.directory, args.names or DEFAULT_NAMES, force=args.force)
    for path in written:
        print(path)
    return 0


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _san(names: Sequence[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _issue(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
    names: Sequence[str] = (),
    usage: x509.ObjectIdentifier | None = None,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
    )
    if names:
        builder = builder.add_extension(_san(names), critical=False)
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_dev_certs(directory: Path, names: Sequence[str], *, force: bool = False) -> list[Path]:
    """Write the CA and certificates into ``directory``; existing files are kept unless
    ``force`` (so a compose restart does not replace what running services trust)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = ("ca.pem", "server.pem", "server-key.pem", "client.pem", "client-key.pem")
    paths = [directory / name for name in files]
    if not force and all(p.exists() for p in paths):
        return paths
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("smlog development CA")
    ca = _issue("smlog development CA", ca_key, ca_name, ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _issue("smlog services", server_key, ca_name, ca_key, names=names,
                    usage=ExtendedKeyUsageOID.SERVER_AUTH)  # fmt: skip
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = _issue("smlog service client", client_key, ca_name, ca_key,
                    usage=ExtendedKeyUsageOID.CLIENT_AUTH)  # fmt: skip
    contents = (_pem(ca), _pem(server), _key_pem(server_key), _pem(client), _key_pem(client_key))
    for path, data in zip(paths, contents, strict=True):
        secret = path.name.endswith("-key.pem")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    return paths
