"""Each contender's way of doing each operation, on the same data.

Every callable takes no argument; setup work (building encoders, models, inputs) happens here,
outside the timed loops."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from collections.abc import Callable
from typing import Any

from data import BATCH, GRAPH_201, NEXT_LINK, PAGE, connector_fields

Op = Callable[[], Any]


def wire_dict(f: dict) -> dict:
    """The JSON document of a connector, by hand: what stdlib json and msgpack-python get."""
    return {
        "@odata.type": "#microsoft.graph.ndesConnector",
        "id": f["id"],
        "lastConnectionDateTime": f["last_connection_date_time"].isoformat(),
        "state": f["state"],
        "displayName": f["display_name"],
        "enrolledDateTime": f["enrolled_date_time"].isoformat(),
        "machineName": f["machine_name"],
        "connectorVersion": f["connector_version"],
        "roleScopeTagIds": list(f["role_scope_tag_ids"]),
    }


def graph_page() -> bytes:
    """A page of the collection as Graph sends it: `@odata.context`, PAGE items and a next link."""
    return json.dumps(
        {
            "@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/"
            "ndesConnectors",
            "value": [wire_dict(connector_fields(i)) for i in range(PAGE)],
            "@odata.nextLink": NEXT_LINK,
        },
        separators=(",", ":"),
    ).encode()


class State(enum.Enum):
    none = "none"
    active = "active"
    inactive = "inactive"


@dataclasses.dataclass
class DataclassConnector:
    id: str | None = None
    last_connection_date_time: dt.datetime | None = None
    state: State | None = None
    display_name: str | None = None
    enrolled_date_time: dt.datetime | None = None
    machine_name: str | None = None
    connector_version: str | None = None
    role_scope_tag_ids: list | None = None


def dataclass_from_wire(d: dict) -> DataclassConnector:
    """What a user of orjson/msgpack writes to get a validated, typed connector back."""
    return DataclassConnector(
        id=d.get("id"),
        last_connection_date_time=dt.datetime.fromisoformat(d["lastConnectionDateTime"]),
        state=State(d["state"]),
        display_name=d.get("displayName"),
        enrolled_date_time=dt.datetime.fromisoformat(d["enrolledDateTime"]),
        machine_name=d.get("machineName"),
        connector_version=d.get("connectorVersion"),
        role_scope_tag_ids=d.get("roleScopeTagIds"),
    )


def dataclass_wire(c: DataclassConnector) -> dict:
    return {
        "@odata.type": "#microsoft.graph.ndesConnector",
        "id": c.id,
        "lastConnectionDateTime": c.last_connection_date_time,
        "state": c.state,
        "displayName": c.display_name,
        "enrolledDateTime": c.enrolled_date_time,
        "machineName": c.machine_name,
        "connectorVersion": c.connector_version,
        "roleScopeTagIds": c.role_scope_tag_ids,
    }


READ_ALL = "json decode, then read every field"
MSGPACK_READ_ALL = "msgpack decode, then read every field"
BATCH_READ_ALL = "batch json decode, then read every field"
GRAPH_DECODE = "json decode, Graph's 201 body (@odata.context)"
PAGE_READ_ALL = f"json page of {PAGE} decode, then read every field"


def read_all(c: Any) -> tuple:
    """Every field of a decoded connector, as a program that uses them all reads them (ndes makes
    its strs and datetimes on first read; the others at decode)."""
    return (
        c.id,
        c.last_connection_date_time,
        c.state,
        c.display_name,
        c.enrolled_date_time,
        c.machine_name,
        c.connector_version,
        c.role_scope_tag_ids,
    )


def read_page(page: tuple) -> list:
    """Every field of every item of a decoded page, and its next link."""
    items, link = page
    return [read_all(c) for c in items] + [link]


def typed_fields(f: dict) -> dict:
    return dict(f, state=State(f["state"]))


def ndes_ops() -> dict[str, Op]:
    import ndes

    N = ndes.NdesConnector
    f = connector_fields()
    c = N(**f)
    js, mp = c.to_json(), c.to_msgpack()
    batch = [N(**connector_fields(i)) for i in range(BATCH)]
    batch_js = N.to_json_array(batch)
    page = graph_page()
    return {
        "construct": lambda: N(
            id=f["id"],
            last_connection_date_time=f["last_connection_date_time"],
            state=f["state"],
            display_name=f["display_name"],
            enrolled_date_time=f["enrolled_date_time"],
            machine_name=f["machine_name"],
            connector_version=f["connector_version"],
            role_scope_tag_ids=f["role_scope_tag_ids"],
        ),
        "json encode": lambda: c.to_json(),
        "json decode": lambda: N.from_json(js),
        READ_ALL: lambda: read_all(N.from_json(js)),
        "msgpack encode": lambda: c.to_msgpack(),
        "msgpack decode": lambda: N.from_msgpack(mp),
        MSGPACK_READ_ALL: lambda: read_all(N.from_msgpack(mp)),
        GRAPH_DECODE: lambda: N.from_json(GRAPH_201),
        PAGE_READ_ALL: lambda: read_page(N.from_json_page(page)),
        "batch json encode": lambda: N.to_json_array(batch),
        "batch json decode": lambda: N.from_json_array(batch_js),
        BATCH_READ_ALL: lambda: [read_all(x) for x in N.from_json_array(batch_js)],
        "floor (copy of the JSON bytes)": lambda: bytes(bytearray(js)),
    }


def msgspec_types() -> tuple[type, type]:
    """msgspec's Struct for a connector, and for a page of them: (Connector, Page)."""
    import msgspec

    class Connector(
        msgspec.Struct,
        rename="camel",
        omit_defaults=True,
        tag_field="@odata.type",
        tag="#microsoft.graph.ndesConnector",
    ):
        id: str | None = None
        last_connection_date_time: dt.datetime | None = None
        state: State | None = None
        display_name: str | None = None
        enrolled_date_time: dt.datetime | None = None
        machine_name: str | None = None
        connector_version: str | None = None
        role_scope_tag_ids: list[str] | None = None

    # defstruct: the annotations of a class body here are strings naming a local class.
    Page = msgspec.defstruct(
        "Page",
        [("value", list[Connector]), ("next_link", str | None, None)],
        rename={"next_link": "@odata.nextLink"},
    )
    return Connector, Page


def msgspec_ops() -> dict[str, Op]:
    import msgspec

    Connector, Page = msgspec_types()
    f = typed_fields(connector_fields())
    s = Connector(**f)
    je, jd = msgspec.json.Encoder(), msgspec.json.Decoder(Connector)
    me, md = msgspec.msgpack.Encoder(), msgspec.msgpack.Decoder(Connector)
    js, mp = je.encode(s), me.encode(s)
    batch = [Connector(**typed_fields(connector_fields(i))) for i in range(BATCH)]
    bjs = je.encode(batch)
    bjd = msgspec.json.Decoder(list[Connector])
    page, pd = graph_page(), msgspec.json.Decoder(Page)
    page_of = lambda p: (p.value, p.next_link)  # noqa: E731
    return {
        "construct": lambda: Connector(
            id=f["id"],
            last_connection_date_time=f["last_connection_date_time"],
            state=f["state"],
            display_name=f["display_name"],
            enrolled_date_time=f["enrolled_date_time"],
            machine_name=f["machine_name"],
            connector_version=f["connector_version"],
            role_scope_tag_ids=f["role_scope_tag_ids"],
        ),
        "json encode": lambda: je.encode(s),
        "json decode": lambda: jd.decode(js),
        READ_ALL: lambda: read_all(jd.decode(js)),
        "msgpack encode": lambda: me.encode(s),
        "msgpack decode": lambda: md.decode(mp),
        MSGPACK_READ_ALL: lambda: read_all(md.decode(mp)),
        GRAPH_DECODE: lambda: jd.decode(GRAPH_201),
        PAGE_READ_ALL: lambda: read_page(page_of(pd.decode(page))),
        "batch json encode": lambda: je.encode(batch),
        "batch json decode": lambda: bjd.decode(bjs),
        BATCH_READ_ALL: lambda: [read_all(x) for x in bjd.decode(bjs)],
    }


def orjson_ops() -> dict[str, Op]:
    import orjson

    c = DataclassConnector(**typed_fields(connector_fields()))
    js = orjson.dumps(dataclass_wire(c))
    batch = [DataclassConnector(**typed_fields(connector_fields(i))) for i in range(BATCH)]
    bjs = orjson.dumps([dataclass_wire(x) for x in batch])
    return {
        "json encode": lambda: orjson.dumps(dataclass_wire(c)),
        "json decode": lambda: dataclass_from_wire(orjson.loads(js)),
        READ_ALL: lambda: read_all(dataclass_from_wire(orjson.loads(js))),
        "batch json encode": lambda: orjson.dumps([dataclass_wire(x) for x in batch]),
        "batch json decode": lambda: [dataclass_from_wire(d) for d in orjson.loads(bjs)],
        BATCH_READ_ALL: lambda: [read_all(dataclass_from_wire(d)) for d in orjson.loads(bjs)],
    }


def dataclass_ops() -> dict[str, Op]:
    f = typed_fields(connector_fields())
    D = DataclassConnector
    return {
        "construct": lambda: D(
            id=f["id"],
            last_connection_date_time=f["last_connection_date_time"],
            state=f["state"],
            display_name=f["display_name"],
            enrolled_date_time=f["enrolled_date_time"],
            machine_name=f["machine_name"],
            connector_version=f["connector_version"],
            role_scope_tag_ids=f["role_scope_tag_ids"],
        )
    }


def pydantic_ops() -> dict[str, Op]:
    import pydantic
    from pydantic.alias_generators import to_camel

    class Connector(pydantic.BaseModel):
        model_config = pydantic.ConfigDict(alias_generator=to_camel, populate_by_name=True)
        id: str | None = None
        last_connection_date_time: pydantic.AwareDatetime | None = None
        state: State | None = None
        display_name: str | None = None
        enrolled_date_time: pydantic.AwareDatetime | None = None
        machine_name: str | None = None
        connector_version: str | None = None
        role_scope_tag_ids: list[str] | None = None

    f = typed_fields(connector_fields())
    m = Connector(**f)
    js = m.model_dump_json(by_alias=True, exclude_none=True).encode()
    return {
        "construct": lambda: Connector(
            id=f["id"],
            last_connection_date_time=f["last_connection_date_time"],
            state=f["state"],
            display_name=f["display_name"],
            enrolled_date_time=f["enrolled_date_time"],
            machine_name=f["machine_name"],
            connector_version=f["connector_version"],
            role_scope_tag_ids=f["role_scope_tag_ids"],
        ),
        "json encode": lambda: m.model_dump_json(by_alias=True, exclude_none=True),
        "json decode": lambda: Connector.model_validate_json(js),
        READ_ALL: lambda: read_all(Connector.model_validate_json(js)),
    }


def stdlib_ops() -> dict[str, Op]:
    d = wire_dict(connector_fields())
    js = json.dumps(d, separators=(",", ":")).encode()
    return {
        "json encode": lambda: json.dumps(d, separators=(",", ":")).encode(),
        "json decode": lambda: dataclass_from_wire(json.loads(js)),
    }


def msgpack_python_ops() -> dict[str, Op]:
    import msgpack

    d = wire_dict(connector_fields())
    mp = msgpack.packb(d)
    return {
        "msgpack encode": lambda: msgpack.packb(d),
        "msgpack decode": lambda: dataclass_from_wire(msgpack.unpackb(mp)),
    }


def ormsgpack_ops() -> dict[str, Op]:
    import ormsgpack

    c = DataclassConnector(**typed_fields(connector_fields()))
    mp = ormsgpack.packb(dataclass_wire(c))
    return {
        "msgpack encode": lambda: ormsgpack.packb(dataclass_wire(c)),
        "msgpack decode": lambda: dataclass_from_wire(ormsgpack.unpackb(mp)),
    }


def kiota_ops() -> dict[str, Op]:
    from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory
    from kiota_serialization_json.json_serialization_writer import JsonSerializationWriter
    from msgraph_beta.generated.models.ndes_connector import NdesConnector as K
    from msgraph_beta.generated.models.ndes_connector_state import NdesConnectorState as KS

    f = connector_fields()
    states = {"none": KS.None_, "active": KS.Active, "inactive": KS.Inactive}
    k = K(**dict(f, state=states[f["state"]]))

    def encode() -> bytes:
        w = JsonSerializationWriter()
        w.write_object_value(None, k)
        return w.get_serialized_content()

    js = encode()
    factory = JsonParseNodeFactory()
    return {
        "json encode": encode,
        "json decode": lambda: factory.get_root_parse_node("application/json", js).get_object_value(
            K
        ),
    }


CONTENDERS: dict[str, Callable[[], dict[str, Op]]] = {
    "ndes": ndes_ops,
    "msgspec": msgspec_ops,
    "orjson + dataclass": orjson_ops,
    "dataclass": dataclass_ops,
    "pydantic v2": pydantic_ops,
    "stdlib json": stdlib_ops,
    "msgpack-python": msgpack_python_ops,
    "ormsgpack": ormsgpack_ops,
    "Kiota (msgraph-beta-sdk)": kiota_ops,
}
