"""timestamp() builds the same Timestamp as protobuf's own FromDatetime, only cheaper."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from servicehub_runtime.protobuf import timestamp


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 3, 1, 12, 0, 0, 999_999, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 5, tzinfo=UTC),  # before the epoch: nanos stay positive
        datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=8))),
        datetime(2026, 3, 1, 12, 0),  # naive: taken as UTC
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ],
)
def test_timestamp_equals_from_datetime(value: datetime) -> None:
    expected = Timestamp()
    expected.FromDatetime(value)
    assert timestamp(value) == expected
