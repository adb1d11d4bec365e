"""How the process authenticates to Kafka and encrypts the connection: SASL (SCRAM) and TLS
from `KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_MECHANISM`, `KAFKA_SASL_USERNAME`,
`KAFKA_SASL_PASSWORD` and `KAFKA_SSL_CAFILE` (the names deploy/k8s passes). Plaintext by
default, as on the local broker.

Configured once at start-up (`configure`); every Kafka client the runtime creates — the
FastStream broker, the dead-letter producer, the relay's reader, the admin clients — takes
its options from here, so none can be left on plaintext by mistake.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka.conn import create_conn
from aiokafka.errors import KafkaError, SaslAuthenticationFailed
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = {"SCRAM-SHA-512": SASLScram512, "SCRAM-SHA-256": SASLScram256, "PLAIN": SASLPlaintext}


class KafkaSecurityError(Exception):
    """Unusable Kafka security settings; the message names the variable (never a password)."""


@dataclass(frozen=True)
class KafkaSecurity:
    protocol: str = "PLAINTEXT"
    sasl_mechanism: str = ""
    sasl_username: str = ""
    sasl_password: str = ""
    ssl_cafile: Path | None = None

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise KafkaSecurityError(f"KAFKA_SECURITY_PROTOCOL must be one of {', '.join(PROTOCOLS)}")
        if self.uses_sasl:
            if self.sasl_mechanism not in MECHANISMS:
                raise KafkaSecurityError(
                    f"KAFKA_SASL_MECHANISM must be one of {', '.join(MECHANISMS)} with {self.protocol}"
                )
            if not self.sasl_username or not self.sasl_password:
                raise KafkaSecurityError(
                    f"KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with {self.protocol}"
                )
        if self.ssl_cafile is not None and not self.uses_tls:
            raise KafkaSecurityError(f"KAFKA_SSL_CAFILE is set but KAFKA_SECURITY_PROTOCOL={self.protocol}")

    @classmethod
    def from_settings(cls, settings: Any) -> KafkaSecurity:
        password = settings.kafka_sasl_password
        return cls(
            protocol=settings.kafka_security_protocol.upper(),
            sasl_mechanism=settings.kafka_sasl_mechanism.upper(),
            sasl_username=settings.kafka_sasl_username,
            sasl_password=password.get_secret_value() if password else "",
            ssl_cafile=settings.kafka_ssl_cafile,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> KafkaSecurity:
        """From the same variables, for Kafka clients outside a service process (localinfra's
        tooling, tests)."""
        cafile = env.get("KAFKA_SSL_CAFILE")
        return cls(
            protocol=env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").upper(),
            sasl_mechanism=env.get("KAFKA_SASL_MECHANISM", "").upper(),
            sasl_username=env.get("KAFKA_SASL_USERNAME", ""),
            sasl_password=env.get("KAFKA_SASL_PASSWORD", ""),
            ssl_cafile=Path(cafile) if cafile else None,
        )

    @property
    def uses_sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.uses_tls:
            return None
        try:
            # Verifies the broker's certificate and host name (system CAs unless a file is given).
            return ssl.create_default_context(cafile=self.ssl_cafile)
        except (OSError, ssl.SSLError) as error:
            raise KafkaSecurityError(f"KAFKA_SSL_CAFILE={self.ssl_cafile}: {error}") from None

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for aiokafka's clients (producer, consumer, admin)."""
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.uses_tls:
            options["ssl_context"] = self.ssl_context()
        if self.uses_sasl:
            options.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.sasl_username,
                sasl_plain_password=self.sasl_password,
            )
        return options

    def faststream_security(self) -> BaseSecurity | None:
        """The `security` argument of FastStream's KafkaBroker."""
        if self.uses_sasl:
            return MECHANISMS[self.sasl_mechanism](
                self.sasl_username, self.sasl_password,
                ssl_context=self.ssl_context(), use_ssl=self.uses_tls,
            )
        if self.uses_tls:
            return BaseSecurity(ssl_context=self.ssl_context(), use_ssl=True)
        return None


_configured = KafkaSecurity()


def configure(security: KafkaSecurity) -> None:
    """Sets the process's Kafka security (run_service, once at start-up)."""
    global _configured
    _configured = security


def client_options() -> dict[str, Any]:
    """The process's options for a new aiokafka client."""
    return _configured.client_options()


def faststream_security() -> BaseSecurity | None:
    return _configured.faststream_security()


async def check_credentials(bootstrap_servers: str) -> None:
    """Raises KafkaSecurityError if a broker refuses the process's SASL credentials.

    aiokafka reports a refusal only as "Unable to bootstrap" and its clients would retry it
    for ever; a wrong password is a configuration error, so the service stops saying so.
    A broker that cannot be reached is left to the clients' own retries.
    """
    security = _configured
    if not security.uses_sasl:
        return
    for address in bootstrap_servers.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            connection = await create_conn(
                host.strip("[]"), int(port), request_timeout_ms=10_000, **security.client_options()
            )
        except SaslAuthenticationFailed as refused:
            raise KafkaSecurityError(
                f"Kafka refused the credentials of user {security.sasl_username!r} "
                f"({security.sasl_mechanism}) at {address.strip()}: {refused}; "
                "check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
            ) from None
        except (TimeoutError, KafkaError, OSError, ValueError):
            continue  # not reachable now: another address, or the clients' retries
        connection.close()
        return
