"""Request fingerprints: stored with idempotency keys, so they must not change between
releases, and must tell different requests apart."""

from dataclasses import dataclass
from enum import Enum

from servicehub_runtime.fingerprint import fingerprint


class Level(Enum):
    HIGH = "high"


@dataclass(frozen=True)
class Item:
    name: str
    level: Level


def test_the_digest_is_the_one_stored_fingerprints_were_made_with() -> None:
    # Computed with intake's own fingerprint function before it moved here: records stored
    # since then carry it, and a retry must still match them.
    request = {"partner_id": "p-1", "evidence": ({"criterion": "c", "summary": "s", "document_uri": "d"},),
               "priority": "P1", "note": None}
    assert fingerprint(request) == "f80b2275e7784385e34187c4935c120b6521a6ebff48d0ab4494eb9492855011"


def test_enums_dataclasses_and_tuples_digest_as_their_plain_values() -> None:
    as_objects = {"items": (Item("a", Level.HIGH),), "level": Level.HIGH}
    as_plain = {"level": "high", "items": [{"name": "a", "level": "high"}]}
    assert fingerprint(as_objects) == fingerprint(as_plain)


def test_a_different_value_or_field_gives_a_different_digest() -> None:
    base = fingerprint({"a": "1", "b": "2"})
    assert fingerprint({"a": "1", "b": "3"}) != base
    assert fingerprint({"a": "1", "c": "2"}) != base
    assert fingerprint({"a": "1"}) != base
