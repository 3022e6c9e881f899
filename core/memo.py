"""Values kept in process memory while a cache version stands (core.cache).

Some reads are asked for on every request or every ticket write and change a few times a day:
the routing rules, the webhook subscribers, the workspace's pickers, who is on shift. Each
process keeps them in a `Memo` under the version of their cached read: asking costs one look
at the version (free within a request, which reads its versions once), and the first reader
after a write that moved the version reads the rows again. A memo holds at most `size`
values; past it, it starts over (what it holds is cheap to read again, and an unbounded dict
in a long-lived worker is a leak). A memo without a version keeps values for the life of the
process: for what depends on nothing a write can change (compiled SQL for a key that says
everything it depends on)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from .cache import cache_version

V = TypeVar("V")


class Held(Generic[V]):
    """The values a memo holds under one version (`version`: None for a memo without one)."""

    __slots__ = ("_size", "_values", "version")

    def __init__(self, version: int | None, size: int):
        self.version = version
        self._size = size
        self._values: dict[Hashable, V] = {}

    def get(self, key: Hashable, read: Callable[[], V]) -> V:
        """The value under `key`; `read()` it and keep it when not held."""
        try:
            return self._values[key]
        except KeyError:
            value = read()
            self.put(key, value)
            return value

    def find(self, key: Hashable) -> V | None:
        """The value under `key`, or None when not held."""
        return self._values.get(key)

    def put(self, key: Hashable, value: V) -> None:
        if len(self._values) >= self._size and key not in self._values:
            self._values.clear()
        self._values[key] = value

    def __len__(self) -> int:
        return len(self._values)


class Memo(Generic[V]):
    """At most `size` values kept in this process while the cache version under `version`
    (a CachedRead's version_key) stands; with `version` None, for the life of the process."""

    def __init__(self, version: str | None, *, size: int):
        self.version_key = version
        self.size = size
        self._held: Held[V] = Held(None, size)

    def current(self) -> Held[V]:
        """The values held under the version that stands now (one version read); a reader
        that asks for several keys at once takes this and asks it."""
        if self.version_key is None:
            return self._held
        version = cache_version(self.version_key)
        held = self._held
        if held.version != version:
            held = self._held = Held(version, self.size)
        return held

    def get(self, key: Hashable, read: Callable[[], V]) -> V:
        """The value under `key` for the current version; `read()` and kept when not held."""
        return self.current().get(key, read)

    def clear(self) -> None:
        self._held = Held(self._held.version, self.size)

    def __len__(self) -> int:
        return len(self._held)
