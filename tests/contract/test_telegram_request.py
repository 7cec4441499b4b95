"""The bot's Bot API request class over real HTTP, held to the same contract as PTB's default.

Both classes talk to the Bot API stand-in (and to sockets that misbehave); Telegram's answers
must surface as the same PTB exceptions, so the handlers and the rate limiter cannot tell
which client carried the call.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import AsyncIterator, Callable
from typing import ClassVar

import pytest
import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.request import BaseRequest, HTTPXRequest

from bot.telegram_request import AiohttpRequest
from tests.e2e.botapi import BotApiStandIn

Make = Callable[..., BaseRequest]
CLIENTS: dict[str, Make] = {"aiohttp": AiohttpRequest, "httpx": HTTPXRequest}


@pytest.fixture(params=sorted(CLIENTS))
def make(request: pytest.FixtureRequest) -> Make:
    """Each request class in turn."""
    return CLIENTS[request.param]


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn() as stand_in:
        yield stand_in


def bot_on(api: BotApiStandIn, make: Make, **timeouts: float) -> Bot:
    return Bot(
        api.token,
        base_url=api.base_url,
        request=make(**timeouts),
        get_updates_request=make(**timeouts),
    )


async def test_a_message_is_sent_and_parsed(api: BotApiStandIn, make: Make) -> None:
    user = api.user(501, "Ana")
    await user.send("/start")
    async with bot_on(api, make) as bot:
        sent = await bot.send_message(501, "<b>Paso 1</b> de 21 ¿listo?", parse_mode="HTML")
    assert sent.text == "Paso 1 de 21 ¿listo?"
    assert sent.chat_id == 501
    assert user.last_message().plain == "Paso 1 de 21 ¿listo?"
    assert api.calls("sendMessage")[-1].params["parse_mode"] == "HTML"


async def test_telegram_errors_become_ptb_exceptions(
    api: BotApiStandIn, make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22 warns when retry_after is an int
    user = api.user(502, "Ana")
    await user.send("/start")
    async with bot_on(api, make) as bot:
        with pytest.raises(BadRequest, match="not found"):
            await bot.edit_message_text("nada", chat_id=502, message_id=999)
        api.block(502)
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(502, "hola")
        api.unblock(502)
        api.flood(1, retry_after=7)
        with pytest.raises(RetryAfter) as flood:
            await bot.send_message(502, "hola")
        assert flood.value.retry_after == dt.timedelta(seconds=7)
        assert (await bot.send_message(502, "hola")).text == "hola"


async def test_a_rejected_token_is_invalid(api: BotApiStandIn, make: Make) -> None:
    request = make()
    await request.initialize()
    try:
        with pytest.raises(InvalidToken):
            await request.post(f"{api.base_url}123456:not-the-token/getMe")
    finally:
        await request.shutdown()


async def test_the_long_poll_outlasts_the_read_timeout(api: BotApiStandIn, make: Make) -> None:
    """PTB adds getUpdates' own timeout to the read timeout: a 1 s poll outlives a 0.3 s read."""
    async with bot_on(api, make, read_timeout=0.3) as bot:
        assert await bot.get_updates(timeout=1) == ()
        api.user(503, "Ana")
        await api.user(503).send("hola")
        (update,) = await bot.get_updates(timeout=1)
    assert update.message is not None and update.message.text == "hola"


async def test_a_server_that_never_answers_times_out(make: Make) -> None:
    release = asyncio.Event()

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await release.wait()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = make(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{port}/bot1:x/getMe")
    finally:
        await request.shutdown()
        release.set()
        server.close()
        await server.wait_closed()


async def test_a_closed_port_is_a_network_error(make: Make) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    request = make(connect_timeout=1.0)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as error:
            await request.post(f"http://127.0.0.1:{port}/bot1:x/getMe")
        assert not isinstance(error.value, TimedOut)
    finally:
        await request.shutdown()


async def test_shutdown_then_initialize_reopens(api: BotApiStandIn) -> None:
    request = AiohttpRequest()
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post(f"{api.base_url}{api.token}/getMe")
    await request.initialize()
    await request.shutdown()
    await request.initialize()
    try:
        me = await request.post(f"{api.base_url}{api.token}/getMe")
        assert isinstance(me, dict) and me["is_bot"] is True
    finally:
        await request.shutdown()


class _Upload(tornado.web.RequestHandler):
    """Answers sendDocument as Telegram would, keeping what arrived."""

    received: ClassVar[list[dict[str, object]]] = []

    def post(self, token: str) -> None:
        (upload,) = self.request.files["document"]
        fields = {name: values[-1].decode() for name, values in self.request.body_arguments.items()}
        self.received.append({"file": upload.filename, "body": upload.body, **fields})
        message = {"message_id": 1, "date": 0, "chat": {"id": 504, "type": "private"},
                   "document": {"file_id": "f", "file_unique_id": "u"}}  # fmt: skip
        self.write({"ok": True, "result": message})


class _Me(tornado.web.RequestHandler):
    def post(self, token: str) -> None:
        self.write({"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "Migo"}})


async def test_files_go_as_multipart(make: Make) -> None:
    server = tornado.httpserver.HTTPServer(
        tornado.web.Application(
            [(r"/bot([^/]+)/sendDocument", _Upload), (r"/bot([^/]+)/getMe", _Me)]
        )
    )
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server.add_sockets(sockets)
    base = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/bot"
    _Upload.received.clear()
    try:
        async with Bot("1:x", base_url=base, request=make(), get_updates_request=make()) as bot:
            await bot.send_document(
                504, b"lista de precios", filename="precios.txt", caption="¡Hola!"
            )
    finally:
        server.stop()
        await server.close_all_connections()
    (received,) = _Upload.received
    assert received["file"] == "precios.txt"
    assert received["body"] == b"lista de precios"
    assert received["chat_id"] == "504"
    assert received["caption"] == "¡Hola!"
