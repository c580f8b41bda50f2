"""The exceptions ndes raises. Every one derives from :class:`NdesError`."""

from __future__ import annotations

__all__ = [
    "AmbiguousKeyError",
    "AuthenticationError",
    "BadRequestError",
    "CredentialError",
    "CrossOriginError",
    "DecodeError",
    "GraphError",
    "NdesError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "ServerError",
    "ServiceUnavailableError",
    "ThrottledError",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
]


class NdesError(Exception):
    """Base class of every error ndes raises on purpose."""


class ValidationError(NdesError, ValueError):
    """A connector field holds a value Graph would refuse.

    ``field`` is the wire name (``displayName``, ``roleScopeTagIds[2]``,
    ``additional_data['x']``); ``reason`` says what is wrong with it.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def __reduce__(self) -> tuple[type[ValidationError], tuple[str, str]]:  # keep attributes
        return (type(self), (self.field, self.reason))


class DecodeError(NdesError, ValueError):
    """Bytes that are not a valid ndesConnector document.

    ``offset`` is the byte offset in the input where the problem was found.
    """

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(f"{reason} (at byte {offset})")
        self.reason = reason
        self.offset = offset

    def __reduce__(self) -> tuple[type[DecodeError], tuple[str, int]]:
        return (type(self), (self.reason, self.offset))


class CredentialError(NdesError):
    """The token source failed, or returned an unusable token (not a string, empty, or holding
    a character no HTTP header can carry); nothing was sent.

    The cause (azure-identity's ``CredentialUnavailableError``, your callable's exception) is
    chained as ``__cause__``. The token itself is never shown."""


class CrossOriginError(NdesError):
    """Graph's ``@odata.nextLink`` points to another origin (scheme, host or port) than
    ``base_url``; it was not followed, so the token went nowhere else."""


class AmbiguousKeyError(NdesError):
    """``get_or_create`` found several connectors with the key's value, so it cannot tell
    which one is meant; ``count`` says how many."""

    def __init__(self, key: str, value: object, count: int) -> None:
        super().__init__(
            f"{count} connectors have {key} == {value!r}; get_or_create needs at most one"
        )
        self.key = key
        self.value = value
        self.count = count

    def __reduce__(self) -> tuple[type[AmbiguousKeyError], tuple[str, object, int]]:
        return (type(self), (self.key, self.value, self.count))


class OutcomeUnknownError(NdesError):
    """The request may have reached Graph and no usable answer came back.

    The connector may or may not exist now. ndes never retries such a request, since a POST
    that did go through would create a second connector; look it up by ``client_request_id``
    (Graph logs it) before creating again.
    """

    def __init__(self, message: str, *, client_request_id: str | None = None) -> None:
        if client_request_id:
            message = f"{message} (client-request-id {client_request_id})"
        super().__init__(message)
        self.client_request_id = client_request_id


class TransportError(NdesError):
    """Nothing reached Graph: the connection could not be made or the request not sent."""

    def __init__(self, message: str, *, client_request_id: str | None = None) -> None:
        super().__init__(message)
        self.client_request_id = client_request_id


class GraphError(NdesError):
    """Graph answered with an error status.

    ``status`` is the HTTP status; ``code`` and ``message`` come from Graph's error JSON when
    there is one (else ``message`` is a short excerpt of the body); ``request_id``,
    ``client_request_id`` and ``date`` identify the request to Microsoft support.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        request_id: str | None = None,
        client_request_id: str | None = None,
        date: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        text = f"HTTP {status}"
        if code:
            text += f" {code}"
        if message:
            text += f": {message}"
        ids = [
            f"{k} {v}"
            for k, v in (("request-id", request_id), ("client-request-id", client_request_id))
            if v
        ]
        if ids:
            text += f" ({', '.join(ids)})"
        super().__init__(text)
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.client_request_id = client_request_id
        self.date = date
        self.retry_after = retry_after


class BadRequestError(GraphError):
    """400 (and other 4xx without a class of their own): Graph refused the request."""


class AuthenticationError(GraphError):
    """401: the token is missing, expired or not for Graph."""


class PermissionDeniedError(GraphError):
    """403: the token lacks DeviceManagementConfiguration.ReadWrite.All."""


class NotFoundError(GraphError):
    """404: no such resource (a wrong base URL, or the beta endpoint is not there)."""


class ThrottledError(GraphError):
    """429: throttled, still after the retries allowed; ``retry_after`` says how long to wait."""


class ServiceUnavailableError(GraphError):
    """503: Graph is unavailable, still after the retries allowed; nothing was created."""


class ServerError(GraphError, OutcomeUnknownError):
    """A 5xx other than 503: Graph failed while handling the request, so the connector may or
    may not exist. Never retried; also an :class:`OutcomeUnknownError`."""


class UnexpectedResponseError(GraphError, OutcomeUnknownError):
    """An answer a create should not get: a status other than 201 outside 4xx and 5xx (a 200,
    a 202, a redirect ndes does not follow), or a 201 whose body is not a connector. The
    connector may exist."""
