"""The fault table: each failure create() can meet, its required outcome, and what the emulator
stored. Nothing created twice, nothing reported created that was not, every failure typed.

`python tests/test_faults.py` prints the table for docs/reliability.md from a real run."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email.utils import formatdate

import pytest
from conftest import TOKEN, free_port

import ndes
from ndes.emulator import EmulatorServer, serve


@dataclass
class Scenario:
    name: str
    faults: list[tuple[str, dict]] = field(default_factory=list)
    outcome: type[BaseException] | None = None  # None: created
    requests: int = 1  # what the emulator saw
    stored: int = 1  # what it created
    client: dict = field(default_factory=dict)
    settle: float = 0.0  # wait for a slow server to finish before counting


def http_date(offset: float) -> str:
    return formatdate(time.time() + offset, usegmt=True)


SCENARIOS = [
    Scenario("201 Created", outcome=None),
    Scenario(
        "429, Retry-After: 0 (seconds)", [("status", {"status": 429, "retry_after": 0})], requests=2
    ),
    Scenario(
        "429, Retry-After as an HTTP-date",
        [("status", {"status": 429, "retry_after": "DATE"})],
        requests=2,
    ),
    Scenario("503, Retry-After: 0", [("status", {"status": 503, "retry_after": 0})], requests=2),
    Scenario("503 without Retry-After (backoff)", [("status", {"status": 503})], requests=2),
    Scenario(
        "429, Retry-After beyond the cap",
        [("status", {"status": 429, "retry_after": 3600})],
        outcome=ndes.ThrottledError,
        stored=0,
    ),
    Scenario(
        "429 on every attempt",
        [("status", {"status": 429, "retry_after": 0})] * 4,
        outcome=ndes.ThrottledError,
        requests=4,
        stored=0,
    ),
    Scenario("500", [("status", {"status": 500})], outcome=ndes.ServerError, stored=0),
    Scenario(
        "502 with an HTML body",
        [("status", {"status": 502, "body": "<html>Bad Gateway</html>"})],
        outcome=ndes.ServerError,
        stored=0,
    ),
    Scenario("504", [("status", {"status": 504})], outcome=ndes.ServerError, stored=0),
    Scenario(
        "connection refused",
        outcome=ndes.TransportError,
        requests=0,
        stored=0,
        client={"base_url": "CLOSED"},
    ),
    Scenario(
        "drop before the request is read",
        [("drop_before_body", {})],
        outcome=ndes.OutcomeUnknownError,
        stored=0,
    ),
    Scenario(
        "drop after the request is read",
        [("drop_after_body", {})],
        outcome=ndes.OutcomeUnknownError,
    ),
    Scenario(
        "read timeout (server slower than the client)",
        [("delay", {"seconds": 0.6})],
        outcome=ndes.OutcomeUnknownError,
        client={"timeout": 0.2},
        settle=0.7,
    ),
    Scenario("truncated body", [("truncate", {})], outcome=ndes.OutcomeUnknownError),
    Scenario(
        "wrong content type on 201",
        [("wrong_content_type", {})],
        outcome=ndes.UnexpectedResponseError,
    ),
    Scenario(
        "oversized body",
        [("oversize", {"size": 200_000})],
        outcome=ndes.OutcomeUnknownError,
        client={"max_response_bytes": 100_000},
    ),
    Scenario(
        "307 to another host",
        [("redirect", {"location": "OTHER"})],
        outcome=ndes.AuthenticationError,
        requests=2,
        stored=0,
    ),
    Scenario(
        "expired token (401)",
        outcome=ndes.AuthenticationError,
        stored=0,
        client={"token": "expired"},
    ),
]


def run(scenario: Scenario, server: EmulatorServer) -> tuple[str, int, int]:
    """(outcome name, requests seen, connectors stored)."""
    emu = server.emulator
    emu.reset()
    emu.accept_token = lambda token: token != "expired"
    for kind, params in scenario.faults:
        params = dict(params)
        if params.get("retry_after") == "DATE":
            params["retry_after"] = http_date(-1)
        if params.get("location") == "OTHER":
            params["location"] = (
                f"http://localhost:{server.port}/beta/deviceManagement/ndesConnectors"
            )
        emu.inject(kind, **params)
    options = {"base_url": server.base_url, "retry_backoff": 0.01, "max_retry_after": 30}
    options.update(scenario.client)
    if options["base_url"] == "CLOSED":
        options["base_url"] = f"http://127.0.0.1:{free_port()}/beta"
    token = options.pop("token", TOKEN)
    outcome = "created"
    with ndes.Client(token, **options) as client:
        try:
            created = client.create(display_name="NDES-01", state="active")
            assert created.id in {c.id for c in emu.connectors}
        except ndes.NdesError as exc:
            outcome = type(exc).__name__
    time.sleep(scenario.settle)
    emu.accept_token = None
    return outcome, len(emu.requests), len(emu.connectors)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_fault(scenario: Scenario, server: EmulatorServer) -> None:
    outcome, seen, stored = run(scenario, server)
    want = "created" if scenario.outcome is None else scenario.outcome.__name__
    assert (outcome, seen, stored) == (want, scenario.requests, scenario.stored)


def main() -> None:
    print("| fault | outcome | requests the emulator saw | connectors it stored |")
    print("|---|---|---:|---:|")
    with serve() as server:
        for s in SCENARIOS:
            outcome, seen, stored = run(s, server)
            print(f"| {s.name} | {outcome} | {seen} | {stored} |")


if __name__ == "__main__":
    main()
