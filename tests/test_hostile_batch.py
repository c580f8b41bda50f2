"""A hostile $batch answer: each item is reported as what the answer proves about it, never
created when it may exist (no double POST), and nothing but an NdesError leaves create_many."""

from __future__ import annotations

import json

import pytest
from test_bulk_policy import names, run
from test_policy import settings

from ndes import BulkResult
from ndes import _bulk as bulk
from ndes._http import HttpResponse


def created(sub):
    return {"id": sub["id"], "status": 201, "body": {**sub["body"], "id": "made-" + sub["id"]}}


def answering(make):
    """A Graph whose batch answer is ``make(sub-requests)`` (bytes, or a value to dump)."""

    def respond(request):
        if request.method == "GET":
            return HttpResponse(200, {}, b'{"value":[]}')
        body = make(json.loads(request.body)["requests"])
        return HttpResponse(200, {}, body if isinstance(body, bytes) else json.dumps(body).encode())

    return respond


def statuses(result):
    assert isinstance(result, BulkResult), result
    return [e.status for e in result]


def test_a_sub_response_id_answered_twice_is_unknown_whatever_the_last_says():
    def make(subs):
        refused = {"id": "0", "status": 400, "body": {"error": {"code": "BadRequest"}}}
        return {"responses": [created(s) for s in subs] + [refused]}

    result, sent, _ = run(bulk.create_many(settings(), names(3)), answering(make))
    assert statuses(result) == ["unknown", "created", "created"]
    assert "answered 2 times" in str(result[0].error)
    assert len(sent) == 1


@pytest.mark.parametrize(
    "stray",
    [
        "not an object",
        ["a", "list"],
        {"id": ["unhashable"], "status": 201},
        {"id": {"a": 1}, "status": 201},
        {"status": 201},
        {"id": None},
        {"id": "999", "status": 201, "body": {}},  # an id the batch did not send
    ],
)
def test_a_stray_sub_response_leaves_the_items_it_cannot_be_unread(stray):
    result, sent, _ = run(
        bulk.create_many(settings(), names(3)),
        answering(lambda subs: {"responses": [stray] + [created(s) for s in subs[1:]]}),
    )
    assert statuses(result) == ["unknown", "created", "created"]
    assert len(sent) == 1


def test_a_sub_response_id_that_is_not_a_string_matches_nothing():
    def make(subs):
        return {"responses": [{**created(s), "id": int(s["id"])} for s in subs]}

    result, sent, _ = run(bulk.create_many(settings(), names(2)), answering(make))
    assert statuses(result) == ["unknown", "unknown"]
    assert len(sent) == 1  # never re-sent: they may exist


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"responses":[' + b"[" * 100_000,
        b'{"responses":[{"id":"0","status":201,"body":' + b"[" * 100_000,
    ],
    ids=["top level", "in responses", "in a body"],
)
def test_a_batch_answer_nested_past_the_parser_makes_its_items_unknown(body):
    result, sent, _ = run(bulk.create_many(settings(), names(2)), answering(lambda subs: body))
    assert statuses(result) == ["unknown", "unknown"]
    assert "could not be read" in str(result[0].error)
    assert len(sent) == 1


def test_an_error_body_nested_just_inside_the_parser_is_still_an_error():
    # json.loads takes it, a second json.dumps of it from a deeper stack may not.
    depth = 900

    def make(subs):
        deep = "[" * depth + "]" * depth
        parts = ",".join(f'{{"id":"{s["id"]}","status":400,"body":{deep}}}' for s in subs)
        return ('{"responses":[' + parts + "]}").encode()

    result, _, _ = run(bulk.create_many(settings(), names(2)), answering(make))
    assert statuses(result) == ["error", "error"]


@pytest.mark.parametrize("status", [400, 500, 201])
def test_a_sub_response_body_string_with_a_lone_surrogate_is_read(status):
    def make(subs):
        parts = ",".join(f'{{"id":"{s["id"]}","status":{status},"body":"\\ud800"}}' for s in subs)
        return ('{"responses":[' + parts + "]}").encode()

    result, sent, _ = run(bulk.create_many(settings(), names(2)), answering(make))
    expected = {400: "error", 500: "unknown", 201: "unknown"}[status]
    assert statuses(result) == [expected] * 2
    assert len(sent) == 1


@pytest.mark.parametrize(
    "variant",
    [
        {"status": 200},  # a success that is not a create
        {"status": "201"},
        {"status": 201, "body": "eyJpZCI6IngifQ=="},  # base64, as for a non-JSON body
        {"status": 201, "body": [1]},
        {"status": 201, "body": {"@odata.type": "#microsoft.graph.user", "id": "u"}},
        {"status": 201, "body": None},
        {"status": True},
        {"status": 1e999},
    ],
)
def test_a_sub_response_that_is_no_created_connector_is_unknown_and_never_re_sent(variant):
    result, sent, _ = run(
        bulk.create_many(settings(), names(2)),
        answering(lambda subs: {"responses": [{**created(s), **variant} for s in subs]}),
    )
    assert statuses(result) == ["unknown", "unknown"]
    assert len(sent) == 1


def test_sub_response_headers_in_any_case_and_type_still_give_retry_after():
    attempts = []

    def make(subs):
        attempts.append([s["id"] for s in subs])
        if len(attempts) == 1:
            throttled = {"status": 429, "headers": {"RETRY-AFTER": 0, "X": None}, "body": {}}
            return {"responses": [{"id": s["id"], **throttled} for s in subs]}
        return {"responses": [created(s) for s in subs]}

    result, sent, slept = run(bulk.create_many(settings(), names(2)), answering(make))
    assert statuses(result) == ["created", "created"]
    assert attempts == [["0", "1"], ["0", "1"]]


def test_a_batch_answer_over_max_response_bytes_is_unknown_and_found_again(make_client, emu):
    emu.inject("delay", seconds=0)  # the GET of the collection goes through as it is
    emu.inject("oversize", size=64 * 1024)  # the batch is acted on; its answer is too long
    client = make_client(write_limit=None, max_response_bytes=32 * 1024)
    rows = [{"displayName": f"n{i}"} for i in range(25)]
    result = client.create_many(rows, if_absent=True)
    assert result.ok and result.counts["created"] == 25
    assert sorted(c.display_name for c in emu.connectors) == sorted(r["displayName"] for r in rows)
    batches = [r for r in emu.requests if r.path.endswith("$batch")]
    assert len(batches) == 2  # the first batch was never sent again
