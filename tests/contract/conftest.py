"""Leads API fixtures: the sandbox as a real `python -m bot sandbox` process, or in-process."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from bot.leads_api import LeadsApiClient
from bot.sandbox import RedisLeadStore, Sandbox
from flows.lead import Lead
from tests.conftest import redis_url

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 15.0
STOP_SECONDS = 10.0
# Short on purpose: a hanging sandbox costs each test this much, not the default 10 s.
CLIENT_TIMEOUT_SECONDS = 0.5

# The vendor's example body from spec/leads-api.md, unchanged.
SPEC_EXAMPLE: dict[str, Any] = {
    "firstName": "Jane",
    "lastName": "Doe",
    "gender": "F",
    "cui": "XXXXXXXXX",
    "expirationDate": "2030-12-31",
    "commercialName": "Example Store",
    "partner": "your-partner-slug",
    "phone": "00000000",
    "address": "Example Avenue 12-34, Zone 1",
    "businessName": "Example Store",
    "nationality": "GTM",
    "countryOfBirth": "GTM",
    "country": "GTM",
    "dateOfBirth": "1990-01-15",
    "placeOfBirth": "Example City",
    "neighborhood": "Example District",
    "maritalStatus": "soltero",
    "economicActivity": "Retail sales",
    "canInvoice": True,
    "taxRegime": "general",
    "nit": "XXXXXXXXX",
    "rtuType": "standard",
    "email": "jane@example.com",
    "paymentMethods": [
        {"slug": "akisiQR", "acquirerSlug": "akisi"},
        {"slug": "td/tc", "acquirerSlug": "neonet"},
    ],
    "sdk": "MIGO_LINK_USD",
}


def example(**changes: Any) -> dict[str, Any]:
    """The spec's example body with some fields changed (None removes a field)."""
    body = {**SPEC_EXAMPLE, **changes}
    return {key: value for key, value in body.items() if value is not None}


def example_lead(**changes: Any) -> Lead:
    """The spec's example as a Lead."""
    return Lead.model_validate(example(**changes))


StartSandbox = Callable[..., Awaitable[Sandbox]]
StartProcess = Callable[..., "SandboxProcess"]
MakeClient = Callable[..., tuple[LeadsApiClient, "Requests"]]


def admin_url(base_url: str, path: str) -> str:
    """The URL of a sandbox route outside the API base path (/health, /_sandbox/...)."""
    return base_url.removesuffix("/rest") + path


async def inject(http: httpx.AsyncClient, base_url: str, **fault: Any) -> None:
    """Queue a fault in a sandbox (see bot.sandbox)."""
    response = await http.post(admin_url(base_url, "/_sandbox/faults"), json=fault)
    assert response.status_code == 200, response.text


async def counter(http: httpx.AsyncClient, base_url: str, what: str) -> int:
    """A sandbox counter: "leads" stored or API "requests" received."""
    response = await http.get(admin_url(base_url, f"/_sandbox/{what}"))
    assert response.status_code == 200, response.text
    count = response.json()["count"]
    assert isinstance(count, int)
    return count


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> None:
    """Wait until `check()` holds, failing the test after `seconds`."""
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"still not true after {seconds} s")
        await asyncio.sleep(0.01)


class SandboxProcess:
    """`python -m bot sandbox` in a child process, its output kept in a file."""

    def __init__(self, log_path: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.log_path = log_path
        self.args = args
        self.env = {**os.environ, "LOG_LEVEL": "DEBUG", **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.base_url = ""

    def start(self) -> str:
        """Start the process on a free port and return its base URL once /health answers."""
        command = [sys.executable, "-m", "bot", "sandbox", "--host", "127.0.0.1", "--port", "0"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, *self.args], stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the sandbox exited with {self.process.returncode}:\n{self.output}")
            found = re.findall(r"(http://127\.0\.0\.1:\d+/rest)", self.output)
            if found and self._healthy(found[-1]):
                self.base_url = found[-1]
                return self.base_url
            time.sleep(0.05)
        pytest.fail(f"the sandbox did not come up in {STARTUP_SECONDS} s:\n{self.output}")

    def stop(self) -> int:
        """SIGTERM, then the exit status (killing it if it does not stop in time)."""
        if self.process is None:
            return 0
        process, self.process = self.process, None
        process.terminate()
        try:
            return process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_SECONDS)
            pytest.fail(f"the sandbox ignored SIGTERM:\n{self.output}")

    @property
    def output(self) -> str:
        """Everything the process printed and logged so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @staticmethod
    def _healthy(base_url: str) -> bool:
        try:
            return httpx.get(base_url.removesuffix("/rest") + "/health", timeout=1).is_success
        except httpx.TransportError:
            return False


@pytest.fixture
def sandbox_process(tmp_path: Path) -> Iterator[StartProcess]:
    """Start sandbox processes (`start(*args, env=...)`); every one is stopped afterwards."""
    started: list[SandboxProcess] = []

    def start(*args: str, env: dict[str, str] | None = None) -> SandboxProcess:
        process = SandboxProcess(tmp_path / f"sandbox-{len(started)}.log", *args, env=env)
        started.append(process)
        process.start()
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
async def start_sandbox() -> AsyncIterator[StartSandbox]:
    """Start in-process sandboxes (`await start_sandbox(token=..., ...)`), stopped afterwards."""
    started: list[Sandbox] = []

    async def start(**kwargs: Any) -> Sandbox:
        sandbox = Sandbox(**kwargs)
        started.append(sandbox)
        await sandbox.start("127.0.0.1", 0)
        return sandbox

    yield start
    for sandbox in started:
        await sandbox.stop()


@pytest.fixture
async def sandbox(start_sandbox: StartSandbox) -> Sandbox:
    """An in-process sandbox with default settings."""
    return await start_sandbox()


@pytest.fixture
def sandbox_url(sandbox: Sandbox) -> str:
    """The base URL (…/rest) of the in-process sandbox."""
    return sandbox.base_url


@pytest.fixture(params=["memory", "redis", "process"])
async def api_url(
    request: pytest.FixtureRequest,
    start_sandbox: StartSandbox,
    sandbox_process: StartProcess,
) -> AsyncIterator[str]:
    """The base URL (…/rest) of a sandbox: in-process on memory, on Redis, and as a process."""
    if request.param == "process":
        yield sandbox_process().base_url
    elif request.param == "memory":
        yield (await start_sandbox()).base_url
    else:
        client = aioredis.Redis.from_url(redis_url())
        await client.flushdb()
        try:
            yield (await start_sandbox(store=RedisLeadStore(client))).base_url
        finally:
            await client.flushdb()
            await client.aclose()


class Requests:
    """Counts the requests an httpx client actually tries to send."""

    def __init__(self) -> None:
        self.count = 0

    async def hook(self, request: httpx.Request) -> None:
        """httpx request event hook."""
        self.count += 1


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A plain httpx client for speaking to a sandbox directly (absolute URLs)."""
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


@pytest.fixture
async def make_client() -> AsyncIterator[MakeClient]:
    """Build LeadsApiClients on real httpx clients (short timeouts), closed afterwards.

    The returned Requests counts what the client tried to send; `on_request` runs after it.
    """
    opened: list[httpx.AsyncClient] = []

    def make(
        base_url: str,
        token: str | None = "test-token",
        on_request: Callable[[httpx.Request], Awaitable[None]] | None = None,
        **options: Any,
    ) -> tuple[LeadsApiClient, Requests]:
        requests = Requests()
        hooks = [requests.hook, *([on_request] if on_request else [])]
        http = httpx.AsyncClient(
            base_url=base_url + "/",
            timeout=httpx.Timeout(CLIENT_TIMEOUT_SECONDS, connect=CLIENT_TIMEOUT_SECONDS),
            event_hooks={"request": hooks},
        )
        opened.append(http)
        options.setdefault("backoff_seconds", 0.01)
        secret = SecretStr(token) if token is not None else None
        return LeadsApiClient(http, secret, **options), requests

    yield make
    for http in opened:
        await http.aclose()
