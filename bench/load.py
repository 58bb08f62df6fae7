"""A bounded load test: gunicorn on 127.0.0.1, a fixed number of client threads, a fixed time."""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

TARGETS = [
    ("controls dashboard", "siro", "/s/bench-01/controls/"),
    ("people list", "office", "/s/bench-01/people/"),
    ("information assets", "dpo", "/s/bench-01/assets/"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cookie(email: str) -> str:
    from django.test import Client

    from bastion.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    return f"sessionid={client.cookies['sessionid'].value}"


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _hammer(port, path, cookie, stop_at, results, lock):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while time.time() < stop_at:
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            results.append((ok, elapsed))
    conn.close()


def run_load(root: Path, *, seconds: int, connections: int, workers: int) -> list[dict]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(root)}
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bastion.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
    )
    rows = []
    try:
        _wait_for(port)
        for name, persona, path in TARGETS:
            cookie = _cookie(f"{persona}@bench-01.bench.example.org")
            # Warm every worker before the clock starts.
            _hammer(port, path, cookie, time.time() + 1, [], threading.Lock())
            results, lock = [], threading.Lock()
            stop_at = time.time() + seconds
            threads = [
                threading.Thread(target=_hammer, args=(port, path, cookie, stop_at, results, lock))
                for _ in range(connections)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            times = sorted(ms for _, ms in results)
            rows.append(
                {
                    "page": name,
                    "seconds": seconds,
                    "connections": connections,
                    "workers": workers,
                    "requests": len(results),
                    "errors": sum(1 for ok, _ in results if not ok),
                    "requests_per_second": round(len(results) / seconds, 1),
                    "median_ms": round(statistics.median(times), 1) if times else None,
                    "p95_ms": round(times[int(len(times) * 0.95) - 1], 1) if times else None,
                    "worker_rss_mib": round(
                        max((_rss_mib(p) for p in _children(server.pid)), default=0), 1
                    ),
                }
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    return rows
