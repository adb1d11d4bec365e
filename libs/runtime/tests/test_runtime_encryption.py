"""The event store's encryption: required where it must be, keys checked and never shown,
rotation, and a real SQLite store holding no personal data in plain text."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.application import Application
from eventsourcing.cryptography import AESCipher
from eventsourcing.domain import Aggregate, event

from servicehub_runtime.encryption import (
    EncryptionConfigurationError,
    RotatingAESCipher,
    cipher_env,
)
from servicehub_runtime.service import application_env
from servicehub_runtime.settings import ServiceSettings

EMAIL = "zhang.wei@acme-cloud.example"
NAME = "Zhang Wei"


class Contact(Aggregate):
    @event("Registered")
    def __init__(self, name: str, email: str) -> None:
        self.name = name
        self.email = email


def settings(**values) -> ServiceSettings:
    return ServiceSettings(**values)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"persistence_module": "eventsourcing.postgres"}, "CIPHER_KEY is required with PERSISTENCE_MODULE"),
        ({"servicehub_require_encryption": True}, "CIPHER_KEY is required with SERVICEHUB_REQUIRE_ENCRYPTION"),
        ({"cipher_previous_keys": AESCipher.create_key(32)}, "CIPHER_PREVIOUS_KEYS is set without CIPHER_KEY"),
    ],
)
def test_a_missing_key_where_one_is_required_names_the_variable(values, message) -> None:
    with pytest.raises(EncryptionConfigurationError, match=message):
        cipher_env(settings(**values))


def test_a_bad_key_is_named_but_never_shown() -> None:
    secret = "not-a-key-but-maybe-a-password-123"
    with pytest.raises(EncryptionConfigurationError) as raised:
        cipher_env(settings(cipher_key=secret))
    assert "CIPHER_KEY must be the base64 of 16, 24 or 32 random bytes" in str(raised.value)
    assert secret not in str(raised.value)
    short = AESCipher.create_key(16)[:-4]
    with pytest.raises(EncryptionConfigurationError, match="CIPHER_PREVIOUS_KEYS"):
        cipher_env(settings(cipher_key=AESCipher.create_key(32), cipher_previous_keys=f"x,{short}"))


def test_the_key_is_not_in_the_settings_repr() -> None:
    key = AESCipher.create_key(32)
    assert key not in repr(settings(cipher_key=key))


def test_sqlite_without_a_key_stays_plain_text_unless_required() -> None:
    assert cipher_env(settings()) == {}


def test_rotation_reads_old_records_and_writes_with_the_new_key() -> None:
    old, new = AESCipher.create_key(32), AESCipher.create_key(16)
    before = RotatingAESCipher({"CIPHER_KEY": old})
    written_before = before.encrypt(b"old record")
    after = RotatingAESCipher({"CIPHER_KEY": new, "CIPHER_PREVIOUS_KEYS": old})
    assert after.decrypt(written_before) == b"old record"
    written_after = after.encrypt(b"new record")
    assert RotatingAESCipher({"CIPHER_KEY": new}).decrypt(written_after) == b"new record"
    with pytest.raises(ValueError, match="no configured key"):
        RotatingAESCipher({"CIPHER_KEY": new}).decrypt(written_before)


def test_a_sqlite_store_keeps_no_personal_data_in_plain_text_and_reads_it_back(tmp_path: Path) -> None:
    service_settings = settings(data_dir=tmp_path, cipher_key=AESCipher.create_key(32))
    env = application_env(service_settings, "contacts")
    application = Application(env=env)
    contact = Contact(NAME, EMAIL)
    application.save(contact)
    application.close()

    on_disk = b"".join(path.read_bytes() for path in tmp_path.glob("contacts.sqlite*"))
    assert b"Registered" in on_disk  # the events are there (their topics are not secret) …
    assert EMAIL.encode() not in on_disk and NAME.encode() not in on_disk  # … their content is

    reopened = Application(env=env)
    read = reopened.repository.get(contact.id)
    assert (read.name, read.email) == (NAME, EMAIL)
    reopened.close()

    plain = Application(env=application_env(settings(data_dir=tmp_path / "plain"), "contacts"))
    plain.save(Contact(NAME, EMAIL))
    plain.close()
    plain_bytes = b"".join(path.read_bytes() for path in (tmp_path / "plain").glob("contacts.sqlite*"))
    assert EMAIL.encode() in plain_bytes  # the check above could see it


def test_what_eventsourcings_own_cipher_wrote_is_read_and_the_other_way_round() -> None:
    """The stored form is eventsourcing's AESCipher's: stores written before stay readable."""
    key = AESCipher.create_key(32)
    theirs, ours = AESCipher({"CIPHER_KEY": key}), RotatingAESCipher({"CIPHER_KEY": key})
    assert ours.decrypt(theirs.encrypt(b"written by eventsourcing")) == b"written by eventsourcing"
    assert theirs.decrypt(ours.encrypt(b"written by us")) == b"written by us"
    assert ours.encrypt(b"same") != ours.encrypt(b"same")  # a fresh nonce each time
    damaged = bytearray(ours.encrypt(b"record"))
    damaged[-1] ^= 1
    with pytest.raises(ValueError, match="no configured key"):
        ours.decrypt(bytes(damaged))
    with pytest.raises(ValueError, match="no configured key"):
        ours.decrypt(b"short")
