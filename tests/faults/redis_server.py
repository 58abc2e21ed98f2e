"""A private Redis for a test to take down and bring back: ``redis-server`` on a port of its own
(6390–6399), with no persistence, so that coming back is coming back empty, as a Redis that lost
its memory does. The shared Redis is never touched."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

PORTS = range(6390, 6400)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class RedisServer:
    directory: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=2)

    def _launch(self, port: int) -> subprocess.Popen:
        log = (self.directory / f"redis-{port}.log").open("a")
        return subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _wait_ready(self) -> bool:
        """Until it answers PING, or its process ends (the port was taken after all)."""
        from tests.celery_worker import wait_until

        def answered():
            if self.process.poll() is not None:
                return True
            with contextlib.suppress(redis.RedisError):
                return self.client().ping()
            return False

        wait_until(answered, timeout=30, what=f"redis-server on port {self.port}")
        return self.process.poll() is None

    def start(self) -> None:
        """Start on the first free port of 6390–6399, or again on the same port after a kill."""
        ports = [self.port] if self.port else [p for p in PORTS if _port_is_free(p)]
        for port in ports:
            self.port, self.process = port, self._launch(port)
            if self._wait_ready():
                return
        pytest.fail(f"Could not start a private redis-server on any of ports {ports}")

    def kill(self) -> None:
        """SIGKILL: Redis is gone at once, and with it every message it held."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    @property
    def running(self) -> bool:
        return bool(self.process) and self.process.poll() is None


@pytest.fixture
def redis_server(tmp_path):
    if not shutil.which("redis-server"):
        pytest.fail("The broker fault tests need redis-server on the PATH (as `make test` has).")
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory=directory)
    server.start()
    try:
        yield server
    finally:
        server.kill()
