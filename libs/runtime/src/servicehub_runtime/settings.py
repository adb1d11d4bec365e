"""Process configuration from the environment, parsed and validated once at start-up.

Standard names where they exist (`KAFKA_BOOTSTRAP_SERVERS`, `OTEL_*`, `POSTGRES_*`); the
OpenTelemetry SDK and eventsourcing read their own variables directly.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from .grpcserver import GrpcLimits, GrpcTls

Port = Annotated[int, Field(ge=0, le=65535)]


class ServiceSettings(BaseSettings):
    """Settings every service shares; a service subclass changes the defaults."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, case_sensitive=False)

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_topic_partitions: int = Field(3, ge=1, le=1000)
    kafka_replication_factor: int = Field(1, ge=1, le=10)
    # SASL and TLS to the brokers (kafkasecurity.py); plaintext by default, as locally.
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = ""
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None
    # Static group membership: a restarted member with the same id gets its partitions back
    # at once instead of after the dead member's session timeout. Unique per instance.
    kafka_group_instance_id: str | None = Field(None, pattern=r"^[A-Za-z0-9._-]{1,249}$")
    grpc_host: str = "127.0.0.1"
    grpc_port: Port = 0
    # Transport limits of the gRPC server (grpcserver.GrpcLimits; README: configuration).
    grpc_max_request_bytes: int = Field(GrpcLimits.max_request_bytes, ge=1024, le=64 * 1024 * 1024)
    grpc_max_concurrent_streams: int = Field(GrpcLimits.max_concurrent_streams, ge=1)
    grpc_max_concurrent_rpcs: int = Field(GrpcLimits.max_concurrent_rpcs, ge=1)
    grpc_max_connection_idle_seconds: float = Field(GrpcLimits.max_connection_idle_seconds, gt=0)
    grpc_max_connection_age_seconds: float = Field(GrpcLimits.max_connection_age_seconds, gt=0)
    grpc_max_connection_age_grace_seconds: float = Field(
        GrpcLimits.max_connection_age_grace_seconds, gt=0
    )
    grpc_keepalive_seconds: float = Field(GrpcLimits.keepalive_seconds, gt=0)
    grpc_keepalive_timeout_seconds: float = Field(GrpcLimits.keepalive_timeout_seconds, gt=0)
    # TLS of the gRPC server (grpcserver.GrpcTls); with a client CA, mutual TLS. Plaintext
    # when unset, as locally.
    grpc_tls_cert_file: Path | None = None
    grpc_tls_key_file: Path | None = None
    grpc_tls_client_ca_file: Path | None = None
    metrics_host: str = "127.0.0.1"
    metrics_port: Port = 0
    # Where the default SQLite event store lives: <data_dir>/<service>.sqlite
    data_dir: Path = Path("var/data")
    persistence_module: Literal["eventsourcing.sqlite", "eventsourcing.postgres"] = (
        "eventsourcing.sqlite"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Operator's business-calendar file adding or correcting years (libs/businesstime/README.md).
    business_calendar_override: Path | None = None
    # Caller authentication (auth.py; README: security). "disabled" is for local runs only.
    auth_mode: Literal["jwt", "disabled"] = "jwt"
    auth_jwks_file: Path | None = None
    auth_public_key_file: Path | None = None
    auth_issuer: str = ""
    auth_audience: str = ""
    auth_leeway_seconds: float = Field(30.0, ge=0, le=300)
    # Encryption of the event store (encryption.py; README: security). Checked, never shown.
    cipher_key: SecretStr | None = None
    cipher_previous_keys: SecretStr | None = None
    servicehub_require_encryption: bool = False

    def grpc_tls(self) -> GrpcTls | None:
        """Raises GrpcTlsError naming the variable."""
        return GrpcTls.from_files(self.grpc_tls_cert_file, self.grpc_tls_key_file, self.grpc_tls_client_ca_file)

    def grpc_limits(self) -> GrpcLimits:
        return GrpcLimits(
            **{name: getattr(self, f"grpc_{name}") for name in GrpcLimits.__dataclass_fields__}
        )


S = TypeVar("S", bound=ServiceSettings)


def load_settings(settings_type: type[S]) -> S:
    """Reads the environment; on a bad value, stops the process naming the variable."""
    try:
        return settings_type()
    except ValidationError as error:
        lines = [
            f"  {'.'.join(str(part) for part in issue['loc']).upper()}={issue.get('input')!r}: "
            f"{issue['msg']}"
            for issue in error.errors()
        ]
        sys.exit("invalid configuration:\n" + "\n".join(lines))
