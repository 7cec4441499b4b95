"""The Bot API answered instantly, in-process: a PTB request class and the chats it keeps."""

from __future__ import annotations

import html
import json
import re
import time
from collections import Counter
from typing import Any

from telegram.request import BaseRequest, RequestData

from bench.updates import JSON, button_data, callback_update, contact_update, message_update

BOT_ID = 123456
_TAG = re.compile(r"<[^>]+>")
_BOT = {"id": BOT_ID, "is_bot": True, "first_name": "Migo", "username": "migo_bench_bot"}
_TRUE = json.dumps({"ok": True, "result": True}).encode()


class InstantTelegram:
    """The Telegram side: every chat's bot messages, and the updates a prospect produces."""

    inline = True

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._messages: dict[int, dict[int, JSON]] = {}
        self._next_id: dict[int, int] = {}
        self._keyboards: dict[int, int] = {}
        # Telegram's update ids are in the hundreds of millions (they are kept in the session).
        self._update_id = 700_000_000

    # what the prospect does

    def next_update_id(self) -> int:
        self._update_id += 1
        return self._update_id

    async def act(self, chat_id: int, kind: str, value: str) -> JSON:
        """The update Telegram would deliver for this action."""
        update_id = self.next_update_id()
        if kind == "tap":
            message = self._messages[chat_id][self._keyboards[chat_id]]
            return callback_update(update_id, chat_id, message, button_data(message, value))
        message_id = self._new_id(chat_id)
        if kind == "contact":
            return contact_update(update_id, chat_id, message_id, value)
        return message_update(update_id, chat_id, message_id, value)

    # what the bot does

    def answer(self, method: str, params: dict[str, Any]) -> bytes:
        self.calls[method] += 1
        if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            return _ok(self._store(method, params))
        if method == "getMe":
            return _ok({**_BOT, "can_join_groups": True, "can_read_all_group_messages": False,
                        "supports_inline_queries": False})  # fmt: skip
        return _TRUE

    def _new_id(self, chat_id: int) -> int:
        self._next_id[chat_id] = self._next_id.get(chat_id, 0) + 1
        return self._next_id[chat_id]

    def _store(self, method: str, params: dict[str, Any]) -> JSON:
        chat_id = int(params["chat_id"])
        messages = self._messages.setdefault(chat_id, {})
        if method == "sendMessage":
            message_id = self._new_id(chat_id)
            message: JSON = {
                "message_id": message_id,
                "from": _BOT,
                "chat": {"id": chat_id, "type": "private"},
                "date": int(time.time()),
            }
        else:
            message_id = int(params["message_id"])
            message = messages[message_id]
            message["edit_date"] = int(time.time())
        if "text" in params:
            message["text"] = html.unescape(_TAG.sub("", str(params["text"])))
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
            self._keyboards[chat_id] = message_id
        else:
            message.pop("reply_markup", None)
        messages[message_id] = message
        return message


def _ok(result: object) -> bytes:
    return json.dumps({"ok": True, "result": result}).encode()


class InstantRequest(BaseRequest):
    """A PTB request class that never leaves the process: Telegram answers at once."""

    def __init__(self, telegram: InstantTelegram) -> None:
        self.telegram = telegram

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        params = request_data.parameters if request_data else {}
        return 200, self.telegram.answer(url.rsplit("/", 1)[1], params)
