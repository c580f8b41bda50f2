"""Every codec path, good inputs and bad, N times: the script `make memcheck` runs under valgrind
and test_leaks.py runs a million times.

With --gc-stress the collector runs at nearly every allocation (gc.set_threshold(1)), and the
finalizers of garbage cycles change the connectors and the input buffer the cycle is working on,
from inside the C binding's calls (test_gc_stress.py runs it so, under `make test-asan` too)."""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta, timezone

from ndes import DecodeError, NdesConnector, ValidationError

TZ = timezone(timedelta(hours=-8))
BODY = (
    b'{"@odata.context":"x","@odata.type":"#microsoft.graph.ndesConnector","id":"8ea5",'
    b'"lastConnectionDateTime":"2016-12-31T23:58:46.7156189-08:00","state":"degraded",'
    b'"displayName":"D\\u00e9 \\ud83d\\ude00","roleScopeTagIds":["a","b"],'
    b'"healthState":{"level":3,"ok":true,"l":[1,2.5,null,"x",12345678901234567890]}}'
)
BAD_JSON = [
    b'{"x":[1,2,{"a":',
    b'{"x":1,"x":2}',
    b'{"state":1}',
    b'{"x":{"k":[1,{"z":1e999}]}}',
    b'{"roleScopeTagIds":["a",1]}',
    b'{"displayName":"\\ud800"}',
    b'{"lastConnectionDateTime":"2026-02-30T00:00:00Z"}',
    b"[{}]",
    b'{"a":"\xff"}',
    b'{"state":"none","@odata.type":"#microsoft.graph.ndesConnector","@odata.type":"x"}',
    b'{"x":' + b"9" * 5000 + b"}",
]
BAD_PAGES = [b"{}", b'{"value":[{"id":1}]}', b'{"value":[],"@odata.nextLink":5}', b'{"value":{}}']
BAD_MSGPACK = [b"\x81\xa1x\xc4\x01z", b"\xdf\xff\xff\xff\xff", b"\x81\xa1x" + b"\x91" * 70]
BAD_FIELDS = [
    {"state": "x"},
    {"display_name": "\ud800"},
    {"additional_data": {"x": [{1}]}},
    {"role_scope_tag_ids": ["a", 2]},
    {"last_connection_date_time": datetime(2026, 1, 1)},
]


# What the cycle is working on, for the --gc-stress finalizers to change.
LIVE: list[object] = []


def live(x: object) -> object:
    LIVE.append(x)
    return x


def cycle() -> None:
    LIVE.clear()
    live(NdesConnector.from_json(live(bytearray(BODY))))
    c = live(NdesConnector.from_json(BODY))
    c.to_json()
    c.to_dict()
    NdesConnector.from_dict(c.to_dict())
    NdesConnector.from_msgpack(c.to_msgpack())
    d = live(NdesConnector.from_msgpack(c.to_msgpack()))
    d.display_name  # noqa: B018 - reads a decoded field
    d.role_scope_tag_ids.append("c")
    d.id = "changed"
    d.to_json()
    made = live(
        NdesConnector(
            display_name="x",
            state="active",
            last_connection_date_time=datetime(2026, 1, 1, tzinfo=TZ),
            role_scope_tag_ids=["1"],
            additional_data={"a": [1, {"b": 2.5}]},
        )
    )
    made.last_connection_date_time  # noqa: B018 - builds a datetime
    batch = NdesConnector.to_json_array([made, c])
    NdesConnector.from_json_array(batch)
    NdesConnector.from_msgpack_array(NdesConnector.to_msgpack_array([made]))
    page = b'{"@odata.context":"x","value":[' + BODY + b"," + BODY + b'],"@odata.nextLink":"n"}'
    NdesConnector.from_json_page(bytearray(page))
    NdesConnector.from_msgpack_page(b"\x81\xa5value\x91" + c.to_msgpack())
    for bad in BAD_PAGES:
        try:
            NdesConnector.from_json_page(bad)
        except DecodeError:
            pass
    for bad in BAD_JSON:
        try:
            NdesConnector.from_json(bad)
        except DecodeError:
            pass
    for bad in BAD_MSGPACK:
        try:
            NdesConnector.from_msgpack(bad)
        except DecodeError:
            pass
    for fields in BAD_FIELDS:
        try:
            NdesConnector(**fields)
        except ValidationError:
            pass
    c.additional_data["bad"] = [float("nan")]
    try:
        c.to_json()
    except ValidationError:
        pass


def meddle(rng: random.Random) -> None:
    """A finalizer's change to something the cycle is working on."""
    if not LIVE:
        return
    x = rng.choice(LIVE)
    if isinstance(x, bytearray):
        x[rng.randrange(len(x))] = rng.choice(b'"\\{}[],:0a\x80\xff')
        return
    assert isinstance(x, NdesConnector)
    change = rng.randrange(6)
    if change == 0:
        x.display_name = rng.choice([None, "meddled", "m\u00e9"])
    elif change == 1:
        x.additional_data = rng.choice([None, {}, {"m": [1, {"n": None}]}])
    elif change == 2:
        x.additional_data.clear()
    elif change == 3:
        x.role_scope_tag_ids = rng.choice([None, [], ["m", "n"]])
    elif change == 4:
        x.last_connection_date_time = rng.choice([None, datetime(2026, 1, 1, tzinfo=TZ)])
    else:
        x.state = rng.choice([None, "inactive"])


def stressed(cycles: int) -> None:
    """The cycles with a meddling finalizer at every third collection; the errors the meddling
    causes (a field set to None, a buffer made invalid) are expected, crashes are not."""
    from gc_stress import drain_free_lists, finalizers

    rng = random.Random(9)
    runs = [0]

    def action() -> None:
        if rng.random() < 0.5:
            runs[0] += 1
            meddle(rng)

    cycle()  # imports what the codecs load on first use, before finalizers can run in between
    errors = 0
    with finalizers(action) as state:
        for _ in range(cycles):
            held = drain_free_lists()  # so that the binding's containers come from the collector
            try:
                cycle()
            except Exception:  # noqa: BLE001 - the meddling makes any step fail; we count them
                errors += 1
            del held
    print(
        f"gc stress: {cycles} cycles, {state['runs']} finalizer runs, {runs[0]} changes, "
        f"{errors} cycles cut short"
    )


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    if "--gc-stress" in sys.argv:
        stressed(n)
    else:
        for _ in range(n):
            cycle()
    print("workout done")
