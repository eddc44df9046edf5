"""Name -> builder tables, the one place where config strings meet code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T", bound=Callable)


class Registry(Generic[T]):
    """A dict of builders with clear errors: unknown and duplicate names list what exists."""

    def __init__(self, kind: str, builders: dict[str, T] | None = None) -> None:
        self.kind = kind
        self._builders: dict[str, T] = {}
        for name, builder in (builders or {}).items():
            self.register(name, builder)

    def register(self, name: str, builder: T) -> T:
        if name in self._builders:
            raise KeyError(
                f"A {self.kind} named {name!r} is already registered; registered {self.kind}s: {self.names()}."
            )
        self._builders[name] = builder
        return builder

    def get(self, name: str) -> T:
        try:
            return self._builders[name]
        except KeyError:
            raise KeyError(f"Unknown {self.kind} {name!r}; registered {self.kind}s: {self.names()}.") from None

    def names(self) -> list[str]:
        return sorted(self._builders)

    def __contains__(self, name: object) -> bool:
        return name in self._builders

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._builders)
