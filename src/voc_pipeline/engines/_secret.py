"""The pseudonymisation secret on its way to workers (processes, Ray actors)."""

from __future__ import annotations


class Secret:
    """Bytes that do not print themselves: tracebacks of a failed worker and Ray's task logs show
    arguments, and the secret must never reach a log."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = value

    def reveal(self) -> bytes:
        return self._value

    def __repr__(self) -> str:
        return "Secret(***)"

    __str__ = __repr__

    def __reduce__(self):
        return (Secret, (self._value,))
