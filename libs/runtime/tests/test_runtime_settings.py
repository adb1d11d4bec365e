"""Settings from the environment: typed, validated, and a clear exit on a bad value."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from eventsourcing.cryptography import AESCipher

from servicehub_runtime.encryption import CIPHER_TOPIC
from servicehub_runtime.grpcserver import GrpcLimits
from servicehub_runtime.service import application_env, load_business_calendar
from servicehub_runtime.settings import ServiceSettings, load_settings


def exit_message(monkeypatch, **env: str) -> str:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exited:
        load_settings(ServiceSettings)
    assert isinstance(exited.value.code, str)  # a message, printed to stderr with status 1
    return exited.value.code


def test_reads_and_converts_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRPC_PORT", "50099")
    monkeypatch.setenv("kafka_bootstrap_servers", "broker:9092")  # names are case-insensitive
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    settings = load_settings(ServiceSettings)
    assert settings.grpc_port == 50099
    assert settings.kafka_bootstrap_servers == "broker:9092"
    assert settings.data_dir == tmp_path


def test_grpc_transport_limits_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("GRPC_MAX_CONCURRENT_STREAMS", "7")
    monkeypatch.setenv("GRPC_MAX_CONNECTION_AGE_SECONDS", "1.5")
    limits = load_settings(ServiceSettings).grpc_limits()
    assert limits == GrpcLimits(max_concurrent_streams=7, max_connection_age_seconds=1.5)


def test_bad_value_exits_naming_the_variable(monkeypatch) -> None:
    message = exit_message(monkeypatch, GRPC_PORT="abc")
    assert message.startswith("invalid configuration:")
    assert "GRPC_PORT='abc'" in message


def test_out_of_range_port_exits(monkeypatch) -> None:
    assert "METRICS_PORT='70000'" in exit_message(monkeypatch, METRICS_PORT="70000")


def test_every_bad_variable_is_named(monkeypatch) -> None:
    message = exit_message(monkeypatch, LOG_LEVEL="LOUD", PERSISTENCE_MODULE="eventsourcing.mongo")
    assert "LOG_LEVEL='LOUD'" in message
    assert "PERSISTENCE_MODULE='eventsourcing.mongo'" in message


def test_group_instance_id_is_optional_and_must_be_a_kafka_id(monkeypatch) -> None:
    assert load_settings(ServiceSettings).kafka_group_instance_id is None
    monkeypatch.setenv("KAFKA_GROUP_INSTANCE_ID", "intake-0")
    assert load_settings(ServiceSettings).kafka_group_instance_id == "intake-0"
    assert "KAFKA_GROUP_INSTANCE_ID='intake 0'" in exit_message(monkeypatch, KAFKA_GROUP_INSTANCE_ID="intake 0")


def test_sqlite_application_env_puts_one_file_per_service_in_data_dir(tmp_path: Path) -> None:
    settings = ServiceSettings(data_dir=tmp_path / "data")
    assert application_env(settings, "intake") == {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "data" / "intake.sqlite"),
    }
    assert (tmp_path / "data").is_dir()


KEY = AESCipher.create_key(32)
ENCRYPTED = {"CIPHER_TOPIC": CIPHER_TOPIC, "CIPHER_KEY": KEY, "CIPHER_PREVIOUS_KEYS": ""}


def test_postgres_application_env_leaves_postgres_variables_to_eventsourcing() -> None:
    settings = ServiceSettings(persistence_module="eventsourcing.postgres", cipher_key=KEY)
    assert application_env(settings, "intake") == {
        "PERSISTENCE_MODULE": "eventsourcing.postgres", **ENCRYPTED
    }


def test_postgres_without_a_cipher_key_stops_start_up_naming_the_variable() -> None:
    settings = ServiceSettings(persistence_module="eventsourcing.postgres")
    with pytest.raises(SystemExit) as stopped:
        application_env(settings, "intake")
    assert str(stopped.value) == (
        "invalid configuration: CIPHER_KEY is required with PERSISTENCE_MODULE=eventsourcing.postgres"
    )


def test_postgres_store_gets_the_services_own_schema(postgres, monkeypatch) -> None:
    """PERSISTENCE_MODULE=eventsourcing.postgres: the service's own schema is created."""
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.postgres")
    for name, value in {**postgres.env, "NOTES_POSTGRES_SCHEMA": "notes_service"}.items():
        monkeypatch.setenv(name, value)

    env = application_env(ServiceSettings(cipher_key=KEY), "notes")

    assert env == {"PERSISTENCE_MODULE": "eventsourcing.postgres", **ENCRYPTED}
    with psycopg.connect(postgres.dsn) as connection:
        schemas = {row[0] for row in connection.execute("SELECT schema_name FROM information_schema.schemata")}
    assert "notes_service" in schemas


def test_bad_business_calendar_override_stops_start_up_naming_the_line(tmp_path: Path) -> None:
    override = tmp_path / "calendar.toml"
    override.write_text('format = "servicehub.businesstime/1"\n\n["2027"]\nsource = "ops"\n'
                        'status = "official"\n[2027.holidays]\n2027-13-01 = "no such month"\n')
    settings = ServiceSettings(business_calendar_override=override)

    with pytest.raises(SystemExit) as stopped:
        load_business_calendar(settings)

    message = str(stopped.value)
    assert message.startswith("invalid BUSINESS_CALENDAR_OVERRIDE:")
    assert f"{override}:7" in message


def test_business_calendar_without_override_has_its_shipped_horizon() -> None:
    calendar = load_business_calendar(ServiceSettings())
    assert calendar.horizon.year == 2026


def test_business_calendar_override_extends_the_horizon_for_a_service(monkeypatch) -> None:
    """BUSINESS_CALENDAR_OVERRIDE → the service's calendar reaches into 2027."""
    override = Path(__file__).parents[2] / "businesstime" / "tests" / "fixtures" / "override-2027-TEST-DATA.toml"
    monkeypatch.setenv("BUSINESS_CALENDAR_OVERRIDE", str(override))

    calendar = load_business_calendar(load_settings(ServiceSettings))

    assert calendar.horizon.year == 2027
    window = calendar.working_days_window(datetime(2026, 12, 28, 10, tzinfo=UTC), 5)
    assert window.last_day.year == 2027
