"""Throughput (issue 8): gunicorn on loopback and a bounded load generator.

The same fixed number of requests, from the same number of concurrent clients (threads, each
with its own keep-alive connection), is sent to two pages of the same server in the same run:
the Members tab of the big group as the Admin Center loads it (the htmx partial), and the Django
admin's user changelist filtered by the same group (the nearest admin page). Each side stops by
itself once its requests are answered; any answer other than 200 is an error.

The generator is a few lines of the standard library rather than wrk (not installed here, and no
global installs) or locust (its runs are bounded by time, not by a number of requests).

Run with ``python -m bench --only throughput`` (after ``configure``: Django is set up).
"""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

# Two sync workers: one per core of this machine (the load generator shares them).
WORKERS = 2
CLIENTS = 8
REQUESTS = 200
WARMUP = 20


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies: list
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def session_cookie(user) -> str:
    """A signed-in session for ``user``, made directly (the login form is throttled)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


class Server:
    """gunicorn serving the project on a free loopback port; always stopped on exit."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    def __enter__(self):
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "adminsite.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(command, env=dict(os.environ))
        try:
            self._wait_until_ready()
        except BaseException:  # Ctrl-C while it starts included: never leave it running
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_until_ready(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("gunicorn stopped at start") from None
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start within 30 s")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return False


def load(port: int, name: str, path: str, headers: dict, total: int, clients: int) -> Result:
    """Send ``total`` GETs of ``path`` from ``clients`` threads; stop when all are answered."""
    remaining = [total]
    lock = threading.Lock()
    latencies, errors = [], [0]

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if remaining[0] == 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors[0] += 1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(name, total, time.perf_counter() - started, latencies, errors[0])


def run(ours_user, theirs_user, ours_path: str, theirs_path: str) -> list[Result]:
    ours = {"Cookie": session_cookie(ours_user), "HX-Request": "true", "HX-Target": "group-panel"}
    theirs = {"Cookie": session_cookie(theirs_user)}
    with Server() as server:
        results = []
        for name, path, headers in (
            ("Members tab of the big group (htmx partial)", ours_path, ours),
            ("admin user changelist filtered by the group", theirs_path, theirs),
        ):
            load(server.port, name, path, headers, WARMUP, CLIENTS)  # warm both workers
            results.append(load(server.port, name, path, headers, REQUESTS, CLIENTS))
        return results


def report(results: list[Result]) -> list[str]:
    lines = [
        f"Throughput: gunicorn, {WORKERS} sync workers, {CLIENTS} concurrent clients on "
        f"loopback, {REQUESTS} requests per page (after {WARMUP} to warm up).",
        "",
        "| page | requests | errors | requests/s | p50 | p95 |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        lines.append(
            f"| {result.name} | {result.requests} | {result.errors} | {result.rate:.1f} | "
            f"{statistics.median(result.latencies):.0f} ms | {result.percentile(95):.0f} ms |"
        )
    ours, theirs = results
    lines.append("")
    lines.append(f"Ours / theirs (requests per second): {ours.rate / theirs.rate:.1f}×")
    return lines
