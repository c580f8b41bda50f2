"""Decoded fields: whatever a program reads, sets, encodes or compares, in any order, it sees
the values that were decoded, and nothing ties them to the input's buffer."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone

import pytest

from ndes import NdesConnector

IST = timezone(timedelta(hours=5, minutes=30))
FIELDS = ("id", "display_name", "machine_name", "connector_version", "role_scope_tag_ids")


def original() -> NdesConnector:
    return NdesConnector(
        id="8ea5d7a6-d7a6-8ea5-a6d7-a58ea6d7a58e",
        display_name="Zürich NDES — 東京 🔐",
        state="active",
        enrolled_date_time=datetime(2025, 1, 2, 3, 4, 5, tzinfo=IST),
        machine_name="ndes01.corp.contoso.com",
        connector_version="6.2.1000.0",
        role_scope_tag_ids=["0", "12", "Ünïcode", ""],
        additional_data={"healthStatus": "healthy"},
    )


@pytest.fixture(params=["json", "msgpack"])
def decoded(request):
    c = original()
    if request.param == "json":
        return c.to_json(), NdesConnector.from_json
    return c.to_msgpack(), NdesConnector.from_msgpack


def test_values_read_back(decoded):
    data, load = decoded
    c, want = load(data), original()
    for name in FIELDS:
        assert getattr(c, name) == getattr(want, name)
        assert type(getattr(c, name)) is type(getattr(want, name))


def test_a_read_field_is_the_same_object_each_time(decoded):
    data, load = decoded
    c = load(data)
    assert c.display_name is c.display_name
    assert c.role_scope_tag_ids is c.role_scope_tag_ids


@pytest.mark.parametrize("read", [(), ("id",), ("display_name", "role_scope_tag_ids"), FIELDS])
def test_encoding_after_reading_some_fields_is_unchanged(decoded, read):
    data, load = decoded
    c = load(data)
    for name in read:
        getattr(c, name)
    assert c.to_json() == original().to_json()
    assert c.to_msgpack() == original().to_msgpack()


def test_setting_a_decoded_field_replaces_it(decoded):
    data, load = decoded
    c = load(data)
    c.display_name = "renamed"
    c.machine_name = None
    want = original()
    want.display_name = "renamed"
    want.machine_name = None
    assert c.to_json() == want.to_json()
    assert c.display_name == "renamed" and c.machine_name is None
    assert c.id == want.id


def test_a_decoded_list_changed_in_place_is_encoded_as_changed(decoded):
    data, load = decoded
    c = load(data)
    c.role_scope_tag_ids.append("99")
    assert NdesConnector.from_json(c.to_json()).role_scope_tag_ids[-1] == "99"


def test_empty_and_null_values():
    c = NdesConnector.from_json(b'{"roleScopeTagIds":[],"displayName":"","id":null}')
    assert c.role_scope_tag_ids == [] and c.display_name == "" and c.id is None
    assert c.to_json() == NdesConnector(role_scope_tag_ids=[], display_name="").to_json()


def test_equality_pickle_and_dict_of_unread_connectors(decoded):
    data, load = decoded
    a, b = load(data), load(data)
    assert a == b and a == original()
    assert pickle.loads(pickle.dumps(load(data))) == original()
    assert load(data).to_dict() == original().to_dict()
    a.connector_version = "7"
    assert a != b


def test_batch_items_keep_their_own_text():
    items = [
        NdesConnector(id=str(i), display_name="x" * i, role_scope_tag_ids=[str(i)] * (i % 4))
        for i in range(300)
    ]
    for back in (
        NdesConnector.from_json_array(NdesConnector.to_json_array(items)),
        NdesConnector.from_msgpack_array(NdesConnector.to_msgpack_array(items)),
    ):
        assert back == items
        assert [c.display_name for c in back[::-1]] == [c.display_name for c in items[::-1]]


def test_text_larger_than_the_first_buffer():
    big = NdesConnector(display_name="é" * 100_000, role_scope_tag_ids=["t" * 5000] * 40)
    for back in (
        NdesConnector.from_json(big.to_json()),
        NdesConnector.from_msgpack(big.to_msgpack()),
    ):
        assert back.role_scope_tag_ids == big.role_scope_tag_ids
        assert back.display_name == big.display_name


def test_escaped_strings_are_kept_unescaped():
    c = NdesConnector.from_json(
        b'{"displayName":"a\\"b\\\\c\\u00e9\\ud83d\\udd10","roleScopeTagIds":["\\n","\\/"]}'
    )
    assert (
        c.to_json()
        == NdesConnector(display_name='a"b\\cé🔐', role_scope_tag_ids=["\n", "/"]).to_json()
    )
    assert c.display_name == 'a"b\\cé🔐' and c.role_scope_tag_ids == ["\n", "/"]


def test_the_input_can_change_or_go_after_decoding(decoded):
    data, load = decoded
    buf = bytearray(data)
    c = load(memoryview(buf))
    buf[:] = b"\0" * len(buf)  # the caller reuses its buffer: the connector kept its own copy
    del buf
    assert c == original()
