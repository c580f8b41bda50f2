from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, Final

from typing_extensions import Unpack

from ._fields import ConnectorFields, JSONValue
from ._state import NdesConnectorState

class NdesConnector:
    """Microsoft Graph's ndesConnector (beta), validated on construction and assignment."""

    __hash__: ClassVar[None]  # type: ignore[assignment]
    id: str | None
    display_name: str | None
    state: NdesConnectorState | str | None
    last_connection_date_time: datetime | None
    enrolled_date_time: datetime | None
    machine_name: str | None
    connector_version: str | None
    role_scope_tag_ids: list[str] | None
    additional_data: dict[str, JSONValue]
    def __init__(self, **fields: Unpack[ConnectorFields]) -> None: ...
    def to_json(self) -> bytes: ...
    def to_msgpack(self) -> bytes: ...
    def to_dict(self) -> dict[str, JSONValue]: ...
    @classmethod
    def from_json(cls, data: bytes | bytearray | memoryview | str, /) -> NdesConnector: ...
    @classmethod
    def from_msgpack(cls, data: bytes | bytearray | memoryview, /) -> NdesConnector: ...
    @classmethod
    def from_dict(cls, data: dict[str, Any], /) -> NdesConnector: ...
    @classmethod
    def to_json_array(cls, connectors: Sequence[NdesConnector], /) -> bytes: ...
    @classmethod
    def from_json_array(
        cls, data: bytes | bytearray | memoryview | str, /
    ) -> list[NdesConnector]: ...
    @classmethod
    def to_msgpack_array(cls, connectors: Sequence[NdesConnector], /) -> bytes: ...
    @classmethod
    def from_msgpack_array(cls, data: bytes | bytearray | memoryview, /) -> list[NdesConnector]: ...
    @classmethod
    def from_json_page(
        cls, data: bytes | bytearray | memoryview | str, /
    ) -> tuple[list[NdesConnector], str | None]: ...
    @classmethod
    def from_msgpack_page(
        cls, data: bytes | bytearray | memoryview, /
    ) -> tuple[list[NdesConnector], str | None]: ...
    def __eq__(self, other: object) -> bool: ...
    def _repr_html_(self) -> str: ...

__all__: Final = ["NdesConnector"]
