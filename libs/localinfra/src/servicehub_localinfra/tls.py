"""Throw-away certificates for local TLS: a CA made on the spot and the server and client
certificates it signs, as PEM files — for the SASL_SSL Kafka broker (Kafka reads PEM key
stores since 2.7) and for mutual TLS between gRPC services and their clients.

Nothing here is for production: the CA's key is dropped once it has signed, so nothing else
can ever be signed by it; the certificates are valid for 30 days.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = timedelta(days=30)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def make_ca(common_name: str = "servicehub local CA") -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False,
        ), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return key, certificate


def issue(
    ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate],
    common_name: str,
    *,
    hosts: list[str] = (),  # type: ignore[assignment]
    client: bool = False,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A certificate signed by ``ca``: for a server on ``hosts`` (IP addresses or names), or
    with ``client`` for TLS client authentication."""
    ca_key, ca_certificate = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage(
            [ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH]
        ), critical=False)
    )  # fmt: skip
    if hosts:
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return key, builder.sign(ca_key, hashes.SHA256())


def write_broker_certificate(directory: Path, *, hosts: list[str]) -> tuple[Path, Path]:
    """Writes ``ca.pem`` and ``broker.pem`` (the broker's key and certificate chain, the form
    of Kafka's PEM key store) into ``directory``, once; returns their paths."""
    ca_path, keystore_path = directory / "ca.pem", directory / "broker.pem"
    if ca_path.is_file() and keystore_path.is_file():
        return ca_path, keystore_path  # a kept data dir keeps its certificates
    directory.mkdir(parents=True, exist_ok=True)
    ca = make_ca()
    key, certificate = issue(ca, "servicehub local broker", hosts=hosts)
    ca_path.write_bytes(_pem(ca[1]))
    keystore_path.touch(mode=0o600)
    keystore_path.write_bytes(_pem_key(key) + _pem(certificate) + _pem(ca[1]))
    return ca_path, keystore_path


@dataclass(frozen=True)
class GrpcPki:
    """PEM files for mutual TLS between gRPC servers and clients, all from one throw-away CA:
    a server certificate for 127.0.0.1 and localhost, and a client certificate."""

    ca: Path
    server_certificate: Path
    server_key: Path
    client_certificate: Path
    client_key: Path

    def server_env(self) -> dict[str, str]:
        """A service's variables for a TLS server that requires client certificates."""
        return {
            "GRPC_TLS_CERT_FILE": str(self.server_certificate),
            "GRPC_TLS_KEY_FILE": str(self.server_key),
            "GRPC_TLS_CLIENT_CA_FILE": str(self.ca),
        }

    def channel_credentials(self, *, with_certificate: bool = True) -> grpc.ChannelCredentials:
        """A client's credentials: trusts the CA and, unless told not to, presents the client
        certificate."""
        if not with_certificate:
            return grpc.ssl_channel_credentials(root_certificates=self.ca.read_bytes())
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca.read_bytes(),
            private_key=self.client_key.read_bytes(),
            certificate_chain=self.client_certificate.read_bytes(),
        )


def make_grpc_pki(directory: Path, *, hosts: list[str] = ["127.0.0.1", "localhost"]) -> GrpcPki:  # noqa: B006
    """Writes a CA, a server and a client certificate with their keys into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = make_ca("servicehub local gRPC CA")
    server_key, server_certificate = issue(ca, "servicehub local service", hosts=hosts)
    client_key, client_certificate = issue(ca, "servicehub local client", client=True)
    pki = GrpcPki(*(directory / name for name in ("ca.pem", "server.pem", "server-key.pem", "client.pem",
                                                   "client-key.pem")))
    pki.ca.write_bytes(_pem(ca[1]))
    pki.server_certificate.write_bytes(_pem(server_certificate))
    pki.client_certificate.write_bytes(_pem(client_certificate))
    for path, key in ((pki.server_key, server_key), (pki.client_key, client_key)):
        path.touch(mode=0o600)
        path.write_bytes(_pem_key(key))
    return pki
