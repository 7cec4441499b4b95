"""The real `migo-bot telegram` process, wired to the Bot API stand-in, a sandbox and Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.contract.conftest import ROOT, SandboxProcess
from tests.e2e.botapi import BotApiStandIn, ChatMessage, UserChat

SANDBOX_TOKEN = "e2e-token"
STAFF_ID = 9001
STARTUP_SECONDS = 20.0


class BotProcess:
    """`python -m bot telegram` as a child process; its log is kept for assertions."""

    def __init__(self, log_path: Path, env: dict[str, str]) -> None:
        self.log_path = log_path
        self.env = {**os.environ, "PYTHONFAULTHANDLER": "1", **env}
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self, api: BotApiStandIn) -> None:
        """Start and wait until the bot polls (or serves its webhook)."""
        polls_before = len(api.calls("getUpdates")) + len(api.calls("setWebhook"))
        self.process = self._spawn()
        deadline = time.monotonic() + STARTUP_SECONDS
        while len(api.calls("getUpdates")) + len(api.calls("setWebhook")) <= polls_before:
            if self.process.poll() is not None:
                raise AssertionError(f"the bot exited with {self.process.returncode}:\n{self.log}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not start:\n{self.log}")
            await asyncio.sleep(0.05)

    def _spawn(self) -> subprocess.Popen[bytes]:
        # Popen returns at once: starting a child does not block the event loop.
        with self.log_path.open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "bot", "telegram"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=ROOT,
            )

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, as in a crash."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.process = None

    async def stop(self) -> int:
        """SIGTERM and wait; the exit status."""
        if self.process is None:
            return 0
        process, self.process = self.process, None
        process.terminate()
        for _ in range(200):
            if process.poll() is not None:
                return process.returncode
            await asyncio.sleep(0.05)
        # PYTHONFAULTHANDLER makes Python write every thread's stack on SIGABRT: the log below
        # then says where it hung.
        process.send_signal(signal.SIGABRT)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        raise AssertionError(f"the bot ignored SIGTERM:\n{self.log}")

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Stack:
    """Everything one end-to-end test talks to."""

    api: BotApiStandIn
    sandbox: SandboxProcess
    bot: BotProcess

    async def lead(self, code: str) -> dict[str, object]:
        async with httpx.AsyncClient() as http:
            response = await http.get(
                f"{self.sandbox.base_url}/leads/{code}",
                headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
            )
        data = response.json().get("data")
        assert isinstance(data, dict), response.text
        return data

    async def lead_count(self) -> int:
        async with httpx.AsyncClient() as http:
            url = self.sandbox.base_url.removesuffix("/rest") + "/_sandbox/leads"
            count = (await http.get(url)).json()["count"]
        assert isinstance(count, int)
        return count


async def until(user: UserChat, *needles: str, timeout: float = 10.0) -> ChatMessage:  # noqa: ASYNC109
    """Read the bot's new messages until one contains every needle; return it."""
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no bot message with {needles!r}; saw {seen!r}")
        try:
            (message,) = await user.wait_for_messages(1, timeout=left)
        except TimeoutError:
            raise AssertionError(f"no bot message with {needles!r}; saw {seen!r}") from None
        seen.append(message.plain)
        if all(needle in message.plain for needle in needles):
            return message


async def say(
    user: UserChat,
    text: str,
    *expect: str,
    timeout: float = 10.0,  # noqa: ASYNC109
) -> ChatMessage:
    """Type an answer and wait for the bot's message that contains `expect`."""
    await user.send(text)
    return await until(user, *expect, timeout=timeout)


async def tap(
    user: UserChat,
    message: ChatMessage,
    label: str,
    *expect: str,
    timeout: float = 10.0,  # noqa: ASYNC109
) -> ChatMessage:
    """Tap a button (by label, or a unique start of it) and wait for the next message."""
    matches = [text for text, _data in message.buttons if text == label]
    if not matches:
        matches = [text for text, _data in message.buttons if text.startswith(label)]
    assert len(matches) == 1, f"button {label!r} not unique among {message.buttons}"
    await user.tap(message, matches[0])
    return await until(user, *expect, timeout=timeout)


class RedisServer:
    """A redis-server of the test's own, with an append-only file so a restart keeps data."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(self.directory), "--appendonly", "yes", "--save", "",
        ]  # fmt: skip
        self.process = _spawn_quietly(command)
        for _ in range(100):
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return
        raise AssertionError("redis-server did not start")

    async def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            await asyncio.to_thread(self.process.wait, 10)
            self.process = None


def _spawn_quietly(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def free_port() -> int:
    """A loopback port nothing listens on at the moment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
