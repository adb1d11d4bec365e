"""Kafka SASL/TLS settings: what every client gets, and settings errors naming the variable."""

from __future__ import annotations

import datetime
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from faststream.security import BaseSecurity, SASLScram512

from servicehub_runtime import kafkasecurity
from servicehub_runtime.kafkasecurity import KafkaSecurity, KafkaSecurityError
from servicehub_runtime.settings import ServiceSettings

PASSWORD = "s3cret-scram-password"


def ca_file(directory: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test kafka ca")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = directory / "ca.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def test_plaintext_by_default() -> None:
    security = KafkaSecurity.from_settings(ServiceSettings())
    assert security.client_options() == {"security_protocol": "PLAINTEXT"}
    assert security.faststream_security() is None


def test_sasl_scram_over_tls_reaches_every_client_kind(tmp_path: Path, monkeypatch) -> None:
    for name, value in {
        "KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": "intake",
        "KAFKA_SASL_PASSWORD": PASSWORD,
        "KAFKA_SSL_CAFILE": str(ca_file(tmp_path)),
    }.items():
        monkeypatch.setenv(name, value)
    settings = ServiceSettings()
    assert PASSWORD not in repr(settings)
    security = KafkaSecurity.from_settings(settings)

    options = security.client_options()
    context = options.pop("ssl_context")
    assert options == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "intake",
        "sasl_plain_password": PASSWORD,
    }
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert len(context.get_ca_certs()) == 1
    broker_security = security.faststream_security()
    assert isinstance(broker_security, SASLScram512) and broker_security.use_ssl

    kafkasecurity.configure(security)
    try:
        assert kafkasecurity.client_options()["sasl_plain_username"] == "intake"
    finally:
        kafkasecurity.configure(KafkaSecurity())


def test_tls_without_sasl() -> None:
    security = KafkaSecurity(protocol="SSL")
    assert security.client_options()["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    broker_security = security.faststream_security()
    assert type(broker_security) is BaseSecurity and broker_security.use_ssl


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"protocol": "SASL_TLS"}, "KAFKA_SECURITY_PROTOCOL must be one of"),
        ({"protocol": "SASL_SSL", "sasl_mechanism": "GSSAPI", "sasl_username": "u", "sasl_password": PASSWORD},
         "KAFKA_SASL_MECHANISM must be one of"),
        ({"protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-256", "sasl_password": PASSWORD},
         "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required"),
        ({"protocol": "PLAINTEXT", "ssl_cafile": Path("/etc/ca.pem")}, "KAFKA_SSL_CAFILE is set but"),
    ],
)
def test_bad_settings_name_the_variable_and_never_the_password(fields, message) -> None:
    with pytest.raises(KafkaSecurityError, match=message) as raised:
        KafkaSecurity(**fields)
    assert PASSWORD not in str(raised.value)


def test_an_unreadable_ca_file_names_it(tmp_path: Path) -> None:
    security = KafkaSecurity(protocol="SSL", ssl_cafile=tmp_path / "missing.pem")
    with pytest.raises(KafkaSecurityError, match="KAFKA_SSL_CAFILE=.*missing.pem"):
        security.client_options()


def test_tools_read_the_same_variables_as_the_services(tmp_path: Path) -> None:
    env = {
        "KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
        "KAFKA_SASL_MECHANISM": "scram-sha-512",
        "KAFKA_SASL_USERNAME": "intake",
        "KAFKA_SASL_PASSWORD": PASSWORD,
        "KAFKA_SSL_CAFILE": str(ca_file(tmp_path)),
    }
    assert KafkaSecurity.from_env(env) == KafkaSecurity(
        "SASL_SSL", "SCRAM-SHA-512", "intake", PASSWORD, Path(env["KAFKA_SSL_CAFILE"])
    )
    assert KafkaSecurity.from_env({}) == KafkaSecurity()


async def test_an_unreachable_broker_is_left_to_the_clients_retries(monkeypatch) -> None:
    """Only a refusal of the credentials stops a service; a broker not up yet does not."""
    monkeypatch.setattr(
        kafkasecurity, "_configured",
        KafkaSecurity("SASL_PLAINTEXT", "SCRAM-SHA-512", "intake", PASSWORD),
    )
    await kafkasecurity.check_credentials("127.0.0.1:1")  # nothing listens on port 1
