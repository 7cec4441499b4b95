"""The floor: a bare PTB 22 Application on the bot's settings, one GET, one SET, one send."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler
from telegram.request import BaseRequest


def build_floor(
    token: str, base_url: str, redis_url: str, request: BaseRequest | None
) -> Application:  # type: ignore[type-arg]
    """What any PTB bot with Redis state pays per update: the minimum of this stack."""
    builder = Application.builder()
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = (
        builder.token(token)
        .base_url(base_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(True)
        .build()
    )
    client = aioredis.Redis.from_pool(
        aioredis.BlockingConnectionPool.from_url(
            redis_url, max_connections=64, decode_responses=True
        )
    )

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        assert chat is not None
        key = f"floor:{{{chat.id}}}:state"
        state = await client.get(key)
        await client.set(key, str(int(state or 0) + 1), ex=3600)
        await context.bot.send_message(chat.id, f"Paso {state or 0}")

    async def close(_: Any) -> None:
        await client.aclose()

    application.add_handler(TypeHandler(Update, handle))
    application.post_shutdown = close
    return application
