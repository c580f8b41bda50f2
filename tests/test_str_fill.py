"""Decoded ASCII strs are made by filling the object from a header PyUnicode_New made (checked
against it on first use): they must be indistinguishable from any other str."""

from __future__ import annotations

import copy
import json
import pickle
import sys

import msgpack
from hypothesis import given
from hypothesis import strategies as st

import ndes
from ndes import _core

ascii_text = st.text(st.characters(min_codepoint=0, max_codepoint=127), max_size=80)


def test_decodes_use_the_filled_path_here() -> None:
    c = ndes.NdesConnector.from_json(b'{"displayName":"NDES connector 01"}')
    assert c.display_name == "NDES connector 01"
    # The header check passed: a fallback to PyUnicode_New would hide a slower path.
    assert _core._str_path() == "filled"


def same_str(got: str, want: str) -> None:
    assert type(got) is str
    assert got == want and hash(got) == hash(want) and len(got) == len(want)
    assert repr(got) == repr(want) and got.encode() == want.encode()
    assert sys.getsizeof(got) == sys.getsizeof(want)
    assert got.isascii() and got.upper() == want.upper() and got[::-1] == want[::-1]
    assert (got + "é") == (want + "é") and got.split(" ") == want.split(" ")
    assert {got: 1}[want] == 1 and sys.intern(got) == want
    assert pickle.loads(pickle.dumps(got)) == want and copy.deepcopy(got) == want
    assert json.loads(json.dumps(got)) == want


@given(ascii_text, ascii_text, st.lists(ascii_text, max_size=3), ascii_text, ascii_text)
def test_a_decoded_str_is_the_one_encoded(
    name: str, machine: str, tags: list[str], key: str, value: str
) -> None:
    want = {"displayName": name, "machineName": machine, "roleScopeTagIds": tags}
    doc = dict(want, **{"x-" + key: value})
    N = ndes.NdesConnector
    for c in (N.from_json(json.dumps(doc).encode()), N.from_msgpack(msgpack.packb(doc))):
        same_str(c.display_name, name)
        same_str(c.machine_name, machine)
        for got, tag in zip(c.role_scope_tag_ids, tags, strict=True):
            same_str(got, tag)
        ((k, v),) = c.additional_data.items()
        same_str(k, "x-" + key)
        same_str(v, value)
