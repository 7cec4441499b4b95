"""The funnel's cost on real Redis: none beside the store (its record rides the commit), at
most one extra round trip per update on a client of its own, and none for nothing."""

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
from tests.contract.test_store_redis import ProbeConnection

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


async def test_an_update_costs_two_round_trips_with_the_funnel_beside_the_store(
    redis_client: aioredis.Redis,
) -> None:
    connection = type("Probe", (ProbeConnection,), {})
    client = aioredis.Redis.from_url(
        redis_url(), decode_responses=True, connection_class=connection
    )
    store = RedisSessionStore(client, ttl_seconds=600)
    funnel = RedisFunnel.beside(store, ttl_seconds=600)
    leads = LeadsApiClient(None, SecretStr("t"))  # type: ignore[arg-type]
    service = Conversations(
        store, leads, catalogue=Catalogue(), tributax_partner="tributax", funnel=funnel
    )

    async def cost(event: Event) -> int:
        before = connection.sends
        await service.run(78, event, ORIGIN)
        return connection.sends - before

    try:
        await cost(Start())  # connects and loads the scripts (first EVALSHAs answer NOSCRIPT)
        await cost(Text("Ana"))
        costs = [await cost(Text("López")), await cost(Text("xyz")), await cost(Command("help"))]
        costs += [await cost(Command("back")), await cost(Text("López"))]
        counts = await funnel.counts()
    finally:
        await funnel.aclose()
        await store.aclose()
    # Lock + load, then the funnel's record and the commit in one pipeline.
    assert costs == [2, 2, 2, 2, 2]
    assert counts["invalid:gender"] == 1
    assert counts["answered:lastName"] == 1


async def test_on_its_own_client_the_funnel_costs_one_round_trip_at_most_and_none_for_nothing(
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
