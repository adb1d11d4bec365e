"""Small conversions between Python values and protobuf well-known types."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp


def timestamp(value: datetime) -> Timestamp:
    """An aware datetime as a protobuf Timestamp."""
    result = Timestamp()
    result.FromDatetime(value)
    return result
