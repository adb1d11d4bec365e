"""Personal data at rest: each event store encrypts what it stores (AES-GCM, eventsourcing's
cipher), with the key from configuration.

`CIPHER_KEY` (base64 of 16, 24 or 32 random bytes; `python -m servicehub_runtime.encryption`
makes one) encrypts every stored event and snapshot. It is required with PostgreSQL and when
`SERVICEHUB_REQUIRE_ENCRYPTION=true`; a service started without it stops naming the variable.
Rotation (README: security): the new key becomes `CIPHER_KEY`, the old ones move to
`CIPHER_PREVIOUS_KEYS` (comma-separated), which only decrypt — stored events never change, so
a previous key stays as long as events written with it are kept. Keys are never logged.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Cipher

CIPHER_TOPIC = "servicehub_runtime.encryption:RotatingAESCipher"


class EncryptionConfigurationError(Exception):
    """The encryption settings are unusable; the message names the variable, never a key."""


class _KeptAESCipher(AESCipher):
    """eventsourcing's AESCipher, the same stored form (nonce, tag, ciphertext), with one AESGCM
    object for all calls: making one per call was two thirds of the cost of sealing a short
    value (a read model's sealed column) and 40 % of decrypting a 6 KB event. AESGCM holds
    only its key, so one object serves every thread."""

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self._aesgcm = AESGCM(self.key)

    def encrypt(self, plaintext: bytes) -> bytes:
        nonce = self.random_bytes(12)
        sealed = self._aesgcm.encrypt(nonce, plaintext, None)
        return nonce + sealed[-16:] + sealed[:-16]  # the tag in front, as AESCipher stores it

    def decrypt(self, ciphertext: bytes) -> bytes:
        if len(ciphertext) < 28:
            raise ValueError("Damaged cipher text: shorter than its nonce and tag")
        try:
            return self._aesgcm.decrypt(ciphertext[:12], ciphertext[28:] + ciphertext[12:28], None)
        except InvalidTag as error:
            raise ValueError("Invalid cipher tag") from error


def _aes(key: str, variable: str) -> AESCipher:
    try:
        size = len(b64decode(key.encode(), validate=True))
    except (binascii.Error, ValueError):
        size = -1
    if size not in AESCipher.KEY_SIZES:
        raise EncryptionConfigurationError(
            f"{variable} must be the base64 of 16, 24 or 32 random bytes"
            " (python -m servicehub_runtime.encryption makes one)"
        )
    return _KeptAESCipher({AESCipher.CIPHER_KEY: key})


class RotatingAESCipher(Cipher):
    """Encrypts with CIPHER_KEY; decrypts with it or any of CIPHER_PREVIOUS_KEYS."""

    def __init__(self, environment: Mapping[str, Any]) -> None:
        self._current = _aes(environment.get("CIPHER_KEY") or "", "CIPHER_KEY")
        previous = environment.get("CIPHER_PREVIOUS_KEYS") or ""
        self._decrypting = [
            self._current,
            *(_aes(key.strip(), "CIPHER_PREVIOUS_KEYS") for key in previous.split(",") if key.strip()),
        ]

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._current.encrypt(plaintext)

    def decrypt(self, ciphertext: bytes) -> bytes:
        for cipher in self._decrypting:
            try:
                return cipher.decrypt(ciphertext)
            except ValueError:  # another key's record (the tag does not verify)
                continue
        raise ValueError("no configured key (CIPHER_KEY, CIPHER_PREVIOUS_KEYS) decrypts a stored record")


def cipher_env(settings: Any) -> dict[str, str]:
    """eventsourcing's cipher settings for the service's store, checked; {} when it stores
    in plain text (SQLite without a key and without SERVICEHUB_REQUIRE_ENCRYPTION)."""
    key = settings.cipher_key.get_secret_value() if settings.cipher_key else ""
    previous = settings.cipher_previous_keys.get_secret_value() if settings.cipher_previous_keys else ""
    if not key:
        if settings.persistence_module == "eventsourcing.postgres":
            raise EncryptionConfigurationError(
                "CIPHER_KEY is required with PERSISTENCE_MODULE=eventsourcing.postgres"
            )
        if settings.servicehub_require_encryption:
            raise EncryptionConfigurationError(
                "CIPHER_KEY is required with SERVICEHUB_REQUIRE_ENCRYPTION=true"
            )
        if previous:
            raise EncryptionConfigurationError("CIPHER_PREVIOUS_KEYS is set without CIPHER_KEY")
        return {}
    env = {"CIPHER_TOPIC": CIPHER_TOPIC, "CIPHER_KEY": key, "CIPHER_PREVIOUS_KEYS": previous}
    RotatingAESCipher(env)  # checks every key now, not at the first stored event
    return env


def main() -> None:
    """Prints a new random key for CIPHER_KEY."""
    print(AESCipher.create_key(32))


if __name__ == "__main__":
    main()
