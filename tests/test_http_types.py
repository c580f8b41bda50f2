"""HttpRequest and HttpResponse are plain classes (no dataclasses on the import path): they
still compare by value, refuse changes, keep the token out of a repr, and share no defaults."""

from __future__ import annotations

import uuid

import pytest

from ndes import HttpRequest, HttpResponse
from ndes._ops import new_request_id


def test_they_compare_by_value_and_refuse_changes():
    request = HttpRequest("POST", "https://h/x", {"Authorization": "Bearer s3cret"}, b"{}")
    assert request == HttpRequest("POST", "https://h/x", {"Authorization": "Bearer s3cret"}, b"{}")
    assert request != HttpRequest("POST", "https://h/x", {}, b"{}")
    assert request != ("POST", "https://h/x", {"Authorization": "Bearer s3cret"}, b"{}")
    assert (request.timeout, request.max_response_bytes) == (30.0, 4 * 1024 * 1024)
    with pytest.raises(AttributeError):
        request.url = "https://elsewhere/"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del request.body  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(request)
    assert "s3cret" not in repr(request) and "https://h/x" in repr(request)


def test_a_response_has_its_own_headers():
    first, second = HttpResponse(204), HttpResponse(204)
    assert first == second and first.headers == {} and first.body == b""
    first.headers["x"] = "1"
    assert second.headers == {}
    assert HttpResponse(429, {"retry-after": "2"}).header("Retry-After") == "2"


def test_a_client_request_id_is_a_version_4_uuid():
    ids = {new_request_id() for _ in range(200)}
    assert len(ids) == 200
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
