"""Shared fixtures: a real Redis when one is configured."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio as aioredis

from bot.logs import quiet_libraries


def redis_url() -> str:
    """The Redis the tests use; scripts/test sets REDIS_URL (starting one if needed)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("REDIS_URL is not set under CI=true: scripts/test must provide a Redis")
        pytest.skip("no REDIS_URL: run the tests through scripts/test")
    return url


@pytest.fixture
async def redis_client() -> AsyncIterator[aioredis.Redis]:
    """A client on a clean Redis database (flushed before and after the test)."""
    client = aioredis.Redis.from_url(redis_url())
    await client.flushdb()
    try:
        yield client
    finally:
        await client.flushdb()
        await client.aclose()


class FakeClock:
    """A clock that only moves when the test says so."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# Personal values the tests type as prospects; none may reach a log line at any level.
PERSONAL_VALUES = (
    "Ana Lucía",
    "López García",
    "1234567890101",
    "1234 56789 0101",
    "1587564440904",
    "576937",
    "55551234",
    "5555 1234",
    "5555-1234",
    "ana@example.com",
    "Ana.Lopez",
    "5a. avenida 12-34",
    "1990-03-07",
    "07/03/1990",
    "7 de marzo de 1990",
)


def personal_data_in(text: str) -> list[str]:
    """The personal test values that appear in a text (a log)."""
    return [value for value in PERSONAL_VALUES if value in text]


class _Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="session", autouse=True)
def no_personal_data_in_logs() -> Iterator[None]:
    """Capture every in-process log record at DEBUG for the whole run and check it at the end."""
    handler = _Everything()
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # As the bot's own logging set-up does: what is checked is what a deployment would log.
    quiet_libraries(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    leaked = {value for line in handler.lines for value in personal_data_in(line)}
    assert not leaked, f"personal data in logs: {sorted(leaked)}"
