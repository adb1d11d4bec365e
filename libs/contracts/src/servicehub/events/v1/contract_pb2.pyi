from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor
CHANNEL_FIELD_NUMBER: _ClassVar[int]
channel: _descriptor.FieldDescriptor
BOUNDS_FIELD_NUMBER: _ClassVar[int]
bounds: _descriptor.FieldDescriptor
ACCESS_FIELD_NUMBER: _ClassVar[int]
access: _descriptor.FieldDescriptor

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

class Access(_message.Message):
    __slots__ = ("roles", "public", "tenant_field")
    ROLES_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_FIELD_NUMBER: _ClassVar[int]
    roles: _containers.RepeatedScalarFieldContainer[str]
    public: bool
    tenant_field: str
    def __init__(self, roles: _Optional[_Iterable[str]] = ..., public: _Optional[bool] = ..., tenant_field: _Optional[str] = ...) -> None: ...
