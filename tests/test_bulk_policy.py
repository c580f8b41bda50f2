"""create_many's generator against a scripted server: no socket, no clock, every request seen."""

from __future__ import annotations

import json

import pytest
from test_policy import settings

from ndes import BulkResult, NdesConnector, errors
from ndes import _bulk as bulk
from ndes._http import HttpResponse
from ndes._policy import NEED_TOKEN, Send, Sleep, WriteLimiter

BATCH_URL = "https://graph.microsoft.com/beta/$batch"
LIST_URL = "https://graph.microsoft.com/beta/deviceManagement/ndesConnectors"


def run(op, respond):
    """Drives an operation; ``respond(request)`` answers each Send with a response or an
    exception. Returns (result or NdesError, the requests sent, the sleeps)."""
    sent, slept = [], []
    reply = failure = None
    while True:
        try:
            action = op.send(reply) if failure is None else op.throw(failure)
        except StopIteration as stop:
            return stop.value, sent, slept
        except errors.NdesError as exc:
            return exc, sent, slept
        reply = failure = None
        if action is NEED_TOKEN:
            reply = "tok"
        elif isinstance(action, Send):
            sent.append(action.request)
            answer = respond(action.request)
            if isinstance(answer, BaseException):
                failure = answer
            else:
                reply = answer
        else:
            assert isinstance(action, Sleep)
            slept.append(action.seconds)


def sub_requests(request):
    return json.loads(request.body)["requests"]


def graph(status_of=None, store=None):
    """A scripted Graph: answers a batch with 201 for each sub-request (or the status
    ``status_of(id, attempt)`` says), in reverse order; a GET lists ``store``."""
    attempts: dict[str, int] = {}
    store = [] if store is None else store

    def respond(request):
        if request.method == "GET":
            value = ",".join(c.to_json().decode() for c in store)
            return HttpResponse(200, {}, f'{{"value":[{value}]}}'.encode())
        answers = []
        for sub in sub_requests(request):
            attempts[sub["id"]] = attempts.get(sub["id"], 0) + 1
            status = status_of(sub["id"], attempts[sub["id"]]) if status_of else 201
            if status == 201:
                made = NdesConnector.from_dict(sub["body"])
                made.id = "id-" + sub["id"]
                store.append(made)
                answers.append({"id": sub["id"], "status": 201, "body": made.to_dict()})
            else:
                answers.append(
                    {
                        "id": sub["id"],
                        "status": status,
                        "headers": {"Retry-After": "0"},
                        "body": {"error": {"code": f"c{status}", "message": "m"}},
                    }
                )
        return HttpResponse(200, {}, json.dumps({"responses": answers[::-1]}).encode())

    respond.store = store  # type: ignore[attr-defined]
    return respond


def names(n, prefix="n"):
    return [NdesConnector(display_name=f"{prefix}{i}", state="active") for i in range(n)]


def test_the_batch_body_is_the_c_encoders_bytes_spliced_together():
    items = names(3)
    result, sent, _ = run(bulk.create_many(settings(), iter(items)), graph())
    assert isinstance(result, BulkResult) and result.ok and len(sent) == 1
    request = sent[0]
    assert (request.method, request.url) == ("POST", BATCH_URL)
    assert request.headers["Content-Type"] == "application/json"
    parts = [
        b'{"id":"%d","method":"POST","url":"/deviceManagement/ndesConnectors",'
        b'"headers":{"Content-Type":"application/json"},"body":' % i + c.to_json() + b"}"
        for i, c in enumerate(items)
    ]
    assert request.body == b'{"requests":[' + b",".join(parts) + b"]}"
    # Answered in reverse order, read back in input order.
    assert [e.connector.display_name for e in result] == ["n0", "n1", "n2"]
    assert [e.connector.id for e in result] == ["id-0", "id-1", "id-2"]


def test_batches_hold_at_most_batch_size_and_input_is_read_one_batch_ahead():
    read = []

    def items():
        for i in range(45):
            read.append(i)
            yield {"displayName": f"n{i}"}

    sizes, read_at_send = [], []
    respond = graph()

    def counting(request):
        sizes.append(len(sub_requests(request)))
        read_at_send.append(len(read))
        return respond(request)

    result, _, _ = run(bulk.create_many(settings(), items(), batch_size=20), counting)
    assert sizes == [20, 20, 5] and read_at_send == [20, 40, 45]
    assert result.counts["created"] == 45 and len(result) == 45
    with pytest.raises(ValueError, match="batch_size"):
        bulk.create_many(settings(), [], batch_size=21)
    with pytest.raises(ValueError, match="not a property of ndesConnector"):
        bulk.create_many(settings(), [], key="nope")


def test_a_sub_request_429_is_re_sent_alone_after_its_retry_after():
    throttled = {"1", "3"}
    respond = graph(lambda i, n: 429 if i in throttled and n == 1 else 201)
    result, sent, _ = run(bulk.create_many(settings(), iter(names(5))), respond)
    assert result.ok and result.counts["created"] == 5
    assert [[s["id"] for s in sub_requests(r)] for r in sent] == [
        ["0", "1", "2", "3", "4"],
        ["1", "3"],
    ]
    assert len(respond.store) == 5


def test_sub_request_retries_are_bounded_and_a_long_retry_after_is_not_waited_for():
    respond = graph(lambda i, n: 503 if i == "0" else 201)
    result, sent, _ = run(bulk.create_many(settings(max_retries=2), iter(names(2))), respond)
    assert [e.status for e in result] == ["error", "created"]
    assert isinstance(result[0].error, errors.ServiceUnavailableError)
    assert "gave up after 3 attempts" in str(result[0].error) and len(sent) == 3
    assert result.to_retry() == [names(1)[0]]

    def long_wait(request):
        subs = sub_requests(request)
        answers = [
            {"id": s["id"], "status": 429, "headers": {"retry-after": "3600"}, "body": {}}
            for s in subs
        ]
        return HttpResponse(200, {}, json.dumps({"responses": answers}).encode())

    result, sent, slept = run(bulk.create_many(settings(), iter(names(1))), long_wait)
    assert result[0].status == "error" and "over max_retry_after" in str(result[0].error)
    assert len(sent) == 1 and slept == []


def test_a_sub_request_waits_out_its_retry_after_when_nothing_else_can_go(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(bulk, "now", lambda: clock[0])

    def respond(request):
        subs = sub_requests(request)
        first = len(sent_ids) == 0
        sent_ids.append([s["id"] for s in subs])
        answers = [
            {"id": s["id"], "status": 429, "headers": {"Retry-After": "7"}, "body": {}}
            if first
            else {"id": s["id"], "status": 201, "body": s["body"]}
            for s in subs
        ]
        return HttpResponse(200, {}, json.dumps({"responses": answers}).encode())

    sent_ids: list[list[str]] = []
    op = bulk.create_many(settings(), iter(names(2)))
    # Drive by hand so that the clock moves by the time slept.
    reply, result = None, None
    while True:
        try:
            action = op.send(reply)
        except StopIteration as stop:
            result = stop.value
            break
        reply = None
        if action is NEED_TOKEN:
            reply = "tok"
        elif isinstance(action, Send):
            reply = respond(action.request)
        else:
            assert action == Sleep(7.0)
            clock[0] += action.seconds
    assert result.ok and sent_ids == [["0", "1"], ["0", "1"]]


@pytest.mark.parametrize(
    "status, kind",
    [(400, errors.BadRequestError), (403, errors.PermissionDeniedError), (409, errors.GraphError)],
)
def test_a_sub_request_refused_by_graph_is_an_error_for_that_item_only(status, kind):
    respond = graph(lambda i, n: status if i == "1" else 201)
    result, sent, _ = run(bulk.create_many(settings(), iter(names(3))), respond)
    assert [e.status for e in result] == ["created", "error", "created"]
    error = result[1].error
    assert isinstance(error, kind) and error.status == status and error.code == f"c{status}"
    assert result[1].input == names(2)[1] and len(sent) == 1


@pytest.mark.parametrize("status", [500, 502, 504, 200])
def test_a_5xx_or_unexpected_sub_response_is_unknown_and_never_re_sent(status):
    respond = graph(lambda i, n: status if i == "0" else 201)
    result, sent, _ = run(bulk.create_many(settings(), iter(names(2))), respond)
    assert [e.status for e in result] == ["unknown", "created"]
    assert isinstance(result[0].error, errors.OutcomeUnknownError)
    assert len(sent) == 1


def test_a_batch_lost_after_sending_makes_its_items_unknown_and_the_run_goes_on():
    respond = graph()
    calls = []

    def lose_first(request):
        calls.append(request)
        if len(calls) == 1:
            return errors.OutcomeUnknownError("connection reset after sending")
        return respond(request)

    result, sent, _ = run(bulk.create_many(settings(), iter(names(25))), lose_first)
    assert [e.status for e in result].count("unknown") == 20
    assert result.counts["created"] == 5 and len(sent) == 2
    assert all(isinstance(e.error, errors.OutcomeUnknownError) for e in result[:20])
    assert result.to_retry() == names(20)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"responses":{}}',
        b'{"responses":[{"id":"0","status":201,"body":{"state":7}}]}',
    ],
)
def test_an_answer_that_cannot_be_read_is_unknown(body):
    result, _, _ = run(
        bulk.create_many(settings(), iter(names(2))), lambda r: HttpResponse(200, {}, body)
    )
    assert [e.status for e in result] == ["unknown", "unknown"]
    assert all(isinstance(e.error, errors.UnexpectedResponseError) for e in result)


def test_a_whole_batch_429_re_sends_the_whole_batch():
    respond = graph()
    calls = []

    def once_throttled(request):
        calls.append(request)
        if len(calls) == 1:
            return HttpResponse(429, {"retry-after": "2"}, b"")
        return respond(request)

    result, sent, slept = run(bulk.create_many(settings(), iter(names(3))), once_throttled)
    assert result.ok and len(sent) == 2 and sent[0].body == sent[1].body and slept == [2.0]
    assert sent[1].headers["Retry-Attempt"] == "1"


def test_a_refused_batch_stops_sending_and_reports_every_input():
    def unauthorized(request):
        return HttpResponse(401, {}, b'{"error":{"code":"InvalidAuthenticationToken"}}')

    items = [*names(25), {"state": "bogus"}, *names(3, "m")]
    result, sent, _ = run(bulk.create_many(settings(), iter(items)), unauthorized)
    assert len(sent) == 1 and len(result) == 29
    assert result.counts == {"created": 0, "existing": 0, "invalid": 1, "error": 28, "unknown": 0}
    assert all(
        isinstance(e.error, errors.AuthenticationError) for e in result if e.status == "error"
    )


def test_invalid_inputs_are_reported_with_their_position_and_not_sent():
    items = [
        {"display_name": "a"},
        {"state": "broken"},
        7,
        {"displayName": "b", "display_name": "c"},
        {"mystery": 1},
        NdesConnector(display_name="d"),
        {"last_connection_date_time": "2026-01-01T00:00:00"},
    ]
    result, sent, _ = run(bulk.create_many(settings(), iter(items)), graph())
    assert [e.status for e in result] == [
        "created",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "created",
        "invalid",
    ]
    assert [e.index for e in result] == list(range(7))
    fields = [e.error.field for e in result if e.status == "invalid"]
    assert fields == ["state", "item", "displayName", "mystery", "lastConnectionDateTime"]
    assert result[2].input == 7
    assert [s["body"]["displayName"] for s in sub_requests(sent[0])] == ["a", "d"]


def test_progress_is_reported_as_items_settle():
    seen = []
    items = names(45)
    run(bulk.create_many(settings(), items, on_progress=lambda *a: seen.append(a)), graph())
    assert seen == [(i, 45) for i in range(1, 46)]
    seen.clear()
    run(bulk.create_many(settings(), iter(items), on_progress=lambda *a: seen.append(a)), graph())
    assert seen[-1] == (45, None)


def test_each_batch_books_its_writes_with_the_shared_limiter():
    clock = [0.0]
    limiter = WriteLimiter(20, 20.0, clock=lambda: clock[0])
    s = settings(limiter=limiter)
    _, sent, slept = run(bulk.create_many(s, iter(names(45))), graph())
    assert len(sent) == 3 and slept == [20.0, 40.0]  # 20, then 20 more, then 5
    assert limiter.reserve(1) == 40.0  # a later single create waits its turn too


def test_a_batch_never_holds_more_writes_than_the_limit_allows():
    limiter = WriteLimiter(7, 20.0, clock=lambda: 0.0)
    _, sent, slept = run(bulk.create_many(settings(limiter=limiter), iter(names(15))), graph())
    assert [len(sub_requests(r)) for r in sent] == [7, 7, 1] and slept == [20.0, 40.0]


class TestIfAbsent:
    def test_existing_keys_are_skipped_and_duplicates_in_the_input_made_once(self):
        store = [NdesConnector(id="old", display_name="n1", state="active")]
        respond = graph(store=store)
        items = [*names(3), {"display_name": "n0"}, {"state": "active"}]
        result, sent, _ = run(bulk.create_many(settings(), iter(items), if_absent=True), respond)
        assert [e.status for e in result] == [
            "created",
            "existing",
            "created",
            "existing",
            "invalid",
        ]
        assert result[1].connector.id == "old" and result[3].connector == result[0].connector
        assert "displayName" in str(result[4].error)
        assert [r.method for r in sent] == ["GET", "POST"]
        assert sorted(c.display_name for c in store) == ["n0", "n1", "n2"]

    def test_an_input_repeating_a_key_in_flight_waits_for_its_outcome(self):
        respond = graph(lambda i, n: 400 if i == "0" else 201)
        items = [{"display_name": "a"}, {"display_name": "a"}, {"display_name": "a"}]
        result, sent, _ = run(bulk.create_many(settings(), iter(items), if_absent=True), respond)
        # The first is refused, so the second takes its place; the third finds the second.
        assert [e.status for e in result] == ["error", "created", "existing"]
        assert [len(sub_requests(r)) for r in sent if r.method == "POST"] == [1, 1]

    def test_several_connectors_with_the_key_is_an_error_naming_the_count(self):
        store = [NdesConnector(id=str(i), display_name="dup") for i in range(2)]
        result, sent, _ = run(
            bulk.create_many(settings(), iter([{"display_name": "dup"}]), if_absent=True),
            graph(store=store),
        )
        assert result[0].status == "error" and "2 connectors have displayName 'dup'" in str(
            result[0].error
        )
        assert [r.method for r in sent] == ["GET"]

    def test_a_lost_batch_is_settled_by_looking_again(self):
        respond = graph()
        posts = []

        def lose_after_acting(request):
            answer = respond(request)
            if request.method == "POST":
                posts.append(request)
                if len(posts) == 1:
                    return errors.OutcomeUnknownError("reset after the body was read")
            return answer

        items = [*names(25), {"display_name": "n3"}]
        result, sent, _ = run(
            bulk.create_many(settings(), iter(items), if_absent=True), lose_after_acting
        )
        assert result.ok and result.counts == {
            "created": 25,
            "existing": 1,
            "invalid": 0,
            "error": 0,
            "unknown": 0,
        }
        assert [r.method for r in sent] == ["GET", "POST", "POST", "GET"]
        assert len(respond.store) == 25  # nothing made twice
        assert result[25].connector == result[3].connector

    def test_an_outcome_not_found_on_looking_again_stays_unknown(self):
        respond = graph()

        def lose_before_acting(request):
            if request.method == "POST":
                return errors.OutcomeUnknownError("no answer")
            return respond(request)

        items = [*names(2), {"display_name": "n0"}]
        result, sent, _ = run(
            bulk.create_many(settings(), iter(items), if_absent=True), lose_before_acting
        )
        assert [e.status for e in result] == ["unknown", "unknown", "unknown"]
        assert "input 0 has the same displayName" in str(result[2].error)
        assert [r.method for r in sent] == ["GET", "POST", "GET"]
        assert respond.store == []

    def test_key_by_wire_name_and_state_members_match_their_strings(self):
        store = [NdesConnector(id="x", state="active")]
        result, _, _ = run(
            bulk.create_many(
                settings(),
                iter([{"state": "active"}, {"state": "none"}]),
                if_absent=True,
                key="state",
            ),
            graph(store=store),
        )
        assert [e.status for e in result] == ["existing", "created"]
        result, _, _ = run(
            bulk.create_many(
                settings(), iter([{"machineName": "m"}]), if_absent=True, key="machineName"
            ),
            graph(),
        )
        assert result.ok
