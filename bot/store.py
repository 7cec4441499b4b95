"""Session store: one conversation per chat, read-modify-write under a per-chat lock.

Two implementations honour one contract: `RedisSessionStore` (shared by every bot replica,
on one Redis or on a Redis Cluster) and `MemorySessionStore` (its in-process twin for the
console, tests and local runs). Every key of a chat carries the hash tag `{<chat_id>}`, and
every operation touching more than one key is a Lua script over one chat's keys, so each
call lands in a single Redis Cluster slot.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import (
    ClusterError,
    NoScriptError,
    ReadOnlyError,
    RedisClusterException,
    RedisError,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Names a chat's own bookkeeping uses; `set_value` may not take them.
_SESSION = "session"
_LOCK = "lock"
_COMMITTED = "committed"
_VALUES = "values"
_KNOWN = "known"
_RESERVED_NAMES = frozenset({_SESSION, _LOCK, _COMMITTED, _VALUES, _KNOWN})
# How long a chat is remembered after its last write, so an expired session can be explained.
KNOWN_TTL_SECONDS = 365 * 24 * 3600

_POLL_BASE_SECONDS = 0.002
_POLL_CAP_SECONDS = 0.05
_FORGET_ATTEMPTS = 10
# The cluster client refuses a call (MaxConnectionsError) instead of waiting when a node's
# pool is full, and its default of 100 is below what one replica's concurrent updates (PTB
# runs up to 256 at once) can have in flight on one node.
_CLUSTER_CONNECTIONS_PER_NODE = 1024
# One Redis: a bounded pool whose callers wait for a free connection (redis-py's default pool
# raises MaxConnectionsError instead, which a burst of updates turns into refused prospects).
_CONNECTIONS = 64

# Either client works: every call below routes by one chat's keys, or (ping) to every master.
RedisClient = aioredis.Redis | RedisCluster

# What an unreachable, failing-over or resharding Redis raises (a retry later may succeed).
# RedisClusterException is what the cluster client raises when no node gives it a slot map.
_OUTAGES = (
    RedisConnectionError,
    RedisTimeoutError,
    ReadOnlyError,
    ClusterError,
    TryAgainError,
    RedisClusterException,
)


class StoreError(Exception):
    """The session store failed."""


class StoreUnavailable(StoreError):
    """Redis is down, unreachable or too slow to answer."""


class StoreBusy(StoreError):
    """The chat's lock could not be had within the lock wait."""


class LockLost(StoreError):
    """Our lock expired before the write (someone may have taken it): nothing was written."""


@dataclass(frozen=True)
class Rider:
    """A script call that travels with a session's commit: in the same round trip on one Redis.

    It runs before the commit, while the chat is still locked (once after Redis lost its
    scripts, just after it); `settle` receives the script's reply, or the StoreError it ended
    in: a rider's failure never fails the commit.
    """

    script: AsyncScript
    keys: list[str]
    args: list[str | int]
    settle: Callable[[object], None]


@dataclass
class SessionSlot:
    """The session as loaded; replace `data` to write it back, or set None to delete it.

    `expired` tells a session that expired (the chat's last write left one, and asked for its
    expiry to be explained) from one never written or deleted: both load as None. `riders` are
    sent with the write.
    """

    data: str | None
    expired: bool = False
    riders: list[Rider] = field(default_factory=list)
    # Whether this write's session, should it expire, deserves `expired` on the next load.
    explain_expiry: bool = True
    # The memory twin's riders: applied with the write, dropped with it.
    deferred: list[Callable[[], None]] = field(default_factory=list)


class SessionStore(Protocol):
    """What the transports need from a session store."""

    def session(self, chat_id: int) -> AbstractAsyncContextManager[SessionSlot]:
        """Lock the chat and load its session; write it back and unlock on normal exit."""
        ...

    async def peek(self, chat_id: int) -> str | None:
        """Read the chat's session without locking."""
        ...

    async def get_value(self, chat_id: int, name: str) -> str | None:
        """Read one named value of the chat."""
        ...

    async def set_value(
        self, chat_id: int, name: str, value: str, ttl_seconds: int | None = None
    ) -> None:
        """Store one named value of the chat (None TTL: the session TTL)."""
        ...

    async def delete_value(self, chat_id: int, name: str) -> None:
        """Delete one named value of the chat."""
        ...

    async def forget_chat(self, chat_id: int) -> None:
        """Delete the chat's session, every value of it and its reminder."""
        ...

    async def session_idle(self, chat_id: int) -> tuple[str | None, float]:
        """The chat's session (None when absent) and the seconds since it was last written."""
        ...

    async def claim_value(
        self, chat_id: int, name: str, value: str, ttl_seconds: int | None = None
    ) -> bool:
        """Set a named value unless it already holds `value`; True when this call set it."""
        ...

    async def schedule_reminder(
        self, chat_id: int, due: float, *, slot: SessionSlot | None = None
    ) -> None:
        """Schedule the chat's reminder at `due` (epoch seconds), replacing any earlier one.

        With `slot` (the chat's open session) it is sent with that session's commit; a failure
        then is logged, not raised.
        """
        ...

    async def due_reminders(self, now: float, limit: int) -> list[tuple[int, float]]:
        """Up to `limit` (chat id, due time) pairs due at `now`, earliest first."""
        ...

    async def move_reminder(self, chat_id: int, was: float, due: float | None) -> bool:
        """Move the chat's reminder from `was` to `due` (None: drop it); False if it had moved."""
        ...

    async def hit_rate_limit(self, key: str, limit: int, window_seconds: int) -> bool:
        """Count a hit in a fixed window; True when this hit is over the limit."""
        ...

    async def ping(self) -> None:
        """Raise StoreUnavailable when the store cannot be reached."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


def chat_key_prefix(chat_id: int) -> str:
    """The prefix of every key of one chat, hash tag included."""
    return f"onboarding:{{{chat_id}}}:"


def session_key(chat_id: int) -> str:
    """The key holding the chat's session JSON."""
    return chat_key_prefix(chat_id) + _SESSION


def lock_key(chat_id: int) -> str:
    """The key holding the token of whoever holds the chat's lock."""
    return chat_key_prefix(chat_id) + _LOCK


def committed_key(chat_id: int) -> str:
    """The key remembering the last committed lock token, so a retried commit is idempotent."""
    return chat_key_prefix(chat_id) + _COMMITTED


def known_key(chat_id: int) -> str:
    """The key marking a chat whose session, should it expire, is explained (outlives it)."""
    return chat_key_prefix(chat_id) + _KNOWN


def values_index_key(chat_id: int) -> str:
    """The set of the chat's value names, so forget_chat finds them without SCAN."""
    return chat_key_prefix(chat_id) + _VALUES


def value_key(chat_id: int, name: str) -> str:
    """The key of one named value of the chat."""
    if not name or name in _RESERVED_NAMES:
        raise ValueError(f"not a usable value name: {name!r}")
    return chat_key_prefix(chat_id) + name


# One schedule for every chat (its own hash tag): the sweep reads it with one call.
REMINDERS_KEY = "reminders:{due}"


def rate_limit_key(key: str) -> str:
    """The counter key of one rate limit, e.g. `status:<user_id>`."""
    return f"ratelimit:{{{key}}}"


def open_store(redis_url: str | None, *, ttl_seconds: int, cluster: bool = False) -> SessionStore:
    """The Redis (Cluster) store when a URL is configured, else the in-memory twin (warned)."""
    if not redis_url:
        if cluster:
            # Falling back to memory would silently stop sharing sessions between replicas.
            raise ValueError("REDIS_CLUSTER is set but REDIS_URL (one node of the cluster) is not")
        logger.warning(
            "REDIS_URL is not set: conversations live in this process's memory, are lost on "
            "restart and are not shared between replicas"
        )
        return MemorySessionStore(ttl_seconds=ttl_seconds)
    return RedisSessionStore.from_url(redis_url, ttl_seconds=ttl_seconds, cluster=cluster)


def _check_rate_limit_args(limit: int, window_seconds: int) -> None:
    if limit < 1 or window_seconds < 1:
        raise ValueError("a rate limit needs limit >= 1 and window_seconds >= 1")


class _ChatLocks:
    """In-process FIFO locks per chat, dropped once nobody holds or awaits them."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, chat_id: int, wait_seconds: float) -> AsyncIterator[None]:
        """Hold the chat's lock; StoreBusy when it is not ours within `wait_seconds`."""
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            try:
                async with asyncio.timeout(wait_seconds):
                    await lock.acquire()
            except TimeoutError:
                raise StoreBusy(f"chat {chat_id} stayed locked for {wait_seconds} s") from None
            try:
                yield
            finally:
                lock.release()
        finally:
            lock, users = self._locks[chat_id]
            if users == 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)


# Lua scripts. Each touches only keys of one chat, all passed in KEYS.

# KEYS: lock, session, known. ARGV: token, lock ttl ms. Already holding our own token counts
# as acquired, so a call retried after a lost reply does not wait for its own lock. Returns
# {acquired, session, expired}.
_ACQUIRE = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  return {0, false, 0}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local data = redis.call('GET', KEYS[2])
return {1, data, (not data) and redis.call('EXISTS', KEYS[3]) or 0}
"""

# KEYS: lock, session, committed, known. ARGV: token, lock ttl ms, session ttl ms, known ttl
# ms (0: no marker)[, data]. The committed marker lets a commit retried after a lost reply
# report success instead of LockLost for a write that did happen.
_COMMIT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if ARGV[5] then
    redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[3])
  else
    redis.call('DEL', KEYS[2])
  end
  if ARGV[5] and tonumber(ARGV[4]) > 0 then
    redis.call('SET', KEYS[4], '1', 'PX', ARGV[4])
  else
    redis.call('DEL', KEYS[4])
  end
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
  return 1
end
if redis.call('GET', KEYS[3]) == ARGV[1] then
  return 1
end
return 0
"""

# KEYS: lock. ARGV: token.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS: value, values index. ARGV: value, ttl ms, name. The index outlives every value it
# names, so forget_chat never misses one.
_SET_VALUE = """
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 0
"""

# KEYS: value, values index. ARGV: value, ttl ms, name. Like _SET_VALUE, but only when the
# value differs: the first of several replicas to claim wins.
_CLAIM_VALUE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 1
"""

# KEYS: session. Every write sets the session's TTL afresh, so what is left of it tells
# how long ago the last write was.
_SESSION_IDLE = """
return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}
"""

# KEYS: the schedule. ARGV: chat id, expected due ms[, new due ms]. A reminder someone
# rescheduled meanwhile (a new session, another replica) is left as it is.
_MOVE_REMINDER = """
local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not due or tonumber(due) ~= tonumber(ARGV[2]) then
  return 0
end
if ARGV[3] then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 1
"""

# KEYS: the schedule. ARGV: due ms, chat id. A script so that it can ride a commit.
_SCHEDULE = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return 0
"""

# KEYS: value, values index. ARGV: name.
_DELETE_VALUE = """
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 0
"""

# KEYS: session, committed, known, values index, value keys... ARGV: the names of those values.
# Deletes nothing (returns 0) when the index names a value the caller did not pass, i.e.
# one set since the caller read the index: the caller reads it again.
_FORGET = """
local passed = {}
for _, name in ipairs(ARGV) do
  passed[name] = true
end
for _, name in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  if not passed[name] then
    return 0
  end
end
redis.call('DEL', unpack(KEYS))
return 1
"""

# KEYS: counter. ARGV: window seconds.
_HIT = """
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return hits
"""


_KNOWN_TTL_MS = KNOWN_TTL_SECONDS * 1000


def _text(value: object) -> str | None:
    """A reply as text, whether or not the client decodes responses."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode()
    raise StoreError(f"unexpected Redis reply type {type(value).__name__}")


def _ms(seconds: float) -> int:
    """Epoch seconds as whole milliseconds: exact as a sorted-set score and in Lua."""
    return round(seconds * 1000)


def _poll_delay(attempt: int) -> float:
    """Exponential backoff with jitter, so replicas waiting for one chat do not beat in step."""
    ceiling = min(_POLL_CAP_SECONDS, _POLL_BASE_SECONDS * 2.0 ** min(attempt, 10))
    return ceiling * random.uniform(0.5, 1.0)


def _log_failure(what: str) -> Callable[[object], None]:
    """A rider's settle that only logs a failure (its reply is not needed)."""

    def settle(reply: object) -> None:
        if isinstance(reply, StoreError):
            logger.warning("%s (%s)", what, type(reply).__name__)

    return settle


async def ride_alone(rider: Rider, timeout_seconds: float) -> None:
    """Run a rider in its own round trip and settle it."""
    reply: object
    try:
        async with redis_call(timeout_seconds):
            reply = await rider.script(keys=rider.keys, args=rider.args)
    except StoreError as error:
        reply = error
    rider.settle(reply)


@asynccontextmanager
async def redis_call(timeout_seconds: float) -> AsyncIterator[None]:
    """Bound one Redis call in time and turn redis-py exceptions into the store's own."""
    try:
        async with asyncio.timeout(timeout_seconds):
            yield
    except TimeoutError as exc:
        raise StoreUnavailable(f"Redis did not answer within {timeout_seconds} s") from exc
    except _OUTAGES as exc:
        raise StoreUnavailable(f"Redis is unavailable ({type(exc).__name__})") from exc
    except RedisError as exc:
        raise StoreError(f"Redis command failed ({type(exc).__name__})") from exc


def redis_client(
    url: str,
    *,
    cluster: bool = False,
    connect_timeout_seconds: float = 2.0,
    timeout_seconds: float = 5.0,
) -> RedisClient:
    """A client on its own pool(s), with timeouts and retries on transient errors."""
    # Retries nest (per connect and per command), so callers bound each call overall to keep
    # a hung Redis from stalling an update for a multiple of the socket timeouts.
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_connect_timeout": connect_timeout_seconds,
        "socket_timeout": timeout_seconds,
        "health_check_interval": 30,
        "retry": Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), retries=3),
    }
    if cluster:
        return RedisCluster.from_url(url, max_connections=_CLUSTER_CONNECTIONS_PER_NODE, **options)
    # from_pool: the client owns the pool, so aclose() disconnects it too.
    return aioredis.Redis.from_pool(
        aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=_CONNECTIONS,
            timeout=connect_timeout_seconds + timeout_seconds,
            **options,
        )
    )


class RedisSessionStore:
    """The session store every replica shares; takes ownership of the client."""

    def __init__(
        self,
        client: RedisClient,
        *,
        ttl_seconds: int,
        lock_ttl_seconds: float = 30,
        lock_wait_seconds: float = 10,
        call_timeout_seconds: float = 7,
    ) -> None:
        self._client = client
        self._call_timeout = call_timeout_seconds
        self._ttl_ms = ttl_seconds * 1000
        self._lock_ttl_ms = max(1, round(lock_ttl_seconds * 1000))
        self._lock_wait = lock_wait_seconds
        self._locks = _ChatLocks()
        self._acquire_script = client.register_script(_ACQUIRE)
        self._commit_script = client.register_script(_COMMIT)
        self._release_script = client.register_script(_RELEASE)
        self._set_value_script = client.register_script(_SET_VALUE)
        self._delete_value_script = client.register_script(_DELETE_VALUE)
        self._forget_script = client.register_script(_FORGET)
        self._hit_script = client.register_script(_HIT)
        self._claim_value_script = client.register_script(_CLAIM_VALUE)
        self._session_idle_script = client.register_script(_SESSION_IDLE)
        self._move_reminder_script = client.register_script(_MOVE_REMINDER)
        self._schedule_script = client.register_script(_SCHEDULE)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        ttl_seconds: int,
        cluster: bool = False,
        lock_ttl_seconds: float = 30,
        lock_wait_seconds: float = 10,
        connect_timeout_seconds: float = 2.0,
        timeout_seconds: float = 5.0,
    ) -> RedisSessionStore:
        """A store on its own connection pool(s), with timeouts and retries on transient errors.

        With `cluster`, `url` names any one node; the client discovers the others.
        """
        client = redis_client(
            url,
            cluster=cluster,
            connect_timeout_seconds=connect_timeout_seconds,
            timeout_seconds=timeout_seconds,
        )
        return cls(
            client,
            ttl_seconds=ttl_seconds,
            lock_ttl_seconds=lock_ttl_seconds,
            lock_wait_seconds=lock_wait_seconds,
            call_timeout_seconds=connect_timeout_seconds + timeout_seconds,
        )

    @property
    def client(self) -> RedisClient:
        """The client, for a component whose scripts ride this store's commits (the funnel)."""
        return self._client

    def _redis(self) -> AbstractAsyncContextManager[None]:
        return redis_call(self._call_timeout)

    @asynccontextmanager
    async def session(self, chat_id: int) -> AsyncIterator[SessionSlot]:
        """Lock the chat and load its session; write it back and unlock in one round trip."""
        deadline = time.monotonic() + self._lock_wait
        # Waiters of this process queue here in arrival order instead of polling Redis.
        async with self._locks.hold(chat_id, self._lock_wait):
            token = secrets.token_hex(16)
            slot = await self._acquire(chat_id, token, deadline)
            try:
                yield slot
            except BaseException:
                await self._release(chat_id, token)
                raise
            await self._commit(chat_id, token, slot)

    async def _acquire(self, chat_id: int, token: str, deadline: float) -> SessionSlot:
        keys = [lock_key(chat_id), session_key(chat_id), known_key(chat_id)]
        attempt = 0
        while True:
            async with self._redis():
                acquired, data, expired = await self._acquire_script(
                    keys=keys, args=[token, self._lock_ttl_ms]
                )
            if acquired:
                return SessionSlot(_text(data), expired=bool(expired))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StoreBusy(f"chat {chat_id} stayed locked for {self._lock_wait} s")
            await asyncio.sleep(min(remaining, _poll_delay(attempt)))
            attempt += 1

    async def _commit(self, chat_id: int, token: str, slot: SessionSlot) -> None:
        keys = [lock_key(chat_id), session_key(chat_id), committed_key(chat_id), known_key(chat_id)]
        known_ms = _KNOWN_TTL_MS if slot.explain_expiry else 0
        args: list[str | int] = [token, self._lock_ttl_ms, self._ttl_ms, known_ms]
        if slot.data is not None:
            args.append(slot.data)
        riders = slot.riders
        if riders and self._pipelines(riders):
            applied = await self._commit_with(riders, keys, args)
        else:
            # A cluster puts the riders' keys on other nodes than the chat's: they go first,
            # each in its own round trip, so they still run under the chat's lock.
            for rider in riders:
                await ride_alone(rider, self._call_timeout)
            async with self._redis():
                applied = await self._commit_script(keys=keys, args=args)
        if not applied:
            raise LockLost(f"the lock of chat {chat_id} expired before the write")

    def _pipelines(self, riders: list[Rider]) -> bool:
        """Whether the riders can share the commit's round trip (one Redis, this client)."""
        return isinstance(self._client, aioredis.Redis) and all(
            rider.script.registered_client is self._client for rider in riders
        )

    async def _commit_with(
        self, riders: list[Rider], keys: list[str], args: list[str | int]
    ) -> object:
        """The riders' scripts and the commit in one pipeline; the commit's reply."""
        assert isinstance(self._client, aioredis.Redis)
        # EVALSHA queued directly: a redis-py pipeline told of its scripts checks them with
        # an extra round trip on every execute. A missing script (Redis restarted) is re-run
        # on its own below, which loads it.
        pipe = self._client.pipeline(transaction=False)
        for rider in riders:
            pipe.evalsha(rider.script.sha, len(rider.keys), *rider.keys, *rider.args)
        pipe.evalsha(self._commit_script.sha, len(keys), *keys, *args)
        async with self._redis():
            *replies, applied = await pipe.execute(raise_on_error=False)
        for rider, reply in zip(riders, replies, strict=True):
            if isinstance(reply, NoScriptError):
                await ride_alone(rider, self._call_timeout)
            elif isinstance(reply, Exception):
                rider.settle(StoreError(f"Redis command failed ({type(reply).__name__})"))
            else:
                rider.settle(reply)
        if isinstance(applied, NoScriptError):
            # The commit is idempotent (the committed marker), and it did not run.
            async with self._redis():
                applied = await self._commit_script(keys=keys, args=args)
        elif isinstance(applied, Exception):
            raise StoreError(f"Redis command failed ({type(applied).__name__})")
        return applied

    async def _release(self, chat_id: int, token: str) -> None:
        try:
            async with self._redis():
                await self._release_script(keys=[lock_key(chat_id)], args=[token])
        except StoreError:
            # The caller's own exception is the one to report; the lock expires by itself.
            logger.warning(
                "could not release the lock of chat %s; it expires within %s ms",
                chat_id,
                self._lock_ttl_ms,
            )

    async def peek(self, chat_id: int) -> str | None:
        """Read the chat's session without locking."""
        async with self._redis():
            return _text(await self._client.get(session_key(chat_id)))

    async def get_value(self, chat_id: int, name: str) -> str | None:
        """Read one named value of the chat."""
        async with self._redis():
            return _text(await self._client.get(value_key(chat_id, name)))

    async def set_value(
        self, chat_id: int, name: str, value: str, ttl_seconds: int | None = None
    ) -> None:
        """Store one named value of the chat (None TTL: the session TTL)."""
        ttl_ms = self._ttl_ms if ttl_seconds is None else ttl_seconds * 1000
        keys = [value_key(chat_id, name), values_index_key(chat_id)]
        async with self._redis():
            await self._set_value_script(keys=keys, args=[value, ttl_ms, name])

    async def delete_value(self, chat_id: int, name: str) -> None:
        """Delete one named value of the chat."""
        # A script, not a MULTI pipeline: older cluster clients (redis>=5 is allowed) refuse
        # transactions, while a script is atomic and one round trip on both clients.
        keys = [value_key(chat_id, name), values_index_key(chat_id)]
        async with self._redis():
            await self._delete_value_script(keys=keys, args=[name])

    async def forget_chat(self, chat_id: int) -> None:
        """Delete the chat's session, values and reminder (not its lock: safe in `session()`)."""
        index = values_index_key(chat_id)
        fixed = [session_key(chat_id), committed_key(chat_id), known_key(chat_id), index]
        for _ in range(_FORGET_ATTEMPTS):
            async with self._redis():
                names = [_text(name) or "" for name in await self._client.smembers(index)]
                # Releases before 2026-12-04 kept the expiry marker ("known") as a value: its
                # key is among the fixed ones.
                values = [value_key(chat_id, n) for n in names if n not in _RESERVED_NAMES]
                if await self._forget_script(keys=fixed + values, args=names):
                    # Another slot than the chat's keys, hence its own call.
                    await self._client.zrem(REMINDERS_KEY, str(chat_id))
                    return
        raise StoreBusy(f"the values of chat {chat_id} kept changing while being forgotten")

    async def session_idle(self, chat_id: int) -> tuple[str | None, float]:
        """The chat's session (None when absent) and the seconds since it was last written."""
        async with self._redis():
            data, left_ms = await self._session_idle_script(keys=[session_key(chat_id)])
        if data is None or int(left_ms) < 0:
            return None, 0.0
        return _text(data), max(0, self._ttl_ms - int(left_ms)) / 1000

    async def claim_value(
        self, chat_id: int, name: str, value: str, ttl_seconds: int | None = None
    ) -> bool:
        """Set a named value unless it already holds `value`; True when this call set it."""
        ttl_ms = self._ttl_ms if ttl_seconds is None else ttl_seconds * 1000
        keys = [value_key(chat_id, name), values_index_key(chat_id)]
        async with self._redis():
            return bool(await self._claim_value_script(keys=keys, args=[value, ttl_ms, name]))

    async def schedule_reminder(
        self, chat_id: int, due: float, *, slot: SessionSlot | None = None
    ) -> None:
        """Schedule the chat's reminder at `due` (epoch seconds), replacing any earlier one."""
        args: list[str | int] = [_ms(due), str(chat_id)]
        if slot is not None:
            settle = _log_failure(f"chat {chat_id}: reminder not scheduled")
            slot.riders.append(Rider(self._schedule_script, [REMINDERS_KEY], args, settle))
            return
        async with self._redis():
            await self._schedule_script(keys=[REMINDERS_KEY], args=args)

    async def due_reminders(self, now: float, limit: int) -> list[tuple[int, float]]:
        """Up to `limit` (chat id, due time) pairs due at `now`, earliest first."""
        async with self._redis():
            due = await self._client.zrangebyscore(
                REMINDERS_KEY, "-inf", _ms(now), start=0, num=limit, withscores=True
            )
        return [(int(_text(pair[0]) or 0), float(pair[1]) / 1000) for pair in due]

    async def move_reminder(self, chat_id: int, was: float, due: float | None) -> bool:
        """Move the chat's reminder from `was` to `due` (None: drop it); False if it had moved."""
        args: list[str | int] = [str(chat_id), _ms(was)]
        if due is not None:
            args.append(_ms(due))
        async with self._redis():
            return bool(await self._move_reminder_script(keys=[REMINDERS_KEY], args=args))

    async def hit_rate_limit(self, key: str, limit: int, window_seconds: int) -> bool:
        """Count a hit in a fixed window; True when this hit is over the limit."""
        _check_rate_limit_args(limit, window_seconds)
        async with self._redis():
            hits = await self._hit_script(keys=[rate_limit_key(key)], args=[window_seconds])
        return int(hits) > limit

    async def ping(self) -> None:
        """Raise StoreUnavailable when Redis (every master of a cluster) does not answer."""
        async with self._redis():
            if isinstance(self._client, RedisCluster):
                await self._client.ping(target_nodes=RedisCluster.PRIMARIES)
            else:
                await self._client.ping()

    async def aclose(self) -> None:
        """Close the client and its connection pool."""
        await self._client.aclose()


@dataclass
class _Entry:
    value: str
    expires_at: float


class MemorySessionStore:
    """The in-process twin: same contract, keys and TTLs (expired lazily by `clock`)."""

    def __init__(
        self,
        *,
        ttl_seconds: int,
        clock: Callable[[], float] = time.monotonic,
        lock_wait_seconds: float = 10,
    ) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock_wait = lock_wait_seconds
        self._locks = _ChatLocks()
        self._chats: dict[int, dict[str, _Entry]] = {}
        self._hits: dict[str, tuple[int, float]] = {}
        self._reminders: dict[int, int] = {}

    @asynccontextmanager
    async def session(self, chat_id: int) -> AsyncIterator[SessionSlot]:
        """Lock the chat and load its session; write it back and unlock on normal exit."""
        async with self._locks.hold(chat_id, self._lock_wait):
            data = self._get(chat_id, session_key(chat_id))
            known = data is None and self._get(chat_id, known_key(chat_id)) is not None
            slot = SessionSlot(data, expired=known)
            yield slot
            for rider in slot.riders:
                await ride_alone(rider, timeout_seconds=7.0)
            for write in slot.deferred:
                write()
            self._put(chat_id, session_key(chat_id), slot.data, self._ttl)
            known_mark = "1" if slot.data is not None and slot.explain_expiry else None
            self._put(chat_id, known_key(chat_id), known_mark, KNOWN_TTL_SECONDS)

    def _get(self, chat_id: int, key: str) -> str | None:
        entry = self._chats.get(chat_id, {}).get(key)
        if entry is None:
            return None
        if entry.expires_at <= self._clock():
            self._drop(chat_id, key)
            return None
        return entry.value

    def _put(self, chat_id: int, key: str, value: str | None, ttl_seconds: int) -> None:
        if value is None:
            self._drop(chat_id, key)
        else:
            entry = _Entry(value, self._clock() + ttl_seconds)
            self._chats.setdefault(chat_id, {})[key] = entry

    def _drop(self, chat_id: int, key: str) -> None:
        entries = self._chats.get(chat_id, {})
        entries.pop(key, None)
        if not entries:
            self._chats.pop(chat_id, None)

    async def peek(self, chat_id: int) -> str | None:
        """Read the chat's session without locking."""
        return self._get(chat_id, session_key(chat_id))

    async def get_value(self, chat_id: int, name: str) -> str | None:
        """Read one named value of the chat."""
        return self._get(chat_id, value_key(chat_id, name))

    async def set_value(
        self, chat_id: int, name: str, value: str, ttl_seconds: int | None = None
    ) -> None:
        """Store one named value of the chat (None TTL: the session TTL)."""
        ttl = self._ttl if ttl_seconds is None else ttl_seconds
        self._put(chat_id, value_key(chat_id, name), value, ttl)

    async def delete_value(self, chat_id: int, name: str) -> None:
        """Delete one named value of the chat."""
        self._drop(chat_id, value_key(chat_id, name))

    async def forget_chat(self, chat_id: int) -> None:
        """Delete the chat's session, values and reminder (not its lock: safe in `session()`)."""
        self._chats.pop(chat_id, None)
        self._reminders.pop(chat_id, None)

    async def session_idle(self, chat_id: int) -> tuple[str | None, float]:
        """The chat's session (None when absent) and the seconds since it was last written."""
        data = self._get(chat_id, session_key(chat_id))
        if data is None:
            return None, 0.0
        left = self._chats[chat_id][session_key(chat_id)].expires_at - self._clock()
        return data, max(0.0, self._ttl - left)

    async def claim_value(
        self, chat_id: int, name: str, value: str, ttl_seconds: int | None = None
    ) -> bool:
        """Set a named value unless it already holds `value`; True when this call set it."""
        if await self.get_value(chat_id, name) == value:
            return False
        await self.set_value(chat_id, name, value, ttl_seconds)
        return True

    async def schedule_reminder(
        self, chat_id: int, due: float, *, slot: SessionSlot | None = None
    ) -> None:
        """Schedule the chat's reminder at `due` (epoch seconds), replacing any earlier one."""
        if slot is not None:
            slot.deferred.append(lambda: self._reminders.__setitem__(chat_id, _ms(due)))
            return
        self._reminders[chat_id] = _ms(due)

    async def due_reminders(self, now: float, limit: int) -> list[tuple[int, float]]:
        """Up to `limit` (chat id, due time) pairs due at `now`, earliest first."""
        due = sorted((ms, chat) for chat, ms in self._reminders.items() if ms <= _ms(now))
        return [(chat, ms / 1000) for ms, chat in due[:limit]]

    async def move_reminder(self, chat_id: int, was: float, due: float | None) -> bool:
        """Move the chat's reminder from `was` to `due` (None: drop it); False if it had moved."""
        if self._reminders.get(chat_id) != _ms(was):
            return False
        if due is None:
            del self._reminders[chat_id]
        else:
            self._reminders[chat_id] = _ms(due)
        return True

    async def hit_rate_limit(self, key: str, limit: int, window_seconds: int) -> bool:
        """Count a hit in a fixed window; True when this hit is over the limit."""
        _check_rate_limit_args(limit, window_seconds)
        now = self._clock()
        hits, window_end = self._hits.get(key, (0, now + window_seconds))
        if window_end <= now:
            hits, window_end = 0, now + window_seconds
        self._hits[key] = (hits + 1, window_end)
        return hits + 1 > limit

    async def ping(self) -> None:
        """Memory is always reachable."""

    async def aclose(self) -> None:
        """Nothing to release."""
