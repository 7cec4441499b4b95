"""What only the Redis store can show: PTTLs, replicas, expired locks, round trips, outages."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import redis.asyncio as aioredis
from redis.asyncio.connection import Connection
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.crc import key_slot
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from bot.store import (
    LockLost,
    RedisSessionStore,
    Rider,
    StoreBusy,
    StoreError,
    StoreUnavailable,
    chat_key_prefix,
    committed_key,
    known_key,
    lock_key,
    rate_limit_key,
    session_key,
    value_key,
    values_index_key,
)
from tests.conftest import redis_url
from tests.contract.test_store import held, write

TTL = 3600


class ProbeConnection(Connection):
    """A real connection that counts round trips and can lose a reply, as a network can."""

    sends = 0
    replies_to_lose = 0
    after_next_reply: Callable[[], Awaitable[object]] | None = None

    async def send_packed_command(self, *args: Any, **kwargs: Any) -> None:
        type(self).sends += 1
        await super().send_packed_command(*args, **kwargs)

    async def read_response(self, *args: Any, **kwargs: Any) -> Any:
        response = await super().read_response(*args, **kwargs)
        probe = type(self)
        if probe.after_next_reply is not None:
            hook, probe.after_next_reply = probe.after_next_reply, None
            await hook()
        if probe.replies_to_lose > 0:
            probe.replies_to_lose -= 1
            raise RedisConnectionError("reply lost on the way back (test)")
        return response


@pytest.fixture
async def raw() -> AsyncIterator[aioredis.Redis]:
    """A plain client on a database flushed before and after the test."""
    client = aioredis.Redis.from_url(redis_url(), decode_responses=True)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.flushdb()
        await client.aclose()


@pytest.fixture
async def stores() -> AsyncIterator[Callable[..., RedisSessionStore]]:
    """Makes stores on their own connection pools (replicas), closed after the test."""
    made: list[RedisSessionStore] = []

    def make(**options: Any) -> RedisSessionStore:
        options.setdefault("ttl_seconds", TTL)
        options.setdefault("lock_wait_seconds", 2.0)
        store = RedisSessionStore.from_url(redis_url(), **options)
        made.append(store)
        return store

    yield make
    for store in made:
        await store.aclose()


@pytest.fixture
async def probed(
    raw: aioredis.Redis,
) -> AsyncIterator[tuple[RedisSessionStore, type[ProbeConnection]]]:
    """A store on a client whose connections are probes (a fresh probe class per test)."""
    probe = type("Probe", (ProbeConnection,), {})
    client = aioredis.Redis.from_url(
        redis_url(), connection_class=probe, retry=Retry(NoBackoff(), retries=3)
    )
    store = RedisSessionStore(client, ttl_seconds=TTL, lock_wait_seconds=0.5)
    await write(store, 99, "warm-up")  # connects and loads the scripts
    try:
        yield store, probe
    finally:
        await store.aclose()


async def test_a_write_sets_the_session_ttl_and_every_transaction_refreshes_it(
    raw: aioredis.Redis, stores: Callable[..., RedisSessionStore]
) -> None:
    store = stores()
    await write(store, 1, "answers")
    assert TTL * 1000 - 2000 < await raw.pttl(session_key(1)) <= TTL * 1000

    await raw.pexpire(session_key(1), 5000)
    async with store.session(1) as slot:
        assert slot.data == "answers"  # unchanged

    assert TTL * 1000 - 2000 < await raw.pttl(session_key(1)) <= TTL * 1000
    assert await raw.exists(lock_key(1)) == 0


async def test_values_and_their_index_carry_ttls_the_index_outliving_every_value(
    raw: aioredis.Redis, stores: Callable[..., RedisSessionStore]
) -> None:
    store = stores()
    await store.set_value(1, "long", "x", ttl_seconds=100)
    await store.set_value(1, "short", "y", ttl_seconds=10)
    await store.set_value(1, "default", "z")

    assert 8_000 < await raw.pttl(value_key(1, "short")) <= 10_000
    assert TTL * 1000 - 2000 < await raw.pttl(value_key(1, "default")) <= TTL * 1000
    assert TTL * 1000 - 2000 < await raw.pttl(values_index_key(1)) <= TTL * 1000
    assert await raw.smembers(values_index_key(1)) == {"long", "short", "default"}
    await store.delete_value(1, "long")
    assert await raw.smembers(values_index_key(1)) == {"short", "default"}


async def test_two_replicas_lose_no_update(stores: Callable[..., RedisSessionStore]) -> None:
    replicas = [stores(lock_wait_seconds=10), stores(lock_wait_seconds=10)]

    async def increment(store: RedisSessionStore) -> None:
        async with store.session(1) as slot:
            count = int(slot.data or "0")
            await asyncio.sleep(0)
            slot.data = str(count + 1)

    await asyncio.gather(*(increment(replicas[n % 2]) for n in range(50)))

    assert await replicas[0].peek(1) == "50"


async def test_a_replica_waits_for_another_replicas_lock_then_enters(
    stores: Callable[..., RedisSessionStore],
) -> None:
    first, second = stores(), stores()

    async with held(first, 1, data="first"):
        waiting = asyncio.create_task(write(second, 1, "second"))
        await asyncio.sleep(0.1)
        assert not waiting.done()
    await waiting

    assert await first.peek(1) == "second"


async def test_store_busy_when_another_replica_holds_the_lock_too_long(
    stores: Callable[..., RedisSessionStore],
) -> None:
    first, second = stores(), stores(lock_wait_seconds=0.3)

    async with held(first, 1, data="first"):
        with pytest.raises(StoreBusy):
            await write(second, 1, "second")

    assert await first.peek(1) == "first"


async def test_lock_lost_when_the_lock_expired_and_another_replica_wrote(
    raw: aioredis.Redis, stores: Callable[..., RedisSessionStore]
) -> None:
    slow, other = stores(lock_ttl_seconds=0.2), stores()

    async def overstay() -> None:
        async with slow.session(1) as slot:
            await asyncio.sleep(0.35)  # our lock expires meanwhile
            await write(other, 1, "other")
            slot.data = "stale"

    with pytest.raises(LockLost):
        await overstay()

    assert await raw.get(session_key(1)) == "other"
    assert await raw.exists(lock_key(1)) == 0
    await write(slow, 1, "slow again")  # the loser's own chat lock was released
    assert await raw.get(session_key(1)) == "slow again"


async def test_lock_lost_even_when_nobody_took_the_expired_lock(
    raw: aioredis.Redis, stores: Callable[..., RedisSessionStore]
) -> None:
    slow = stores(lock_ttl_seconds=0.2)
    await write(slow, 1, "before")

    async def overstay() -> None:
        async with slow.session(1) as slot:
            await asyncio.sleep(0.35)  # our lock expires meanwhile
            slot.data = "stale"

    with pytest.raises(LockLost):
        await overstay()

    assert await raw.get(session_key(1)) == "before"


async def test_one_transaction_costs_two_round_trips(
    probed: tuple[RedisSessionStore, type[ProbeConnection]],
) -> None:
    store, probe = probed
    probe.sends = 0

    async with store.session(1) as slot:
        assert probe.sends == 1  # lock and read together
        slot.data = "answers"

    assert probe.sends <= 2
    assert await store.peek(1) == "answers"


def counting_rider(store: RedisSessionStore, settled: list[object]) -> Rider:
    """A rider that counts its runs in a key of its own and records how it settled."""
    counter = store.client.register_script("return redis.call('INCR', KEYS[1])")
    return Rider(counter, ["rides"], [], settled.append)


async def test_riders_share_the_commits_round_trip_and_run_under_the_lock(
    probed: tuple[RedisSessionStore, type[ProbeConnection]], raw: aioredis.Redis
) -> None:
    store, probe = probed
    settled: list[object] = []
    read_lock = store.client.register_script("return redis.call('GET', KEYS[1])")

    def riders() -> list[Rider]:
        return [counting_rider(store, settled), Rider(read_lock, [lock_key(1)], [], settled.append)]

    async with store.session(1) as slot:
        slot.riders += riders()  # loads their scripts
    probe.sends = 0

    async with store.session(1) as slot:
        slot.riders += riders()
        slot.data = "answers"

    assert probe.sends == 2
    assert settled[0::2] == [1, 2]
    assert isinstance(settled[3], bytes) and settled[3]  # the lock was still held
    assert await store.peek(1) == "answers"


async def test_a_reminder_scheduled_with_a_session_costs_no_round_trip_of_its_own(
    probed: tuple[RedisSessionStore, type[ProbeConnection]],
) -> None:
    store, probe = probed
    async with store.session(1) as slot:
        await store.schedule_reminder(1, 1_000.0, slot=slot)  # loads the script
    probe.sends = 0

    async with store.session(2) as slot:
        await store.schedule_reminder(2, 1_000.0, slot=slot)
        slot.data = "answers"

    assert probe.sends == 2
    assert await store.due_reminders(1_000.0, 10) == [(1, 1_000.0), (2, 1_000.0)]


async def test_a_rider_whose_script_redis_forgot_still_runs_once_and_the_commit_lands(
    probed: tuple[RedisSessionStore, type[ProbeConnection]], raw: aioredis.Redis
) -> None:
    store, _ = probed
    settled: list[object] = []
    await raw.script_flush()  # as after a Redis restart: every EVALSHA answers NOSCRIPT

    async with store.session(2) as slot:
        slot.riders.append(counting_rider(store, settled))
        slot.data = "answers"

    assert settled == [1]
    assert await store.peek(2) == "answers"


async def test_a_failing_rider_is_settled_with_a_store_error_and_the_commit_lands(
    probed: tuple[RedisSessionStore, type[ProbeConnection]], raw: aioredis.Redis
) -> None:
    store, _ = probed
    settled: list[object] = []
    await raw.set("rides", "not a number")
    async with store.session(3) as slot:
        slot.riders.append(counting_rider(store, settled))
        slot.data = "answers"

    assert len(settled) == 1
    assert isinstance(settled[0], StoreError)
    assert await store.peek(3) == "answers"


async def test_a_rate_limit_hit_costs_one_round_trip(
    probed: tuple[RedisSessionStore, type[ProbeConnection]],
) -> None:
    store, probe = probed
    await store.hit_rate_limit("status:1", limit=5, window_seconds=60)  # loads the script
    probe.sends = 0

    await store.hit_rate_limit("status:1", limit=5, window_seconds=60)

    assert probe.sends == 1


async def test_a_lost_lock_reply_is_retried_without_waiting_for_our_own_lock(
    probed: tuple[RedisSessionStore, type[ProbeConnection]],
) -> None:
    store, probe = probed
    probe.replies_to_lose = 1

    async with asyncio.timeout(2), store.session(1) as slot:
        assert probe.replies_to_lose == 0
        slot.data = "answers"

    assert await store.peek(1) == "answers"


async def test_a_lost_commit_reply_is_retried_without_reporting_lock_lost(
    raw: aioredis.Redis, probed: tuple[RedisSessionStore, type[ProbeConnection]]
) -> None:
    store, probe = probed

    async with store.session(1) as slot:
        slot.data = "answers"
        probe.replies_to_lose = 1

    assert probe.replies_to_lose == 0
    assert await raw.get(session_key(1)) == "answers"
    assert await raw.exists(lock_key(1)) == 0


async def test_forget_chat_reads_the_index_again_when_a_value_appears_meanwhile(
    raw: aioredis.Redis, probed: tuple[RedisSessionStore, type[ProbeConnection]]
) -> None:
    store, probe = probed
    await store.set_value(1, "a", "1")

    async def set_late_value() -> None:
        await RedisSessionStore(raw, ttl_seconds=TTL).set_value(1, "late", "2")

    probe.after_next_reply = set_late_value  # lands between reading the index and deleting
    await store.forget_chat(1)

    assert probe.after_next_reply is None
    assert await raw.keys(chat_key_prefix(1) + "*") == []


async def test_forget_chat_leaves_no_key_of_that_chat_and_every_key_of_others(
    raw: aioredis.Redis, stores: Callable[..., RedisSessionStore]
) -> None:
    store = stores()
    for chat_id in (1, 2):
        await write(store, chat_id, "answers")
        await store.set_value(chat_id, "a", "1")
    await store.hit_rate_limit("status:1", limit=5, window_seconds=60)
    others = sorted(await raw.keys(chat_key_prefix(2) + "*"))

    await store.forget_chat(1)

    assert await raw.keys(chat_key_prefix(1) + "*") == []
    assert sorted(await raw.keys(chat_key_prefix(2) + "*")) == others
    assert await raw.exists(rate_limit_key("status:1")) == 1


async def test_a_chat_from_before_the_expiry_marker_moved_into_the_store_is_forgotten_whole(
    raw: aioredis.Redis, stores: Callable[..., RedisSessionStore]
) -> None:
    store = stores()
    await write(store, 8, "answers")
    await store.set_value(8, "code", "25DC4D1")
    # Releases before 2026-12-04 kept the marker as an ordinary value, named in the index.
    await raw.set(known_key(8), "1")
    await raw.sadd(values_index_key(8), "known")

    await store.forget_chat(8)

    assert await raw.keys(chat_key_prefix(8) + "*") == []


async def test_every_stored_key_of_a_chat_lies_in_the_chat_slot(
    raw: aioredis.Redis, stores: Callable[..., RedisSessionStore]
) -> None:
    store = stores()
    await write(store, 7, "answers")
    await store.set_value(7, "last_update", "1")
    async with held(store, 7):
        keys = set(await raw.keys("*"))

    expected = {
        session_key(7),
        lock_key(7),
        committed_key(7),
        known_key(7),
        values_index_key(7),
        value_key(7, "last_update"),
    }
    assert keys == expected
    assert {key_slot(key.encode()) for key in expected} == {key_slot(b"7")}


async def test_rate_limit_counter_key_expires_with_its_window(
    raw: aioredis.Redis, stores: Callable[..., RedisSessionStore]
) -> None:
    store = stores()
    for _ in range(3):
        await store.hit_rate_limit("status:42", limit=5, window_seconds=60)

    assert await raw.get("ratelimit:{status:42}") == "3"
    assert 58_000 < await raw.pttl("ratelimit:{status:42}") <= 60_000


async def test_a_redis_error_that_is_not_an_outage_becomes_store_error(
    raw: aioredis.Redis, stores: Callable[..., RedisSessionStore]
) -> None:
    await raw.rpush(session_key(1), "not a string")

    with pytest.raises(StoreError) as caught:
        await stores().peek(1)

    assert not isinstance(caught.value, StoreUnavailable | RedisError)


async def test_a_connection_dropped_by_the_server_is_retried_transparently(
    raw: aioredis.Redis, stores: Callable[..., RedisSessionStore]
) -> None:
    store = stores()
    await write(store, 1, "answers")

    assert await raw.client_kill_filter(_type="normal", skipme=True) >= 1

    assert await store.peek(1) == "answers"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A TCP server that accepts connections and never answers: a hung Redis."""
    handlers: set[asyncio.Task[Any]] = set()

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        with contextlib.suppress(ConnectionError):
            while await reader.read(4096):
                pass
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()
        if handlers:
            await asyncio.wait(handlers, timeout=5)


@pytest.mark.parametrize(
    "operation",
    [
        lambda store: store.ping(),
        lambda store: store.peek(1),
        lambda store: write(store, 1, "answers"),
        lambda store: store.get_value(1, "a"),
        lambda store: store.set_value(1, "a", "1"),
        lambda store: store.delete_value(1, "a"),
        lambda store: store.forget_chat(1),
        lambda store: store.hit_rate_limit("status:1", limit=5, window_seconds=60),
    ],
    ids=["ping", "peek", "session", "get", "set", "delete", "forget", "rate-limit"],
)
async def test_an_unreachable_redis_raises_store_unavailable_quickly(
    operation: Callable[[RedisSessionStore], Awaitable[object]],
) -> None:
    store = RedisSessionStore.from_url(f"redis://127.0.0.1:{_closed_port()}/0", ttl_seconds=TTL)
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(StoreUnavailable) as caught:
            async with asyncio.timeout(10):
                await operation(store)
        assert loop.time() - started < 5  # typically well under a second
        assert not isinstance(caught.value, RedisError)
    finally:
        await store.aclose()


async def test_a_hung_redis_raises_store_unavailable_after_the_timeouts() -> None:
    async with silent_server() as port:
        store = RedisSessionStore.from_url(
            f"redis://127.0.0.1:{port}/0",
            ttl_seconds=TTL,
            connect_timeout_seconds=0.1,
            timeout_seconds=0.1,
        )
        try:
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(StoreUnavailable):
                async with asyncio.timeout(10):
                    await store.peek(1)
            assert loop.time() - started < 1  # one budget, not retries times timeouts
        finally:
            await store.aclose()
