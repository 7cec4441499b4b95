"""`migo-bot health`: whether a replica's dependencies are in place (the image's HEALTHCHECK).

Healthy means the settings are valid (the Leads API base URL a usable http(s) URL among
them: the CLI checks them before any command) and the configured session store answers a
ping (every master of a cluster; the memory store always does). The verdict is one line; it
names variables and hosts, never a URL's credentials nor a token.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from urllib.parse import urlsplit

from bot.settings import Settings
from bot.store import StoreError, open_store

# Docker reads 0 as healthy and 1 as unhealthy (it reserves 2).
HEALTHY = 0
UNHEALTHY = 1


async def store_problem(settings: Settings) -> str | None:
    """Why the configured session store does not answer, or None when it does."""
    if not settings.redis_url:
        # The memory store always answers (and open_store's warning is the bot's to give).
        return None
    try:
        store = open_store(
            settings.redis_url,
            ttl_seconds=settings.session_ttl_seconds,
            cluster=settings.redis_cluster,
        )
    except ValueError:
        # redis-py's message may quote the URL, and with it a password.
        return "REDIS_URL is not a valid Redis URL"
    try:
        await store.ping()
    except StoreError as error:
        return f"the session store at REDIS_URL does not answer: {error}"
    finally:
        await store.aclose()
    return None


def _store_kind(settings: Settings) -> str:
    if not settings.redis_url:
        return "memory"
    return "redis-cluster" if settings.redis_cluster else "redis"


def health_command(settings: Settings, args: argparse.Namespace) -> int:
    """Print one line and exit 0 when healthy, 1 with the reason otherwise."""
    problem = asyncio.run(store_problem(settings))
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return UNHEALTHY
    host = urlsplit(settings.effective_leads_api_url).hostname
    print(f"healthy: store={_store_kind(settings)} answers, leads_api={host}")
    return HEALTHY
