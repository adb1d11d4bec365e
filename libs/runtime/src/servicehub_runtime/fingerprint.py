"""A digest of what a caller asked for, kept with its idempotency key or request id: the same
key sent again is a retry only if the digest matches, and a different request under it is
refused instead of being taken for the first one again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from enum import Enum


def fingerprint(fields: Mapping[str, object]) -> str:
    """SHA-256 of the fields as canonical JSON (keys sorted; enums by value, dataclasses as
    their fields, tuples as lists), so equal requests give equal digests across processes."""
    canonical = json.dumps({name: _plain(value) for name, value in fields.items()}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(item) for name, item in asdict(value).items()}
    return value
