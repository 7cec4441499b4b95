"""The confirm tap through the real PTB handlers: "sending…" only when the Leads API is slow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr
from telegram import Update
from telegram.ext import ContextTypes

from bot.sandbox import Fault, Sandbox
from bot.settings import Settings
from bot.telegram import SENDING_NOTICE_SECONDS, build_application, transport_of
from tests.conversation.test_service import to_summary
from tests.unit.fake_bot_api import BOT_USER, FakeBotApi

CHAT = 5150


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    sandbox = Sandbox(token="t")
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


def confirm_tap(binding: str) -> dict[str, Any]:
    """The prospect taps "Confirmar y enviar" (button 0) under the summary."""
    data = f"{binding}:0"
    user = {"id": CHAT, "is_bot": False, "first_name": "Ana"}
    summary = {
        "message_id": 7,
        "date": 0,
        "chat": {"id": CHAT, "type": "private", "first_name": "Ana"},
        "from": BOT_USER,
        "text": "Revise sus datos",
        "reply_markup": {
            "inline_keyboard": [[{"text": "✅ Confirmar y enviar", "callback_data": data}]]
        },
    }
    query = {"id": "1", "from": user, "chat_instance": "1", "data": data, "message": summary}
    return {"update_id": 900, "callback_query": query}


async def confirm(sandbox: Sandbox) -> FakeBotApi:
    """Bring a chat to the summary, tap confirm through the Application; the calls it made."""
    api = FakeBotApi()
    config = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=SecretStr("1:submit"),
        leads_api_url=sandbox.base_url,
        leads_api_token=SecretStr("t"),
        partner_slug="migo-gt",
    )
    application = build_application(config, request=api)
    errors: list[object] = []

    async def keep(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error)

    application.add_error_handler(keep)
    async with application:
        assert application.post_init is not None and application.post_shutdown is not None
        await application.post_init(application)
        try:
            conversations = transport_of(application).services.conversations
            await conversations.forget(CHAT)  # the Redis the suite shares may hold it already
            binding = await to_summary(conversations, CHAT)
            update = Update.de_json(confirm_tap(binding), application.bot)
            await application.process_update(update)
        finally:
            await application.post_shutdown(application)
    assert errors == []
    return api


def texts(api: FakeBotApi) -> list[str]:
    return [str(params["text"]) for params in api.sent("sendMessage")]


async def test_a_quick_answer_costs_the_prospect_one_message_the_code(sandbox: Sandbox) -> None:
    api = await confirm(sandbox)

    (done,) = texts(api)
    assert "Su código de invitación es" in done
    assert len(api.sent("answerCallbackQuery")) == 1
    assert len(api.sent("editMessageText")) == 1  # the summary shows the choice, no buttons
    assert await sandbox.store.count() == 1


async def test_a_slow_answer_is_announced_then_the_code_follows(sandbox: Sandbox) -> None:
    sandbox.faults.append(Fault(mode="hang", seconds=SENDING_NOTICE_SECONDS * 3))

    api = await confirm(sandbox)

    sending, done = texts(api)
    assert sending.startswith("Enviando su solicitud a Migo")
    assert "Su código de invitación es" in done
    assert await sandbox.store.count() == 1
