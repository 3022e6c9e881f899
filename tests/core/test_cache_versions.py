"""core/cache.py: versions read once per web request, never stale after a write."""

from __future__ import annotations

from django.core.cache import cache
from django.core.signals import request_finished, request_started

from core.cache import cache_version, cache_version_bump


def test_a_request_reads_its_versions_once_and_sees_its_own_writes(db):
    first = cache_version("test:a-version")
    cache_version("test:b-version")
    request_started.send(sender=None)
    try:
        assert cache_version("test:a-version") == first
        cache.incr("test:a-version")  # another process moves it: this request keeps its read
        assert cache_version("test:a-version") == first
        cache_version_bump("test:b-version")  # this request's own write is seen at once
        assert cache_version("test:b-version") == cache.get("test:b-version")
    finally:
        request_finished.send(sender=None)
    assert cache_version("test:a-version") == first + 1  # outside a request: read each time
