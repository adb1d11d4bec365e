from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor
CHANNEL_FIELD_NUMBER: _ClassVar[int]
channel: _descriptor.FieldDescriptor
BOUNDS_FIELD_NUMBER: _ClassVar[int]
bounds: _descriptor.FieldDescriptor

class Channel(_message.Message):
    __slots__ = ("topic",)
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    topic: str
    def __init__(self, topic: _Optional[str] = ...) -> None: ...

class Bounds(_message.Message):
    __slots__ = ("max_len", "max_items", "required")
    MAX_LEN_FIELD_NUMBER: _ClassVar[int]
    MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    max_len: int
    max_items: int
    required: bool
    def __init__(self, max_len: _Optional[int] = ..., max_items: _Optional[int] = ..., required: _Optional[bool] = ...) -> None: ...
