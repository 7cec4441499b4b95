"""Idle reminders on the Redis store and its in-memory twin, with the clocks in the test's hands."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from bot.conversation import Conversations, Origin
from bot.leads_api import LeadsApiClient
from bot.reminders import ReminderSweep
from bot.sandbox import Sandbox
from bot.store import MemorySessionStore, RedisSessionStore, SessionStore, session_key
from flows.catalogue import Catalogue
from flows.events import Command, Pick, Reply, Start, Text
from flows.session import Language
from locales import catalog
from tests.conftest import FakeClock, redis_url
from tests.conversation.test_service import to_summary

TTL = 7 * 24 * 3600
AFTER = 24 * 3600
EPOCH = 1_780_000_000.0
SPANISH = Origin(lang="es", partner="migo-gt", profile={"profile_first": "Ana"})
ENGLISH = Origin(lang="en", partner="migo-gt")


@dataclass
class World:
    """Bot replicas on one store kind, a shared clock, and what the sweeps sent."""

    kind: str
    leads: LeadsApiClient
    clock: FakeClock = field(default_factory=lambda: FakeClock(EPOCH))
    sent: list[tuple[int, Reply, Language]] = field(default_factory=list)
    stores: list[SessionStore] = field(default_factory=list)
    raw: aioredis.Redis | None = None

    def replica(self, after: float = AFTER) -> Conversations:
        """One bot process: on Redis its own connection pool; in memory the one store."""
        if self.kind == "memory":
            if not self.stores:
                self.stores.append(MemorySessionStore(ttl_seconds=TTL, clock=self.clock))
            store = self.stores[0]
        else:
            store = RedisSessionStore.from_url(redis_url(), ttl_seconds=TTL)
            self.stores.append(store)
        return Conversations(
            store,
            self.leads,
            catalogue=Catalogue(),
            tributax_partner="tributax",
            clock=self.clock,
            reminder_after_seconds=after,
        )

    def sweep(self, conversations: Conversations) -> ReminderSweep:
        async def send(chat_id: int, reply: Reply, lang: Language) -> None:
            self.sent.append((chat_id, reply, lang))

        return ReminderSweep(conversations, send, after_seconds=AFTER, clock=self.clock)

    async def idle(self, seconds: float) -> None:
        """Let every conversation sit idle: move the clock, and age Redis's session TTLs."""
        self.clock.now += seconds
        if self.raw is None:
            return
        async for key in self.raw.scan_iter(match=session_key(0).replace("{0}", "*")):
            left = await self.raw.pttl(key)
            await self.raw.pexpire(key, max(1, left - round(seconds * 1000)))

    def reminded(self) -> list[int]:
        return [chat_id for chat_id, _reply, _lang in self.sent]


@pytest.fixture(params=["memory", "redis"])
async def world(request: pytest.FixtureRequest) -> AsyncIterator[World]:
    sandbox = Sandbox()
    url = await sandbox.start()
    raw = aioredis.Redis.from_url(redis_url()) if request.param == "redis" else None
    if raw is not None:
        await raw.flushdb()
    async with httpx.AsyncClient(base_url=url + "/") as http:
        world = World(request.param, LeadsApiClient(http, SecretStr("t")), raw=raw)
        try:
            yield world
        finally:
            for store in world.stores:
                await store.aclose()
            if raw is not None:
                await raw.flushdb()
                await raw.aclose()
    await sandbox.stop()


async def begin(bot: Conversations, chat_id: int, origin: Origin = SPANISH) -> None:
    """Start a conversation and answer the first question."""
    await bot.run(chat_id, Start(), origin)
    await bot.run(chat_id, Text("Ana"), origin)


async def test_a_prospect_idle_mid_flow_is_reminded_once_in_their_language(world: World) -> None:
    bot = world.replica()
    sweep = world.sweep(bot)
    await begin(bot, 1, SPANISH)
    await begin(bot, 2, ENGLISH)

    await world.idle(AFTER - 60)
    assert await sweep.sweep() == 0
    await world.idle(61)
    assert await sweep.sweep() == 2

    (one, spanish, es), (two, english, en) = sorted(world.sent, key=lambda sent: sent[0])
    assert (one, es, two, en) == (1, "es", 2, "en")
    for reply in (spanish, english):
        assert reply.key == "reminder"
        assert reply.args == {"left": 20}
        assert [button.action for button in reply.buttons] == ["resume"]
    assert (
        catalog("es").render("reminder", spanish.args).startswith("¿Seguimos? Le faltan 20 pasos")
    )
    # Never again for these conversations, however long they stay idle.
    await world.idle(3 * AFTER)
    assert await sweep.sweep() == 0
    assert len(world.sent) == 2
    assert await bot.store.due_reminders(world.clock() + TTL, 10) == []


async def test_each_answer_postpones_the_reminder_to_a_full_idle_period(world: World) -> None:
    bot = world.replica()
    sweep = world.sweep(bot)
    await bot.run(1, Start(), SPANISH)
    await world.idle(AFTER - 10)
    await bot.run(1, Text("Ana"), SPANISH)

    await world.idle(20)  # the reminder was due, but the prospect answered 20 s ago
    assert await sweep.sweep() == 0
    ((chat_id, due),) = await bot.store.due_reminders(world.clock() + AFTER, 10)
    # Due a full period after the answer (Redis measures idleness in real time, too).
    assert chat_id == 1
    assert world.clock() + AFTER - 21 < due <= world.clock() + AFTER - 20
    await world.idle(AFTER - 21)
    assert await sweep.sweep() == 0
    await world.idle(1)
    assert await sweep.sweep() == 1


async def test_no_reminder_after_cancel_completion_or_forget(world: World) -> None:
    bot = world.replica()
    sweep = world.sweep(bot)
    await begin(bot, 1)
    await bot.run(1, Command("cancel"), SPANISH)
    assert [r.key for r in await bot.run(1, Text("sí"), SPANISH)] == ["cancelled"]
    await begin(bot, 2)
    await bot.forget(2)
    summary = await to_summary(bot, 3)
    assert [r.key for r in await bot.run(3, Pick(summary, 0), SPANISH)][-1] == "submit-done"
    assert [chat for chat, _due in await bot.store.due_reminders(EPOCH + AFTER, 10)] == [1, 3]

    await world.idle(AFTER + 1)
    assert await sweep.sweep() == 0

    assert world.sent == []
    assert await bot.store.due_reminders(world.clock() + TTL, 10) == []


async def test_two_replicas_sweeping_at_once_send_each_reminder_once(world: World) -> None:
    replicas = [world.replica(), world.replica()]
    for chat_id in range(1, 21):
        await begin(replicas[chat_id % 2], chat_id)
    await world.idle(AFTER)

    sent = await asyncio.gather(*(world.sweep(bot).sweep() for bot in replicas * 2))

    assert sum(sent) == 20
    assert sorted(world.reminded()) == list(range(1, 21))


async def test_continue_asks_the_current_question_again_and_is_stale_once_the_flow_ends(
    world: World,
) -> None:
    bot = world.replica()
    await begin(bot, 1)
    await world.idle(AFTER)
    await world.sweep(bot).sweep()
    ((_chat, reminder, _lang),) = world.sent
    assert reminder.binding is not None

    replies = await bot.run(1, Pick(reminder.binding, 0), SPANISH)
    assert [r.key for r in replies] == ["welcome-back", "lastName-ask"]
    assert [r.key for r in await bot.run(1, Text("López"), SPANISH)] == ["gender-ask"]

    await bot.run(1, Command("cancel"), SPANISH)
    await bot.run(1, Text("sí"), SPANISH)
    assert [r.key for r in await bot.run(1, Pick(reminder.binding, 0), SPANISH)] == ["stale-button"]
    assert await bot.store.peek(1) is None  # a stale tap starts nothing


async def test_a_new_or_restarted_conversation_gets_its_own_reminder(world: World) -> None:
    bot = world.replica()
    sweep = world.sweep(bot)
    await begin(bot, 1)
    await begin(bot, 2)
    await world.idle(AFTER)
    assert await sweep.sweep() == 2

    await bot.run(1, Command("cancel"), SPANISH)
    await bot.run(1, Text("sí"), SPANISH)
    await begin(bot, 1)
    await bot.run(2, Command("restart"), SPANISH)
    assert [r.key for r in await bot.run(2, Text("sí"), SPANISH)] == ["restarted", "firstName-ask"]
    await world.idle(AFTER)
    assert await sweep.sweep() == 2

    assert sorted(world.reminded()) == [1, 1, 2, 2]


async def test_an_unreadable_session_is_dropped_from_the_schedule(world: World) -> None:
    bot = world.replica()
    await begin(bot, 1)
    async with bot.store.session(1) as slot:
        slot.data = '{"v": 99, "sid": "x"}'
    await world.idle(AFTER)

    assert await world.sweep(bot).sweep() == 0
    assert await bot.store.due_reminders(world.clock(), 10) == []


async def test_with_reminders_off_nothing_is_scheduled(world: World) -> None:
    bot = world.replica(after=0)
    await begin(bot, 1)

    assert await bot.store.due_reminders(world.clock() + TTL, 10) == []
