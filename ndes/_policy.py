"""The retry, redirect and auth policy as a generator, with no I/O of its own.

An operation is a generator that yields *actions* and receives their results; a driver (the
sync loop in :mod:`ndes.client`, the async loop in :mod:`ndes.aio`) performs them. That keeps
every decision (what to send, how long to wait, when to give up, which error to raise) in one
place for both clients, and lets composite operations (get_or_create, bulk create) reuse the
simple ones with ``yield from``.

Actions and what the driver sends back into the generator:

- :class:`Send` -> the backend's :class:`HttpResponse`; an ``NdesError`` the backend raised is
  thrown into the generator instead (any other exception is thrown in as it is, and the
  exchange treats it as a request that may have been sent).
- :class:`Sleep` -> ``None`` once the time has passed.
- :data:`NEED_TOKEN` -> the token string from the client's token source; an exception the source
  raised is thrown in instead, and becomes a :class:`~ndes.errors.CredentialError`.
"""

from __future__ import annotations

import math
import random
import sys
import threading
import time
from collections import deque
from collections.abc import Generator
from typing import Any, NamedTuple

from . import _protocol, errors
from ._http import HttpRequest, HttpResponse


class _Log:
    """The ``ndes`` logger without importing logging for it: until something has imported
    logging, no handler exists that could show a debug record, so a run nobody logs never
    loads logging (and the traceback and tokenize modules it imports)."""

    __slots__ = ()

    def debug(self, message: str, *args: object) -> None:
        logging = sys.modules.get("logging")
        if logging is not None:
            logging.getLogger("ndes").debug(message, *args)


log = _Log()


class Send(NamedTuple):
    request: HttpRequest


class Sleep(NamedTuple):
    seconds: float


class _NeedToken:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NEED_TOKEN"


NEED_TOKEN = _NeedToken()

Action = Send | Sleep | _NeedToken
#: What an operation is: it yields actions, receives their results, and returns its value.
Operation = Generator[Action, Any, Any]


class Steps:
    """An operation's actions, one at a time, for a driver to perform: it answers each with
    :meth:`reply` or :meth:`fail` before asking for the next, and reads :attr:`result` once
    the loop ends. The sync and the async driver differ only in how they perform an action."""

    __slots__ = ("_operation", "_reply", "_failure", "result")

    def __init__(self, operation: Operation) -> None:
        self._operation = operation
        self._reply: Any = None
        self._failure: BaseException | None = None
        self.result: Any = None

    def __iter__(self) -> Steps:
        return self

    def __next__(self) -> Action:
        reply, failure = self._reply, self._failure
        self._reply = self._failure = None
        try:
            if failure is None:
                return self._operation.send(reply)
            return self._operation.throw(failure)
        except StopIteration as done:
            self.result = done.value
            raise StopIteration from None

    def reply(self, value: Any) -> None:
        self._reply = value

    def fail(self, exc: BaseException) -> None:
        self._failure = exc

    def close(self) -> None:
        """Stops the operation where it is (a cancelled task): its ``finally`` blocks run."""
        self._operation.close()


class Call(NamedTuple):
    """One logical HTTP call, sent and retried as the table in design.md says."""

    method: str
    #: The absolute URL, already normalised by the caller.
    url: str
    body: bytes | None = None
    #: Statuses that end the call successfully.
    ok: tuple[int, ...] = (200,)
    #: Writes count against the client's write limiter (Intune's write limits).
    writes: int = 0


class Settings:
    """A client's fixed choices, shared by every operation it runs."""

    def __init__(
        self,
        *,
        base_url: str,
        timeout: float,
        max_retries: int,
        max_retry_after: float,
        retry_backoff: float,
        max_redirects: int,
        max_response_bytes: int,
        user_agent: str,
        limiter: WriteLimiter | None = None,
        max_pages: int = 1000,
    ) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.retry_backoff = retry_backoff
        self.max_redirects = max_redirects
        self.max_response_bytes = max_response_bytes
        self.user_agent = user_agent
        self.limiter = limiter
        #: The most pages one walk through the collection reads (see _ops.PageTrail).
        self.max_pages = max_pages
        self._rng = random.Random()
        self._rng_lock = threading.Lock()

    def backoff(self, attempt: int) -> float:
        with self._rng_lock:
            return _protocol.backoff(attempt, self.retry_backoff, self.max_retry_after, self._rng)


class WriteLimiter:
    """At most ``limit`` writes in any ``per`` seconds, shared by every operation of a client.

    ``reserve(n)`` books ``n`` writes at the earliest time the window allows and says how long
    to wait for it; it never blocks, so the sync and the async driver share it as it is."""

    def __init__(self, limit: int = 100, per: float = 20.0, clock: Any = time.monotonic) -> None:
        # NaN or infinite seconds would pass `per > 0`, then disable the limiter (NaN) or ask
        # for an endless sleep (inf), so only a finite window is taken.
        if isinstance(limit, bool) or not isinstance(limit, int) or isinstance(per, bool):
            raise TypeError("a write limit is (writes: int, seconds: float)")
        if limit < 1 or not 0 < per < math.inf:
            raise ValueError("a write limit needs writes >= 1 and a finite number of seconds > 0")
        self.limit = limit
        self.per = per
        self._clock = clock
        self._booked: deque[float] = deque()  # start times of the booked writes, in order
        self._lock = threading.Lock()

    def reserve(self, n: int = 1) -> float:
        n = min(n, self.limit)
        with self._lock:
            now: float = self._clock()
            while self._booked and self._booked[0] <= now - self.per:
                self._booked.popleft()
            start = now
            over = len(self._booked) + n - self.limit
            if over > 0:
                # The window must slide past the `over` oldest writes still in it.
                start = max(now, self._booked[over - 1] + self.per)
            self._booked.extend([start] * n)
            return float(start - now)


def exchange(settings: Settings, call: Call, client_request_id: str) -> Operation:
    """Sends ``call`` until it succeeds or the policy gives up; returns the final response.

    POST is not idempotent: it is retried only when the server cannot have acted on it (429,
    503, a request that never left). GET, PATCH and DELETE are retried on 429, 502, 503, 504
    and on a connection lost after sending; a DELETE retried after such a loss takes 404 as
    done, since its earlier attempt may have deleted the connector."""
    idempotent = call.method != "POST"
    retry_statuses = _protocol.RETRYABLE_IDEMPOTENT if idempotent else _protocol.RETRYABLE
    maybe_done = False  # an earlier attempt of this call may have reached the server
    for attempt in range(1, settings.max_retries + 2):
        last = attempt > settings.max_retries
        if call.writes and settings.limiter is not None:
            wait = settings.limiter.reserve(call.writes)
            if wait > 0:
                log.debug("write limit: waiting %.2fs before %s", wait, call.method)
                yield Sleep(wait)
        token = yield from _token()
        request = _protocol.build_request(
            call.method,
            call.url,
            call.body,
            token=token,
            client_request_id=client_request_id,
            attempt=attempt,
            settings=settings,
        )
        try:
            response = yield from _send_following_redirects(settings, request, attempt)
        except errors.TransportError as exc:
            exc.client_request_id = client_request_id
            if last:
                if attempt > 1:
                    _append(exc, f"gave up after {attempt} attempts")
                raise
            delay = settings.backoff(attempt)
            log.debug("not sent (%s); retrying in %.2fs", exc, delay)
            yield Sleep(delay)
            continue
        except errors.OutcomeUnknownError as exc:
            _tag(exc, client_request_id)
            if idempotent and last and attempt > 1:
                _append(exc, f"gave up after {attempt} attempts")
            if not idempotent or last:
                raise
            maybe_done = True
            delay = settings.backoff(attempt)
            log.debug(
                "no answer (%s); %s is idempotent, retrying in %.2fs", exc, call.method, delay
            )
            yield Sleep(delay)
            continue
        if response.status in call.ok:
            return response
        if call.method == "DELETE" and response.status == 404 and maybe_done:
            return response
        error = _protocol.graph_error(response, client_request_id)
        if response.status not in retry_statuses:
            raise error
        if last:
            _append(error, f"gave up after {attempt} attempts")
            raise error
        if error.retry_after is None:
            delay = settings.backoff(attempt)
        elif error.retry_after > settings.max_retry_after:
            _append(
                error,
                f"Retry-After {error.retry_after:g}s is over max_retry_after "
                f"{settings.max_retry_after:g}s, so no retry was made",
            )
            raise error  # waiting that long is the caller's call, not ours
        else:
            delay = error.retry_after
        # A gateway error says nothing of whether the server acted before it failed.
        maybe_done = maybe_done or response.status in (502, 504)
        log.debug("HTTP %d; retrying in %.2fs", response.status, delay)
        yield Sleep(delay)
    raise AssertionError("unreachable")


def _token() -> Generator[Action, Any, str]:
    try:
        token = yield NEED_TOKEN
    except errors.NdesError:
        raise
    except Exception as exc:
        raise errors.CredentialError(
            f"the token source failed: {type(exc).__name__}: {exc}"
        ) from exc
    return _protocol.check_token(token)


def _append(exc: BaseException, text: str) -> None:
    """Adds to the message itself, which is what a log line or the CLI shows."""
    exc.args = (f"{exc.args[0]}; {text}" if exc.args else text, *exc.args[1:])


def _tag(exc: errors.NdesError, client_request_id: str) -> None:
    exc.client_request_id = client_request_id  # type: ignore[attr-defined]
    if exc.args and client_request_id not in str(exc.args[0]):
        exc.args = (f"{exc.args[0]} (client-request-id {client_request_id})", *exc.args[1:])


def _send_following_redirects(
    settings: Settings, request: HttpRequest, attempt: int
) -> Generator[Action, Any, HttpResponse]:
    client_request_id = request.headers.get("client-request-id", "")
    for _ in range(settings.max_redirects + 1):
        started = time.perf_counter()
        try:
            response: HttpResponse = yield Send(request)
        except errors.NdesError as exc:
            _log_attempt(request, type(exc).__name__, started, client_request_id, attempt)
            raise
        except Exception as exc:
            # A backend that breaks its contract with a foreign exception may have sent the
            # request: the only safe reading is that the outcome is unknown.
            _log_attempt(request, type(exc).__name__, started, client_request_id, attempt)
            raise errors.OutcomeUnknownError(
                f"the backend failed: {type(exc).__name__}: {exc}"
            ) from exc
        _log_attempt(request, response.status, started, client_request_id, attempt)
        redirect = _protocol.follow_redirect(request, response)
        if redirect is None:
            return response
        request = redirect.request
    raise errors.UnexpectedResponseError(
        response.status,
        f"more than {settings.max_redirects} redirects",
        client_request_id=client_request_id,
    )


def _log_attempt(
    request: HttpRequest, outcome: object, started: float, client_request_id: str, attempt: int
) -> None:
    log.debug(
        "%s %s -> %s in %.1f ms, client-request-id=%s, attempt %d",
        request.method,
        request.url,
        outcome,
        (time.perf_counter() - started) * 1000,
        client_request_id,
        attempt,
    )
