"""End-to-end fixtures: Redis, the sandbox process, the Bot API stand-in and the bot process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from tests.conftest import personal_data_in, redis_url
from tests.contract.conftest import StartProcess, sandbox_process
from tests.e2e.botapi import BotApiStandIn
from tests.e2e.harness import SANDBOX_TOKEN, STAFF_ID, BotProcess, Stack

__all__ = ["sandbox_process", "stack", "start_stack"]


@pytest.fixture
async def start_stack(
    tmp_path: Path, sandbox_process: StartProcess
) -> AsyncIterator[Callable[..., Awaitable[Stack]]]:
    """Start the bot process (settings overridable) on a clean Redis, with sandbox and stand-in."""
    url = redis_url()
    client = aioredis.Redis.from_url(url)
    await client.flushdb()
    api = BotApiStandIn()
    await api.start()
    sandbox = sandbox_process("--token", SANDBOX_TOKEN)
    bots: list[BotProcess] = []

    async def start(**overrides: str) -> Stack:
        env = {
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "LEADS_API_URL": sandbox.base_url,
            "LEADS_API_TOKEN": SANDBOX_TOKEN,
            "LEADS_API_TIMEOUT_SECONDS": "2",
            "REDIS_URL": url,
            "PARTNER_SLUG": "migo-gt",
            "DEEP_LINK_PARTNERS": "tributax",
            "SUPPORT_USER_IDS": str(STAFF_ID),
            "LOG_LEVEL": "DEBUG",
            **overrides,
        }
        bot = BotProcess(tmp_path / f"bot-{len(bots)}.log", env)
        bots.append(bot)
        await bot.start(api)
        return Stack(api, sandbox, bot)

    try:
        yield start
    finally:
        # Every bot is stopped and every connection closed even when one bot fails to stop:
        # leaked sockets would surface as warnings in whichever test runs next.
        failed: list[AssertionError] = []
        for bot in bots:
            try:
                await bot.stop()
            except AssertionError as failure:
                failed.append(failure)
        await api.stop()
        await client.flushdb()
        await client.aclose()
        if failed:
            raise failed[0]
    # Every process ran at DEBUG: nothing personal and no token may be in what it logged.
    for process_log in [*(bot.log for bot in bots), sandbox.output]:
        assert personal_data_in(process_log) == []
        assert api.token not in process_log
        assert SANDBOX_TOKEN not in process_log


@pytest.fixture
async def stack(start_stack: Callable[..., Awaitable[Stack]]) -> Stack:
    """The bot in polling mode with the default test settings."""
    return await start_stack()
