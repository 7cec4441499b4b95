"""The funnel's cost on real Redis: at most one extra round trip per update, none for nothing."""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from bot.conversation import Conversations, Origin
from bot.funnel import RedisFunnel
from bot.leads_api import LeadsApiClient
from bot.store import RedisSessionStore
from flows.catalogue import Catalogue
from flows.events import Command, Event, Start, Text
from tests.conftest import redis_url

ORIGIN = Origin(lang="es", partner="migo-gt")


class CountingRedis(aioredis.Redis):
    """A real client that counts the commands it sends: each one is a round trip."""

    sent: list[str]

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.sent.append(str(args[0]).upper())
        return await super().execute_command(*args, **options)


def counting_client() -> CountingRedis:
    client = CountingRedis.from_url(redis_url(), decode_responses=True)
    client.sent = []
    return client


@pytest.fixture
def clients(redis_client: aioredis.Redis) -> tuple[CountingRedis, CountingRedis]:
    """Two counting clients on a flushed database: the store's and the funnel's."""
    return counting_client(), counting_client()


async def test_an_update_costs_the_funnel_one_round_trip_at_most_and_none_for_nothing(
    clients: tuple[CountingRedis, CountingRedis],
) -> None:
    store_client, funnel_client = clients
    store = RedisSessionStore(store_client, ttl_seconds=600)
    funnel = RedisFunnel(funnel_client, ttl_seconds=600)
    leads = LeadsApiClient(None, SecretStr("t"))  # type: ignore[arg-type]
    service = Conversations(
        store, leads, catalogue=Catalogue(), tributax_partner="tributax", funnel=funnel
    )

    async def cost(event: Event) -> tuple[int, int]:
        before = len(store_client.sent), len(funnel_client.sent)
        await service.run(77, event, ORIGIN)
        return len(store_client.sent) - before[0], len(funnel_client.sent) - before[1]

    try:
        await cost(Start())  # loads the scripts (a first EVALSHA is answered NOSCRIPT)
        await cost(Text("Ana"))
        costs = {
            "answer": await cost(Text("López")),
            "invalid": await cost(Text("xyz")),
            "help": await cost(Command("help")),
            "back": await cost(Command("back")),
            "repeat": await cost(Text("López")),
            "language": await cost(Command("language")),
        }
    finally:
        await funnel.aclose()
        await store.aclose()
    # The session itself: lock + load, then commit. The funnel: one script, or nothing.
    assert costs == {
        "answer": (2, 1),
        "invalid": (2, 1),
        "help": (2, 0),
        "back": (2, 1),
        "repeat": (2, 1),
        "language": (2, 0),
    }
    assert set(funnel_client.sent) <= {"EVALSHA", "SCRIPT LOAD"}
