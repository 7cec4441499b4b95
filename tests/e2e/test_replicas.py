"""Two bot replicas in webhook mode on one Redis, behind a balancer that also redelivers."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from tests.e2e.botapi import UserChat
from tests.e2e.harness import Stack, free_port, until
from tests.e2e.test_telegram import onboard_in_spanish

pytestmark = pytest.mark.e2e
SECRET = "replica-secret"


class Balancer:
    """Round-robin over the replicas; every third update is delivered to both (a redelivery)."""

    def __init__(self) -> None:
        self.targets: list[str] = []
        self.delivered = 0
        self.duplicated: list[int] = []
        self.by_replica = [0, 0]
        self._http = httpx.AsyncClient(timeout=10)
        self._server: HTTPServer | None = None
        self.url = ""

    async def start(self) -> None:
        balancer = self

        class Handler(tornado.web.RequestHandler):
            async def post(self) -> None:
                status = await balancer.forward(self.request.body, dict(self.request.headers))
                self.set_status(status)

        sockets = bind_sockets(0, "127.0.0.1")
        self._server = HTTPServer(tornado.web.Application([(r"/telegram", Handler)]))
        self._server.add_sockets(sockets)
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/telegram"

    async def forward(self, body: bytes, headers: dict[str, str]) -> int:
        index = self.delivered % 2
        self.delivered += 1
        secret = {
            "X-Telegram-Bot-Api-Secret-Token": headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        }
        json_headers = {**secret, "Content-Type": "application/json"}
        first = await self._http.post(self.targets[index], content=body, headers=json_headers)
        self.by_replica[index] += 1
        if self.delivered % 3 == 0:
            # Telegram redelivers when an answer is late: the other replica gets it too.
            self.duplicated.append(self.delivered)
            await self._http.post(self.targets[1 - index], content=body, headers=json_headers)
            self.by_replica[1 - index] += 1
        return first.status_code

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
        await self._http.aclose()


@pytest.fixture
async def balancer() -> AsyncIterator[Balancer]:
    proxy = Balancer()
    await proxy.start()
    yield proxy
    await proxy.stop()


async def start_replicas(
    start_stack: Callable[..., Awaitable[Stack]], balancer: Balancer, **settings: str
) -> list[Stack]:
    """Two bot processes in webhook mode behind the balancer, on one Redis."""
    stacks = []
    for _ in range(2):
        port = free_port()
        balancer.targets.append(f"http://127.0.0.1:{port}/telegram")
        stacks.append(
            await start_stack(
                WEBHOOK_URL=balancer.url,
                WEBHOOK_SECRET_TOKEN=SECRET,
                WEBHOOK_LISTEN="127.0.0.1",
                WEBHOOK_PORT=str(port),
                **settings,
            )
        )
    return stacks


async def test_two_webhook_replicas_apply_each_update_once_in_order(
    start_stack: Callable[..., Awaitable[Stack]], balancer: Balancer
) -> None:
    stacks = await start_replicas(start_stack, balancer)
    stack = stacks[0]
    users = [
        stack.api.user(3000 + n, "Ana Lucía", "López García", language_code="es") for n in range(3)
    ]
    cuis = ["1234 56789 0101", "1587564440904", "2718 28188 0514"]
    codes = await asyncio.gather(
        *(onboard_and_submit(u, c) for u, c in zip(users, cuis, strict=True))
    )
    assert len(set(codes)) == 3
    assert await stack.lead_count() == 3
    for code, cui in zip(codes, cuis, strict=True):
        lead = await stack.lead(code)
        assert lead["cui"] == cui.replace(" ", "")
        assert lead["email"] == "ana@example.com"
    assert min(balancer.by_replica) > 20
    assert len(balancer.duplicated) > 10
    for user in users:
        questions = [m.plain for m in user.messages() if "Paso " in m.plain]
        steps = [re.search(r"Paso (\d+) de", q) for q in questions]
        numbers = [int(step.group(1)) for step in steps if step]
        # Every question asked once, in order: no update applied twice or skipped.
        assert numbers == sorted(numbers)
        assert len(numbers) == len(set(numbers)) == 21


async def onboard_and_submit(user: UserChat, cui: str) -> str:
    summary = await onboard_in_spanish(user, cui=cui)
    await user.tap(summary, "✅ Confirmar y enviar")
    done = await until(user, "Su código de invitación es", timeout=20)
    match = re.search(r"\b[A-Z0-9]{7}\b", done.plain)
    assert match is not None, done.plain
    return match.group(0)
