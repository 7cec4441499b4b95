"""Shared fixtures: a real Redis when one is configured."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis


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
