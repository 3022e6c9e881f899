"""Cached reads that must never outlive the rows they came from.

Each cached read has a version number kept in the cache, moved on every write that matters (at
once, and again when the transaction commits: a reader in between may have cached what the
rows said before the commit). Readers put the version in their keys (`CachedRead.key`), or keep
values in process memory while it stands (core.memo.Memo), so one cache read tells them
whether what they have is still true.

Which writes move which version is declared, never coded by hand: each app's `caches.py` holds
the table of its cached reads (`CachedRead`: a name, and the model writes that move it,
`Writes`), and its `AppConfig.ready()` calls `wire(table)`, which connects the signals. A write
Django sends no signal for (bulk_create, QuerySet.update, raw SQL) is followed by
`written(Model)`, which moves whatever the tables say writes to that model move.

How to add a cached read:
1. Declare it in the caches.py of the app that owns the read: `NAME = CachedRead("app:what",
   "what is kept, and who reads it", moved_by=(Writes(Model), ...))`, listing every model
   whose rows the value is computed from (another app's models too: the reading app may
   import them). Narrow a model with `fields=` (only saves naming one of these move it) or
   `ignore=` (saves naming only these do not); give `row=` when a write concerns one entry
   (the value the reader's key is built from) rather than all of them.
2. Read it under `NAME.key(...)` in the shared cache, or through a `Memo(NAME.version_key,
   size=...)` in process memory.
3. After any bulk write to those models, call `written(Model)`.

Within a web request the versions are read together: the first one asked for brings every
version this process has asked for before in one round trip, and the request keeps them (a
write in the request drops the ones it moves). Outside a request each read goes to the cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

# The versions read in the current request (None outside one), and every key asked for.
_request_versions: ContextVar[dict | None] = ContextVar("cache_versions", default=None)
_known: set[str] = set()


def cache_version(key: str) -> int:
    """The current version stored under `key` (made when missing)."""
    kept = _request_versions.get()
    if kept is not None:
        if key in kept:
            return kept[key]
        if not kept.get(_READ):
            _known.add(key)
            kept.update(cache.get_many(list(_known)), **{_READ: True})
            if key in kept:
                return kept[key]
    version = cache.get(key)
    if version is None:
        # Not a counter from 1: a version lost from the cache must not meet old entries again.
        cache.add(key, time.time_ns(), None)
        version = cache.get(key)
    if version is None:
        # The cache is down (Redis errors are ignored: settings IGNORE_EXCEPTIONS) and no
        # write can move a version: a value never seen before, so nothing is kept meanwhile.
        version = -time.time_ns()
    _known.add(key)
    if kept is not None:
        kept[key] = version
    return version


_READ = "\0read"  # marks a request's versions as read (no version key starts with NUL)


def _begin_request(**kwargs) -> None:
    _request_versions.set({})


def _end_request(**kwargs) -> None:
    _request_versions.set(None)


class CacheUnavailable(Exception):
    """The shared cache does not answer (Redis down): a count kept there cannot be taken."""


_PROBE = "core:probe"


def cache_reachable() -> bool:
    """Does the shared cache answer? A down Redis is bypassed (IGNORE_EXCEPTIONS: its reads
    miss, its writes do nothing, its answers are None), which one cheap EXISTS tells."""
    return cache.has_key(_PROBE) is not None


def rate_count(key: str, window: int) -> int:
    """Count one hit on `key` in a fixed window of `window` seconds; the count so far. Raises
    CacheUnavailable when the cache cannot count: a public door's limit then fails closed."""
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    if count is None:
        raise CacheUnavailable(key)
    return count


def keep_versions_per_request() -> None:
    """Read the versions once per web request (core.apps connects this at start-up)."""
    request_started.connect(_begin_request, dispatch_uid="cache-versions-begin")
    request_finished.connect(_end_request, dispatch_uid="cache-versions-end")


def _move(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not in the cache (yet, or evicted)
        cache.set(key, time.time_ns(), None)
    kept = _request_versions.get()
    if kept is not None:
        kept.pop(key, None)


def cache_version_bump(key: str) -> None:
    """Forget everything cached under `key`'s version: now and when the transaction commits."""
    _move(key)
    transaction.on_commit(lambda: _move(key))


# The tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Writes:
    """Writes to `model` (saves and deletes; adds, removes and clears for an m2m through
    table) that move a cached read.

    `fields`: a save that names its update_fields moves it only when it names one of these.
    `ignore`: a save that names only these fields does not move it (presence, last sign-in).
    A save of the whole row and a delete always move it.
    `row`: the write concerns one entry only — `row(instance)` is what the reader passes to
    `CachedRead.key` — so that entry is dropped and the others stay; when it returns None
    (say, the other side of an m2m change) the version moves."""

    model: type[models.Model]
    fields: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    row: Callable[[models.Model], Hashable | None] | None = None

    def moves(self, update_fields) -> bool:
        """Does a save naming `update_fields` (None: the whole row) move the read?"""
        if update_fields is None:
            return True
        if self.fields is not None and not self.fields & update_fields:
            return False
        return not update_fields <= self.ignore


@dataclass(frozen=True)
class CachedRead:
    """One cached read of an app: `name` (its keys start with it), what it keeps and who reads
    it (`about`), the writes that move it, and whether a migration moves it (data migrations
    write through historical models, which send no signals)."""

    name: str
    about: str
    moved_by: tuple[Writes, ...] = ()
    after_migrate: bool = False

    @property
    def version_key(self) -> str:
        return f"{self.name}:version"

    def version(self) -> int:
        """The current version (read once per request)."""
        return cache_version(self.version_key)

    def key(self, *parts: Hashable, version: int | None = None) -> str:
        """The shared cache's key for one entry, under the current version (or `version`, for
        a reader that has read it already, as a Memo's `current().version`)."""
        version = self.version() if version is None else version
        return ":".join([self.name, str(version), *map(str, parts)])

    def move(self) -> None:
        """Forget every entry: now and when the transaction commits."""
        cache_version_bump(self.version_key)

    def forget(self, *parts: Hashable) -> None:
        """Forget one entry (as `key(*parts)` names it): now and when the transaction commits."""
        key = self.key(*parts)
        cache.delete(key)
        transaction.on_commit(lambda: cache.delete(key))


# model -> the (read, writes) pairs that writes to it move, from every app's table.
_moved_by: dict[type[models.Model], list[tuple[CachedRead, Writes]]] = {}
_after_migrate: dict[str, CachedRead] = {}


def _apply(model, instance, update_fields) -> None:
    for read, writes in _moved_by.get(model, ()):
        if not writes.moves(update_fields):
            continue
        row = writes.row(instance) if writes.row is not None and instance is not None else None
        if row is None:
            read.move()
        else:
            read.forget(row)


def _on_save(sender, instance, update_fields=None, **kwargs) -> None:
    _apply(sender, instance, None if update_fields is None else frozenset(update_fields))


def _on_delete(sender, instance, **kwargs) -> None:
    _apply(sender, instance, None)


def _on_m2m(sender, instance, action, **kwargs) -> None:
    if action.startswith("post_"):
        _apply(sender, instance, None)


def _on_migrate(sender, **kwargs) -> None:
    for read in _after_migrate.values():
        read.move()


def wire(reads: Iterable[CachedRead]) -> None:
    """Connect an app's table: each model write it declares moves the reads it names. Called
    from the app's `ready()`; calling it again with the same reads changes nothing."""
    for read in reads:
        for writes in read.moved_by:
            model = writes.model
            pairs = _moved_by.setdefault(model, [])
            if (read, writes) in pairs:
                continue
            pairs.append((read, writes))
            uid = f"cache-table:{model._meta.label_lower}"
            if model._meta.auto_created:  # an m2m through table: its rows change by add/remove
                m2m_changed.connect(_on_m2m, sender=model, dispatch_uid=uid)
            else:
                post_save.connect(_on_save, sender=model, dispatch_uid=f"{uid}:saved")
                post_delete.connect(_on_delete, sender=model, dispatch_uid=f"{uid}:deleted")
        if read.after_migrate:
            _after_migrate[read.name] = read
    post_migrate.connect(_on_migrate, dispatch_uid="cache-table:migrated")


def written(model: type[models.Model]) -> None:
    """A write to `model` that sent no signal (bulk_create, QuerySet.update, raw SQL): move
    every read the tables say writes to it move (all entries of a read keyed by row)."""
    for read in {read.name: read for read, _ in _moved_by.get(model, ())}.values():
        read.move()
