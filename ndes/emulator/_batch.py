"""``POST /beta/$batch`` as Graph answers it: at most 20 requests, each routed through the same
handler as a direct request (auth, validation, throttling, sub-request faults), the answers in
any order, each with its own status, headers and body."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .. import _json
from ._graph import BATCH, Reply
from ._graph import _error as error_reply
from ._graph import _json as json_reply

if TYPE_CHECKING:
    from ._graph import GraphEmulator

MAX_REQUESTS = 20
#: Sub-response headers Graph passes on (the rest stay on the batch's own answer).
KEPT_HEADERS = ("location", "content-type", "retry-after")


def answer(
    emulator: GraphEmulator, headers: dict[str, str], body: bytes, crid: str, base_url: str
) -> Reply:
    try:
        doc = _json.loads(body)
        requests = doc["requests"]
        if not isinstance(requests, list):
            raise TypeError("requests is not an array")
    except (ValueError, TypeError, KeyError):
        return error_reply(400, "BadRequest", "Invalid batch payload format.", crid)
    if len(requests) > MAX_REQUESTS:
        return error_reply(
            400,
            "BadRequest",
            f"Number of requests in a batch exceeds the limit of {MAX_REQUESTS}.",
            crid,
        )
    seen: set[str] = set()
    for request in requests:
        if (
            not isinstance(request, dict)
            or not isinstance(request.get("id"), str)
            or not isinstance(request.get("method"), str)
            or not isinstance(request.get("url"), str)
        ):
            return error_reply(
                400, "BadRequest", "Each batch request needs an id, a method and a url.", crid
            )
        if request["id"] in seen:
            return error_reply(
                400, "BadRequest", f"Request id '{request['id']}' is not unique.", crid
            )
        seen.add(request["id"])
    parts = [_one(emulator, request, headers, base_url) for request in requests]
    emulator.shuffle(parts)  # Graph answers in any order; a client must match by id
    return json_reply(200, b'{"responses":[' + b",".join(parts) + b"]}", crid)


def _one(
    emulator: GraphEmulator, request: dict[str, Any], outer: dict[str, str], base_url: str
) -> bytes:
    method = request["method"].upper()
    url = request["url"]
    given = request.get("headers")
    sub_headers = (
        {str(k).lower(): str(v) for k, v in given.items()} if isinstance(given, dict) else {}
    )
    if "authorization" in outer:  # a sub-request runs with the batch's token
        sub_headers["authorization"] = outer["authorization"]
    body = request.get("body")
    raw = b"" if body is None else json.dumps(body).encode()
    path = "/beta/" + url.lstrip("/")
    emulator.record_sub_request(method, path, sub_headers, raw)
    if urlsplit(path).path.rstrip("/") == BATCH:
        reply = error_reply(400, "BadRequest", "A batch cannot contain a batch.", "")
    else:
        fault = emulator.next_sub_fault()
        reply = emulator.handle(method, path, sub_headers, raw, fault, base_url)
    kept = {k: v for k, v in reply.headers.items() if k.lower() in KEPT_HEADERS}
    content_type = kept.get("Content-Type", "")
    if not reply.body:
        sub_body = b""
    elif "json" in content_type:
        sub_body = b',"body":' + reply.body
    else:  # Graph base64-encodes a body that is not JSON
        sub_body = b',"body":' + json.dumps(base64.b64encode(reply.body).decode()).encode()
    return (
        b'{"id":'
        + json.dumps(request["id"]).encode()
        + b',"status":%d,"headers":' % reply.status
        + json.dumps(kept).encode()
        + sub_body
        + b"}"
    )
