"""The funnel contract, on Redis and on the in-memory twin, driven through the real service."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr
from redis.crc import key_slot

from bot.conversation import Conversations, Origin
from bot.funnel import (
    FUNNEL_STEPS,
    Funnel,
    MemoryFunnel,
    Progress,
    RedisFunnel,
    funnel_rows,
)
from bot.leads_api import LeadsApiClient
from bot.sandbox import Sandbox
from bot.store import MemorySessionStore, RedisSessionStore, SessionSlot, SessionStore, session_key
from flows.catalogue import Catalogue
from flows.events import Command, Event, Pick, Start, Text
from tests.conftest import FakeClock, redis_url

# Redis expires sessions by wall time, so its TTL is real seconds the tests wait out.
TTL = 2
ORIGIN = Origin(lang="es", partner="migo-gt")
# Every answer of a Spanish onboarding up to the summary, typed.
ANSWERS = [
    *["Ana", "López", "mujer", "07/03/1990", "soltera", "Guatemala", "1234 56789 0101"],
    *["31/12/2030", "Guatemala", "5555 1234", "a@example.com", "Tienda", "Tienda"],
    *["Abarrotes", "zona 1", "576937-K", "1", "no", "1", "listo", "1", "no"],
]


class Harness:
    """A session store, funnels on it (replicas), and a way to let time pass."""

    def __init__(self, kind: str, leads: LeadsApiClient) -> None:
        self.kind = kind
        self.leads = leads
        self.clock = FakeClock()
        self.store: SessionStore = (
            MemorySessionStore(ttl_seconds=TTL, clock=self.clock)
            if kind == "memory"
            else RedisSessionStore.from_url(redis_url(), ttl_seconds=TTL)
        )
        self._funnels: list[Funnel] = []
        self.funnel = self.make_funnel()
        self.service = self.conversations(self.funnel)

    def make_funnel(self) -> Funnel:
        """One more replica's funnel (the twin has one per process: the same one)."""
        if self.kind == "memory":
            if not self._funnels:
                self._funnels.append(MemoryFunnel(self.store, ttl_seconds=TTL, clock=self.clock))
            return self._funnels[0]
        assert isinstance(self.store, RedisSessionStore)
        # As the bot opens it: its records ride the store's commits.
        funnel = RedisFunnel.beside(self.store, ttl_seconds=TTL)
        self._funnels.append(funnel)
        return funnel

    def conversations(self, funnel: Funnel) -> Conversations:
        return Conversations(
            self.store,
            self.leads,
            catalogue=Catalogue(),
            tributax_partner="tributax",
            funnel=funnel,
        )

    async def let_time_pass(self, seconds: float) -> None:
        if self.kind == "memory":
            self.clock.now += seconds
        else:
            await asyncio.sleep(seconds)

    async def say(self, chat_id: int, *events: Event | str) -> None:
        """Events (a str is typed text) of one chat, each run to the end."""
        for event in events:
            typed = Text(event) if isinstance(event, str) else event
            await self.service.run(chat_id, typed, ORIGIN)

    async def counts(self) -> dict[str, int]:
        return {field: n for field, n in (await self.funnel.counts()).items() if n}

    async def aclose(self) -> None:
        for funnel in self._funnels:
            await funnel.aclose()
        await self.store.aclose()


@pytest.fixture(params=["memory", "redis"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    raw = aioredis.Redis.from_url(redis_url()) if request.param == "redis" else None
    if raw is not None:
        await raw.flushdb()
    sandbox = Sandbox()
    url = await sandbox.start()
    async with httpx.AsyncClient(base_url=url + "/") as http:
        harness = Harness(request.param, LeadsApiClient(http, SecretStr("t")))
        try:
            yield harness
        finally:
            await harness.aclose()
            await sandbox.stop()
            if raw is not None:
                await raw.flushdb()
                await raw.aclose()


async def test_reached_and_answered_count_once_per_conversation_invalid_every_time(
    harness: Harness,
) -> None:
    await harness.say(1, Start(), "Ana", Command("back"), "Ana", "12345", "12345", "López")
    await harness.say(2, Start(), "Beto")
    assert await harness.counts() == {
        "reached:firstName": 2,
        "answered:firstName": 2,
        "reached:lastName": 2,
        "invalid:lastName": 2,
        "answered:lastName": 1,
        "reached:gender": 1,
    }


async def test_rows_come_in_step_order_with_drop_off_and_invalid_per_completion(
    harness: Harness,
) -> None:
    await harness.say(1, Start(), "Ana", "12345", "López")
    await harness.say(2, Start(), "Beto")
    rows = funnel_rows(await harness.funnel.counts())
    assert [row.step for row in rows] == list(FUNNEL_STEPS)
    assert rows[-1].step == "summary"
    first, last, gender = rows[0], rows[1], rows[2]
    assert (first.reached, first.answered, first.drop_off) == (2, 2, 0.0)
    assert (last.reached, last.answered, last.drop_off) == (2, 1, 0.5)
    assert last.invalid_per_completion == 1.0
    assert (gender.reached, gender.answered, gender.drop_off) == (1, 0, 1.0)
    assert gender.invalid_per_completion is None
    assert rows[3].drop_off is None


async def test_an_expired_conversation_is_abandoned_once_however_many_replicas_sweep(
    harness: Harness,
) -> None:
    await harness.say(1, Start(), "Ana")
    await harness.let_time_pass(TTL + 0.3)
    replicas = [harness.make_funnel(), harness.make_funnel(), harness.funnel]
    counted = await asyncio.gather(*(funnel.sweep() for funnel in replicas))
    assert sorted(field for fields in counted for field in fields) == ["abandoned:lastName"]
    assert [await funnel.sweep() for funnel in replicas] == [[], [], []]
    assert (await harness.counts())["abandoned:lastName"] == 1


async def test_completed_cancelled_and_forgotten_conversations_are_never_abandoned(
    harness: Harness,
) -> None:
    await harness.say(1, Start(), *ANSWERS)
    summary = await harness.service.current(1)
    assert summary is not None and summary.at == "summary"
    replies = await harness.service.run(1, Pick(summary.binding, 0), ORIGIN)
    assert replies[-1].key == "submit-done"
    await harness.say(2, Start(), "Ana", Command("cancel"), "sí")
    await harness.say(3, Start(), "Ana")
    await harness.service.forget(3)
    await harness.let_time_pass(TTL + 0.3)
    assert await harness.funnel.sweep() == []
    counts = await harness.counts()
    assert counts["reached:summary"] == 1
    assert counts["answered:summary"] == 1
    assert counts["reached:firstName"] == 3
    assert not [field for field in counts if field.startswith("abandoned:")]


async def test_a_session_kept_alive_without_counting_is_abandoned_only_once_it_expires(
    harness: Harness,
) -> None:
    recorded: list[Progress] = []
    record = harness.funnel.record_on_commit

    async def spy(slot: SessionSlot, chat_id: int, progress: Progress) -> None:
        recorded.append(progress)
        await record(slot, chat_id, progress)

    harness.funnel.record_on_commit = spy  # type: ignore[method-assign]
    await harness.say(1, Start(), "Ana")
    assert len(recorded) == 2
    await harness.let_time_pass(TTL * 0.6)
    # /help and /summary count nothing: no funnel call, yet the session's TTL starts again.
    await harness.say(1, Command("help"), Command("summary"))
    assert len(recorded) == 2
    await harness.let_time_pass(TTL * 0.6)
    assert await harness.funnel.sweep() == []
    await harness.let_time_pass(TTL * 1.1)
    assert await harness.funnel.sweep() == ["abandoned:lastName"]


async def test_a_prospect_back_after_expiry_ends_the_old_conversation_and_starts_anew(
    harness: Harness,
) -> None:
    await harness.say(1, Start(), "Ana", "López")
    await harness.let_time_pass(TTL + 0.3)
    replies = await harness.service.run(1, Start(), ORIGIN)
    assert [r.key for r in replies] == ["session-expired", "welcome", "firstName-ask"]
    await harness.say(1, "Ana")
    assert await harness.funnel.sweep() == []
    counts = await harness.counts()
    assert counts["abandoned:gender"] == 1
    assert counts["reached:firstName"] == 2
    assert counts["answered:firstName"] == 2


async def test_every_funnel_key_shares_one_cluster_slot(redis_client: aioredis.Redis) -> None:
    funnel = RedisFunnel.from_url(redis_url(), ttl_seconds=TTL)
    try:
        await funnel.record(5, Progress("s1", "lastName", True, ("reached:lastName",)))
        await funnel.record(6, Progress("s2", "gender", True, ("invalid:gender",)))
    finally:
        await funnel.aclose()
    keys = [key.decode() for key in await redis_client.keys("funnel:*")]
    assert len(keys) >= 4
    assert len({key_slot(key.encode()) for key in keys}) == 1
    assert key_slot(session_key(5).encode()) != key_slot(keys[0].encode())
