"""The onboarding funnel: per step, how many conversations reached it, answered it, typed an
invalid answer there, or were abandoned there. Kept in Redis, so every replica adds to one
funnel and it survives restarts; `MemoryFunnel` is the in-process twin.

What is counted (`progress` derives it from one event's before and after, purely):

- **reached**: the conversation arrived at the step's question; **answered**: it left the
  step with an answer (skipping an optional step counts: the prospect went on). Both count
  once per conversation: a per-conversation "seen" set drops repeats from /back, edits from
  the summary and /restart. The summary is the last row: reached, and answered when the
  lead was created.
- **invalid**: every refused answer (a `<family>-invalid-<reason>` reply), each time.
- **abandoned**: the session expired at that step. Redis expires a session key silently, so
  each open conversation is remembered under the funnel's keys: `at` (hash: chat -> "<sid>
  <step>") and `due` (sorted set: chat -> when its session is expected to expire, in Redis
  server time, ms). A periodic `sweep` reads the due chats, asks Redis whether the session
  key is really gone (PTTL), and if so claims the chat with ZREM inside a script: only the
  sweeper (replica) whose ZREM removes it counts it, so it is counted exactly once however
  many replicas sweep. A session still alive (touched by updates that counted nothing and so
  did not move `due`) gets its expiry refreshed lazily from its PTTL. A conversation that
  completes, is cancelled or forgotten is dropped from `at`/`due` and never counted. A
  prospect who comes back after expiry has a new session id: the next record counts the
  old conversation abandoned at its step (with the same ZREM claim) before counting the new.

Budget: one event's bookkeeping is a single script, sent with the session's commit (a
"rider", bot/store.py): on one Redis it costs no round trip of its own; on a Redis Cluster,
whose funnel slot is not the chat's, one. None at all when the event neither counts anything
nor moves the conversation to another step. Every funnel key carries the hash tag `{funnel}`,
so the scripts land on one slot of a Redis Cluster (the PTTL probe of the sweep goes to the
chat's own slot, outside the scripts). The bookkeeping runs under the chat's lock, so one
chat's records are applied in the order of its events.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

from bot.render import HTML, Markup
from bot.settings import Settings
from bot.store import (
    RedisSessionStore,
    Rider,
    SessionSlot,
    SessionStore,
    StoreError,
    redis_call,
    redis_client,
    session_key,
)
from flows.events import Reply
from flows.session import DONE, EDIT, SUMMARY, Session
from flows.steps import STEP_BY_NAME, STEPS
from locales import catalog

_log = logging.getLogger(__name__)

EVENTS = ("reached", "answered", "invalid", "abandoned")
# The funnel's rows in asking order; the summary (confirm and send) closes it.
FUNNEL_STEPS: tuple[str, ...] = (*(step.name for step in STEPS), SUMMARY)
_SWEEP_BATCH = 200
_SWEEP_BATCHES = 50

# Called with (event, step) for everything actually counted (after de-duplication).
OnCount = Callable[[str, str], None]


def counts_key() -> str:
    """Hash of the counters, field `<event>:<step>`."""
    return "funnel:{funnel}:counts"


def due_key() -> str:
    """Sorted set: open chat -> expected expiry of its session (ms, Redis server time)."""
    return "funnel:{funnel}:due"


def at_key() -> str:
    """Hash: open chat -> `<session id> <step>`."""
    return "funnel:{funnel}:at"


def seen_key(chat_id: int) -> str:
    """Set of the `<event>:<step>` already counted for the chat's current conversation."""
    return f"funnel:{{funnel}}:seen:{chat_id}"


def funnel_step(at: str) -> str | None:
    """The funnel row a session position belongs to (None: outside the funnel)."""
    if at in STEP_BY_NAME:
        return at
    if at in (SUMMARY, EDIT):
        return SUMMARY
    return None


@dataclass(frozen=True)
class Progress:
    """What one event did to a conversation's funnel position, and what it counts."""

    sid: str
    step: str | None  # the row the conversation is at now; None: it ended (or never began)
    moved: bool
    counts: tuple[str, ...] = ()  # `<event>:<step>`

    @property
    def worth_recording(self) -> bool:
        """Whether Redis needs to hear of it at all."""
        return self.moved or bool(self.counts)


def progress(before: str, after: Session, replies: Sequence[Reply]) -> Progress:
    """The funnel bookkeeping of one event: the position `before` and the session after."""
    was, now = funnel_step(before), funnel_step(after.at)
    counts: list[str] = []
    if was in STEP_BY_NAME:
        family = STEP_BY_NAME[was].error_family
        if any(reply.key.startswith(f"{family}-invalid-") for reply in replies):
            counts.append(f"invalid:{was}")
        if now != was and (was in after.answers or was in after.skipped):
            counts.append(f"answered:{was}")
    if was == SUMMARY and after.at == DONE:
        counts.append(f"answered:{SUMMARY}")
    if now is not None and now != was:
        counts.append(f"reached:{now}")
    return Progress(after.sid, now, now != was, tuple(counts))


@dataclass(frozen=True)
class StepCounts:
    """One row of the funnel."""

    step: str
    reached: int = 0
    answered: int = 0
    invalid: int = 0
    abandoned: int = 0

    @property
    def drop_off(self) -> float | None:
        """Share of those who reached the step and did not complete it (None: nobody came)."""
        return (self.reached - self.answered) / self.reached if self.reached else None

    @property
    def invalid_per_completion(self) -> float | None:
        """Invalid answers per completed answer (None: nobody completed it)."""
        return self.invalid / self.answered if self.answered else None


def funnel_rows(raw: Mapping[str, int]) -> list[StepCounts]:
    """The counters as rows in step order (every step, zeros included)."""
    return [
        StepCounts(step, *(int(raw.get(f"{event}:{step}", 0)) for event in EVENTS))
        for step in FUNNEL_STEPS
    ]


class Funnel(Protocol):
    """What the conversation service and the sweeper need from a funnel."""

    async def record(self, chat_id: int, progress: Progress) -> list[str]:
        """Apply one event's bookkeeping (one round trip); return what was counted."""
        ...

    async def record_on_commit(self, slot: SessionSlot, chat_id: int, progress: Progress) -> None:
        """Apply one event's bookkeeping with the session's commit (its round trip, on one Redis).

        A failure is logged, never raised: counting must not cost a prospect their answer.
        """
        ...

    async def drop(self, chat_id: int) -> None:
        """Forget a chat's open conversation without counting it (/forget)."""
        ...

    async def sweep(self) -> list[str]:
        """Count conversations whose session expired as abandoned; return what was counted."""
        ...

    async def counts(self) -> dict[str, int]:
        """Every counter, by `<event>:<step>`."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


# Lua scripts; every key they touch carries the `{funnel}` hash tag. Times are Redis's own
# (TIME), so replicas with skewed clocks agree on when a session expires.
_NOW = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# KEYS: counts, due, at, seen. ARGV: chat, sid, step ('' = the conversation ended), session
# ttl ms, then the `<event>:<step>` to count.
_RECORD = (
    _NOW
    + """
local counted = {}
local entry = redis.call('HGET', KEYS[3], ARGV[1])
if entry then
  local sid, step = string.match(entry, '^(%S+) (.+)$')
  if sid ~= ARGV[2] then
    -- The chat's previous conversation ended unseen (its session expired): claim it.
    if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then
      redis.call('HINCRBY', KEYS[1], 'abandoned:' .. step, 1)
      table.insert(counted, 'abandoned:' .. step)
    end
    redis.call('HDEL', KEYS[3], ARGV[1])
    redis.call('DEL', KEYS[4])
  end
end
local ttl = tonumber(ARGV[4])
for i = 5, #ARGV do
  local field = ARGV[i]
  if string.sub(field, 1, 8) == 'invalid:' or redis.call('SADD', KEYS[4], field) == 1 then
    redis.call('HINCRBY', KEYS[1], field, 1)
    table.insert(counted, field)
  end
end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('DEL', KEYS[4])
else
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[2] .. ' ' .. ARGV[3])
  redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[4], 2 * ttl)
end
return counted
"""
)

# KEYS: due. ARGV: how many. The chats whose session should have expired by now.
_DUE = _NOW + "return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, ARGV[1])"

# KEYS: due, at, counts, seen. ARGV: chat. Claims a due chat whose session is gone; only the
# caller whose ZREM removes it counts it. Returns the step counted, or nil.
_CLAIM = (
    _NOW
    + """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > now then
  return false
end
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return false
end
local entry = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[4])
if not entry then
  return false
end
local step = string.match(entry, '^%S+ (.+)$')
redis.call('HINCRBY', KEYS[3], 'abandoned:' .. step, 1)
return step
"""
)

# KEYS: due, seen. ARGV: chat, ms the session has left, session ttl ms. A due chat whose
# session is still alive: move its expected expiry forward (never back), keep its seen set.
_REFRESH = (
    _NOW
    + """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
local expiry = now + tonumber(ARGV[2])
if score and tonumber(score) < expiry then
  redis.call('ZADD', KEYS[1], expiry, ARGV[1])
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]) + tonumber(ARGV[3]))
end
return 0
"""
)

# KEYS: due, at, seen. ARGV: chat.
_DROP = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return 0
"""

RedisClient = aioredis.Redis | RedisCluster


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisFunnel:
    """The funnel every replica shares; takes ownership of the client."""

    def __init__(
        self,
        client: RedisClient,
        *,
        ttl_seconds: int,
        on_count: OnCount | None = None,
        call_timeout_seconds: float = 7.0,
        owns_client: bool = True,
    ) -> None:
        self._client = client
        self._owns_client = owns_client
        self._ttl_ms = ttl_seconds * 1000
        self._on_count = on_count
        self._call_timeout = call_timeout_seconds
        self._record = client.register_script(_RECORD)
        self._due = client.register_script(_DUE)
        self._claim = client.register_script(_CLAIM)
        self._refresh = client.register_script(_REFRESH)
        self._drop = client.register_script(_DROP)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        ttl_seconds: int,
        cluster: bool = False,
        on_count: OnCount | None = None,
        timeout_seconds: float = 5.0,
    ) -> RedisFunnel:
        """A funnel on its own connection pool (one node's URL names a whole cluster)."""
        client = redis_client(url, cluster=cluster, timeout_seconds=timeout_seconds)
        return cls(client, ttl_seconds=ttl_seconds, on_count=on_count)

    @classmethod
    def beside(
        cls, store: RedisSessionStore, *, ttl_seconds: int, on_count: OnCount | None = None
    ) -> RedisFunnel:
        """A funnel on the store's client, so its records ride the store's commits."""
        return cls(store.client, ttl_seconds=ttl_seconds, on_count=on_count, owns_client=False)

    def _redis(self) -> AbstractAsyncContextManager[None]:
        return redis_call(self._call_timeout)

    def _record_call(self, chat_id: int, progress: Progress) -> tuple[list[str], list[str | int]]:
        keys = [counts_key(), due_key(), at_key(), seen_key(chat_id)]
        args: list[str | int] = [chat_id, progress.sid, progress.step or "", self._ttl_ms]
        return keys, args + list(progress.counts)

    async def record(self, chat_id: int, progress: Progress) -> list[str]:
        """Apply one event's bookkeeping in one script; return what was counted."""
        keys, args = self._record_call(chat_id, progress)
        async with self._redis():
            counted = [_text(field) for field in await self._record(keys=keys, args=args)]
        self._report(counted)
        return counted

    async def record_on_commit(self, slot: SessionSlot, chat_id: int, progress: Progress) -> None:
        """Send the record script with the session's commit."""
        keys, args = self._record_call(chat_id, progress)

        def settle(reply: object) -> None:
            if isinstance(reply, StoreError):
                _not_recorded(chat_id, reply)
            elif isinstance(reply, list):
                self._report([_text(field) for field in reply])

        slot.riders.append(Rider(self._record, keys, args, settle))

    async def drop(self, chat_id: int) -> None:
        """Forget a chat's open conversation without counting it."""
        async with self._redis():
            await self._drop(keys=[due_key(), at_key(), seen_key(chat_id)], args=[chat_id])

    async def sweep(self) -> list[str]:
        """Count expired conversations as abandoned, exactly once across replicas."""
        counted: list[str] = []
        for _ in range(_SWEEP_BATCHES):
            async with self._redis():
                due = [int(_text(chat)) for chat in await self._due([due_key()], [_SWEEP_BATCH])]
            for chat_id in due:
                async with self._redis():
                    left = int(await self._client.pttl(session_key(chat_id)))
                    if left == -2:
                        keys = [due_key(), at_key(), counts_key(), seen_key(chat_id)]
                        step = await self._claim(keys=keys, args=[chat_id])
                        if step:
                            counted.append(f"abandoned:{_text(step)}")
                    else:
                        # -1 (no expiry) should not happen; treat it as a fresh session TTL.
                        ms = left if left >= 0 else self._ttl_ms
                        keys = [due_key(), seen_key(chat_id)]
                        await self._refresh(keys=keys, args=[chat_id, max(ms, 1), self._ttl_ms])
            if len(due) < _SWEEP_BATCH:
                break
        self._report(counted)
        return counted

    async def counts(self) -> dict[str, int]:
        """Every counter, by `<event>:<step>`."""
        async with self._redis():
            raw = await self._client.hgetall(counts_key())
        return {_text(field): int(value) for field, value in raw.items()}

    async def aclose(self) -> None:
        """Close the client, unless it is the store's."""
        if self._owns_client:
            await self._client.aclose()

    def _report(self, counted: list[str]) -> None:
        if self._on_count is not None:
            for field in counted:
                event, _, step = field.partition(":")
                self._on_count(event, step)


class MemoryFunnel:
    """The in-process twin; a session it cannot see expire is probed with the store's peek."""

    def __init__(
        self,
        store: SessionStore,
        *,
        ttl_seconds: int,
        clock: Callable[[], float] = time.monotonic,
        on_count: OnCount | None = None,
    ) -> None:
        self._store = store
        self._ttl = float(ttl_seconds)
        self._clock = clock
        self._on_count = on_count
        self._counts: dict[str, int] = {}
        self._at: dict[int, tuple[str, str]] = {}
        self._due: dict[int, float] = {}
        self._seen: dict[int, set[str]] = {}

    async def record(self, chat_id: int, progress: Progress) -> list[str]:
        """Apply one event's bookkeeping; return what was counted."""
        counted: list[str] = []
        entry = self._at.get(chat_id)
        if entry is not None and entry[0] != progress.sid:
            if self._due.pop(chat_id, None) is not None:
                counted.append(self._count(f"abandoned:{entry[1]}"))
            self._forget(chat_id)
        seen = self._seen.setdefault(chat_id, set())
        for field in progress.counts:
            if field.startswith("invalid:") or field not in seen:
                seen.add(field)
                counted.append(self._count(field))
        if progress.step is None:
            self._forget(chat_id)
        else:
            self._at[chat_id] = (progress.sid, progress.step)
            self._due[chat_id] = self._clock() + self._ttl
        self._report(counted)
        return counted

    async def record_on_commit(self, slot: SessionSlot, chat_id: int, progress: Progress) -> None:
        """Apply it now: memory has no round trip to share."""
        await self.record(chat_id, progress)

    async def drop(self, chat_id: int) -> None:
        """Forget a chat's open conversation without counting it."""
        self._forget(chat_id)

    async def sweep(self) -> list[str]:
        """Count expired conversations as abandoned (once: the claim is the dict pop)."""
        counted: list[str] = []
        now = self._clock()
        for chat_id in [chat for chat, expiry in self._due.items() if expiry <= now]:
            if await self._store.peek(chat_id) is not None:
                # Still alive: its real expiry is at most a full TTL away.
                self._due[chat_id] = max(self._due.get(chat_id, now), now + self._ttl)
                continue
            if self._due.pop(chat_id, None) is not None and chat_id in self._at:
                counted.append(self._count(f"abandoned:{self._at[chat_id][1]}"))
            self._forget(chat_id)
        self._report(counted)
        return counted

    async def counts(self) -> dict[str, int]:
        """Every counter, by `<event>:<step>`."""
        return dict(self._counts)

    async def aclose(self) -> None:
        """Nothing to release."""

    def _count(self, field: str) -> str:
        self._counts[field] = self._counts.get(field, 0) + 1
        return field

    def _forget(self, chat_id: int) -> None:
        self._at.pop(chat_id, None)
        self._due.pop(chat_id, None)
        self._seen.pop(chat_id, None)

    def _report(self, counted: list[str]) -> None:
        if self._on_count is not None:
            for field in counted:
                event, _, step = field.partition(":")
                self._on_count(event, step)


def open_funnel(settings: Settings, store: SessionStore, on_count: OnCount | None = None) -> Funnel:
    """The Redis funnel when REDIS_URL is set, else the memory twin beside the memory store."""
    ttl = settings.session_ttl_seconds
    if not settings.redis_url:
        return MemoryFunnel(store, ttl_seconds=ttl, on_count=on_count)
    if isinstance(store, RedisSessionStore):
        return RedisFunnel.beside(store, ttl_seconds=ttl, on_count=on_count)
    return RedisFunnel.from_url(
        settings.redis_url, ttl_seconds=ttl, cluster=settings.redis_cluster, on_count=on_count
    )


def _not_recorded(chat_id: int, error: StoreError) -> None:
    _log.warning("chat %s: funnel not updated (%s)", chat_id, type(error).__name__)


async def sweep_forever(funnel: Funnel, interval_seconds: float) -> None:
    """Sweep every `interval_seconds` until cancelled; a failed sweep is logged and retried."""
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            counted = await funnel.sweep()
        except StoreError as error:
            _log.warning("funnel sweep failed: %s", type(error).__name__)
            continue
        if counted:
            _log.info("funnel sweep: %d conversation(s) abandoned", len(counted))


# ---- showing it ----------------------------------------------------------------------------


def _ratio(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.1f} %" if percent else f"{value:.2f}"


def funnel_table(rows: Sequence[StepCounts]) -> str:
    """The funnel as a plain-text table, one line per step, for a terminal."""
    header = ("step", "reached", "completed", "drop-off", "invalid/completion", "abandoned")
    lines = [header] + [
        (
            row.step,
            str(row.reached),
            str(row.answered),
            _ratio(row.drop_off, percent=True),
            _ratio(row.invalid_per_completion),
            str(row.abandoned),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = []
    for line in lines:
        numbers = zip(line[1:], widths[1:], strict=True)
        cells = [line[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in numbers]
        text.append("  ".join(cells).rstrip())
    return "\n".join(text) + "\n"


def render_funnel(rows: Sequence[StepCounts], lang: str, markup: Markup = HTML) -> str:
    """The funnel as staff read it in Telegram: one localized line per step."""
    cat = catalog(lang)
    lines = [markup.bold(markup.escape(cat.render("funnel-title")))]
    lines.append(markup.escape(cat.render("funnel-legend")))
    if not any(row.reached for row in rows):
        lines.append(markup.escape(cat.render("funnel-empty")))
        return "\n".join(lines)
    none = cat.render("funnel-none")
    for position, row in enumerate(rows, 1):
        step = STEP_BY_NAME.get(row.step)
        label = cat.render(f"field-{step.key}" if step else "funnel-summary")
        args: dict[str, Any] = {
            "position": position,
            "step": label,
            "reached": row.reached,
            "completed": row.answered,
            "abandoned": row.abandoned,
            "dropoff": none
            if row.drop_off is None
            else cat.render("funnel-percent", {"value": row.drop_off}),
            "invalid": none
            if row.invalid_per_completion is None
            else cat.render("funnel-ratio", {"value": row.invalid_per_completion}),
        }
        lines.append(markup.escape(cat.render("funnel-row", args)))
    return "\n".join(lines)


def funnel_command(settings: Settings, args: argparse.Namespace) -> int:
    """`migo-bot funnel`: print the funnel kept in REDIS_URL."""
    if not settings.redis_url:
        print("migo-bot funnel: REDIS_URL is not set (the funnel lives in Redis)")
        return 2
    return asyncio.run(_print_funnel(settings))


async def _print_funnel(settings: Settings) -> int:
    assert settings.redis_url is not None
    funnel = RedisFunnel.from_url(
        settings.redis_url, ttl_seconds=settings.session_ttl_seconds, cluster=settings.redis_cluster
    )
    try:
        counts = await funnel.counts()
    except StoreError as error:
        print(f"migo-bot funnel: the funnel's Redis at REDIS_URL does not answer: {error}")
        return 3
    finally:
        await funnel.aclose()
    print(funnel_table(funnel_rows(counts)), end="")
    return 0
