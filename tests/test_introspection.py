"""What help(), inspect and IDEs see of the C type: text signatures, no ordering methods."""

from __future__ import annotations

import dis
import inspect
import pydoc
import sys
import types

import pytest
from core_helpers import CLASS_METHODS

from ndes import NdesConnector

SIGNATURES = {
    "to_json": "(self, /)",
    "to_msgpack": "(self, /)",
    "to_dict": "(self, /)",
    "from_json": "(data, /)",
    "from_msgpack": "(data, /)",
    "from_dict": "(data, /)",
    "to_json_array": "(connectors, /)",
    "from_json_array": "(data, /)",
    "to_msgpack_array": "(connectors, /)",
    "from_msgpack_array": "(data, /)",
    "_repr_html_": "(self, /)",
}


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_methods_have_text_signatures(name: str) -> None:
    method = getattr(NdesConnector, name)
    assert str(inspect.signature(method)) == SIGNATURES[name]
    assert method.__doc__ and not method.__doc__.startswith(name)  # the signature is not prose


def test_bound_methods_and_the_constructor_have_signatures() -> None:
    assert str(inspect.signature(NdesConnector().to_json)) == "()"
    params = inspect.signature(NdesConnector).parameters
    assert list(params)[:3] == ["id", "display_name", "state"]
    assert all(p.kind is p.KEYWORD_ONLY and p.default is None for p in params.values())


def test_help_lists_no_ordering_methods() -> None:
    text = pydoc.render_doc(NdesConnector, renderer=pydoc.plaintext)
    for name in ("__lt__", "__le__", "__gt__", "__ge__"):
        assert name not in text
        assert name not in vars(NdesConnector)
    assert "__eq__" in text and "from_json(data, /)" in text and "to_json(self, /)" in text


def test_ordering_still_raises_and_equality_still_works() -> None:
    a, b = NdesConnector(display_name="a"), NdesConnector(display_name="a")
    assert a == b and not (a != b)
    for compare in (lambda: a < b, lambda: a <= b, lambda: a > b, lambda: a >= b):
        with pytest.raises(TypeError):
            compare()


@pytest.mark.parametrize("name", CLASS_METHODS)
def test_class_methods_are_builtins_bound_to_the_type(name: str) -> None:
    method = vars(NdesConnector)[name]
    assert type(method) is types.BuiltinFunctionType and method.__self__ is NdesConnector
    assert getattr(NdesConnector, name) is method


@pytest.mark.skipif(sys.version_info < (3, 11), reason="3.10 has no specialising interpreter")
def test_a_decode_call_site_is_specialised_as_a_one_argument_builtin_call() -> None:
    # The call takes the interpreter's METH_O path only when the method's flags are exactly
    # METH_O; with any other bit it is sent the generic way on every call (the instruction
    # names differ by version, "BUILTIN_O" is in each: PRECALL_NO_KW_BUILTIN_O in 3.11,
    # CALL_NO_KW_BUILTIN_O in 3.12, CALL_BUILTIN_O from 3.13).
    data = NdesConnector(display_name="a").to_json()

    def decode() -> NdesConnector:
        return NdesConnector.from_json(data)

    # A call site that misses goes back to the generic instruction after some dozens of calls
    # and is re-specialised later and later: sampled ten times, it is seen unspecialised.
    for _ in range(10):
        for _ in range(1000):
            decode()
        names = [i.opname for i in dis.get_instructions(decode, adaptive=True)]
        assert any("BUILTIN_O" in n for n in names), names
