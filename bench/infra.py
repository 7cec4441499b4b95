"""What the benchmark runs against: a Redis, the sandbox Leads API process, and counters."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import redis
from redis.asyncio.client import Pipeline
from redis.asyncio.connection import AbstractConnection
from redis.commands.core import AsyncScript

ROOT = Path(__file__).resolve().parents[1]
SANDBOX_TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def redis_server(*, flush: bool = False) -> Iterator[str]:
    """REDIS_URL when set, else a throwaway redis-server on a free port (stopped at the end).

    The benchmark empties its database between passes, so a REDIS_URL database that holds
    keys is refused unless `flush` says it may be emptied.
    """
    url = os.environ.get("REDIS_URL")
    if url:
        keys = int(redis.Redis.from_url(url, socket_timeout=2).dbsize())
        if keys and not flush:
            raise SystemExit(
                f"bench: the REDIS_URL database holds {keys} keys and the benchmark empties it;"
                " pass --flush if that is fine, or unset REDIS_URL for a throwaway redis-server"
            )
        yield url
        return
    if shutil.which("redis-server") is None:
        raise SystemExit(
            "bench: no REDIS_URL and no redis-server on PATH (scripts/test installs it)"
        )
    port = free_port()
    with tempfile.TemporaryDirectory() as directory:
        command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", directory]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"redis://127.0.0.1:{port}/0"
        try:
            for _ in range(100):
                try:
                    redis.Redis.from_url(url, socket_timeout=1).ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            yield url
        finally:
            process.terminate()
            process.wait(10)


@contextmanager
def sandbox_process() -> Iterator[str]:
    """`python -m bot sandbox` (leads in memory) on a free port; yields LEADS_API_URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "bot", "sandbox", "--port", str(port),
               "--token", SANDBOX_TOKEN]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"(http://\S+)", line)
        if match is None:
            raise SystemExit(f"bench: the sandbox did not start: {line!r}")
        yield match.group(1).rstrip("/")
    finally:
        process.terminate()
        process.wait(10)


def sandbox_counts(leads_api_url: str) -> tuple[int, int]:
    """(leads stored, API requests received) at the sandbox."""
    admin = leads_api_url.removesuffix("/rest") + "/_sandbox"
    with httpx.Client() as http:
        leads = http.get(f"{admin}/leads").json()["count"]
        requests = http.get(f"{admin}/requests").json()["count"]
    return int(leads), int(requests)


class RedisCalls:
    """Counts the round trips every asyncio Redis client of this process makes.

    A command is one; a pipeline is one too, named by what it carries ("PIPELINE record+commit").
    Scripts are named by their SHA, so `EVALSHA acquire` and `EVALSHA commit` are told apart.
    """

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.scripts: dict[str, str] = {}
        send, pipeline = AbstractConnection.send_command, Pipeline._execute_pipeline
        counts = self.counts

        async def counted(connection: AbstractConnection, *args: Any, **kwargs: Any) -> None:
            counts[self._name(args)] += 1
            await send(connection, *args, **kwargs)

        async def counted_pipeline(
            pipe: Pipeline, connection: Any, commands: Any, *rest: Any
        ) -> Any:
            names = [self._name(args).removeprefix("EVALSHA ") for args, _ in commands]
            counts["PIPELINE " + "+".join(names)] += 1
            return await pipeline(pipe, connection, commands, *rest)

        AbstractConnection.send_command = counted  # type: ignore[method-assign]
        Pipeline._execute_pipeline = counted_pipeline  # type: ignore[method-assign]

    def _name(self, args: tuple[Any, ...]) -> str:
        name = str(args[0]).upper()
        if name == "EVALSHA":
            name = f"EVALSHA {self.scripts.get(str(args[1]), 'script')}"
        return name

    def name_scripts(self, *owners: object) -> None:
        """Learn the SHAs of the scripts the owners registered (`_acquire_script` → acquire)."""
        for owner in owners:
            for attribute, value in vars(owner).items():
                if isinstance(value, AsyncScript):
                    self.scripts[value.sha] = attribute.strip("_").removesuffix("_script")


def command_stats(url: str) -> Counter[str]:
    """Commands Redis executed, by name (those run inside scripts included)."""
    info = redis.Redis.from_url(url).info("commandstats")
    return Counter({name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in info.items()})
