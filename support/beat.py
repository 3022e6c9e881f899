"""Celery beat that cannot run twice: django-celery-beat's DatabaseScheduler behind a lock.

Two beats would send every periodic task twice. Each tick first holds (or renews) the beat
lock; a beat that does not get it sends nothing and asks again at its next tick, so a second
beat started by mistake (or a standby) waits, and takes over when the first stops or dies.

- Redis broker: a Redis lock (SET NX with a token and an expiry, renewed by its owner at each
  tick; CELERY_BEAT_LOCK_SECONDS) on the broker's server: a beat that dies frees it within that
  time. While Redis is down no beat sends anything (it could not reach the broker anyway).
- Embedded default (kombu's filesystem broker, one machine): an exclusive flock on
  var/celery/beat.lock, freed by the kernel when the process ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
from pathlib import Path
from typing import IO

import redis
from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)
LOCK_NAME = "frontline:beat-lock"


class FileBeatLock:
    """An exclusive, non-blocking flock on one file (per open file, so also within a process)."""

    def __init__(self, path: Path):
        self.path = path
        self._file: IO[str] | None = None

    def hold(self) -> bool:
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the flock
            self._file = None


class RedisBeatLock:
    """A Redis lock with an owner token; renewed while held, taken when free or expired."""

    def __init__(self, url: str, seconds: int):
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._lock = client.lock(LOCK_NAME, timeout=seconds, thread_local=False)
        self._held = False

    def hold(self) -> bool:
        try:
            if self._held:
                try:
                    self._lock.reacquire()  # atomic: only while the token is still ours
                    return True
                except redis.exceptions.LockError:
                    self._held = False  # expired and maybe taken: try afresh below
            self._held = bool(self._lock.acquire(blocking=False))
        except redis.exceptions.RedisError as exc:
            logger.warning("Beat lock unavailable (%s): sending nothing", exc)
            self._held = False
        return self._held

    def release(self) -> None:
        if self._held:
            self._held = False
            with contextlib.suppress(redis.exceptions.RedisError):  # expired or Redis down:
                self._lock.release()  # the expiry frees it


def beat_lock() -> FileBeatLock | RedisBeatLock:
    """The lock for this installation's broker (see the module docstring)."""
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        return RedisBeatLock(url, settings.CELERY_BEAT_LOCK_SECONDS)
    return FileBeatLock(Path(settings.VAR_DIR) / "celery" / "beat.lock")


class SingleBeatScheduler(DatabaseScheduler):
    """DatabaseScheduler that sends only while it holds the beat lock (module docstring)."""

    def __init__(self, *args, **kwargs):
        self.lock = beat_lock()
        self._holding: bool | None = None
        self._me = f"{socket.gethostname()}:{os.getpid()}"
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        held = self.lock.hold()
        if held != self._holding:
            self._holding = held
            if held:
                logger.info("beat %s holds the beat lock: sending the schedule", self._me)
            else:
                logger.warning("beat %s: another beat holds the lock; waiting", self._me)
        if not held:
            return min(self.max_interval, 5)
        return super().tick(*args, **kwargs)

    def close(self):
        try:
            super().close()
        finally:
            self.lock.release()
