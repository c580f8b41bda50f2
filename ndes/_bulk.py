"""Bulk create as one policy generator: Graph's JSON batching under the client's write limit.

Inputs are read lazily, one batch ahead: only the batch being filled, the items waiting out a
sub-request's Retry-After and the results are held, never the whole input. Each input is
validated and encoded by the C core once, at intake; its sub-request is that JSON spliced
between two constant byte strings, and the batch body is those joined, so no connector is
re-encoded or re-parsed on the way out.

Safety follows the retry table in design.md: the batch itself goes through ``exchange`` (the
whole batch is re-sent on 429/503, never after it may have been processed); a sub-request's own
429/503 puts just that item back in the queue after its own Retry-After; a 5xx sub-response, a
missing one, or a batch whose answer is lost makes its items unknown. With ``if_absent`` the
collection is read once before the first batch and once more at the end, only if some outcome
is unknown, to settle those the way get_or_create does.
"""

from __future__ import annotations

import enum
import heapq
import json
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from . import _json, _ops, _protocol, errors
from ._bulk_result import CREATED, ERROR, EXISTING, INVALID, UNKNOWN, BulkEntry, BulkResult
from ._core import NdesConnector
from ._fields import WIRE_NAMES, connector_from_fields, python_name
from ._http import HttpResponse
from ._policy import Call, Operation, Settings, Sleep, _append, exchange

MAX_BATCH = 20  # Graph's limit of requests in one $batch
BATCH_PATH = "/$batch"
_PART_HEAD = b'{"id":"%d","method":"POST","url":"' + _protocol.COLLECTION.encode()
_PART_HEAD += b'","headers":{"Content-Type":"application/json"},"body":'

#: Where the time comes from for a sub-request's Retry-After; a test may replace it.
now: Callable[[], float] = time.monotonic


class Unreadable:
    """An input row that could not even be parsed (a file reader's bad line): reported as
    invalid with ``error``, like a row the C core refuses."""

    __slots__ = ("error", "text")

    def __init__(self, error: errors.NdesError, text: str = "") -> None:
        self.error = error
        self.text = text


def create_many(
    settings: Settings,
    items: Iterable[Any],
    *,
    if_absent: bool = False,
    key: str = "display_name",
    batch_size: int = MAX_BATCH,
    on_progress: Callable[[int, int | None], Any] | None = None,
    on_entry: Callable[[BulkEntry], Any] | None = None,
) -> Operation:
    """Creates every item (an NdesConnector or a dict of fields by Python or wire name);
    returns a :class:`BulkResult`. ``on_entry`` (for the CLI) sees each entry as it is
    final, in the order they finish. The arguments are checked here, before anything runs."""
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValueError(f"batch_size must be 1 to {MAX_BATCH} (Graph's limit), not {batch_size}")
    key_name = python_name(key)
    if settings.limiter is not None:
        # A batch books its writes at once, so it can hold no more than the limit allows.
        batch_size = min(batch_size, settings.limiter.limit)
    total = len(items) if hasattr(items, "__len__") else None  # type: ignore[arg-type]
    run = _Run(settings, if_absent, key_name, batch_size, total, on_progress, on_entry)
    return run.go(iter(items))


class _Pending:
    """An input on its way: in the batch being filled, in flight, or waiting to be re-sent."""

    __slots__ = ("index", "part", "key", "connector", "attempts", "error")

    def __init__(self, index: int, part: bytes, key: Any, connector: NdesConnector) -> None:
        self.index = index
        self.part = part  # the sub-request, ready to join into a batch body
        self.key = key
        self.connector = connector
        self.attempts = 0  # sub-request 429/503 answers so far
        self.error: errors.NdesError | None = None


def key_value(connector: NdesConnector, name: str) -> Any:
    """The key as a dict key: a state member and its string are the same key."""
    value = getattr(connector, name)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return tuple(value)
    return value


class _Run:
    def __init__(
        self,
        settings: Settings,
        if_absent: bool,
        key: str,
        batch_size: int,
        total: int | None,
        on_progress: Callable[[int, int | None], Any] | None,
        on_entry: Callable[[BulkEntry], Any] | None,
    ) -> None:
        self.settings = settings
        self.if_absent = if_absent
        self.key = key
        self.batch_size = batch_size
        self.total = total
        self.on_progress = on_progress
        self.on_entry = on_entry
        self.results: list[BulkEntry | None] = []
        self.done = 0
        self.ready: deque[_Pending] = deque()
        self.waiting: list[tuple[float, int, _Pending]] = []  # a heap by the time it may go
        self.existing: dict[Any, tuple[NdesConnector, int]] = {}
        self.claims: dict[Any, int] = {}  # key -> index of the input of this run that has it
        self.in_doubt: dict[int, _Pending] = {}  # unknown outcomes to look up at the end
        self.behind_doubt: list[tuple[_Pending, int]] = []  # same key as an in-doubt input
        self.abort: errors.NdesError | None = None

    # -- the whole run ---------------------------------------------------------------------
    def go(self, items: Any) -> Operation:
        if self.if_absent:
            self.existing = yield from self._read_keys()
        for index, item in enumerate(items):
            self.results.append(None)
            pending = self._intake(index, item)
            if pending is None:
                continue
            if self.if_absent:
                claimer = self.claims.get(pending.key)
                if claimer is not None:
                    # An earlier input has this key: its outcome decides this one's.
                    while self.results[claimer] is None and claimer not in self.in_doubt:
                        yield from self._send_batch()
                    if claimer in self.in_doubt:
                        self.behind_doubt.append((pending, claimer))
                        continue
                    first = self.results[claimer]
                    assert first is not None
                    if first.ok:
                        self._finish(pending.index, EXISTING, connector=first.connector)
                        continue
                    if self.abort is not None:
                        self._fail(pending, self.abort)
                        continue
                self.claims[pending.key] = index
            self.ready.append(pending)
            while len(self.ready) >= self.batch_size:
                yield from self._send_batch()
        while self.ready or self.waiting:
            yield from self._send_batch()
        if self.in_doubt or self.behind_doubt:
            yield from self._look_again()
        entries = self.results
        assert all(e is not None for e in entries)
        return BulkResult(entries)  # type: ignore[arg-type]

    def _intake(self, index: int, item: Any) -> _Pending | None:
        """Validates and encodes one input; settles it at once when it cannot be sent."""
        try:
            if type(item) is NdesConnector:
                connector = item
            elif isinstance(item, dict):
                connector = connector_from_fields(item)
            elif isinstance(item, Unreadable):
                raise item.error
            elif isinstance(item, NdesConnector):
                connector = item
            else:
                raise errors.ValidationError(
                    "item", f"is {type(item).__name__}, not an NdesConnector or a dict of fields"
                )
            body = connector.to_json()
        except errors.NdesError as exc:
            self._finish(index, INVALID, error=exc, input=item)
            return None
        except (TypeError, ValueError) as exc:  # a value of a type the constructor refuses
            self._finish(index, INVALID, error=errors.ValidationError("item", str(exc)), input=item)
            return None
        key = None
        if self.if_absent:
            key = key_value(connector, self.key)
            if key is None:
                error = errors.ValidationError(
                    WIRE_NAMES[self.key], "is needed to match existing connectors (if_absent)"
                )
                self._finish(index, INVALID, error=error, input=item)
                return None
            found = self.existing.get(key)
            if found is not None:
                if found[1] == 1:
                    self._finish(index, EXISTING, connector=found[0])
                else:
                    self._finish(index, ERROR, error=self._several(key, found[1]), input=connector)
                return None
        pending = _Pending(index, _PART_HEAD % index + body + b"}", key, connector)
        if self.abort is not None:
            self._fail(pending, self.abort)
            return None
        return pending

    # -- one batch -------------------------------------------------------------------------
    def _send_batch(self) -> Operation:
        """Sends the next batch: sub-requests whose Retry-After has passed first, then new
        inputs. With nothing ready to go, waits for the first Retry-After to pass."""
        batch: list[_Pending] = []
        if self.waiting:
            t = now()
            while self.waiting and self.waiting[0][0] <= t and len(batch) < self.batch_size:
                batch.append(heapq.heappop(self.waiting)[2])
        while self.ready and len(batch) < self.batch_size:
            batch.append(self.ready.popleft())
        if not batch:
            yield Sleep(max(0.0, self.waiting[0][0] - now()))
            return
        body = b'{"requests":[' + b",".join(p.part for p in batch) + b"]}"
        call = Call("POST", self.settings.base_url + BATCH_PATH, body, ok=(200,), writes=len(batch))
        client_request_id = _ops.new_request_id()
        try:
            response = yield from exchange(self.settings, call, client_request_id)
        except errors.OutcomeUnknownError as exc:  # lost after sending, a 5xx: never re-sent
            for p in batch:
                self._unknown(p, exc)
            return
        except errors.NdesError as exc:
            # The batch as a whole was refused or never left (401, 403, a 429 past the retries,
            # no connection): nothing in it was created, and every later batch would meet the
            # same, so the run stops sending; the rest are still read, validated and reported.
            self.abort = exc
            for p in batch:
                self._fail(p, exc)
            while self.ready:
                self._fail(self.ready.popleft(), exc)
            while self.waiting:
                self._fail(heapq.heappop(self.waiting)[2], exc)
            return
        self._read_answers(batch, response, client_request_id)

    def _read_answers(
        self, batch: list[_Pending], response: HttpResponse, client_request_id: str
    ) -> None:
        """Matches each item with its sub-response by id. An item is settled only by the one
        answer that names it: with none, or several (they may disagree), it is unknown, as is
        every item of an answer that cannot be read at all. Entries that name no item (not an
        object, an id that is not a string) only leave those items unanswered."""
        try:
            answers = _json.loads(response.body)["responses"]
            if not isinstance(answers, list):
                raise TypeError(f"responses is a {type(answers).__name__}, not an array")
        except (ValueError, TypeError, KeyError) as exc:
            error = errors.UnexpectedResponseError(
                response.status,
                f"the batch answer could not be read ({type(exc).__name__}: {exc})",
                request_id=response.header("request-id"),
                client_request_id=client_request_id,
            )
            for p in batch:
                self._unknown(p, error)
            return
        by_id: dict[str, list[dict[str, Any]]] = {}
        for answer in answers:
            if isinstance(answer, dict) and type(answer.get("id")) is str:
                by_id.setdefault(answer["id"], []).append(answer)
        for p in batch:
            found = by_id.get(str(p.index), [])
            if len(found) == 1:
                self._read_answer(p, found[0], client_request_id)
                continue
            why = f"answered {len(found)} times" if found else "not answered"
            error = errors.UnexpectedResponseError(
                response.status,
                f"request {p.index} of the batch was {why}, so its outcome is unknown",
                request_id=response.header("request-id"),
                client_request_id=client_request_id,
            )
            self._unknown(p, error)

    def _read_answer(self, p: _Pending, answer: dict[str, Any], client_request_id: str) -> None:
        status = answer.get("status")
        body = answer.get("body")
        if status == 201 and type(body) is dict:
            try:
                connector = NdesConnector.from_dict(body)
            except (errors.NdesError, TypeError, ValueError) as exc:
                self._unknown(
                    p,
                    errors.UnexpectedResponseError(
                        201,
                        f"created, but the connector in the answer could not be read: {exc}",
                        client_request_id=client_request_id,
                    ),
                )
                return
            self._finish(p.index, CREATED, connector=connector)
            return
        headers = answer.get("headers")
        headers = (
            {str(k).lower(): str(v) for k, v in headers.items()}
            if isinstance(headers, dict)
            else {}
        )
        if type(status) is not int:
            status = 0  # no status Graph sends: an answer that proves nothing
        error = _protocol.graph_error(
            HttpResponse(status, headers, _sub_body(body)), client_request_id
        )
        if status in _protocol.RETRYABLE:
            self._retry_later(p, error)
        elif isinstance(error, errors.OutcomeUnknownError):  # 5xx, or a 2xx that is no 201
            self._unknown(p, error)
        else:
            self._fail(p, error)

    def _retry_later(self, p: _Pending, error: errors.GraphError) -> None:
        """A sub-request's own 429/503: the server did not act on it, so it may go again,
        alone, once its Retry-After has passed, within the same limits as a single call."""
        settings = self.settings
        p.attempts += 1
        if p.attempts > settings.max_retries:
            _append(error, f"gave up after {p.attempts} attempts")
            self._fail(p, error)
            return
        if error.retry_after is None:
            delay = settings.backoff(p.attempts)
        elif error.retry_after > settings.max_retry_after:
            _append(
                error,
                f"Retry-After {error.retry_after:g}s is over max_retry_after "
                f"{settings.max_retry_after:g}s, so no retry was made",
            )
            self._fail(p, error)
            return
        else:
            delay = error.retry_after
        heapq.heappush(self.waiting, (now() + delay, p.index, p))

    # -- settling --------------------------------------------------------------------------
    def _finish(
        self,
        index: int,
        status: str,
        *,
        connector: NdesConnector | None = None,
        error: errors.NdesError | None = None,
        input: Any = None,
    ) -> None:
        entry = BulkEntry(index, status, connector, error, input)
        self.results[index] = entry
        self.done += 1
        if self.on_entry is not None:
            self.on_entry(entry)
        if self.on_progress is not None:
            self.on_progress(self.done, self.total)

    def _fail(self, p: _Pending, error: errors.NdesError) -> None:
        self._finish(p.index, ERROR, error=error, input=p.connector)

    def _unknown(self, p: _Pending, error: errors.NdesError) -> None:
        if self.if_absent:
            p.error = error
            p.part = b""  # never sent again; only its key and input are needed now
            self.in_doubt[p.index] = p
        else:
            self._finish(p.index, UNKNOWN, error=error, input=p.connector)

    def _several(self, key: Any, count: int) -> errors.NdesError:
        return errors.NdesError(
            f"{count} connectors have {WIRE_NAMES[self.key]} {key!r}; "
            "cannot tell which one this input is"
        )

    # -- reading the collection ------------------------------------------------------------
    def _read_keys(self) -> Operation:
        """The connectors in Graph by key value: (the first one, how many have it)."""
        found: dict[Any, tuple[NdesConnector, int]] = {}

        def take(page: list[NdesConnector]) -> None:
            for connector in page:
                key = key_value(connector, self.key)
                if key is None:
                    continue
                seen = found.get(key)
                found[key] = (connector, 1) if seen is None else (seen[0], seen[1] + 1)

        yield from _ops.each_page(self.settings, _ops.first_page_url(self.settings), take)
        return found

    def _look_again(self) -> Operation:
        """Settles the unknown outcomes as get_or_create does: a connector with the key's
        value now in Graph is the one that was made; none means the outcome stays unknown."""
        try:
            found = yield from self._read_keys()
        except errors.NdesError as exc:
            found = None
            note = f"looking again failed too: {exc}"
        for p in self.in_doubt.values():
            error = p.error
            assert error is not None
            if found is None:
                _append(error, note)
                self._finish(p.index, UNKNOWN, error=error, input=p.connector)
                continue
            there = found.get(p.key)
            if there is not None and there[1] == 1:
                self._finish(p.index, CREATED, connector=there[0])
            elif there is not None:
                self._finish(
                    p.index, UNKNOWN, error=self._several(p.key, there[1]), input=p.connector
                )
            else:
                self._finish(p.index, UNKNOWN, error=error, input=p.connector)
        for p, claimer in self.behind_doubt:
            first = self.results[claimer]
            assert first is not None
            if first.ok:
                self._finish(p.index, EXISTING, connector=first.connector)
            else:
                self._finish(
                    p.index,
                    UNKNOWN,
                    error=errors.OutcomeUnknownError(
                        f"input {claimer} has the same {WIRE_NAMES[self.key]} and an unknown "
                        "outcome, so this one was not sent"
                    ),
                    input=p.connector,
                )


def _sub_body(body: Any) -> bytes:
    """A sub-response's body as the bytes a direct answer would have carried, for reading
    its error: JSON written again (empty if it cannot be: it came from a parser that nests
    deeper than the writer may), a string as UTF-8 (lone surrogates replaced)."""
    if body is None:
        return b""
    if isinstance(body, (dict, list)):
        try:
            return json.dumps(body).encode()
        except (ValueError, RecursionError):
            return b""
    return str(body).encode("utf-8", "replace")
