"""The exceptions ndes raises. Every one derives from :class:`NdesError`."""

from __future__ import annotations

__all__ = ["NdesError", "ValidationError", "DecodeError"]


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

    def __reduce__(self):  # keep both attributes through pickling
        return (type(self), (self.field, self.reason))


class DecodeError(NdesError, ValueError):
    """Bytes that are not a valid ndesConnector document.

    ``offset`` is the byte offset in the input where the problem was found.
    """

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(f"{reason} (at byte {offset})")
        self.reason = reason
        self.offset = offset

    def __reduce__(self):
        return (type(self), (self.reason, self.offset))
