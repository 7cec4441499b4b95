"""Random updates through the real PTB handlers: nothing breaks, nothing leaks across chats.

Two prospects share one bot. Each example sends a random sequence of updates — any text,
commands, contacts (their own and other people's), media, edited messages, taps on the
keyboard on screen, on old keyboards, on the other chat's keyboard, and forged callback
data of up to 64 bytes — while the Bot API sometimes refuses a call as Telegram does.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes

from bot.settings import Settings
from bot.telegram import TelegramTransport, build_application, transport_of
from flows.events import COMMANDS
from flows.session import Session, load_session
from tests.unit.fake_bot_api import BOT_USER, FakeBotApi

CHATS = (7001, 7002)
STRANGER = 9999
VALID = [
    "Ana", "López", "mujer", "07/03/1990", "soltera", "Guatemala", "1234 56789 0101",
    "31/12/2030", "5555 1234", "ana@example.com", "Tienda", "576937-K", "sí", "1", "2",
]  # fmt: skip
ODD_TEXT = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["\u200b", "\u202eAna", "<b>x</b>", "&amp;", "*_[", "🙂" * 40, "\x00\x07"]),
    st.just("y" * 10_000),
)
# Refusals Telegram really answers, on the calls the handlers make.
REFUSALS = st.sampled_from(
    [
        ("editMessageText", 400, "Bad Request: message is not modified"),
        ("editMessageText", 400, "Bad Request: message to edit not found"),
        ("editMessageReplyMarkup", 400, "Bad Request: message is not modified"),
        ("answerCallbackQuery", 400, "Bad Request: query is too old and response timeout expired"),
        ("sendMessage", 403, "Forbidden: bot was blocked by the user"),
    ]
)


def forged_data() -> st.SearchStrategy[str]:
    """Callback data as a client could forge it: any text of at most 64 UTF-8 bytes."""
    return st.text(min_size=1, max_size=64).filter(lambda t: 0 < len(t.encode()) <= 64)


ACTIONS = st.one_of(
    st.tuples(st.just("text"), st.sampled_from(VALID)),
    st.tuples(st.just("text"), ODD_TEXT),
    st.tuples(st.just("command"), st.sampled_from([*COMMANDS, "start", "status", "forget"])),
    st.tuples(st.just("contact"), st.booleans()),
    st.tuples(st.just("photo"), st.none()),
    st.tuples(st.just("edited"), st.sampled_from(VALID)),
    st.tuples(st.just("tap"), st.integers(0, 30)),
    st.tuples(st.just("old-tap"), st.integers(0, 30)),
    st.tuples(st.just("other-tap"), st.integers(0, 30)),
    st.tuples(st.just("forged"), forged_data()),
    st.tuples(st.just("refuse"), REFUSALS),
)
STEPS = st.lists(st.tuples(st.sampled_from(CHATS), ACTIONS), min_size=1, max_size=40)


@dataclass
class Harness:
    """The real Application over the in-process Bot API, with every handler error kept."""

    api: FakeBotApi
    application: Application  # type: ignore[type-arg]
    errors: list[BaseException] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def transport(self) -> TelegramTransport:
        return transport_of(self.application)

    async def session(self, chat_id: int) -> Session | None:
        data = await self.transport.services.store.peek(chat_id)
        return None if data is None else load_session(data)

    def keyboards(self, chat_id: int) -> list[list[str]]:
        """Every inline keyboard the chat was shown, oldest first, as callback data."""
        found = []
        for call in self.api.calls:
            markup = call.params.get("reply_markup")
            if int(call.params.get("chat_id", 0)) != chat_id or not isinstance(markup, dict):
                continue
            data = [
                b["callback_data"]
                for row in markup.get("inline_keyboard", [])
                for b in row
                if "callback_data" in b
            ]
            if data:
                found.append(data)
        return found

    async def feed(self, payload: dict[str, Any]) -> None:
        payload = {"update_id": next(self.ids), **payload}
        update = Update.de_json(payload, self.application.bot)
        await self.application.process_update(update)


def _user(user_id: int) -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": "Ana",
        "last_name": "López",
        "language_code": "es",
    }


def _message(h: Harness, chat_id: int, **content: Any) -> dict[str, Any]:
    chat = {"id": chat_id, "type": "private", "first_name": "Ana"}
    return {
        "message_id": next(h.ids),
        "date": 0,
        "chat": chat,
        "from": _user(chat_id),
        **content,
    }


def _tap(h: Harness, chat_id: int, data: str) -> dict[str, Any]:
    message = _message(h, chat_id, text="?")
    message["from"] = BOT_USER
    message["reply_markup"] = {"inline_keyboard": [[{"text": "x", "callback_data": data}]]}
    return {
        "callback_query": {
            "id": str(next(h.ids)),
            "from": _user(chat_id),
            "chat_instance": str(chat_id),
            "data": data,
            "message": message,
        }
    }


def _pick(keyboard: list[str] | None, index: int) -> str | None:
    return keyboard[index % len(keyboard)] if keyboard else None


async def _act(h: Harness, chat_id: int, kind: str, arg: Any) -> dict[str, Any] | None:
    """The update for one action, or None when it needs a keyboard that is not there."""
    shown = h.keyboards(chat_id)
    other = h.keyboards(next(c for c in CHATS if c != chat_id))
    if kind == "text":
        return {"message": _message(h, chat_id, text=arg)}
    if kind == "command":
        text = f"/{arg}"
        entity = {"type": "bot_command", "offset": 0, "length": len(text)}
        return {"message": _message(h, chat_id, text=text, entities=[entity])}
    if kind == "contact":
        owner = chat_id if arg else STRANGER
        contact = {"phone_number": "+50255551234", "first_name": "Ana", "user_id": owner}
        return {"message": _message(h, chat_id, contact=contact)}
    if kind == "photo":
        photo = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
        return {"message": _message(h, chat_id, photo=photo)}
    if kind == "edited":
        return {"edited_message": {**_message(h, chat_id, text=arg), "edit_date": 1}}
    if kind == "forged":
        data: str | None = arg
    elif kind == "tap":
        data = _pick(shown[-1] if shown else None, arg)
    elif kind == "old-tap":
        data = _pick(shown[arg % len(shown)] if shown else None, arg)
    else:
        data = _pick(other[-1] if other else None, arg)
    return None if data is None else _tap(h, chat_id, data)


def _inert(kind: str, arg: Any, update: dict[str, Any], before: Session | None) -> bool:
    """Whether the update must leave the chat's answers and position as they were."""
    if kind in ("photo", "edited") or (kind == "contact" and not arg):
        return True
    if kind in ("forged", "other-tap", "old-tap"):
        data = update["callback_query"]["data"]
        binding = data.rpartition(":")[0]
        return before is None or binding != before.binding
    return False


async def _run(steps: list[tuple[int, tuple[str, Any]]]) -> None:
    api = FakeBotApi()
    config = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=SecretStr("1:fuzz"),
        leads_api_url="http://127.0.0.1:9/rest",
        leads_api_token=SecretStr("t"),
        partner_slug="migo-gt",
        support_user_ids=[CHATS[0]],
    )
    # The real limiter, so Telegram's refusals go through its retry logic; no throttling.
    limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=1)
    application = build_application(config, request=api, rate_limiter=limiter)
    h = Harness(api, application)

    async def keep(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        h.errors.append(context.error)

    application.add_error_handler(keep)
    async with application:
        assert application.post_init is not None
        await application.post_init(application)
        for chat_id in CHATS:  # the Redis the suite shares may hold an earlier example's chats
            await h.transport.services.conversations.forget(chat_id)
        try:
            for chat_id, (kind, arg) in steps:
                if kind == "refuse":
                    method, status, description = arg
                    api.fail_next.setdefault(method, []).append((status, description))
                    continue
                update = await _act(h, chat_id, kind, arg)
                if update is None:
                    continue
                other_id = next(c for c in CHATS if c != chat_id)
                before, other_before = await h.session(chat_id), await h.session(other_id)
                queries = len(api.sent("answerCallbackQuery"))
                await h.feed(update)
                after = await h.session(chat_id)
                # Every session stays readable; the other chat is never touched.
                assert await h.session(other_id) == other_before
                if _inert(kind, arg, update, before) and before is not None:
                    assert after is not None
                    assert (after.answers, after.at) == (before.answers, before.at)
                if "callback_query" in update:
                    # Every tap is answered exactly once (a refused answer is still the one try).
                    assert len(api.sent("answerCallbackQuery")) == queries + 1
        finally:
            assert application.post_shutdown is not None
            await application.post_shutdown(application)
    # Only Telegram's own refusals may reach the error handler; never a bug of ours.
    ours = [e for e in h.errors if not isinstance(e, TelegramError)]
    assert not ours, ours


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS)
def test_random_updates_through_the_handlers_keep_every_chat_valid_and_apart(
    steps: list[tuple[int, tuple[str, Any]]],
) -> None:
    asyncio.run(_run(steps))
