"""The gunicorn server's surroundings: the bench data set's meta row, the cache, the environment
and a free loopback port."""

from __future__ import annotations

import json
import os
import socket

import psycopg2

from bench.common import db_name, pg_dsn
from bench.loadtest.config import HOST, log


def bench_meta(url: str) -> dict:
    conn = psycopg2.connect(pg_dsn(url))
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('bench_meta')")
            if cur.fetchone()[0] is None:
                raise SystemExit(f"load: {db_name(url)} holds no bench data; run bench/generate.py")
            cur.execute("SELECT value FROM bench_meta WHERE key = 'meta'")
            return json.loads(cur.fetchone()[0])
    finally:
        conn.close()


# The cache as production runs it (README: Redis, shared by web and worker processes), in a
# database number of its own that each run empties; the file cache when Redis is not there.
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/9")


CACHE_USED = {"url": None}


def bench_cache_url(var_dir: str) -> str:
    try:
        import redis

        client = redis.Redis.from_url(CACHE_URL, socket_connect_timeout=2)
        client.flushdb()
        CACHE_USED["url"] = CACHE_URL
    except Exception as exc:  # noqa: BLE001 — any failure: say so and use the file cache
        log(f"no Redis at {CACHE_URL} ({exc}); the file cache instead")
        CACHE_USED["url"] = f"filecache://{var_dir}/cache"
    return CACHE_USED["url"]


def server_env(url: str, var_dir: str) -> dict:
    env = dict(os.environ)
    env.update(
        CACHE_URL=bench_cache_url(var_dir),
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="support.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        FRONTLINE_VAR_DIR=var_dir,
        CONN_MAX_AGE="600",
        # The load runs measure throughput; the API's per-user rate limit would cap them.
        API_THROTTLE_USER="1000000/minute",
        API_THROTTLE_ANON="1000000/minute",
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]
