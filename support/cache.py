"""Cached reads that must never outlive the rows they came from: each kind of entry carries
a version number kept in the cache, moved on every write that matters (at once, and again
when the transaction commits: a reader in between may have cached what the rows said before
the commit). Readers put the version in their keys, or compare it with what they hold in
process memory, so one cache read tells them whether what they have is still true."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction


def cache_version(key: str) -> int:
    """The current version stored under `key` (made when missing)."""
    version = cache.get(key)
    if version is None:
        # Not a counter from 1: a version lost from the cache must not meet old entries again.
        cache.add(key, time.time_ns(), None)
        version = cache.get(key, 0)
    return version


def _move(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not in the cache (yet, or evicted)
        cache.set(key, time.time_ns(), None)


def cache_version_bump(key: str) -> None:
    """Forget everything cached under `key`'s version: now and when the transaction commits."""
    _move(key)
    transaction.on_commit(lambda: _move(key))
