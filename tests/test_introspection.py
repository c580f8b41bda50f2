"""What help(), inspect and IDEs see of the C type: text signatures, no ordering methods."""

from __future__ import annotations

import inspect
import pydoc

import pytest

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
