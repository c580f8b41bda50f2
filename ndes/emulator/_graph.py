"""The Graph stand-in itself, without sockets: routes, validation as Graph does it, the store,
and the fault queue. The HTTP server and the in-process backend both drive it."""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from .._core import NdesConnector
from .._state import NdesConnectorState
from ..errors import DecodeError
from . import _query
from ._throttle import WriteThrottle

COLLECTION = "/beta/deviceManagement/ndesConnectors"
BATCH = "/beta/$batch"
WRITE_METHODS = ("POST", "PATCH", "DELETE")
ENTITY_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8"
)

# What a fault does, in the order a request meets it.
FAULT_KINDS = (
    "refuse",  # the connection is refused: nothing is sent (in-process backend only)
    "drop_before_body",  # the connection closes before the request is read: nothing created
    "status",  # answer `status` (with `retry_after`, `body`, `content_type`) without acting,
    # or after acting when `act` is true (a 500 for a connector that was made)
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
    #: Only a request with this method meets the fault (None: any request).
    method: str | None = None


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
    path: str  # as sent, still percent-encoded
    headers: dict[str, str]  # lower-case names
    body: bytes
    query: str = ""  # as sent, still percent-encoded

    def __repr__(self) -> str:  # the token stays out of printed records
        shown = {k: ("<redacted>" if k == "authorization" else v) for k, v in self.headers.items()}
        return f"SeenRequest({self.method} {self.path}, headers={shown}, body={self.body!r})"


class GraphEmulator:
    """A Graph stand-in for the ndesConnectors collection, safe to share between threads."""

    def __init__(
        self,
        *,
        accept_token: Callable[[str], bool] | None = None,
        page_size: int = 100,
        max_request_bytes: int = 4 * 1024 * 1024,
    ) -> None:
        if isinstance(page_size, bool) or not isinstance(page_size, int):
            raise TypeError(f"page_size is an int, not {type(page_size).__name__}")
        if page_size < 1:  # 0 would answer empty pages linking to themselves for ever
            raise ValueError(f"page_size must be at least 1, not {page_size}")
        self.accept_token = accept_token
        #: How many connectors a page of the collection holds before a next link.
        self.page_size = page_size
        #: A larger request body is answered 413 without being read; none is kept.
        self.max_request_bytes = max_request_bytes
        self._lock = threading.Lock()
        self._connectors: dict[str, bytes] = {}
        self._faults: deque[Fault] = deque()
        self._requests: list[SeenRequest] = []
        self._sub_faults: deque[Fault] = deque()
        self._sub_requests: list[SeenRequest] = []
        self._rng = random.Random()
        #: Intune's write limits, enforced once :meth:`throttle_writes` turns them on.
        self.throttle: WriteThrottle | None = None

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

    @property
    def sub_requests(self) -> list[SeenRequest]:
        """The requests that came inside a $batch, one per sub-request, as routed."""
        with self._lock:
            return list(self._sub_requests)

    def inject(
        self, kind: str, count: int = 1, *, method: str | None = None, **params: object
    ) -> None:
        """Queue a fault for the next `count` requests (see FAULT_KINDS), or for the next
        `count` requests with `method` (GET, POST, PATCH, DELETE) when it is given; with
        ``within_batch=True``, for the next `count` sub-requests of a $batch instead (only the
        `status` kind, which a sub-request answers on its own)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULT_KINDS)}")
        within_batch = bool(params.pop("within_batch", False))
        if within_batch and kind != "status":
            raise ValueError("only a `status` fault can be injected into a batch's sub-request")
        with self._lock:
            queue = self._sub_faults if within_batch else self._faults
            queue.extend(Fault(kind, dict(params), method) for _ in range(count))

    def throttle_writes(
        self, app_limit: int = 100, tenant_limit: int = 200, window: float = 20.0
    ) -> WriteThrottle:
        """Turns on Intune's write limits (per app, i.e. per bearer token, and per tenant, in
        any `window` seconds; a short window keeps tests fast); 429 with Retry-After past them."""
        self.throttle = WriteThrottle(app_limit, tenant_limit, window)
        return self.throttle

    def reset(self) -> None:
        with self._lock:
            self._connectors.clear()
            self._faults.clear()
            self._requests.clear()
            self._sub_faults.clear()
            self._sub_requests.clear()
            self.throttle = None

    # -- what the server and the backend call ----------------------------------------------
    def next_fault(self, method: str | None = None) -> Fault | None:
        """The first queued fault this request meets, taken off the queue."""
        with self._lock:
            for i, fault in enumerate(self._faults):
                if fault.method is None or method is None or fault.method == method:
                    del self._faults[i]
                    return fault
            return None

    def record(self, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
        parts = urlsplit(target)
        with self._lock:
            self._requests.append(SeenRequest(method, parts.path, dict(headers), body, parts.query))

    def next_sub_fault(self) -> Fault | None:
        with self._lock:
            return self._sub_faults.popleft() if self._sub_faults else None

    def record_sub_request(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> None:
        with self._lock:
            self._sub_requests.append(
                SeenRequest(method, urlsplit(target).path, dict(headers), body)
            )

    def shuffle(self, items: list[Any]) -> None:
        with self._lock:
            self._rng.shuffle(items)

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
            if fault.params.get("act"):
                self._route(method, target, headers, body, crid, base_url)
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
        if path == BATCH and method == "POST":
            from . import _batch

            return _batch.answer(self, headers, body, crid, base_url)
        if self.throttle is not None and method in WRITE_METHODS:
            auth = headers.get("authorization", "")
            retry_after = self.throttle.admit(auth[7:].strip())
            if retry_after is not None:
                reply = _error(429, "TooManyRequests", "Too many write requests.", crid)
                reply.headers["Retry-After"] = str(retry_after)
                return reply
        if path == COLLECTION:
            if method == "POST":
                return self._create(headers, body, crid, base_url)
            if method == "GET":
                return self._list(urlsplit(target).query, crid, base_url)
            return _error(405, "BadRequest", f"{method} is not allowed on this resource.", crid)
        if path.startswith(COLLECTION + "/") and "/" not in path[len(COLLECTION) + 1 :]:
            key = unquote(path[len(COLLECTION) + 1 :])
            with self._lock:
                stored = self._connectors.get(key)
            if stored is None:
                return _error(404, "ResourceNotFound", f"Resource '{key}' does not exist.", crid)
            if method == "GET":
                return _json(200, _with_context(stored, base_url), crid)
            if method == "PATCH":
                return self._update(key, stored, headers, body, crid, base_url)
            if method == "DELETE":
                with self._lock:
                    self._connectors.pop(key, None)
                reply = _json(204, b"", crid)
                del reply.headers["Content-Type"]
                return reply
            return _error(405, "BadRequest", f"{method} is not allowed on this resource.", crid)
        return _error(404, "BadRequest", f"Resource not found for the segment '{path}'.", crid)

    def _list(self, query: str, crid: str, base_url: str) -> Reply:
        options = dict(parse_qsl(query, keep_blank_values=True))
        with self._lock:
            docs = [json.loads(stored) for stored in self._connectors.values()]
        try:
            if "$filter" in options:
                keep = _query.parse_filter(options["$filter"])
                docs = [d for d in docs if keep(d)]
            if "$orderby" in options:
                docs = _query.order(docs, options["$orderby"])
            if "$top" in options:
                docs = docs[: _query.parse_top(options["$top"])]
            start = _query.parse_skiptoken(options.get("$skiptoken", "0"))
            select = _query.parse_select(options["$select"]) if "$select" in options else None
        except _query.QueryError as exc:
            return _error(400, "BadRequest", str(exc), crid)
        page = docs[start : start + self.page_size]
        if select is not None:
            page = [{k: d[k] for k in select if k in d} for d in page]
        doc: dict[str, Any] = {
            "@odata.context": f"{base_url}/$metadata#deviceManagement/ndesConnectors",
            "value": page,
        }
        if start + self.page_size < len(docs):
            options["$skiptoken"] = str(start + self.page_size)
            doc["@odata.nextLink"] = f"{base_url}/deviceManagement/ndesConnectors?" + "&".join(
                f"{k}={quote(v, safe='')}" for k, v in options.items()
            )
        return _json(200, json.dumps(doc, ensure_ascii=False).encode(), crid)

    def _update(
        self,
        key: str,
        stored: bytes,
        headers: dict[str, str],
        body: bytes,
        crid: str,
        base_url: str,
    ) -> Reply:
        refused = self._refusal(headers, body, crid)
        if refused is not None:
            return refused
        changes = json.loads(body)
        if not isinstance(changes, dict):
            return _error(400, "BadRequest", "Invalid request body: not an object.", crid)
        if changes.get("id", key) != key:
            return _error(400, "BadRequest", "The key property 'id' cannot be changed.", crid)
        doc = json.loads(stored)
        for name, value in changes.items():
            if name == "@odata.type":
                continue
            if value is None:
                doc.pop(name, None)
            else:
                doc[name] = value
        updated = NdesConnector.from_dict(doc).to_json()
        with self._lock:
            if key not in self._connectors:  # deleted meanwhile
                return _error(404, "ResourceNotFound", f"Resource '{key}' does not exist.", crid)
            self._connectors[key] = updated
        return _json(200, _with_context(updated, base_url), crid)

    def _create(self, headers: dict[str, str], body: bytes, crid: str, base_url: str) -> Reply:
        refused = self._refusal(headers, body, crid)
        if refused is not None:
            return refused
        connector = NdesConnector.from_json(body)
        connector.id = str(uuid.uuid4())
        stored = connector.to_json()
        with self._lock:
            self._connectors[connector.id] = stored
        reply = _json(201, _with_context(stored, base_url), crid)
        reply.headers["Location"] = f"{base_url}/deviceManagement/ndesConnectors('{connector.id}')"
        return reply

    def _refusal(self, headers: dict[str, str], body: bytes, crid: str) -> Reply | None:
        """Graph's 400 for a body it will not take (a create's or an update's), else None."""
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
        return None


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
