"""An in-process Bot API for PTB: answers every call at once, records it, fails on request.

The HTTP stand-in (tests/e2e/botapi.py) is the faithful one; this one trades the network for
speed so property tests can push thousands of updates through the real handlers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 42, "is_bot": True, "first_name": "Migo", "username": "migo_test_bot"}


@dataclass
class Call:
    """One Bot API call the bot made."""

    method: str
    params: dict[str, Any]


@dataclass
class FakeBotApi(BaseRequest):
    """Records calls; `fail_next[method]` makes the next calls of a method fail with an error."""

    calls: list[Call] = field(default_factory=list)
    # method -> list of (status, description) to answer instead of success, in order.
    fail_next: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    _message_id: int = 0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = None,
        write_timeout: object = None,
        connect_timeout: object = None,
        pool_timeout: object = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        self.calls.append(Call(name, params))
        failures = self.fail_next.get(name)
        if failures:
            status, description = failures.pop(0)
            return status, _body({"ok": False, "error_code": status, "description": description})
        return 200, _body({"ok": True, "result": self._result(name, params)})

    def _result(self, method: str, params: dict[str, Any]) -> object:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return []
        if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            return self._message(method, params)
        return True

    def _message(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "sendMessage":
            self._message_id += 1
            message_id = self._message_id
        else:
            message_id = int(params.get("message_id", 0))
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": 0,
            "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
            "from": BOT_USER,
            "text": str(params.get("text", "…")),
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def sent(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of one method, in order."""
        return [call.params for call in self.calls if call.method == method]


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()
