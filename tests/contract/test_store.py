"""The session store contract, run against the Redis store and its in-memory twin."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import redis.asyncio as aioredis
from redis.crc import key_slot

from bot.store import (
    MemorySessionStore,
    RedisSessionStore,
    SessionStore,
    StoreBusy,
    chat_key_prefix,
    committed_key,
    known_key,
    lock_key,
    open_store,
    rate_limit_key,
    session_key,
    value_key,
    values_index_key,
)
from tests.conftest import FakeClock, redis_url

TTL = 3600


class Harness:
    """Makes stores of one kind, and lets time pass the way that kind can see it."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.clock = FakeClock()
        self._stores: list[SessionStore] = []

    def make(self, *, lock_wait_seconds: float = 2.0) -> SessionStore:
        """A store; the Redis ones each have their own connection pool, like replicas."""
        store: SessionStore
        if self.kind == "memory":
            store = MemorySessionStore(
                ttl_seconds=TTL, clock=self.clock, lock_wait_seconds=lock_wait_seconds
            )
        else:
            store = RedisSessionStore.from_url(
                redis_url(), ttl_seconds=TTL, lock_wait_seconds=lock_wait_seconds
            )
        self._stores.append(store)
        return store

    async def let_time_pass(self, seconds: float) -> None:
        """Move the fake clock (memory) or really wait (Redis expires keys by wall time)."""
        if self.kind == "memory":
            self.clock.now += seconds
        else:
            await asyncio.sleep(seconds)

    async def expire_session(self, chat_id: int) -> None:
        """Let the chat's session expire as its TTL would (its other keys stay)."""
        if self.kind == "memory":
            self.clock.now += TTL + 1
        else:
            raw = aioredis.Redis.from_url(redis_url())
            await raw.pexpire(session_key(chat_id), 1)
            await raw.aclose()
            await asyncio.sleep(0.01)

    async def aclose(self) -> None:
        """Close every store made."""
        for store in self._stores:
            await store.aclose()


@pytest.fixture(params=["memory", "redis"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """One harness per implementation; Redis gets a flushed database before and after."""
    harness = Harness(request.param)
    raw = aioredis.Redis.from_url(redis_url()) if request.param == "redis" else None
    if raw is not None:
        await raw.flushdb()
    try:
        yield harness
    finally:
        await harness.aclose()
        if raw is not None:
            await raw.flushdb()
            await raw.aclose()


@pytest.fixture
def store(harness: Harness) -> SessionStore:
    """A store with a short lock wait, so a lock that is never released fails fast."""
    return harness.make()


@asynccontextmanager
async def held(store: SessionStore, chat_id: int, data: str | None = None) -> AsyncIterator[None]:
    """Hold the chat's session from another task for the duration of the block."""
    entered, leave = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with store.session(chat_id) as slot:
            if data is not None:
                slot.data = data
            entered.set()
            await leave.wait()

    task = asyncio.create_task(hold())
    try:
        async with asyncio.timeout(5):
            await entered.wait()
        yield
    finally:
        leave.set()
        await task


async def write(store: SessionStore, chat_id: int, data: str | None) -> None:
    """One transaction that replaces the session."""
    async with store.session(chat_id) as slot:
        slot.data = data


async def test_a_new_chat_has_no_session(store: SessionStore) -> None:
    assert await store.peek(1) is None
    async with store.session(1) as slot:
        assert slot.data is None
    assert await store.peek(1) is None


async def test_a_written_session_is_read_back_and_other_chats_stay_empty(
    store: SessionStore,
) -> None:
    await write(store, 1, '{"v": 1, "step": "email"}')

    assert await store.peek(1) == '{"v": 1, "step": "email"}'
    async with store.session(1) as slot:
        assert slot.data == '{"v": 1, "step": "email"}'
    assert await store.peek(2) is None


async def test_unicode_survives_the_round_trip(store: SessionStore) -> None:
    await write(store, -1001234, '{"name": "José Pérez Güicho 🇬🇹"}')

    assert await store.peek(-1001234) == '{"name": "José Pérez Güicho 🇬🇹"}'


async def test_none_deletes_the_session(store: SessionStore) -> None:
    await write(store, 1, "{}")
    await write(store, 1, None)

    assert await store.peek(1) is None


async def expired(store: SessionStore, chat_id: int) -> tuple[str | None, bool]:
    """What one transaction loads: the session and whether an earlier one expired."""
    async with store.session(chat_id) as slot:
        return slot.data, slot.expired


async def test_an_expired_session_is_told_from_one_never_written_or_deleted(
    harness: Harness,
) -> None:
    store = harness.make()
    assert await expired(store, 1) == (None, False)
    await write(store, 1, "one")
    await harness.expire_session(1)

    assert await expired(store, 1) == (None, True)
    await write(store, 1, "two")
    assert await expired(store, 1) == ("two", False)
    await write(store, 1, None)
    assert await expired(store, 1) == (None, False)
    assert await expired(store, 2) == (None, False)


async def test_a_session_written_without_asking_for_it_expires_unexplained(
    harness: Harness,
) -> None:
    store = harness.make()
    await write(store, 1, "one")
    async with store.session(1) as slot:
        slot.data = "finished"
        slot.explain_expiry = False
    await harness.expire_session(1)

    assert await expired(store, 1) == (None, False)


async def test_a_forgotten_chat_is_not_taken_for_an_expired_one(harness: Harness) -> None:
    store = harness.make()
    await write(store, 1, "one")
    await store.forget_chat(1)
    await harness.expire_session(1)

    assert await expired(store, 1) == (None, False)


async def test_an_exception_in_the_block_writes_nothing_and_releases_the_lock(
    store: SessionStore,
) -> None:
    await write(store, 1, "before")

    async def fail_midway() -> None:
        async with store.session(1) as slot:
            slot.data = "after"
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_midway()

    assert await store.peek(1) == "before"
    async with asyncio.timeout(1), store.session(1) as slot:
        assert slot.data == "before"


async def test_fifty_concurrent_increments_are_all_applied(store: SessionStore) -> None:
    async def increment() -> None:
        async with store.session(1) as slot:
            count = int(slot.data or "0")
            await asyncio.sleep(0)  # give every other task the chance to interleave here
            slot.data = str(count + 1)

    await asyncio.gather(*(increment() for _ in range(50)))

    assert await store.peek(1) == "50"


async def test_waiters_of_one_store_enter_in_arrival_order(store: SessionStore) -> None:
    async def record(number: int) -> None:
        async with store.session(1) as slot:
            slot.data = json.dumps([*json.loads(slot.data or "[]"), number])

    async with held(store, 1, data="[]"):
        tasks = [asyncio.create_task(record(number)) for number in range(20)]
        await asyncio.sleep(0.05)  # every task is now queued behind the holder
    await asyncio.gather(*tasks)

    assert json.loads(await store.peek(1) or "null") == list(range(20))


async def test_store_busy_when_the_lock_is_held_longer_than_the_wait(harness: Harness) -> None:
    store = harness.make(lock_wait_seconds=0.3)

    async with held(store, 1, data="holder"):
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(StoreBusy):
            async with store.session(1) as slot:
                slot.data = "waiter"
        assert 0.25 <= loop.time() - started < 2

    assert await store.peek(1) == "holder"


async def test_another_chat_is_not_blocked_by_a_held_lock(harness: Harness) -> None:
    store = harness.make(lock_wait_seconds=0.3)

    async with held(store, 1):
        await write(store, 2, "free")

    assert await store.peek(2) == "free"


async def test_values_are_set_read_and_deleted(store: SessionStore) -> None:
    await store.set_value(1, "last_update", "901")

    assert await store.get_value(1, "last_update") == "901"
    assert await store.get_value(2, "last_update") is None
    await store.delete_value(1, "last_update")
    assert await store.get_value(1, "last_update") is None
    await store.delete_value(1, "never_set")


async def test_a_value_expires_after_its_own_ttl_and_defaults_to_the_session_ttl(
    harness: Harness, store: SessionStore
) -> None:
    await store.set_value(1, "short", "a", ttl_seconds=1)
    await store.set_value(1, "default", "b")

    await harness.let_time_pass(1.2)

    assert await store.get_value(1, "short") is None
    assert await store.get_value(1, "default") == "b"


@pytest.mark.parametrize("name", ["", "session", "lock", "committed", "values"])
async def test_reserved_or_empty_value_names_are_refused(store: SessionStore, name: str) -> None:
    with pytest.raises(ValueError, match="value name"):
        await store.set_value(1, name, "x")


async def test_forget_chat_removes_that_chat_only(store: SessionStore) -> None:
    await write(store, 1, "one")
    await store.set_value(1, "a", "1")
    await store.set_value(1, "b", "2", ttl_seconds=60)
    await write(store, 2, "two")
    await store.set_value(2, "a", "keep")

    await store.forget_chat(1)

    assert await store.peek(1) is None
    assert await store.get_value(1, "a") is None
    assert await store.get_value(1, "b") is None
    assert await store.peek(2) == "two"
    assert await store.get_value(2, "a") == "keep"
    await store.forget_chat(3)


# Epoch times in the past and future of the tests; milliseconds must survive the round trip.
EPOCH = 1_780_000_000.125


async def test_reminders_come_due_earliest_first_and_move_only_from_where_they_were(
    store: SessionStore,
) -> None:
    await store.schedule_reminder(1, EPOCH + 100)
    await store.schedule_reminder(2, EPOCH + 50.5)
    await store.schedule_reminder(3, EPOCH + 500)

    assert await store.due_reminders(EPOCH, 10) == []
    assert await store.due_reminders(EPOCH + 200, 10) == [(2, EPOCH + 50.5), (1, EPOCH + 100)]
    assert await store.due_reminders(EPOCH + 200, 1) == [(2, EPOCH + 50.5)]

    assert await store.move_reminder(1, EPOCH + 100, EPOCH + 300)
    assert not await store.move_reminder(1, EPOCH + 100, None)  # someone moved it meanwhile
    assert await store.move_reminder(2, EPOCH + 50.5, None)
    assert not await store.move_reminder(2, EPOCH + 50.5, None)  # already dropped
    assert await store.due_reminders(EPOCH + 1000, 10) == [(1, EPOCH + 300), (3, EPOCH + 500)]

    await store.schedule_reminder(3, EPOCH + 20)  # a new conversation replaces the old one
    assert await store.due_reminders(EPOCH + 100, 10) == [(3, EPOCH + 20)]


async def test_a_reminder_scheduled_with_a_session_lands_with_its_write_and_only_then(
    store: SessionStore,
) -> None:
    async with store.session(1) as slot:
        await store.schedule_reminder(1, EPOCH, slot=slot)
        slot.data = "answers"

    async def failing_update() -> None:
        async with store.session(2) as slot:
            await store.schedule_reminder(2, EPOCH, slot=slot)
            raise RuntimeError("the update failed")

    with pytest.raises(RuntimeError):
        await failing_update()

    assert await store.due_reminders(EPOCH, 10) == [(1, EPOCH)]
    assert await store.peek(1) == "answers"


async def test_forget_chat_drops_the_chats_reminder(store: SessionStore) -> None:
    await store.schedule_reminder(1, EPOCH)
    await store.schedule_reminder(2, EPOCH)

    await store.forget_chat(1)

    assert await store.due_reminders(EPOCH, 10) == [(2, EPOCH)]


async def test_session_idle_is_the_time_since_the_last_write(harness: Harness) -> None:
    store = harness.make()
    assert await store.session_idle(1) == (None, 0.0)
    await write(store, 1, "one")
    await harness.let_time_pass(1.0)

    data, idle = await store.session_idle(1)
    assert data == "one"
    assert idle >= 0.99

    async with store.session(1) as slot:
        assert slot.data == "one"  # a read-only update writes the session back, too
    _data, since_write = await store.session_idle(1)
    assert since_write < idle


async def test_claim_value_is_won_by_one_claimant_per_value(harness: Harness) -> None:
    # Redis: four replicas, each with its own pool; memory: one process, four callers.
    replicas = (
        [harness.make() for _ in range(4)] if harness.kind == "redis" else [harness.make()] * 4
    )

    wins = await asyncio.gather(*(r.claim_value(1, "reminded", "abc") for r in replicas * 5))

    assert wins.count(True) == 1
    assert await replicas[0].get_value(1, "reminded") == "abc"
    assert await replicas[1].claim_value(1, "reminded", "def")  # another conversation
    assert not await replicas[2].claim_value(1, "reminded", "def")
    await replicas[3].forget_chat(1)
    assert await replicas[0].get_value(1, "reminded") is None


async def test_forget_chat_inside_a_session_then_deleting_it(store: SessionStore) -> None:
    await write(store, 1, "one")
    await store.set_value(1, "a", "1")

    async with store.session(1) as slot:
        await store.forget_chat(1)
        slot.data = None

    assert await store.peek(1) is None
    assert await store.get_value(1, "a") is None
    await write(store, 1, "fresh start")
    assert await store.peek(1) == "fresh start"


async def test_rate_limit_allows_the_limit_then_refuses_until_the_window_ends(
    harness: Harness, store: SessionStore
) -> None:
    hits = [await store.hit_rate_limit("status:42", limit=3, window_seconds=1) for _ in range(5)]

    assert hits == [False, False, False, True, True]
    assert await store.hit_rate_limit("status:43", limit=3, window_seconds=1) is False
    await harness.let_time_pass(1.2)
    assert await store.hit_rate_limit("status:42", limit=3, window_seconds=1) is False


@pytest.mark.parametrize(("limit", "window"), [(0, 60), (3, 0)])
async def test_rate_limit_refuses_meaningless_arguments(
    store: SessionStore, limit: int, window: int
) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        await store.hit_rate_limit("status:42", limit=limit, window_seconds=window)


async def test_ping_answers(store: SessionStore) -> None:
    await store.ping()


async def test_memory_sessions_expire_by_the_clock_and_each_transaction_refreshes_them() -> None:
    clock = FakeClock()
    store = MemorySessionStore(ttl_seconds=100, clock=clock)
    await write(store, 1, "answers")

    clock.now += 99
    async with store.session(1) as slot:
        assert slot.data == "answers"  # unchanged: the exit still refreshes the TTL
    clock.now += 99
    assert await store.peek(1) == "answers"  # peeking does not refresh
    clock.now += 1

    assert await store.peek(1) is None
    async with store.session(1) as slot:
        assert slot.data is None


def test_every_key_of_a_chat_carries_the_chat_hash_tag() -> None:
    keys = [
        session_key(42),
        lock_key(42),
        committed_key(42),
        known_key(42),
        values_index_key(42),
        value_key(42, "last_update"),
    ]

    assert session_key(42) == "onboarding:{42}:session"
    assert lock_key(42) == "onboarding:{42}:lock"
    assert value_key(42, "last_update") == "onboarding:{42}:last_update"
    assert all(key.startswith(chat_key_prefix(42)) for key in keys)
    assert {key_slot(key.encode()) for key in keys} == {key_slot(b"42")}
    assert rate_limit_key("status:7") == "ratelimit:{status:7}"


async def test_open_store_without_url_warns_and_keeps_sessions_in_memory(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.store"):
        store = open_store(None, ttl_seconds=TTL)

    assert isinstance(store, MemorySessionStore)
    assert "REDIS_URL is not set" in caplog.text
    await store.aclose()


async def test_open_store_with_url_uses_redis() -> None:
    store = open_store(redis_url(), ttl_seconds=TTL)
    try:
        assert isinstance(store, RedisSessionStore)
        await store.ping()
    finally:
        await store.aclose()
