"""Throw-away certificates for local TLS: a CA made on the spot and a server certificate it
signs, as PEM files (Kafka reads PEM key stores since 2.7; Python's ssl reads PEM too).

Nothing here is for production: the CA's key is dropped once it has signed, so nothing else
can ever be signed by it; the certificates are valid for 30 days.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
