"""Whatever the server answers and whatever the token source returns, only NdesError subclasses
leave create(): answers that tripped Python's own parsers (Retry-After: ², a 20-digit year, a
deeply nested error body), tokens no header can carry, and a property test over arbitrary
answers."""

from __future__ import annotations

import pytest
from conftest import TOKEN
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ndes
from ndes import _protocol
from ndes._http import HttpRequest, HttpResponse

CONNECTOR = b'{"@odata.type":"#microsoft.graph.ndesConnector","id":"c1","displayName":"x"}'
HUGE_YEAR = "Mon, 01 Jan 99999999999999999999 00:00:00 GMT"


class ScriptedBackend:
    """Answers from a list (the last one again when it runs out), counting what was sent."""

    def __init__(self, answers: list[HttpResponse]) -> None:
        self.answers = answers
        self.sent: list[HttpRequest] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        self.sent.append(request)
        return self.answers[min(len(self.sent), len(self.answers)) - 1]

    def close(self) -> None:
        pass


def scripted_client(
    *answers: HttpResponse, **options: object
) -> tuple[ndes.Client, ScriptedBackend]:
    backend = ScriptedBackend(list(answers))
    client = ndes.Client(TOKEN, backend=backend, **options)  # type: ignore[arg-type]
    client._sleep = lambda seconds: None  # the waits are not what is tested here
    return client, backend


@pytest.mark.parametrize(
    "value",
    ["\u00b2", "\u0663", "1\u00b2", "\uff11", HUGE_YEAR, "9" * 5000, "-1", "1.5", "", " "],
)
def test_retry_after_never_raises(value: str) -> None:
    seconds = _protocol.parse_retry_after(value)
    assert seconds is None or seconds >= 0


@given(st.text())
def test_retry_after_property(value: str) -> None:
    seconds = _protocol.parse_retry_after(value)
    assert seconds is None or seconds >= 0


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (HttpResponse(429, {"retry-after": "\u00b2"}), ndes.ThrottledError),
        (HttpResponse(503, {"retry-after": HUGE_YEAR}), ndes.ServiceUnavailableError),
        (HttpResponse(500, {"content-type": "application/json"}, b"[" * 200_000), ndes.ServerError),
        (HttpResponse(400, {}, b'{"error":' * 100_000), ndes.BadRequestError),
        (HttpResponse(201, {}, b"[" * 200_000), ndes.UnexpectedResponseError),
        (HttpResponse(307, {"location": "http://127.0.0.2\\@127.0.0.1:1/"}), ndes.GraphError),
        (HttpResponse(308, {"location": "https://h:99999/"}), ndes.GraphError),
    ],
)
def test_each_answer_gets_its_typed_error(answer: HttpResponse, error: type) -> None:
    client, backend = scripted_client(answer, max_retries=1, max_retry_after=1.0)
    with pytest.raises(error):
        client.create(display_name="x")
    assert 1 <= len(backend.sent) <= 2


def test_a_201_with_a_5000_digit_integer_is_unexpected_response() -> None:
    client, backend = scripted_client(HttpResponse(201, {}, b'{"x":' + b"9" * 5000 + b"}"))
    with pytest.raises(ndes.UnexpectedResponseError):
        client.create(display_name="x")
    assert len(backend.sent) == 1


def test_a_201_whose_body_is_no_connector_is_unexpected_response() -> None:
    client, backend = scripted_client(HttpResponse(201, {}, b"<html>Created</html>"))
    with pytest.raises(ndes.UnexpectedResponseError) as e:
        client.create(display_name="x")
    assert e.value.status == 201 and len(backend.sent) == 1


# -- the token -----------------------------------------------------------------------------

BAD_TOKENS: list[object] = [
    "caf\u00e9-latin-1-token",
    "\u20ac-outside-latin-1-token",
    "split\r\nX-Injected: 1",
    "nul\x00token",
    "two words",
    "",
    None,
    b"bytes-token",
]


@pytest.mark.parametrize("bad", BAD_TOKENS, ids=repr)
def test_an_unusable_token_is_refused_before_sending(make_client, emu, bad: object) -> None:
    client = make_client(token=lambda: bad)
    with pytest.raises(ndes.CredentialError) as e:
        client.create(display_name="x")
    assert emu.requests == []
    assert e.value.__cause__ is None and e.value.__context__ is None
    if isinstance(bad, str) and bad:
        assert bad not in str(e.value) and bad not in repr(e.value)
    assert "unusable token" in str(e.value)


def test_credential_error_is_exported() -> None:
    assert issubclass(ndes.CredentialError, ndes.NdesError)
    assert "CredentialError" in ndes.__all__ and ndes.errors.CredentialError is ndes.CredentialError


# -- arbitrary answers -----------------------------------------------------------------------

HEADER_NAMES = ["retry-after", "location", "content-type", "request-id", "date", "x-other"]
bodies = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            CONNECTOR,
            b"[" * 5000,
            b'{"error":{"code":1,"message":[],"innerError":"x"}}',
            b'{"error":{"code":"c","message":"m","innerError":{"request-id":5}}}',
            b'{"x":' + b"9" * 400 + b"}",
            b'{"@odata.type":"#microsoft.graph.user","state":"active"}',
            b'{"id":"a","id":"b"}',
            b"\xff\xfe{}",
        ]
    ),
)
answers = st.builds(
    HttpResponse,
    st.one_of(
        st.sampled_from([200, 201, 204, 307, 308, 400, 401, 429, 500, 503]), st.integers(0, 999)
    ),
    st.dictionaries(
        st.sampled_from(HEADER_NAMES),
        st.one_of(
            st.text(max_size=60),
            st.sampled_from(["\u00b2", HUGE_YEAR, "0", "1", "/beta/x", "http://127.0.0.2\\@h/"]),
        ),
    ),
    bodies,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(answers, min_size=1, max_size=4))
def test_create_raises_only_ndes_errors_whatever_the_answer(script: list[HttpResponse]) -> None:
    client, backend = scripted_client(
        *script,
        max_retries=2,
        max_redirects=2,
        max_retry_after=5.0,
        base_url="https://graph.microsoft.com/beta",
    )
    try:
        result = client.create(display_name="x")
    except ndes.NdesError:
        pass
    else:
        assert isinstance(result, ndes.NdesConnector)
    assert 1 <= len(backend.sent) <= 3 * 3  # attempts times hops
