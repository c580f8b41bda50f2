"""The Graph stand-in itself, without sockets: routes, validation as Graph does it, the store,
and the fault queue. The HTTP server and the in-process backend both drive it."""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from .._core import NdesConnector
from .._state import NdesConnectorState
from ..errors import DecodeError

COLLECTION = "/beta/deviceManagement/ndesConnectors"
ENTITY_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8"
)

# What a fault does, in the order a request meets it.
FAULT_KINDS = (
    "refuse",  # the connection is refused: nothing is sent (in-process backend only)
    "drop_before_body",  # the connection closes before the request is read: nothing created
    "status",  # answer `status` (with `retry_after`, `body`, `content_type`) without acting
    "redirect",  # answer `status` (307) with Location: `location`, without acting
    "delay",  # wait `seconds`, then act and answer as usual
    "drop_after_body",  # act on the request, then close without answering
    "truncate",  # act, then send only part of the answer and close
    "oversize",  # act, then answer with a body of `size` bytes
    "wrong_content_type",  # act, then answer 201 with an HTML body
)


@dataclass
class Fault:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    #: "respond", or a socket-level action: "drop_after_body", "truncate".
    then: str = "respond"


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    def __repr__(self) -> str:  # the token stays out of printed records
        shown = {k: ("<redacted>" if k == "authorization" else v) for k, v in self.headers.items()}
        return f"SeenRequest({self.method} {self.path}, headers={shown}, body={self.body!r})"


class GraphEmulator:
    """A Graph stand-in for the ndesConnectors collection, safe to share between threads."""

    def __init__(
        self,
        *,
        accept_token: Callable[[str], bool] | None = None,
        max_request_bytes: int = 4 * 1024 * 1024,
    ) -> None:
        self.accept_token = accept_token
        #: A larger request body is answered 413 without being read; none is kept.
        self.max_request_bytes = max_request_bytes
        self._lock = threading.Lock()
        self._connectors: dict[str, bytes] = {}
        self._faults: deque[Fault] = deque()
        self._requests: list[SeenRequest] = []

    # -- what a test looks at --------------------------------------------------------------
    @property
    def connectors(self) -> list[NdesConnector]:
        with self._lock:
            stored = list(self._connectors.values())
        return [NdesConnector.from_json(body) for body in stored]

    @property
    def requests(self) -> list[SeenRequest]:
        with self._lock:
            return list(self._requests)

    def inject(self, kind: str, count: int = 1, **params: object) -> None:
        """Queue a fault for the next `count` requests (see FAULT_KINDS)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULT_KINDS)}")
        with self._lock:
            self._faults.extend(Fault(kind, dict(params)) for _ in range(count))

    def reset(self) -> None:
        with self._lock:
            self._connectors.clear()
            self._faults.clear()
            self._requests.clear()

    # -- what the server and the backend call ----------------------------------------------
    def next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def record(self, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
        with self._lock:
            self._requests.append(SeenRequest(method, urlsplit(target).path, dict(headers), body))

    def refuse_unread(self, headers: dict[str, str], length: int) -> Reply | None:
        """The answer to a request refused on its headers alone (401 without a usable token,
        413 for a body over max_request_bytes), whose body is then neither read nor kept; None
        for a request to read and handle."""
        crid = headers.get("client-request-id") or str(uuid.uuid4())
        refused = self._unauthenticated(headers, crid)
        if refused is None and length > self.max_request_bytes:
            refused = _error(
                413,
                "RequestEntityTooLarge",
                f"The request body is larger than {self.max_request_bytes} bytes.",
                crid,
            )
        return refused

    def _unauthenticated(self, headers: dict[str, str], crid: str) -> Reply | None:
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        if not token:
            return _error(401, "InvalidAuthenticationToken", "Access token is empty.", crid)
        if self.accept_token is not None and not self.accept_token(token):
            return _error(
                401,
                "InvalidAuthenticationToken",
                "Access token has expired or is not yet valid.",
                crid,
            )
        return None

    def handle(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        fault: Fault | None = None,
        base_url: str = "http://localhost/beta",
    ) -> Reply:
        """Answer one request (headers with lower-case names), applying `fault` if any."""
        crid = headers.get("client-request-id") or str(uuid.uuid4())
        if fault and fault.kind == "status":
            status = int(fault.params.get("status", 500))
            reply = _error(
                status, str(fault.params.get("code", "injectedFault")), "Injected fault", crid
            )
            if "body" in fault.params:
                reply.body = str(fault.params["body"]).encode()
                reply.headers["Content-Type"] = str(fault.params.get("content_type", "text/html"))
            if "retry_after" in fault.params:
                reply.headers["Retry-After"] = str(fault.params["retry_after"])
            return reply
        if fault and fault.kind == "redirect":
            return Reply(
                int(fault.params.get("status", 307)),
                {"Location": str(fault.params["location"]), "Content-Length": "0"},
                b"",
            )
        reply = self._route(method, target, headers, body, crid, base_url)
        if fault and fault.kind in ("drop_after_body", "truncate"):
            reply.then = fault.kind
        elif fault and fault.kind == "oversize":
            reply.body = (
                reply.body[:-1]
                + b',"padding":"'
                + b"x" * int(fault.params.get("size", 8 << 20))
                + b'"}'
            )
        elif fault and fault.kind == "wrong_content_type":
            reply = Reply(201, {"Content-Type": "text/html"}, b"<html><body>Created</body></html>")
        reply.headers.setdefault("client-request-id", crid)
        return reply

    def _route(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        crid: str,
        base_url: str,
    ) -> Reply:
        path = urlsplit(target).path.rstrip("/")
        refused = self._unauthenticated(headers, crid)
        if refused is not None:
            return refused
        if path == COLLECTION:
            if method == "POST":
                return self._create(headers, body, crid, base_url)
            if method == "GET":
                with self._lock:
                    items = b",".join(self._connectors.values())
                context = f'"@odata.context":"{base_url}/$metadata#deviceManagement/ndesConnectors"'
                return _json(200, b"{" + context.encode() + b',"value":[' + items + b"]}", crid)
            return _error(405, "BadRequest", f"{method} is not allowed on this resource.", crid)
        if path.startswith(COLLECTION + "/") and method == "GET":
            key = path[len(COLLECTION) + 1 :]
            with self._lock:
                stored = self._connectors.get(key)
            if stored is None:
                return _error(404, "ResourceNotFound", f"Resource '{key}' does not exist.", crid)
            return _json(200, _with_context(stored, base_url), crid)
        return _error(404, "BadRequest", f"Resource not found for the segment '{path}'.", crid)

    def _create(self, headers: dict[str, str], body: bytes, crid: str, base_url: str) -> Reply:
        content_type = headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            return _error(
                400,
                "BadRequest",
                f"Unsupported Content-Type '{content_type}'; expected application/json.",
                crid,
            )
        try:
            connector = NdesConnector.from_json(body)
        except DecodeError as exc:
            return _error(400, "BadRequest", f"Invalid request body: {exc}", crid)
        if connector.additional_data:
            name = next(iter(connector.additional_data))
            return _error(
                400,
                "BadRequest",
                f"The property '{name}' does not exist on type 'microsoft.graph.ndesConnector'. "
                "Make sure to only use property names that are defined by the type.",
                crid,
            )
        if connector.state is not None and not isinstance(connector.state, NdesConnectorState):
            return _error(
                400,
                "BadRequest",
                f"Cannot convert the literal '{connector.state}' to the expected type "
                "'microsoft.graph.ndesConnectorState'.",
                crid,
            )
        connector.id = str(uuid.uuid4())
        stored = connector.to_json()
        with self._lock:
            self._connectors[connector.id] = stored
        reply = _json(201, _with_context(stored, base_url), crid)
        reply.headers["Location"] = f"{base_url}/deviceManagement/ndesConnectors('{connector.id}')"
        return reply


def _with_context(entity: bytes, base_url: str) -> bytes:
    context = f'{{"@odata.context":"{base_url}/$metadata#deviceManagement/ndesConnectors/$entity",'
    return context.encode() + entity[1:]


def _json(status: int, body: bytes, crid: str) -> Reply:
    return Reply(
        status,
        {
            "Content-Type": ENTITY_CONTENT_TYPE,
            "request-id": str(uuid.uuid4()),
            "client-request-id": crid,
            "Date": formatdate(usegmt=True),
        },
        body,
    )


def _error(status: int, code: str, message: str, crid: str) -> Reply:
    request_id = str(uuid.uuid4())
    date = formatdate(usegmt=True)
    doc = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {"date": date, "request-id": request_id, "client-request-id": crid},
        }
    }
    reply = _json(status, json.dumps(doc).encode(), crid)
    reply.headers["request-id"] = request_id
    reply.headers["Content-Type"] = "application/json"
    return reply
