"""The batch API: a collection encoded and decoded in one C call, same rules as single ones."""

from __future__ import annotations

import json

import msgpack
import pytest

from ndes import DecodeError, NdesConnector, ValidationError


def many(n: int) -> list[NdesConnector]:
    return [
        NdesConnector(display_name=f"n{i}", state="active", additional_data={"i": i})
        for i in range(n)
    ]


@pytest.mark.parametrize("n", [0, 1, 3, 500])
def test_round_trips(n):
    cs = many(n)
    js = NdesConnector.to_json_array(cs)
    assert json.loads(js) == [c.to_dict() for c in cs]
    assert NdesConnector.from_json_array(js) == cs
    mp = NdesConnector.to_msgpack_array(cs)
    assert msgpack.unpackb(mp) == json.loads(js)
    assert NdesConnector.from_msgpack_array(mp) == cs
    assert NdesConnector.to_json_array(tuple(cs)) == js


def test_large_batch_grows_out_of_the_stack_buffer():
    cs = many(10_000)
    js = NdesConnector.to_json_array(cs)
    assert len(js) > 500_000
    assert NdesConnector.from_json_array(memoryview(js)) == cs


def test_a_bad_element_names_its_index():
    cs = many(3)
    with pytest.raises(TypeError, match="item 1 is dict"):
        NdesConnector.to_json_array([cs[0], {}, cs[2]])
    cs[2].role_scope_tag_ids = ["a"]
    cs[2].role_scope_tag_ids.append(5)
    with pytest.raises(ValidationError) as e:
        NdesConnector.to_msgpack_array(cs)
    assert e.value.field == "[2].roleScopeTagIds[1]"
    with pytest.raises(DecodeError) as d:
        NdesConnector.from_json_array(b'[{},{},{"state":7}]')
    assert d.value.reason.startswith("item 2: state:") and d.value.offset == 16
    with pytest.raises(DecodeError, match="item 1: expected an object"):
        NdesConnector.from_msgpack_array(msgpack.packb([{}, 1]))
    with pytest.raises(DecodeError, match="array of connectors"):
        NdesConnector.from_json_array(b"{}")
    with pytest.raises(TypeError):
        NdesConnector.to_json_array(5)
