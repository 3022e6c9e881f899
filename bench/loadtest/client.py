"""HTTP against the bench server: a logged-in session and bounded GET loads with percentiles."""

from __future__ import annotations

import contextlib
import http.client
import re
import statistics
import threading
import time
from collections import Counter
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from bench.loadtest.config import HOST, MAX_REQUESTS, SECONDS
from bench.loadtest.meters import CpuMeter


class Session:
    """A logged-in browser: cookies, CSRF token, one keep-alive connection (reopened as needed)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        h = {"Host": f"{HOST}:{self.port}", **(headers or {})}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=h)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt:
                    raise
        for value in resp.headers.get_all("Set-Cookie") or []:
            c = SimpleCookie()
            c.load(value)
            for k, morsel in c.items():
                self.cookies[k] = morsel.value
        if resp.will_close:
            self.conn.close()
        return resp.status, resp.headers, data

    def login(self, username: str, password: str = "demo", code: str | None = None) -> None:  # noqa: S107 - bench users
        status, _h, page = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise RuntimeError(f"login page answered {status}")
        body = urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
        ).encode()
        status, _h, _ = self.request(
            "POST",
            "/login/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{HOST}:{self.port}/login/",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login as {username} failed ({status})")
        if code is not None:  # the second factor: leads and managers must pass it
            status, _h, page = self.request("GET", "/account/two-factor/verify/")
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            if status != 200 or not token:
                raise RuntimeError(f"two-factor page for {username} answered {status}")
            body = urlencode({"code": code, "csrfmiddlewaretoken": token.group(1)}).encode()
            status, _h, _ = self.request(
                "POST",
                "/account/two-factor/verify/",
                body,
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Referer": f"http://{HOST}:{self.port}/account/two-factor/verify/",
                },
            )
            if status != 302:
                raise RuntimeError(f"two-factor code for {username} refused ({status})")

    def post_api(self, path: str):
        return self.request(
            "POST",
            path,
            b"",
            {
                "X-CSRFToken": self.cookies.get("csrftoken", ""),
                "Referer": f"http://{HOST}:{self.port}/",
                "Accept": "application/json",
            },
        )


def percentiles(samples: list[float]) -> tuple[float, float]:
    if not samples:
        return 0.0, 0.0
    if len(samples) == 1:
        return samples[0], samples[0]
    return statistics.median(samples), statistics.quantiles(samples, n=20)[-1]


def run_get(sessions: list[Session], path: str, concurrency: int, meter=None) -> dict:
    """GET `path` from `concurrency` threads, each with its own session, within the bounds;
    with a CpuMeter, also the server's and the database's CPU time per request."""
    for s in sessions[:2]:  # warm-up (templates, connections), bounded for slow pages
        s.request("GET", path)
    meter = meter or contextlib.nullcontext()
    samples: list[float] = []
    codes: Counter = Counter()
    lock = threading.Lock()
    limit = MAX_REQUESTS if concurrency > 1 else min(MAX_REQUESTS, 400)
    started = time.perf_counter()
    deadline = started + SECONDS

    def worker(s: Session):
        while time.perf_counter() < deadline:
            with lock:
                if sum(codes.values()) >= limit:
                    return
            t0 = time.perf_counter()
            status, _h, _ = s.request("GET", path)
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                codes[status] += 1
                if status == 200:
                    samples.append(ms)

    threads = [threading.Thread(target=worker, args=(s,)) for s in sessions[:concurrency]]
    with meter:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elapsed = time.perf_counter() - started
    p50, p95 = percentiles(samples)
    out = {
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "rps": round(len(samples) / elapsed, 1),
        "n": len(samples),
        "concurrency": concurrency,
    }
    if isinstance(meter, CpuMeter) and codes:
        n = sum(codes.values())
        out["server_cpu_ms"] = round(meter.app / n * 1000, 1)
        out["db_cpu_ms"] = round(meter.db / n * 1000, 1)
    errors = {str(k): v for k, v in codes.items() if k != 200}
    if errors:
        out["errors"] = errors
    return out
