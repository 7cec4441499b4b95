"""The Bot API stand-in of the e2e tests (tests/e2e/botapi.py) on its own thread and loop.

Its CPU is then not the bot's: the bench measures the bot with `time.thread_time()` of the
main thread in this mode. The prospects act through the stand-in (so it knows every message
and callback query), and their updates are handed to the bot directly, not by getUpdates.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any

from bench.updates import JSON
from tests.e2e.botapi import BotApiStandIn, ChatMessage, UserChat


class StandInTelegram:
    """The stand-in server and its users, driven from the bench's loop."""

    # Acting waits for the stand-in's thread: the main thread's CPU meanwhile is the bot's.
    inline = False

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.api: BotApiStandIn = self._call_sync(self._make())

    @staticmethod
    async def _make() -> BotApiStandIn:
        api = BotApiStandIn()
        await api.start()
        return api

    def _call_sync(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    @property
    def token(self) -> str:
        return self.api.token

    @property
    def base_url(self) -> str:
        return self.api.base_url

    def calls(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for call in self.api.calls():
            counts[call.method] = counts.get(call.method, 0) + 1
        return counts

    async def act(self, chat_id: int, kind: str, value: str) -> JSON:
        """The update the stand-in queues for this action (taken off its queue)."""
        future = asyncio.run_coroutine_threadsafe(self._act(chat_id, kind, value), self._loop)
        return await asyncio.wrap_future(future)

    async def _act(self, chat_id: int, kind: str, value: str) -> JSON:
        user = self.api.user(chat_id, "Ana Lucía", "López García", language_code="es")
        if kind == "tap":
            message = _last_with_buttons(user)
            labels = [t for t, _ in message.buttons if t == value] or [
                t for t, _ in message.buttons if t.startswith(value)
            ]
            if len(labels) != 1:
                raise LookupError(f"no single button {value!r} among {message.buttons}")
            await user.tap(message, labels[0])
        elif kind == "contact":
            await user.share_contact(value)
        else:
            await user.send(value)
        update: JSON = self.api._updates.pop()
        return update

    def close(self) -> None:
        self._call_sync(self.api.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def _last_with_buttons(user: UserChat) -> ChatMessage:
    for message in reversed(user.messages()):
        if message.from_bot and any(data for _, data in message.buttons):
            return message
    raise LookupError("no bot message with buttons")
