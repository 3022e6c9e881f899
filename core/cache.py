"""Cached reads that must never outlive the rows they came from: each kind of entry carries
a version number kept in the cache, moved on every write that matters (at once, and again
when the transaction commits: a reader in between may have cached what the rows said before
the commit). Readers put the version in their keys, or compare it with what they hold in
process memory, so one cache read tells them whether what they have is still true.

Within a web request the versions are read together: the first one asked for brings every
version this process has asked for before in one round trip, and the request keeps them
(a write in the request drops the ones it moves). Outside a request each read goes to the
cache."""

from __future__ import annotations

import time
from contextvars import ContextVar

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

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
        version = cache.get(key, 0)
    _known.add(key)
    if kept is not None:
        kept[key] = version
    return version


_READ = "\0read"  # marks a request's versions as read (no version key starts with NUL)


def _begin_request(**kwargs) -> None:
    _request_versions.set({})


def _end_request(**kwargs) -> None:
    _request_versions.set(None)


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
