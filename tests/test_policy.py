"""The policy generator driven by hand: no backend, no clock, every decision visible."""

from __future__ import annotations

import pytest

from ndes import errors
from ndes._http import HttpResponse
from ndes._policy import NEED_TOKEN, Call, Send, Settings, Sleep, WriteLimiter, exchange

URL = "https://graph.microsoft.com/beta/deviceManagement/ndesConnectors"


def settings(**kw: object) -> Settings:
    options: dict[str, object] = {
        "base_url": "https://graph.microsoft.com/beta",
        "timeout": 5.0,
        "max_retries": 3,
        "max_retry_after": 60.0,
        "retry_backoff": 0.01,
        "max_redirects": 3,
        "max_response_bytes": 1 << 20,
        "user_agent": "ndes/test",
    }
    options.update(kw)
    return Settings(**options)  # type: ignore[arg-type]


def drive(op, answers):
    """Runs an operation against a script of answers to its Send actions (a response, or an
    exception to throw); returns (result or exception, the actions seen)."""
    answers = list(answers)
    seen = []
    reply = None
    failure = None
    while True:
        try:
            action = op.send(reply) if failure is None else op.throw(failure)
        except StopIteration as stop:
            return stop.value, seen
        except errors.NdesError as exc:
            return exc, seen
        seen.append(action)
        reply = failure = None
        if action is NEED_TOKEN:
            reply = "tok"
        elif isinstance(action, Send):
            answer = answers.pop(0)
            if isinstance(answer, BaseException):
                failure = answer
            else:
                reply = answer
        else:
            assert isinstance(action, Sleep)


def sends(seen):
    return [a for a in seen if isinstance(a, Send)]


def test_post_is_never_resent_after_an_unknown_outcome():
    op = exchange(settings(), Call("POST", URL, b"{}", ok=(201,)), "crid")
    result, seen = drive(op, [errors.OutcomeUnknownError("reset")])
    assert isinstance(result, errors.OutcomeUnknownError)
    assert result.client_request_id == "crid" and "crid" in str(result)
    assert len(sends(seen)) == 1


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_idempotent_calls_are_retried_after_an_unknown_outcome_and_gateway_errors(method):
    op = exchange(settings(), Call(method, URL + "/x", None, ok=(200, 204)), "crid")
    answers = [errors.OutcomeUnknownError("reset"), HttpResponse(502), HttpResponse(204)]
    result, seen = drive(op, answers)
    assert isinstance(result, HttpResponse) and result.status == 204
    requests = [a.request for a in sends(seen)]
    assert len(requests) == 3
    assert {r.headers["client-request-id"] for r in requests} == {"crid"}
    assert [r.headers.get("Retry-Attempt") for r in requests] == [None, "1", "2"]


def test_post_gateway_error_is_an_unknown_outcome_and_not_resent():
    op = exchange(settings(), Call("POST", URL, b"{}", ok=(201,)), "crid")
    result, seen = drive(op, [HttpResponse(502)])
    assert isinstance(result, errors.ServerError) and isinstance(result, errors.OutcomeUnknownError)
    assert len(sends(seen)) == 1


def test_a_retried_delete_takes_404_as_done_only_when_an_earlier_attempt_may_have_acted():
    op = exchange(settings(), Call("DELETE", URL + "/x", None, ok=(204,)), "c")
    result, _ = drive(op, [errors.OutcomeUnknownError("lost"), HttpResponse(404)])
    assert isinstance(result, HttpResponse) and result.status == 404
    op = exchange(settings(), Call("DELETE", URL + "/x", None, ok=(204,)), "c")
    result, _ = drive(op, [HttpResponse(404)])
    assert isinstance(result, errors.NotFoundError)
    op = exchange(settings(), Call("DELETE", URL + "/x", None, ok=(204,)), "c")
    result, _ = drive(op, [HttpResponse(429, {"retry-after": "0"}), HttpResponse(404)])
    assert isinstance(result, errors.NotFoundError)  # a 429 proves nothing was deleted


def test_giving_up_says_how_many_attempts_were_made():
    op = exchange(settings(max_retries=2), Call("GET", URL, None), "c")
    result, seen = drive(op, [HttpResponse(503, {"retry-after": "0"})] * 3)
    assert isinstance(result, errors.ServiceUnavailableError)
    assert "gave up after 3 attempts" in str(result) and len(sends(seen)) == 3


def test_retry_after_over_the_cap_is_not_waited_for_and_says_so():
    op = exchange(settings(max_retry_after=5), Call("POST", URL, b"{}", ok=(201,)), "c")
    result, seen = drive(op, [HttpResponse(429, {"retry-after": "30"})])
    assert isinstance(result, errors.ThrottledError) and result.retry_after == 30
    assert "over max_retry_after" in str(result) and len(sends(seen)) == 1


@pytest.mark.parametrize("bad", [RuntimeError("no az login"), None, 5, ""])
def test_a_failing_token_source_is_a_credential_error_before_anything_is_sent(bad):
    op = exchange(settings(), Call("POST", URL, b"{}", ok=(201,)), "c")
    assert next(op) is NEED_TOKEN
    with pytest.raises(errors.CredentialError) as info:
        if isinstance(bad, BaseException):
            op.throw(bad)
        else:
            op.send(bad)
    if isinstance(bad, BaseException):
        assert info.value.__cause__ is bad


def test_a_foreign_backend_exception_is_an_unknown_outcome():
    op = exchange(settings(), Call("POST", URL, b"{}", ok=(201,)), "c")
    result, seen = drive(op, [KeyError("bug in a backend")])
    assert isinstance(result, errors.OutcomeUnknownError) and len(sends(seen)) == 1


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_write_limiter_holds_the_window():
    clock = FakeClock()
    limiter = WriteLimiter(3, 10.0, clock=clock)
    assert [limiter.reserve() for _ in range(3)] == [0, 0, 0]
    assert limiter.reserve() == 10.0  # the fourth waits for the first to leave the window
    clock.now += 4
    assert limiter.reserve(2) == pytest.approx(6.0)
    clock.now += 30
    assert limiter.reserve(3) == 0


def test_write_limiter_starts_are_never_denser_than_the_limit():
    clock = FakeClock()
    limiter = WriteLimiter(5, 20.0, clock=clock)
    starts = []
    for step in range(40):
        clock.now += 0.7 * (step % 3)
        starts.append(clock.now + limiter.reserve(1 + step % 2))
    starts.sort()
    for i, t in enumerate(starts):
        assert sum(1 for u in starts[i:] if u < t + 20.0) <= 5


def test_limited_calls_wait_before_sending():
    clock = FakeClock()
    s = settings(limiter=WriteLimiter(1, 20.0, clock=clock))
    drive(exchange(s, Call("POST", URL, b"{}", ok=(201,), writes=1), "a"), [HttpResponse(201)])
    _, seen = drive(
        exchange(s, Call("POST", URL, b"{}", ok=(201,), writes=1), "b"), [HttpResponse(201)]
    )
    assert seen[0] == Sleep(20.0)


@pytest.mark.parametrize(
    "options",
    [
        {"timeout": float("nan")},
        {"timeout": float("inf")},
        {"timeout": 0},
        {"max_retry_after": float("nan")},
        {"max_retry_after": float("inf")},
    ],
)
def test_a_client_refuses_a_wait_that_cannot_be_kept(options):
    import ndes

    with pytest.raises(ValueError, match="finite seconds"):
        ndes.Client("t", **options)
